package io.allas.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * Many lean listener connections on a few selector threads. Each connection logs in (trust, cleartext or
 * md5), sends {@code LISTEN channel}, and then parses only what it must: NotificationResponse (checked for
 * channel, exactly-once and order), ErrorResponse (the run fails at once) and end of stream (likewise).
 */
final class ListenerPool implements AutoCloseable {

    private static final int CONNECTING = 0;
    private static final int AUTHENTICATING = 1;
    private static final int LISTEN_SENT = 2;
    private static final int LISTENING = 3;
    private static final int READ_BUFFER = 256 * 1024;

    /** One listener connection. Touched only by its loop's thread while the pool runs. */
    static final class Conn {
        final int id;
        final String channel;
        final byte[] channelBytes;
        final long[] next;
        Loop loop;
        SocketChannel ch;
        SelectionKey key;
        int state = CONNECTING;
        boolean listenComplete;
        ByteBuffer pendingWrite;
        byte[] carry;
        int carryLen;
        long received;
        long connectStartNanos;
        long listenSentNanos;
        long ackNanos;

        final String kind;

        Conn(String kind, int id, String channel, int producers) {
            this.kind = kind;
            this.id = id;
            this.channel = channel;
            this.channelBytes = channel.getBytes(StandardCharsets.UTF_8);
            this.next = new long[producers];
        }

        String describe() {
            return kind + " #" + id + " (channel " + channel + ")";
        }
    }

    private final Endpoint target;
    private final InetSocketAddress address;
    private final Conn[] conns;
    private final Loop[] loops;
    private final AtomicReference<String> failure;
    private final AtomicInteger acknowledged = new AtomicInteger();
    private volatile CommitClock clock;
    private volatile ReadTimes readTimes;
    private volatile boolean closing;

    /**
     * @param maxConnecting connections per loop that may be between connect and LISTEN acknowledgement at once;
     *                      0 for no limit (a storm)
     */
    ListenerPool(Endpoint target, int count, int threads, IntFunction<String> channelOf, int producers,
                 int maxConnecting) throws IOException {
        this("listener", target, count, threads, channelOf, producers, maxConnecting, new AtomicReference<>());
    }

