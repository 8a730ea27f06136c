package io.allas.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which channels the relay's upstream connection listens on, read from the conversation itself:
 * the LISTEN and UNLISTEN statements allas sends, counted once the server has completed them and
 * their transaction is over (ReadyForQuery, idle) without an error. PostgreSQL has no view of
 * another session's channels, and the relay has no business answering the question for tests, so
 * the tests watch the wire, as PostgreSQL sees it.
 *
 * <p>Follows simple queries (statements split at semicolons outside quotes) and the extended
 * protocol as pgjdbc speaks it (Parse, Bind, Execute ... Sync, statements named or not). After an
 * error the server skips to Sync and rolls the implicit transaction back, and so does the tap.
 */
public final class UpstreamListenTap implements UpstreamProxy.Observer {

    private static final Pattern LISTEN = Pattern.compile("(?is)^\\s*(UNLISTEN|LISTEN)\\s+(\"(?:[^\"]|\"\")*\"|[^\\s;]+)");
    private static final int STARTUP_PROTOCOL_3 = 196608;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Object, Conversation> conversations = new IdentityHashMap<>();

    /** One connection: its statements in flight and the channels the server has confirmed. */
    private static final class Conversation {
        final ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
        final ByteArrayOutputStream fromServer = new ByteArrayOutputStream();
        boolean clientStarted;
        int serverSingleBytes;
        final Map<String, String> statements = new HashMap<>();
        final Map<String, String> portals = new HashMap<>();
        /** Executed statements whose CommandComplete or ErrorResponse has not come yet, in order. */
        final ArrayDeque<String> executing = new ArrayDeque<>();
        /** Statements completed since the last ReadyForQuery: they take effect with their transaction. */
        final List<String> completed = new ArrayList<>();
        boolean failed;
        final Set<String> channels = new TreeSet<>();
    }

