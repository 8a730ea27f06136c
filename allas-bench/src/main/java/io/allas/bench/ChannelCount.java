package io.allas.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The {@code channelcount} scenario: what the number of channels one backend listens on costs a LISTEN
 * and a delivery. The relay's one upstream backend listens on every channel of every client, and
 * PostgreSQL checks each new LISTEN (and, before version 19, each notification it delivers) against
 * that backend's whole list; the figures behind {@code limits.max_channels}' default.
 *
 * <p>One connection to the target LISTENs on C background channels, in statements of B LISTENs each
 * (timed; the last 9 one a statement), then on a probe channel, last in the backend's list, where a notification's check finds it
 * last. A reference connection directly on PostgreSQL listens on the probe alone. Then, on the probe:
 * bursts of M notifications in one transaction (the rate at which the target delivers them), and P
 * notifications one at a time, each awaited by both connections (the latency the target, with its C
 * channels, adds to a backend that has none). On PostgreSQL directly the target's backend is the one
 * that holds the channels; through the relay it is the relay's upstream backend.
 *
 * <p>Both connections are pgjdbc in simple query mode, not {@link ListenerPool}: the pool's listeners
 * send one LISTEN each, and here one connection runs statements of thousands. Their read times have the
 * resolution of a pgjdbc read, alike on both targets.
 */
final class ChannelCount {

    /** The last channels, LISTENed one a statement. */
    private static final int SINGLE_LISTENS = 9;

    private final Endpoint target;
    private final Endpoint producerDb;
    private final int channels;
    private final int listenBatch;
    private final int burst;
    private final int bursts;
    private final int paced;
    private final String prefix;
    private final String probe;
    private final double stallSeconds;

    ChannelCount(Options o, Endpoint target, Endpoint producerDb, double stallSeconds) {
        this.target = target;
        this.producerDb = producerDb;
        this.channels = o.intValue("channels", 10_000);
        this.listenBatch = o.intValue("listen-batch", 1000);
        this.burst = o.intValue("notifications", 5000);
        this.bursts = o.intValue("bursts", 3);
        this.paced = o.intValue("paced", 200);
        this.prefix = o.string("channel", "bench_cc");
        this.probe = prefix + "_probe";
        this.stallSeconds = stallSeconds;
        o.checkAllRead();
        if (channels < 0 || listenBatch < 1 || burst < 1 || bursts < 1 || paced < 1) {
            throw new Options.UsageException("channelcount needs --channels >= 0 and --listen-batch, --notifications,"
                    + " --bursts, --paced >= 1");
        }
    }

    void run(Result r) throws SQLException {
        r.param("C", channels).param("M", burst).param("bursts", bursts).param("P", paced);
        long total = (long) bursts * burst + paced;
        if (total > Integer.MAX_VALUE - 8) {
            throw new Options.UsageException("too many notifications: " + total);
        }
        try (Connection holder = connect(target, "allas-bench-channelcount");
             Connection reference = connect(producerDb, "allas-bench-channelcount-reference");
             Connection producer = connect(producerDb, "allas-bench-producer")) {
            listenBackground(holder, r);
            execute(holder, "LISTEN " + probe);
            execute(reference, "LISTEN " + probe);

            Reader onTarget = new Reader("target", holder, probe, (int) total);
            Reader direct = new Reader("reference", reference, probe, (int) total);
            try (onTarget; direct) {
                onTarget.start();
                direct.start();
                long seq = 0;
                double[] rates = new double[bursts];
                try (PreparedStatement ps = producer.prepareStatement(
                        "SELECT count(pg_notify(?, g::text)) FROM generate_series(?::bigint, ?::bigint) g")) {
                    ps.setString(1, probe);
                    for (int b = 0; b < bursts; b++) {
                        long start = System.nanoTime();
                        ps.setLong(2, seq);
                        ps.setLong(3, seq + burst - 1);
                        ps.executeQuery().close(); // autocommit: the burst is one transaction
                        seq += burst;
                        await(onTarget, direct, seq);
                        rates[b] = burst / ((onTarget.readAt(seq - 1) - start) / 1e9);
                        System.err.printf(Locale.ROOT, "  [channelcount C=%d] burst %d: %,.0f notifications/s%n",
                                channels, b + 1, rates[b]);
                    }
                }
                Arrays.sort(rates);
                r.metric("notifications_per_s", rates[bursts / 2]);
                r.metric("notifications_per_s_min", rates[0]);
                r.metric("delivery_us", 1e6 / rates[bursts / 2]);

                long firstPaced = seq;
                long[] sentAt = new long[paced];
                try (PreparedStatement ps = producer.prepareStatement("SELECT pg_notify(?, ?)")) {
                    ps.setString(1, probe);
                    for (int i = 0; i < paced; i++) {
                        ps.setString(2, Long.toString(seq));
                        sentAt[i] = System.nanoTime();
                        ps.executeQuery().close();
                        seq++;
                        await(onTarget, direct, seq);
                    }
                }
                long[] latency = new long[paced];
                long[] added = new long[paced];
                for (int i = 0; i < paced; i++) {
                    long read = onTarget.readAt(firstPaced + i);
                    latency[i] = read - sentAt[i];
                    added[i] = read - direct.readAt(firstPaced + i);
                }
                Arrays.sort(latency);
                Arrays.sort(added);
                r.metric("p50_ms", quantile(latency, 0.5) / 1e6);
                r.metric("p99_ms", quantile(latency, 0.99) / 1e6);
                r.metric("added_p50_ms", quantile(added, 0.5) / 1e6);
                r.metric("added_p99_ms", quantile(added, 0.99) / 1e6);
                r.metric("added_max_ms", added[paced - 1] / 1e6);
                r.metric("deliveries", seq);
            }
        }
    }

