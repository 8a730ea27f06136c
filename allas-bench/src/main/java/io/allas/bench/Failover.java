package io.allas.bench;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@code failover} scenario: N listeners on one channel (and the relay's gap channel) while a
 * producer notifies at a steady rate directly on PostgreSQL; PostgreSQL is restarted by a command
 * the caller gives. Measured from the moment PostgreSQL accepts connections again (the producer's
 * first successful reconnect): the first notification committed after it that reaches a listener
 * through the target, and the moment every listener has one. Listeners that lose their connection
 * reconnect as an application would (after {@code --reconnect-delay-ms}) and LISTEN again; the run
 * counts them, and how long until all are back. A listener that receives a notification twice or
 * out of order fails the run.
 *
 * <p>Listeners here are one virtual thread each with a blocking socket, not {@link ListenerPool}:
 * the pool fails a run at the first closed connection or missing notification, which are what this
 * scenario expects to see.
 */
final class Failover {

    private final Endpoint target;
    private final Endpoint producerDb;
    private final int n;
    private final double rate;
    private final String channel;
    private final String gapChannel;
    private final String restartCommand;
    private final double beforeSeconds;
    private final double timeoutSeconds;
    private final long reconnectDelayMillis;

    /** The first sequence number the producer sends after the restart; Long.MAX_VALUE until then. */
    private final AtomicLong resumeSeq = new AtomicLong(Long.MAX_VALUE);
    private volatile boolean stopping;
    private volatile String failure;

    Failover(Options o, Endpoint target, Endpoint producerDb) {
        this.target = target;
        this.producerDb = producerDb;
        this.n = o.intValue("listeners", 1000);
        this.rate = o.doubleValue("rate", 100);
        this.channel = o.string("channel", "bench_failover");
        this.gapChannel = o.string("gap-channel", "allas_gap");
        this.restartCommand = o.string("restart-command", null);
        this.beforeSeconds = o.doubleValue("before", 2);
        this.timeoutSeconds = o.doubleValue("timeout", 60);
        this.reconnectDelayMillis = o.longValue("reconnect-delay-ms", 50);
        o.checkAllRead();
        if (restartCommand == null) {
            throw new Options.UsageException("failover needs --restart-command (a shell command that restarts PostgreSQL)");
        }
    }

    void run(Result r) {
        r.param("N", n).param("rate", Result.format(rate));
        List<Listener> listeners = new ArrayList<>(n);
        List<Thread> threads = new ArrayList<>(n);
        Producer producer = new Producer();
        Thread producerThread = Thread.ofPlatform().name("bench-failover-producer").start(producer);
        try {
            for (int i = 0; i < n; i++) {
                Listener l = new Listener();
                listeners.add(l);
                threads.add(Thread.ofVirtual().name("bench-failover-" + i).start(l));
            }
            awaitUntil(() -> listeners.stream().allMatch(l -> l.lastSeq >= 0), timeoutSeconds,
                    "every listener receiving before the restart");
            sleep(beforeSeconds);
            long restartAt = System.nanoTime();
            producer.restartAt = restartAt;
            restart();
            awaitUntil(() -> producer.acceptedAt > 0, timeoutSeconds, "PostgreSQL accepting connections again");
            awaitUntil(() -> listeners.stream().allMatch(l -> l.firstAfterResume > 0), timeoutSeconds,
                    "every listener receiving a notification committed after the restart");
            // PostgreSQL accepted connections again at the latest when the first of the producer and
            // the reconnecting listeners got one: under load a listener may be first.
            long accepted = producer.acceptedAt;
            for (Listener l : listeners) {
                if (l.disconnections > 0 && l.listeningSince > restartAt) {
                    accepted = Math.min(accepted, l.listeningSince);
                }
            }
            long first = Long.MAX_VALUE;
            long last = 0;
            long back = 0;
            int disconnected = 0;
            int gapNotices = 0;
            int gapWarnings = 0;
            for (Listener l : listeners) {
                first = Math.min(first, l.firstAfterResume);
                last = Math.max(last, l.firstAfterResume);
                if (l.disconnections > 0) {
                    disconnected++;
                    back = Math.max(back, l.listeningSince);
                }
                gapNotices += l.gapNotices > 0 ? 1 : 0;
                gapWarnings += l.gapWarnings > 0 ? 1 : 0;
            }
            r.metric("disconnected", disconnected);
            r.metric("pg_restart_ms", (accepted - restartAt) / 1e6);
            r.metric("first_delivery_ms", (first - accepted) / 1e6);
            r.metric("all_delivered_ms", (last - accepted) / 1e6);
            if (disconnected > 0) {
                r.metric("all_back_ms", (back - accepted) / 1e6);
            }
            r.metric("gap_notified", gapNotices);
            r.metric("gap_warned", gapWarnings);
            r.metric("notifications_sent", producer.seq);
        } finally {
            stopping = true;
            listeners.forEach(Listener::close);
            try {
                producerThread.join(10_000);
                for (Thread t : threads) {
                    t.join(1_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure != null) {
            throw new Scenarios.RunFailed(failure);
        }
    }

    private void restart() {
        System.err.println("  restarting PostgreSQL: " + restartCommand);
        ServerRestart.run(restartCommand, timeoutSeconds);
    }

    private void awaitUntil(BooleanSupplier done, double seconds, String what) {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!done.getAsBoolean()) {
            if (failure != null) {
                throw new Scenarios.RunFailed(failure);
            }
            if (System.nanoTime() > deadline) {
                throw new Scenarios.RunFailed("timed out after " + seconds + " s waiting for " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private void sleep(double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        awaitUntil(() -> System.nanoTime() >= end, seconds + 1, "a pause");
    }

    private void fail(String reason) {
        if (failure == null) {
            failure = reason;
        }
    }

    /** Notifies at the steady rate directly on PostgreSQL; reconnects at once when the connection breaks. */
    private final class Producer implements Runnable {
        volatile long restartAt;
        /** When the first connection after the restart began was made: PostgreSQL accepts connections. */
        volatile long acceptedAt;
        volatile long seq;

        @Override
        public void run() {
            long start = System.nanoTime();
            long sent = 0;
            while (!stopping) {
                try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                    if (restartAt > 0 && acceptedAt == 0) {
                        acceptedAt = System.nanoTime();
                        resumeSeq.set(seq);
                    }
                    ps.setString(1, channel);
                    while (!stopping) {
                        long due = start + (long) (sent * 1e9 / rate);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        // Counted before it is sent: one whose answer the restart cut off may have
                        // committed, and is never sent again under the same number.
                        ps.setString(2, Long.toString(seq++));
                        sent++;
                        ps.execute();
                    }
                } catch (SQLException e) {
                    if (restartAt == 0) {
                        fail("producer: " + e.getMessage());
                        return;
                    }
                    LockSupport.parkNanos(2_000_000); // down or starting up: try again
                    start = System.nanoTime();
                    sent = 0;
                }
            }
        }

        private Connection connect() throws SQLException {
            Properties p = new Properties();
            p.setProperty("user", producerDb.user());
            p.setProperty("password", producerDb.password());
            p.setProperty("ApplicationName", "allas-bench-producer");
            p.setProperty("connectTimeout", "5");
            return DriverManager.getConnection(producerDb.jdbcUrl(), p);
        }
    }

    /** One client: connects, LISTENs, reads; after a lost connection it connects and LISTENs again. */
    private final class Listener implements Runnable, BlockingClient.Sink {
        volatile long lastSeq = -1;
        volatile long firstAfterResume;
        volatile long listeningSince;
        volatile int disconnections;
        volatile int gapNotices;
        volatile int gapWarnings;
        private volatile BlockingClient client;

        @Override
        public void run() {
            while (!stopping) {
                try (BlockingClient c = BlockingClient.connect(target, "allas-bench-failover", 0)) {
                    client = c;
                    c.query("LISTEN " + channel + "; LISTEN " + gapChannel, this);
                    listeningSince = System.nanoTime();
                    while (true) {
                        message(c.poll(0)); // no timeout: a silent connection is no lost one
                    }
                } catch (IOException e) {
                    // the connection was lost (or never made): counted below, unless the run is over
                }
                if (stopping) {
                    return;
                }
                if (lastSeq >= 0) {
                    disconnections++;
                }
                LockSupport.parkNanos(reconnectDelayMillis * 1_000_000);
            }
        }

        void close() {
            BlockingClient c = client;
            if (c != null) {
                c.close();
            }
        }

        @Override
        public void message(BlockingClient.Message m) throws IOException {
            switch (m.type()) {
                case 'A' -> notification(BlockingClient.notification(m.body()));
                case 'N' -> {
                    if (m.error().startsWith("WARNING 01A01")) {
                        gapWarnings++;
                    }
                }
                case 'E' -> throw new BlockingClient.ServerError(m);
                default -> {
                }
            }
        }

        private void notification(String[] channelAndPayload) {
            if (channelAndPayload[0].equals(gapChannel)) {
                gapNotices++;
                return;
            }
            long seq = Long.parseLong(channelAndPayload[1]);
            if (seq <= lastSeq) {
                fail(String.format(Locale.ROOT, "a listener received %d after %d: twice or out of order", seq, lastSeq));
            }
            lastSeq = seq;
            if (firstAfterResume == 0 && seq >= resumeSeq.get()) {
                firstAfterResume = System.nanoTime();
            }
        }
    }
}