    @Override
    public void opened(Object connection) {
        lock.lock();
        try {
            conversations.put(connection, new Conversation());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void fromClient(Object connection, byte[] bytes, int length) {
        lock.lock();
        try {
            Conversation c = conversations.get(connection);
            byte[] buffered = append(c.fromClient, bytes, length);
            int position = 0;
            // Untyped packets first: SSLRequest / GSSENCRequest (each answered by one byte), then the startup.
            while (!c.clientStarted && buffered.length - position >= 8) {
                int size = ByteBuffer.wrap(buffered, position, 4).getInt();
                if (buffered.length - position < size) {
                    break;
                }
                if (ByteBuffer.wrap(buffered, position + 4, 4).getInt() == STARTUP_PROTOCOL_3) {
                    c.clientStarted = true;
                } else {
                    c.serverSingleBytes++;
                }
                position += size;
            }
            if (c.clientStarted) {
                position = typedMessages(buffered, position, (type, body) -> clientMessage(c, type, body));
            }
            keepRest(c.fromClient, buffered, position);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void fromServer(Object connection, byte[] bytes, int length) {
        lock.lock();
        try {
            Conversation c = conversations.get(connection);
            byte[] buffered = append(c.fromServer, bytes, length);
            int singleBytes = Math.min(c.serverSingleBytes, buffered.length);
            c.serverSingleBytes -= singleBytes;
            keepRest(c.fromServer, buffered, typedMessages(buffered, singleBytes, (type, body) -> serverMessage(c, type, body)));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void closed(Object connection) {
        lock.lock();
        try {
            conversations.remove(connection);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return the channels the server has confirmed for the relay's connection(s) now
     */
    public Set<String> channels() {
        lock.lock();
        try {
            Set<String> all = new TreeSet<>();
            conversations.values().forEach(c -> all.addAll(c.channels));
            return all;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the channels satisfy {@code condition}: the relay changes its upstream channels
     * after it has answered the client, so a channel let go is let go upstream soon after.
     */
    public Set<String> await(Predicate<Set<String>> condition, Duration timeout, String what) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            Set<String> now;
            while (!condition.test(now = channels())) {
                if (remaining <= 0) {
                    throw new AssertionError(what + " within " + timeout + "; the upstream listens on " + now);
                }
                remaining = changed.awaitNanos(remaining);
            }
            return now;
        } finally {
            lock.unlock();
        }
    }

    private static void clientMessage(Conversation c, char type, byte[] body) {
        switch (type) {
            case 'P' -> {
                String[] strings = cstrings(body, 2);
                c.statements.put(strings[0], strings[1]);
            }
            case 'B' -> {
                String[] strings = cstrings(body, 2);
                c.portals.put(strings[0], c.statements.getOrDefault(strings[1], ""));
            }
            case 'E' -> c.executing.addLast(c.portals.getOrDefault(cstrings(body, 1)[0], ""));
            case 'Q' -> statements(cstrings(body, 1)[0]).forEach(c.executing::addLast);
            default -> { }
        }
    }

    private static void serverMessage(Conversation c, char type, byte[] body) {
        switch (type) {
            case 'C' -> {
                String statement = c.executing.pollFirst();
                if (statement != null) {
                    c.completed.add(statement);
                }
            }
            // The server skips the rest up to Sync, and the implicit transaction rolls back the
            // statements that completed before the error: none of them took effect.
            case 'E' -> {
                c.executing.clear();
                c.failed = true;
            }
            case 'Z' -> {
                // 'I': the (implicit) transaction is over; inside an explicit one, effects wait for it.
                if (c.failed) {
                    c.completed.clear();
                } else if (body.length > 0 && body[0] == 'I') {
                    c.completed.forEach(statement -> apply(c, statement));
                    c.completed.clear();
                }
                c.executing.clear();
                c.failed = false;
            }
            default -> { }
        }
    }

    /** The statements of a simple query, split at semicolons outside quotes. */
    private static List<String> statements(String sql) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        char quote = 0;
        for (char ch : sql.toCharArray()) {
            if (quote != 0) {
                quote = ch == quote ? 0 : quote;
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
            } else if (ch == ';') {
                if (!current.toString().isBlank()) {
                    statements.add(current.toString());
                }
                current.setLength(0);
                continue;
            }
            current.append(ch);
        }
        if (!current.toString().isBlank()) {
            statements.add(current.toString());
        }
        return statements;
    }

    private static void apply(Conversation c, String sql) {
        if (sql == null) {
            return;
        }
        Matcher m = LISTEN.matcher(sql);
        if (!m.find()) {
            return;
        }
        String name = m.group(2);
        if (name.startsWith("\"")) {
            name = name.substring(1, name.length() - 1).replace("\"\"", "\"");
        } else if (name.equals("*")) {
            c.channels.clear();
            return;
        } else {
            name = name.toLowerCase(Locale.ROOT);
        }
        if (m.group(1).equalsIgnoreCase("LISTEN")) {
            c.channels.add(name);
        } else {
            c.channels.remove(name);
        }
    }

    private static String[] cstrings(byte[] body, int count) {
        String[] strings = new String[count];
        int position = 0;
        for (int i = 0; i < count; i++) {
            int end = position;
            while (body[end] != 0) {
                end++;
            }
            strings[i] = new String(body, position, end - position, StandardCharsets.UTF_8);
            position = end + 1;
        }
        return strings;
    }

    /** Receives one typed message. */
    private interface MessageHandler {
        void handle(char type, byte[] body);
    }

    /**
     * Hands each whole typed message from {@code position} on to the handler.
     *
     * @return where the unread rest starts
     */
    private static int typedMessages(byte[] buffered, int position, MessageHandler handler) {
        while (buffered.length - position >= 5) {
            int size = 1 + ByteBuffer.wrap(buffered, position + 1, 4).getInt();
            if (buffered.length - position < size) {
                break;
            }
            handler.handle((char) buffered[position], Arrays.copyOfRange(buffered, position + 5, position + size));
            position += size;
        }
        return position;
    }

    private static byte[] append(ByteArrayOutputStream stream, byte[] bytes, int length) {
        stream.write(bytes, 0, length);
        return stream.toByteArray();
    }

    private static void keepRest(ByteArrayOutputStream stream, byte[] buffered, int consumed) {
        stream.reset();
        stream.write(buffered, consumed, buffered.length - consumed);
    }
}