    private ListenerPool(String kind, Endpoint target, int count, int threads, IntFunction<String> channelOf,
                         int producers, int maxConnecting, AtomicReference<String> failure) throws IOException {
        this.failure = failure;
        this.target = target;
        this.address = new InetSocketAddress(target.host(), target.port());
        this.conns = new Conn[count];
        this.loops = new Loop[Math.max(1, Math.min(threads, count))];
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new Loop(i, maxConnecting <= 0 ? Integer.MAX_VALUE : maxConnecting);
        }
        for (int i = 0; i < count; i++) {
            Conn c = new Conn(kind, i, channelOf.apply(i), producers);
            c.loop = loops[i % loops.length];
            c.loop.toConnect.add(c);
            conns[i] = c;
        }
    }

    /**
     * One listener on {@code direct} (PostgreSQL itself) and {@code channel}, on a selector thread of its own so
     * that it does not queue behind this pool's sockets: the reference of {@link AddedLatency}. Its deliveries
     * are verified like this pool's but counted apart; its failures fail this pool too.
     */
    ListenerPool reference(Endpoint direct, String channel) throws IOException {
        return new ListenerPool("reference listener", direct, 1, 1, i -> channel, 1, 1, failure);
    }

    void start() {
        for (Loop l : loops) {
            l.thread.start();
        }
    }

    void latencyClock(CommitClock clock) {
        this.clock = clock;
    }

    /** From now on, every listener's read time of the range's sequence numbers (of producer 0) goes there. */
    void recordReadTimes(ReadTimes times) {
        this.readTimes = times;
    }

    int size() {
        return conns.length;
    }

    String failure() {
        return failure.get();
    }

    int acknowledged() {
        return acknowledged.get();
    }

    void fail(String reason) {
        if (!closing) {
            failure.compareAndSet(null, reason);
        }
    }

    /** Deliveries so far, all listeners together (as of each loop's last pass). */
    long delivered() {
        long n = 0;
        for (Loop l : loops) {
            n += l.deliveredPublished;
        }
        return n;
    }

    long lastDeliveryNanos() {
        long t = 0;
        for (Loop l : loops) {
            t = Math.max(t, l.lastDeliveryPublished);
        }
        return t;
    }

    /** Delivery latency of all loops; call after {@link #close()}. */
    Histogram deliveryLatency() {
        Histogram h = new Histogram();
        for (Loop l : loops) {
            h.add(l.latency);
        }
        return h;
    }

    /** CPU time of the selector threads, nanoseconds; call after {@link #close()}. */
    long loopCpuNanos() {
        long n = 0;
        for (Loop l : loops) {
            n += l.cpuNanos;
        }
        return n;
    }

    List<Conn> connections() {
        return Arrays.asList(conns);
    }

    /** Every listener's per-producer next sequence number equals {@code sent}; else a description of the first that does not. */
    String verifyComplete(long[] sent) {
        for (Conn c : conns) {
            for (int p = 0; p < sent.length; p++) {
                if (c.next[p] != sent[p]) {
                    return c.describe() + " received " + c.next[p] + " of " + sent[p] + " notifications of producer " + p;
                }
            }
        }
        return null;
    }

    /** Listeners short of {@code expected} deliveries (for a stall report). */
    String shortListeners(long expected, int max) {
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        int shortCount = 0;
        for (Conn c : conns) {
            if (c.received < expected) {
                shortCount++;
                if (shown < max) {
                    sb.append(shown == 0 ? "" : ", ").append('#').append(c.id).append(':').append(c.received);
                    shown++;
                }
            }
        }
        return shortCount + " listeners short (id:received " + sb + (shortCount > shown ? ", ..." : "") + ")";
    }

    @Override
    public void close() {
        closing = true;
        for (Loop l : loops) {
            l.stop = true;
            l.selector.wakeup();
        }
        for (Loop l : loops) {
            try {
                l.thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One selector thread and the connections it owns. */
    final class Loop implements Runnable {
        final Thread thread;
        final Selector selector;
        final ArrayDeque<Conn> toConnect = new ArrayDeque<>();
        final List<Conn> owned = new ArrayList<>();
        final int maxConnecting;
        final byte[] buf = new byte[READ_BUFFER];
        final ByteBuffer bb = ByteBuffer.wrap(buf);
        final Histogram latency = new Histogram();
        int connecting;
        long delivered;
        long lastDelivery;
        volatile long deliveredPublished;
        volatile long lastDeliveryPublished;
        volatile boolean stop;
        long cpuNanos;
        long readNanos;

        Loop(int index, int maxConnecting) throws IOException {
            this.selector = Selector.open();
            this.maxConnecting = maxConnecting;
            this.thread = new Thread(this, "bench-loop-" + index);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            try {
                while (!stop) {
                    openPending();
                    selector.select(50);
                    var it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey k = it.next();
                        it.remove();
                        Conn c = (Conn) k.attachment();
                        try {
                            if (!k.isValid()) {
                                continue;
                            }
                            if (k.isConnectable()) {
                                finishConnect(c);
                            } else {
                                if (k.isWritable()) {
                                    flush(c);
                                }
                                if (k.isReadable()) {
                                    onReadable(c);
                                }
                            }
                        } catch (IOException e) {
                            lost(c, e.toString());
                        }
                    }
                    if (delivered != deliveredPublished) {
                        lastDeliveryPublished = lastDelivery;
                        deliveredPublished = delivered;
                    }
                }
            } catch (IOException | ClosedSelectorException e) {
                fail("selector loop " + thread.getName() + ": " + e);
            } finally {
                closeGracefully();
                try {
                    selector.close();
                } catch (IOException ignored) {
                    // exiting
                }
                cpuNanos = mx.getCurrentThreadCpuTime();
            }
        }

        private void openPending() {
            while (connecting < maxConnecting && !toConnect.isEmpty() && !stop) {
                Conn c = toConnect.poll();
                connecting++;
                owned.add(c);
                try {
                    c.connectStartNanos = System.nanoTime();
                    c.ch = SocketChannel.open();
                    c.ch.configureBlocking(false);
                    c.ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    if (c.ch.connect(address)) {
                        c.key = c.ch.register(selector, SelectionKey.OP_READ, c);
                        connected(c);
                    } else {
                        c.key = c.ch.register(selector, SelectionKey.OP_CONNECT, c);
                    }
                } catch (IOException e) {
                    lost(c, "cannot connect to " + address + ": " + e);
                }
            }
        }

        private void finishConnect(Conn c) throws IOException {
            if (c.ch.finishConnect()) {
                c.key.interestOps(SelectionKey.OP_READ);
                connected(c);
            }
        }

        private void connected(Conn c) throws IOException {
            c.state = AUTHENTICATING;
            send(c, Wire.startup(target.user(), target.databaseOrUser(), "allas-bench"));
        }

        private void send(Conn c, ByteBuffer msg) throws IOException {
            if (c.pendingWrite != null) {
                ByteBuffer joined = ByteBuffer.allocate(c.pendingWrite.remaining() + msg.remaining());
                joined.put(c.pendingWrite).put(msg).flip();
                c.pendingWrite = joined;
                return;
            }
            c.ch.write(msg);
            if (msg.hasRemaining()) {
                c.pendingWrite = msg;
                c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        }

        private void flush(Conn c) throws IOException {
            if (c.pendingWrite != null) {
                c.ch.write(c.pendingWrite);
                if (!c.pendingWrite.hasRemaining()) {
                    c.pendingWrite = null;
                    c.key.interestOps(SelectionKey.OP_READ);
                }
            }
        }

        private void onReadable(Conn c) throws IOException {
            for (int round = 0; round < 16; round++) {
                bb.clear();
                if (c.carryLen > 0) {
                    bb.put(c.carry, 0, c.carryLen);
                }
                int n = c.ch.read(bb);
                if (n < 0) {
                    lost(c, "the server closed the connection");
                    return;
                }
                if (n == 0) {
                    return;
                }
                readNanos = System.nanoTime();
                int end = bb.position();
                int consumed = parse(c, end);
                if (c.ch == null) {
                    return; // failed and closed while parsing
                }
                int rest = end - consumed;
                if (rest > 0) {
                    if (c.carry == null || c.carry.length < rest) {
                        c.carry = new byte[Math.max(rest, 256)];
                    }
                    System.arraycopy(buf, consumed, c.carry, 0, rest);
                }
                c.carryLen = rest;
                if (end < buf.length) {
                    return; // the socket had no more for now
                }
            }
        }

        /** Handles the complete messages in buf[0, end); returns how many bytes they took. */
        private int parse(Conn c, int end) throws IOException {
            int p = 0;
            while (end - p >= 5) {
                byte type = buf[p];
                int len = ((buf[p + 1] & 0xff) << 24) | ((buf[p + 2] & 0xff) << 16) | ((buf[p + 3] & 0xff) << 8)
                        | (buf[p + 4] & 0xff);
                if (len < 4 || len > buf.length - 1) {
                    lost(c, "bad message length " + len + " for message type '" + (char) type + "'");
                    return p;
                }
                if (end - p < 1 + len) {
                    break;
                }
                int body = p + 5;
                int bodyEnd = p + 1 + len;
                switch (type) {
                    case 'A' -> notification(c, body, bodyEnd);
                    case 'R' -> authentication(c, body, bodyEnd);
                    case 'Z' -> ready(c);
                    case 'C' -> {
                        if (c.state == LISTEN_SENT) {
                            c.listenComplete = true;
                        }
                    }
                    case 'E' -> {
                        lost(c, "ErrorResponse: " + Wire.describeError(buf, body, bodyEnd));
                        return p;
                    }
                    default -> {
                        // ParameterStatus, BackendKeyData, NoticeResponse ...: nothing to do
                    }
                }
                if (c.ch == null) {
                    return p;
                }
                p = bodyEnd;
            }
            return p;
        }

        private void authentication(Conn c, int body, int bodyEnd) throws IOException {
            int code = readInt(body);
            switch (code) {
                case 0 -> {
                    // AuthenticationOk: ParameterStatus ... ReadyForQuery follow
                }
                case 3 -> send(c, Wire.password(target.password()));
                case 5 -> send(c, Wire.md5Password(target.user(), target.password(),
                        Arrays.copyOfRange(buf, body + 4, body + 8)));
                default -> lost(c, "authentication method " + code + " is not supported by allas-bench"
                        + " (it speaks trust, cleartext password and md5)");
            }
        }

        private void ready(Conn c) throws IOException {
            if (c.state == AUTHENTICATING) {
                c.state = LISTEN_SENT;
                c.listenSentNanos = System.nanoTime();
                send(c, Wire.query("LISTEN " + quoteIdentifier(c.channel)));
            } else if (c.state == LISTEN_SENT && c.listenComplete) {
                c.state = LISTENING;
                c.ackNanos = System.nanoTime();
                connecting--;
                acknowledged.incrementAndGet();
            }
        }

        private void notification(Conn c, int body, int bodyEnd) {
            int ch = body + 4;
            int chLen = c.channelBytes.length;
            if (ch + chLen >= bodyEnd || buf[ch + chLen] != 0
                    || !Arrays.equals(buf, ch, ch + chLen, c.channelBytes, 0, chLen)) {
                int z = ch;
                while (z < bodyEnd && buf[z] != 0) {
                    z++;
                }
                lost(c, "notification on channel " + new String(buf, ch, z - ch, StandardCharsets.UTF_8)
                        + ", which it did not listen on");
                return;
            }
            int q = ch + chLen + 1;
            long a = 0;
            long b = -1;
            int digits = 0;
            while (q < bodyEnd && buf[q] != 0) {
                byte d = buf[q++];
                if (d >= '0' && d <= '9') {
                    if (b < 0) {
                        a = a * 10 + (d - '0');
                    } else {
                        b = b * 10 + (d - '0');
                    }
                    digits++;
                } else if (d == '.' && b < 0) {
                    b = 0;
                } else if (d == ' ') {
                    break; // padding follows
                } else {
                    lost(c, "unexpected payload byte " + d);
                    return;
                }
            }
            int producer = b < 0 ? 0 : (int) a;
            long seq = b < 0 ? a : b;
            if (digits == 0 || producer >= c.next.length) {
                lost(c, "unexpected payload (producer " + producer + ", " + digits + " digits)");
                return;
            }
            long expected = c.next[producer];
            if (seq != expected) {
                lost(c, "notification " + producer + "." + seq + " where " + producer + "." + expected + " was due ("
                        + (seq < expected ? "duplicate or out of order" : "missed or out of order") + ")");
                return;
            }
            c.next[producer] = expected + 1;
            c.received++;
            delivered++;
            lastDelivery = readNanos;
            CommitClock k = clock;
            if (k != null && producer == 0) {
                long committed = k.commitTime(seq);
                if (committed != 0) {
                    latency.record(readNanos - committed);
                }
            }
            ReadTimes times = readTimes;
            if (times != null && producer == 0) {
                times.record(c.id, seq, readNanos);
            }
        }

        private int readInt(int at) {
            return ((buf[at] & 0xff) << 24) | ((buf[at + 1] & 0xff) << 16) | ((buf[at + 2] & 0xff) << 8)
                    | (buf[at + 3] & 0xff);
        }

        private void lost(Conn c, String reason) {
            fail(c.describe() + ": " + reason);
            if (c.state != LISTENING) {
                connecting--;
            }
            closeQuietly(c);
        }

        /**
         * Sends Terminate on every connection and closes each once the server has closed its end, as
         * PostgreSQL clients do: the side that closes first keeps the TIME_WAIT, and thousands of them
         * on the generator's side would slow the next run's connects (the kernel searches the
         * ephemeral ports past them).
         */
        private void closeGracefully() {
            int open = 0;
            for (Conn c : owned) {
                if (c.ch == null) {
                    continue;
                }
                try {
                    if (c.ch.isConnected() && c.pendingWrite == null && c.ch.write(Wire.terminate()) > 0
                            && c.key != null && c.key.isValid()) {
                        c.key.interestOps(SelectionKey.OP_READ);
                        open++;
                        continue;
                    }
                } catch (IOException ignored) {
                    // closed below
                }
                closeQuietly(c);
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            try {
                while (open > 0 && System.nanoTime() < deadline) {
                    selector.select(100);
                    var it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        Conn c = (Conn) it.next().attachment();
                        it.remove();
                        bb.clear();
                        int read;
                        try {
                            read = c.ch.read(bb);
                        } catch (IOException e) {
                            read = -1;
                        }
                        if (read < 0) {
                            c.key.cancel();
                            forceClose(c);
                            open--;
                        }
                    }
                }
            } catch (IOException | ClosedSelectorException e) {
                // closing anyway
            }
            for (Conn c : owned) {
                forceClose(c);
            }
        }

        private void forceClose(Conn c) {
            if (c.ch == null) {
                return;
            }
            try {
                c.ch.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
            c.ch = null;
        }

        private void closeQuietly(Conn c) {
            if (c.ch == null) {
                return;
            }
            try {
                if (c.ch.isConnected() && c.pendingWrite == null) {
                    c.ch.write(Wire.terminate());
                }
            } catch (IOException ignored) {
                // closing anyway
            }
            try {
                c.ch.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
            c.ch = null;
        }
    }

    static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