    /**
     * C channels: all but the last few in statements of B LISTENs (the time of the last such statement, at
     * nearly C channels), the last few one LISTEN a statement (their median: one sample is at the mercy of
     * the scheduler on a loaded machine).
     */
    private void listenBackground(Connection holder, Result r) throws SQLException {
        long start = System.nanoTime();
        long last = 0;
        int lastSize = 0;
        long lastProgress = start;
        int singles = Math.min(SINGLE_LISTENS, channels);
        int have = 0;
        while (have < channels - singles) {
            int n = Math.min(listenBatch, channels - singles - have);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                sb.append("LISTEN ").append(prefix).append('_').append(have + i).append(';');
            }
            long t = System.nanoTime();
            execute(holder, sb.toString());
            last = System.nanoTime() - t;
            lastSize = n;
            have += n;
            if (t - lastProgress > 2_000_000_000L) {
                lastProgress = t;
                System.err.printf(Locale.ROOT, "  [channelcount] listening on %,d of %,d channels%n", have, channels);
            }
        }
        long[] single = new long[singles];
        for (int i = 0; i < singles; i++, have++) {
            long t = System.nanoTime();
            execute(holder, "LISTEN " + prefix + "_" + have);
            single[i] = System.nanoTime() - t;
        }
        r.metric("listen_all_s", (System.nanoTime() - start) / 1e9);
        if (lastSize > 0) {
            r.metric("listen_batch_ms", last / 1e6);
            r.metric("listen_us_each", last / 1e3 / lastSize);
        }
        if (singles > 0) {
            Arrays.sort(single);
            r.metric("listen_one_ms", quantile(single, 0.5) / 1e6);
        }
    }

    /** Until both connections have read every sequence number below {@code upTo}; fails on a fault or a stall. */
    private void await(Reader a, Reader b, long upTo) {
        long lastChange = System.nanoTime();
        long seen = -1;
        while (a.next() < upTo || b.next() < upTo) {
            for (Reader x : new Reader[] {a, b}) {
                if (x.failure != null) {
                    throw new Scenarios.RunFailed(x.failure);
                }
            }
            long now = System.nanoTime();
            long s = a.next() + b.next();
            if (s != seen) {
                seen = s;
                lastChange = now;
            } else if (now - lastChange > stallSeconds * 1e9) {
                throw new Scenarios.RunFailed("no notification for " + stallSeconds + " s: the target's connection has "
                        + a.next() + ", the reference " + b.next() + " of " + upTo);
            }
            LockSupport.parkNanos(50_000);
        }
    }

    private static long quantile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    private static Connection connect(Endpoint where, String applicationName) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", where.user());
        p.setProperty("password", where.password());
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("connectTimeout", "10");
        // one Query message per statement string, as a LISTENing application sends it; the relay and
        // PostgreSQL both take many LISTENs in one
        p.setProperty("preferQueryMode", "simple");
        return DriverManager.getConnection(where.jdbcUrl(), p);
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /**
     * Reads one connection's notifications on a thread of its own: each must be on the probe channel and
     * carry the next sequence number (exactly once, in order); records when it was read.
     */
    private static final class Reader implements AutoCloseable {
        private final String who;
        private final PGConnection connection;
        private final String channel;
        private final long[] readNanos;
        private final Thread thread;
        private volatile long next;
        private volatile boolean stop;
        volatile String failure;

        Reader(String who, Connection connection, String channel, int count) throws SQLException {
            this.who = who;
            this.connection = connection.unwrap(PGConnection.class);
            this.channel = channel;
            this.readNanos = new long[count];
            this.thread = Thread.ofPlatform().name("bench-channelcount-" + who).unstarted(this::loop);
        }

        void start() {
            thread.start();
        }

        long next() {
            return next;
        }

        /** Valid once {@link #next()} is above {@code seq}. */
        long readAt(long seq) {
            return readNanos[(int) seq];
        }

        private void loop() {
            try {
                while (!stop) {
                    PGNotification[] got = connection.getNotifications(50);
                    long now = System.nanoTime();
                    if (got == null) {
                        continue;
                    }
                    long n = next;
                    for (PGNotification g : got) {
                        if (!channel.equals(g.getName())) {
                            throw new IllegalStateException("a notification on " + g.getName());
                        }
                        if (!Long.toString(n).equals(g.getParameter())) {
                            throw new IllegalStateException("notification " + g.getParameter() + " where " + n
                                    + " was due (missed, duplicate or out of order)");
                        }
                        if (n >= readNanos.length) {
                            throw new IllegalStateException("more notifications than sent");
                        }
                        readNanos[(int) n] = now;
                        n++;
                    }
                    next = n; // after the read times, which the volatile write publishes
                }
            } catch (SQLException | RuntimeException e) {
                if (!stop) {
                    failure = who + " connection: " + e.getMessage();
                }
            }
        }

        @Override
        public void close() {
            stop = true;
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
