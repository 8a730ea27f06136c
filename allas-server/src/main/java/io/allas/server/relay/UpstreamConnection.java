package io.allas.server.relay;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The one connection to the real server, used only from the relay thread (except
 * {@link #wake()}). Waits for notifications on the socket's readiness, so that it sleeps while
 * nothing happens and wakes at once when a session asks for a LISTEN.
 *
 * <p>pgjdbc connects, authenticates and runs the statements. On a plain TCP connection the
 * notifications that arrive between statements are read by {@link UpstreamMessageReader} instead,
 * straight from the socket; the socket then stays non-blocking and registered with the selector,
 * and is handed to pgjdbc (blocking) only for a statement. pgjdbc's own buffer is emptied after
 * every statement, so that each side always finds the stream at a message boundary. Over TLS the
 * socket carries ciphertext, and pgjdbc reads everything.
 */
final class UpstreamConnection implements AutoCloseable {

    private final Connection connection;
    private final PGConnection pg;
    private final SocketChannel channel;
    private final Selector selector;
    private final int backendPid;
    private final boolean tls;
    private final UpstreamMessageReader reader = new UpstreamMessageReader();
    private final Duration stallTimeout;
    /** Notifications pgjdbc read during a statement, handed out by the next read. */
    private final List<NotificationRun> readDuringStatements = new ArrayList<>();
    /** While the relay reads the socket itself (plain TCP, between statements). */
    private SelectionKey readKey;

    private UpstreamConnection(Connection connection, SocketChannel channel, Selector selector, Duration stallTimeout)
            throws SQLException, IOException {
        this.connection = connection;
        this.pg = connection.unwrap(PGConnection.class);
        this.channel = channel;
        this.selector = selector;
        this.stallTimeout = stallTimeout;
        this.backendPid = pg.getBackendPID();
        this.tls = queryTls();
        collectDriverNotifications();
        if (!tls) {
            readKey = register();
        }
    }

    /**
     * Connects.
     *
     * @throws SQLException when the server cannot be reached or refuses
     */
    static UpstreamConnection open(UpstreamTarget target, Duration statementTimeout) throws SQLException, IOException {
        String key = UUID.randomUUID().toString();
        AtomicReference<SocketChannel> created = new AtomicReference<>();
        UpstreamSocketFactory.register(key, created::set);
        Selector selector = Selector.open();
        Connection connection = null;
        try {
            Properties properties = new Properties();
            properties.putAll(target.properties());
            properties.setProperty("socketFactory", UpstreamSocketFactory.class.getName());
            properties.setProperty("socketFactoryArg", key);
            // A statement (a ping included) that gets no answer in time means the connection is dead.
            // pgjdbc counts in whole seconds: round up.
            properties.setProperty("socketTimeout", String.valueOf(Math.max(1, (statementTimeout.toMillis() + 999) / 1000)));
            // Nor may the startup itself hang on a server that accepted the connection but says nothing.
            properties.setProperty("loginTimeout", String.valueOf(Math.max(1, (statementTimeout.toMillis() + 999) / 1000)));
            connection = DriverManager.getConnection(target.url(), properties);
            return new UpstreamConnection(connection, created.get(), selector, statementTimeout);
        } catch (SQLException | IOException | RuntimeException e) {
            if (connection != null) {
                connection.close();
            }
            selector.close();
            throw e;
        } finally {
            UpstreamSocketFactory.unregister(key);
        }
    }

    int backendPid() {
        return backendPid;
    }

    /**
     * @return whether the connection is encrypted (then pgjdbc reads the notifications too)
     */
    boolean tls() {
        return tls;
    }

    Map<String, String> parameterStatuses() {
        return pg.getParameterStatuses();
    }

    /**
     * Runs statements in one round trip.
     */
    void execute(String sql) throws SQLException, IOException {
        withDriver(() -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
            return null;
        });
    }

    /**
     * @return the channels this connection listens on, as the server sees them
     */
    Set<String> listeningChannels() throws SQLException, IOException {
        return withDriver(() -> {
            Set<String> channels = new TreeSet<>();
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT pg_listening_channels()")) {
                while (rows.next()) {
                    channels.add(rows.getString(1));
                }
            }
            return channels;
        });
    }

    /**
     * @return the notifications that have arrived, without waiting
     */
    List<NotificationRun> pendingNotifications() throws SQLException, IOException {
        List<NotificationRun> notifications = takeReadDuringStatements();
        if (tls) {
            notifications.addAll(driverNotifications(pg.getNotifications()));
        } else {
            reader.read(channel, this::awaitRestOfMessage, notifications);
        }
        return notifications;
    }

    /**
     * Sleeps until the server sends something, {@link #wake()} is called, or the time is up.
     *
     * @return the notifications that arrived
     */
    List<NotificationRun> awaitNotifications(long timeoutMillis) throws SQLException, IOException {
        if (!readDuringStatements.isEmpty()) {
            return takeReadDuringStatements();
        }
        if (!tls) {
            selectReadable(timeoutMillis);
            return pendingNotifications();
        }
        boolean readable;
        // The channel must be non-blocking to be selected, and blocking again before pgjdbc reads it.
        channel.configureBlocking(false);
        SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
        try {
            readable = selectReadable(timeoutMillis);
        } finally {
            key.cancel();
            selector.selectNow();
            channel.configureBlocking(true);
        }
        if (!readable) {
            return List.of();
        }
        // Bytes are there: a short timeout lets pgjdbc read them even within its own check throttle.
        return driverNotifications(pg.getNotifications(1));
    }

    /**
     * Interrupts {@link #awaitNotifications}, from any thread; a wake-up before the wait makes
     * the next wait return at once.
     */
    void wake() {
        selector.wakeup();
    }

    boolean isClosed() {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    @Override
    public void close() {
        try {
            if (readKey != null) {
                // pgjdbc's farewell (Terminate) needs the socket back in blocking mode.
                deregister();
            }
        } catch (IOException e) {
            // The socket is broken: pgjdbc's close below only releases what is left.
        }
        try {
            connection.close();
        } catch (SQLException e) {
            // Closing a broken connection: nothing left to release.
        }
        try {
            selector.close();
        } catch (IOException e) {
            // As above.
        }
    }

    private interface DriverWork<T> {
        T run() throws SQLException;
    }

    /** Lends the socket to pgjdbc for one piece of work, and takes it back at a message boundary. */
    private <T> T withDriver(DriverWork<T> work) throws SQLException, IOException {
        if (!tls) {
            deregister();
        }
        try {
            return work.run();
        } finally {
            // A statement that failed without breaking the connection leaves it in use.
            if (!isClosed()) {
                // Leaves pgjdbc's buffer empty: whatever it read past the statement's end is taken now.
                collectDriverNotifications();
                if (!tls) {
                    readKey = register();
                }
            }
        }
    }

    private void collectDriverNotifications() throws SQLException {
        readDuringStatements.addAll(driverNotifications(pg.getNotifications()));
    }

    private List<NotificationRun> takeReadDuringStatements() {
        List<NotificationRun> taken = new ArrayList<>(readDuringStatements);
        readDuringStatements.clear();
        return taken;
    }

    private static List<NotificationRun> driverNotifications(PGNotification[] notifications) {
        if (notifications == null) {
            return new ArrayList<>();
        }
        long receivedNanos = System.nanoTime();
        List<NotificationRun> converted = new ArrayList<>(notifications.length);
        for (PGNotification notification : notifications) {
            converted.add(NotificationRun.of(notification.getPID(), notification.getName(), notification.getParameter(),
                    receivedNanos));
        }
        return converted;
    }

    private boolean queryTls() throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            // No row (a server without pg_stat_ssl rows for this backend): assume TLS, the path that always works.
            return !rows.next() || rows.getBoolean(1);
        }
    }

    private SelectionKey register() throws IOException {
        channel.configureBlocking(false);
        return channel.register(selector, SelectionKey.OP_READ);
    }

    private void deregister() throws IOException {
        readKey.cancel();
        readKey = null;
        // The cancelled key leaves the selector only at its next selection.
        selector.selectNow();
        channel.configureBlocking(true);
    }

    private boolean selectReadable(long timeoutMillis) throws IOException {
        boolean readable = selector.select(Math.max(1, timeoutMillis)) > 0;
        selector.selectedKeys().clear();
        return readable;
    }

    /** The server writes whole messages: the rest of one that was cut short follows at once, or the connection is dead. */
    private void awaitRestOfMessage() throws IOException {
        // A wake-up (a session asking for a LISTEN) also ends a select: only the deadline means a stall.
        long deadline = System.nanoTime() + stallTimeout.toNanos();
        while (!selectReadable(Math.max(1, (deadline - System.nanoTime()) / 1_000_000))) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IOException("the upstream server stopped in the middle of a message for "
                        + stallTimeout.toMillis() + " ms");
            }
        }
    }
}
