package io.allas.bench;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/** The scenarios. Each fills a {@link Result}; a verification failure throws {@link RunFailed}. */
final class Scenarios {

    static final class RunFailed extends RuntimeException {
        RunFailed(String reason) {
            super(reason);
        }
    }

    private final Options o;
    private final Endpoint target;
    private final Endpoint producerDb;
    private final int threads;
    private final double connectTimeoutS;
    private final double stallTimeoutS;
    private final int connectConcurrency;
    private final long targetPid;
    private final String label;
    /** The target's CPU sampled while the listeners were still connected (PostgreSQL's backends die with them). */
    private double targetCpuEnd = -1;
    /** Where the run's own CPU, wall time and the target's CPU are counted from. */
    private long cpu0;
    private long wall0;
    private double targetCpu0;
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    Scenarios(Options o) {
        this.o = o;
        this.target = Endpoint.from(o, "", null);
        this.producerDb = Endpoint.from(o, "pg-", target);
        this.threads = o.intValue("threads", Runtime.getRuntime().availableProcessors());
        this.connectTimeoutS = o.doubleValue("connect-timeout", 120);
        this.stallTimeoutS = o.doubleValue("stall-timeout", 30);
        this.connectConcurrency = o.intValue("connect-concurrency", 64);
        this.targetPid = o.longValue("target-pid", 0);
        this.label = o.string("label", target.host() + ":" + target.port());
    }

    /** Counts the run's CPU and wall time from now on: an unmeasured warm-up is over. */
    private void restartClocks() {
        cpu0 = os.getProcessCpuTime();
        wall0 = System.nanoTime();
        targetCpu0 = targetPid > 0 ? ProcStats.cpuSeconds(targetPid) : 0;
    }

    Result run(String scenario) {
        String caseName = o.string("case", scenario);
        Result r = new Result(scenario, caseName, label);
        restartClocks();
        try {
            switch (scenario) {
                case "fanout" -> fanout(r, false);
                case "channels" -> fanout(r, true);
                case "idle" -> idle(r);
                case "storm" -> storm(r);
                case "producers" -> producers(r, false);
                case "notifiers" -> producers(r, true);
                case "failover" -> new Failover(o, target, producerDb).run(r);
                case "soak" -> new Soak(o, target, producerDb).run(r);
                case "channelcount" -> new ChannelCount(o, target, producerDb, stallTimeoutS).run(r);
                default -> throw new Options.UsageException("unknown scenario: " + scenario);
            }
        } catch (RunFailed e) {
            r.failure = e.getMessage();
        } catch (SQLException e) {
            r.failure = "producer: " + e.getMessage();
        }
        double wall = (System.nanoTime() - wall0) / 1e9;
        double benchCpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        r.metric("bench_cpu_s", benchCpu);
        r.metric("bench_cpu_pct", 100 * benchCpu / wall);
        if (targetPid > 0 && targetCpuEnd < 0 && ProcStats.alive(targetPid)) {
            sampleTarget();
        }
        if (targetCpuEnd >= 0) {
            r.metric("target_cpu_s", targetCpuEnd - targetCpu0);
        }
        r.metric("wall_s", wall);
        return r;
    }

    // ---------------------------------------------------------------- fanout and channels

    private void fanout(Result r, boolean perChannel) throws SQLException {
        int n = o.intValue("listeners", perChannel ? 1000 : 1000);
        long m = o.longValue("notifications", perChannel ? 1000 : 100_000); // per channel for `channels`
        int batch = o.intValue("batch", perChannel ? 10 : 1000);
        long warmup = o.longValue("warmup", 0);
        double rate = o.doubleValue("rate", 0); // deliveries per second; 0: as fast as it goes
        long window = o.longValue("window", perChannel ? 200 : 50_000);
        int pad = o.intValue("payload-bytes", 0);
        String channel = o.string("channel", "bench");
        // Behind a relay's channel_prefix the producer, directly on PostgreSQL, notifies the prefixed name.
        String notifyChannel = o.string("notify-channel", channel);
        boolean reference = o.flag("reference"); // also measure the latency the target adds (AddedLatency)
        // Several generators measuring one target together start their measured parts at once (StartGate).
        StartGate gate = StartGate.of(o.string("start-gate", null));
        o.checkAllRead();
        if (m % batch != 0 || warmup % batch != 0) {
            throw new Options.UsageException("--notifications and --warmup must be multiples of --batch");
        }
        if (reference && perChannel) {
            throw new Options.UsageException("--reference is for fanout (one channel) only");
        }
        if (reference && AddedLatency.bytesNeeded(n, m) > Runtime.getRuntime().maxMemory() / 2) {
            throw new Options.UsageException("--reference keeps one read time per delivery: " + n + " x " + m
                    + " need " + AddedLatency.bytesNeeded(n, m) / 1_000_000 + " MB, more than half the heap (-Xmx)");
        }
        r.param("N", n).param("M", m).param("B", batch);
        if (rate > 0) {
            r.param("rate", Result.format(rate));
        }
        IntFunction<String> channelOf = perChannel ? i -> channel + "_" + i : i -> channel;
        String seq = perChannel ? "r" : "g";
        String payload = pad > 0 ? "rpad(" + seq + "::text, " + pad + ")" : seq + "::text";
        String sql = perChannel
                ? "SELECT count(pg_notify(? || c, " + payload + ")) FROM (SELECT r, c FROM generate_series(?::bigint, "
                  + "?::bigint) r, generate_series(0, " + (n - 1) + ") c ORDER BY r, c OFFSET 0) s"
                : "SELECT count(pg_notify(?, " + payload + ")) FROM generate_series(?::bigint, ?::bigint) g";
        String channelParam = perChannel ? notifyChannel + "_" : notifyChannel;
        long totalSeq = warmup + m;
        try (ListenerPool pool = startPool(n, channelOf, 1, connectConcurrency);
             ListenerPool direct = reference ? startReference(pool, notifyChannel) : null;
             Connection pg = connectProducer()) {
            r.metric("connect_s", awaitListening(pool));
            if (direct != null) {
                awaitListening(direct);
            }
            pg.setAutoCommit(false);
            try (PreparedStatement ps = pg.prepareStatement(sql)) {
                // deliveries per sequence number: every listener gets each (fanout), or each listener one (channels)
                if (warmup > 0) {
                    // not timed: the warm-up runs unpaced, and its queueing is no part of the latency figures
                    produce(pool, ps, pg, channelParam, 0, warmup, batch, 0, window, n, null, "warm-up");
                    awaitDeliveries(pool, n * warmup, "warm-up");
                }
                // only the measured part counts for latency: the clock knows the measured batches only
                CommitClock measured = new CommitClock(totalSeq / batch, batch);
                pool.latencyClock(measured);
                ReadTimes targetReads = direct == null ? null : new ReadTimes(n, warmup, m);
                ReadTimes referenceReads = direct == null ? null : new ReadTimes(1, warmup, m);
                if (direct != null) {
                    pool.recordReadTimes(targetReads);
                    direct.latencyClock(measured);
                    direct.recordReadTimes(referenceReads);
                }
                gate.passWhenAllReady();
                // The target's CPU for the measured part alone: no connects, no warm-up.
                double measuredCpu0 = targetPid > 0 ? ProcStats.cpuSeconds(targetPid) : 0;
                long delivered0 = pool.delivered();
                long t0 = System.nanoTime();
                produce(pool, ps, pg, channelParam, warmup, totalSeq, batch, rate, window, n, measured, r.caseName);
                long sentAt = System.nanoTime();
                awaitDeliveries(pool, n * totalSeq, r.caseName);
                long t1 = pool.lastDeliveryNanos();
                if (direct != null) {
                    awaitDeliveries(direct, totalSeq, r.caseName + " reference");
                }
                sampleTarget();
                pool.close();
                String incomplete = pool.verifyComplete(new long[]{totalSeq});
                if (direct != null) {
                    direct.close();
                    if (incomplete == null) {
                        incomplete = direct.verifyComplete(new long[]{totalSeq});
                    }
                }
                if (incomplete != null) {
                    throw new RunFailed(incomplete);
                }
                double seconds = (t1 - t0) / 1e9;
                long deliveries = n * totalSeq - delivered0;
                r.metric("deliveries", deliveries);
                r.metric("deliveries_per_s", deliveries / seconds);
                r.metric("notifications_per_s", (deliveries / (double) n) / seconds);
                r.metric("producer_s", (sentAt - t0) / 1e9);
                Histogram h = pool.deliveryLatency();
                r.metric("p50_ms", h.quantile(0.50) / 1e6);
                r.metric("p99_ms", h.quantile(0.99) / 1e6);
                r.metric("p999_ms", h.quantile(0.999) / 1e6);
                r.metric("max_ms", h.max() / 1e6);
                r.metric("latency_samples", h.count());
                if (direct != null) {
                    reportAdded(r, AddedLatency.between(targetReads, referenceReads), direct);
                }
                r.metric("bench_loop_cpu_s", pool.loopCpuNanos() / 1e9);
                if (targetCpuEnd >= 0) {
                    // Absolute, so that a split run can take its generators' common window (run-standard.sh).
                    r.metric("measured_target_cpu_from_s", measuredCpu0);
                    r.metric("measured_target_cpu_to_s", targetCpuEnd);
                    r.metric("measured_target_cpu_s", targetCpuEnd - measuredCpu0);
                    r.metric("target_us_per_delivery", (targetCpuEnd - measuredCpu0) * 1e6 / deliveries);
                }
            }
        }
    }

    private ListenerPool startReference(ListenerPool targets, String channel) {
        try {
            ListenerPool direct = targets.reference(producerDb, channel);
            direct.start();
            return direct;
        } catch (java.io.IOException e) {
            throw new RunFailed("cannot start the reference listener's thread: " + e);
        }
    }

    /** The added latency, and the reference's own figures (its deliveries are not in deliveries or deliveries/s). */
    private static void reportAdded(Result r, AddedLatency added, ListenerPool direct) {
        r.metric("added_p50_ms", added.p50() / 1e6);
        r.metric("added_p99_ms", added.p99() / 1e6);
        r.metric("added_p999_ms", added.p999() / 1e6);
        r.metric("added_max_ms", added.max() / 1e6);
        r.metric("added_min_ms", added.min() / 1e6);
        r.metric("added_negative_pct", 100.0 * added.negatives() / Math.max(1, added.count()));
        r.metric("reference_deliveries", direct.delivered());
        Histogram h = direct.deliveryLatency();
        r.metric("reference_p50_ms", h.quantile(0.50) / 1e6);
        r.metric("reference_p99_ms", h.quantile(0.99) / 1e6);
    }

    /**
     * Sends sequence numbers [from, to) in transactions of {@code batch}, paced and windowed; times the commits
     * on {@code clock} unless it is null.
     */
    private void produce(ListenerPool pool, PreparedStatement ps, Connection pg, String channelParam, long from, long to,
                         int batch, double deliveriesPerSecond, long window, int n, CommitClock clock, String what)
            throws SQLException {
        long start = System.nanoTime();
        long lastProgress = start;
        long delivered0 = pool.delivered();
        for (long seq = from; seq < to; seq += batch) {
            // pacing: sequence numbers per second = deliveries per second / listeners
            if (deliveriesPerSecond > 0) {
                long due = start + (long) ((seq - from) * 1e9 * n / deliveriesPerSecond);
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(Math.min(wait, 1_000_000));
                    checkFailure(pool);
                }
            }
            // window: stay at most `window` sequence numbers ahead of the average listener
            long lastSeen = pool.delivered();
            long lastChange = System.nanoTime();
            while ((seq - from) * n - (pool.delivered() - delivered0) > window * n) {
                checkFailure(pool);
                LockSupport.parkNanos(50_000);
                long d = pool.delivered();
                long now = System.nanoTime();
                if (d != lastSeen) {
                    lastSeen = d;
                    lastChange = now;
                } else if (now - lastChange > stallTimeoutS * 1e9) {
                    throw new RunFailed("stalled for " + stallTimeoutS + " s with " + d + " deliveries; "
                            + pool.shortListeners(seq - window, 10));
                }
            }
            checkFailure(pool);
            ps.setString(1, channelParam);
            ps.setLong(2, seq);
            ps.setLong(3, seq + batch - 1);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
            int b = (int) (seq / batch);
            if (clock != null) {
                clock.commitSent(b, System.nanoTime());
            }
            pg.commit();
            if (clock != null) {
                clock.commitReturned(b, System.nanoTime());
            }
            long now = System.nanoTime();
            if (now - lastProgress > 2_000_000_000L) {
                lastProgress = now;
                progress(what, pool, (seq + batch - from) * (long) n, (to - from) * (long) n, start, delivered0);
            }
        }
    }

    private static void progress(String what, ListenerPool pool, long sentDeliveries, long totalDeliveries, long start,
                                 long delivered0) {
        double s = (System.nanoTime() - start) / 1e9;
        long d = pool.delivered() - delivered0;
        System.err.printf(Locale.ROOT, "  [%s] %.1f s: sent %d%%, delivered %,d of %,d (%d%%), %,.0f deliveries/s%n",
                what, s, 100 * sentDeliveries / Math.max(1, totalDeliveries), d, totalDeliveries,
                100 * d / Math.max(1, totalDeliveries), d / s);
    }

    /** Waits until the pool has {@code expected} deliveries in all; fails on a listener failure or a stall. */
    private void awaitDeliveries(ListenerPool pool, long expected, String what) {
        long start = System.nanoTime();
        long lastSeen = -1;
        long lastChange = start;
        long lastProgress = start;
        while (true) {
            checkFailure(pool);
            long d = pool.delivered();
            if (d == expected) {
                return;
            }
            if (d > expected) {
                throw new RunFailed("more deliveries than sent: " + d + " > " + expected);
            }
            long now = System.nanoTime();
            if (d != lastSeen) {
                lastSeen = d;
                lastChange = now;
            } else if (now - lastChange > stallTimeoutS * 1e9) {
                throw new RunFailed("no delivery for " + stallTimeoutS + " s at " + d + " of " + expected
                        + " deliveries; " + pool.shortListeners(expected / pool.size(), 10));
            }
            if (now - lastProgress > 2_000_000_000L) {
                lastProgress = now;
                System.err.printf(Locale.ROOT, "  [%s] draining: delivered %,d of %,d%n", what, d, expected);
            }
            LockSupport.parkNanos(200_000);
        }
    }

    private static void checkFailure(ListenerPool pool) {
        String f = pool.failure();
        if (f != null) {
            throw new RunFailed(f);
        }
    }

    private ListenerPool startPool(int n, IntFunction<String> channelOf, int producers, int maxConnecting) {
        try {
            ListenerPool pool = new ListenerPool(target, n, threads, channelOf, producers, maxConnecting);
            pool.start();
            return pool;
        } catch (java.io.IOException e) {
            throw new RunFailed("cannot start the listener threads: " + e);
        }
    }

    /** Waits until every listener's LISTEN is acknowledged; returns the seconds it took. */
    private double awaitListening(ListenerPool pool) {
        long start = System.nanoTime();
        long lastProgress = start;
        while (pool.acknowledged() < pool.size()) {
            checkFailure(pool);
            long now = System.nanoTime();
            if (now - start > connectTimeoutS * 1e9) {
                throw new RunFailed("only " + pool.acknowledged() + " of " + pool.size() + " listeners acknowledged within "
                        + connectTimeoutS + " s");
            }
            if (now - lastProgress > 2_000_000_000L) {
                lastProgress = now;
                System.err.printf(Locale.ROOT, "  connecting: %,d of %,d listening%n", pool.acknowledged(), pool.size());
            }
            LockSupport.parkNanos(500_000);
        }
        checkFailure(pool);
        return (System.nanoTime() - start) / 1e9;
    }

    private void sampleTarget() {
        if (targetPid > 0 && ProcStats.alive(targetPid)) {
            targetCpuEnd = ProcStats.cpuSeconds(targetPid);
        }
    }

    private Connection connectProducer() throws SQLException {
        return connectProducer(producerDb);
    }

    private static Connection connectProducer(Endpoint where) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", where.user());
        p.setProperty("password", where.password());
        p.setProperty("ApplicationName", "allas-bench-producer");
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(where.jdbcUrl(), p);
    }

    // ---------------------------------------------------------------- idle

    private void idle(Result r) throws SQLException {
        int n = o.intValue("listeners", 10_000);
        double settle = o.doubleValue("settle", 3);
        double idleSeconds = o.doubleValue("idle-seconds", 5);
        String channel = o.string("channel", "bench_idle");
        o.checkAllRead();
        if (targetPid <= 0) {
            throw new Options.UsageException("idle needs --target-pid (the relay's PID, or the postmaster's)");
        }
        r.param("N", n);
        long pss0 = ProcStats.pssKb(targetPid);
        long rss0 = ProcStats.rssKb(targetPid);
        try (ListenerPool pool = startPool(n, i -> channel, 1, connectConcurrency)) {
            r.metric("connect_s", awaitListening(pool));
            sleep(settle, pool);
            long pss1 = ProcStats.pssKb(targetPid);
            long rss1 = ProcStats.rssKb(targetPid);
            double cpu0 = ProcStats.cpuSeconds(targetPid);
            long t0 = System.nanoTime();
            sleep(idleSeconds, pool);
            double cpu1 = ProcStats.cpuSeconds(targetPid);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            checkFailure(pool);
            r.metric("target_kb_before", pss0);
            r.metric("target_kb_after", pss1);
            r.metric("kb_per_client", (pss1 - pss0) / (double) n);
            r.metric("root_rss_kb_per_client", (rss1 - rss0) / (double) n);
            r.metric("idle_cpu_pct", 100 * (cpu1 - cpu0) / elapsed);
            sampleTarget();
        }
    }

    private static void sleep(double seconds, ListenerPool pool) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            checkFailure(pool);
            LockSupport.parkNanos(20_000_000);
        }
    }

    // ---------------------------------------------------------------- storm

    private void storm(Result r) {
        int n = o.intValue("listeners", 10_000);
        String channel = o.string("channel", "bench_storm");
        int channels = o.intValue("channels", 1);
        int warmupClients = o.intValue("warmup-clients", 0);
        o.checkAllRead();
        r.param("N", n);
        if (channels > 1) {
            r.param("channels", channels);
        }
        if (warmupClients > 0) {
            r.param("warmup_clients", warmupClients);
            // An unmeasured storm first, whose clients connect, LISTEN and leave: the generator's JIT
            // (and a Java target's) compiles the connection path before the storm that counts.
            long filesBefore = targetPid > 0 ? ProcStats.openFiles(targetPid) : -1;
            try (ListenerPool pool = startPool(warmupClients, i -> channel + "_warmup", 1, 0)) {
                awaitListening(pool);
            }
            awaitTargetReleased(filesBefore, warmupClients);
            restartClocks();
        }
        long overflows0 = ProcStats.listenOverflows();
        long t0 = System.nanoTime();
        try (ListenerPool pool = startPool(n, channels > 1 ? i -> channel + "_" + (i % channels) : i -> channel, 1, 0)) {
            awaitListening(pool);
            long last = 0;
            Histogram listen = new Histogram();
            Histogram whole = new Histogram();
            for (ListenerPool.Conn c : pool.connections()) {
                last = Math.max(last, c.ackNanos);
                listen.record(c.ackNanos - c.listenSentNanos);
                whole.record(c.ackNanos - c.connectStartNanos);
            }
            r.metric("all_acked_ms", (last - t0) / 1e6);
            r.metric("listen_p50_ms", listen.quantile(0.5) / 1e6);
            r.metric("listen_p99_ms", listen.quantile(0.99) / 1e6);
            r.metric("connect_to_ack_p99_ms", whole.quantile(0.99) / 1e6);
            if (overflows0 >= 0) {
                r.metric("listen_overflows", ProcStats.listenOverflows() - overflows0);
            }
            sampleTarget();
        }
    }

    /**
     * Waits until the target has let the warm-up's connections go (its open descriptors, counted over
     * its process tree, are back near where they were), so that the storm that counts neither finds
     * the target's connection limit taken nor shares the cores with their teardown.
     */
    private void awaitTargetReleased(long filesBefore, int clients) {
        if (filesBefore < 0) {
            return;
        }
        long deadline = System.nanoTime() + (long) (connectTimeoutS * 1e9);
        long margin = Math.max(16, clients / 100);
        long files;
        while ((files = ProcStats.openFiles(targetPid)) > filesBefore + margin) {
            if (System.nanoTime() > deadline) {
                throw new RunFailed("the target still holds " + (files - filesBefore)
                        + " more descriptors than before the warm-up storm");
            }
            LockSupport.parkNanos(20_000_000);
        }
    }

    // ---------------------------------------------------------------- producers

    /**
     * @param throughTarget whether the producers notify through the target (notifiers: NOTIFY through
     *                      the relay against NOTIFY to PostgreSQL) or on the producer's PostgreSQL
     */
    private void producers(Result r, boolean throughTarget) throws SQLException {
        int n = o.intValue("listeners", 500);
        int k = o.intValue("producers", 4);
        double duration = o.doubleValue("duration", 5);
        long maxPerProducer = o.longValue("max-per-producer", 10_000_000);
        String channel = o.string("channel", "bench_producers");
        o.checkAllRead();
        r.param("K", k).param("N", n).param("duration_s", Result.format(duration));
        try (ListenerPool pool = startPool(n, i -> channel, k, connectConcurrency)) {
            r.metric("connect_s", awaitListening(pool));
            List<Connection> connections = new ArrayList<>();
            try {
                for (int i = 0; i < k; i++) {
                    connections.add(throughTarget ? connectProducer(target) : connectProducer());
                }
                long[] sent = new long[k];
                SQLException[] errors = new SQLException[k];
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> workers = new ArrayList<>();
                long t0 = System.nanoTime();
                long end = t0 + (long) (duration * 1e9);
                for (int i = 0; i < k; i++) {
                    int p = i;
                    Connection c = connections.get(i);
                    Thread t = new Thread(() -> {
                        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                            ps.setString(1, channel);
                            long s = 0;
                            while (s < maxPerProducer && !stop.get() && System.nanoTime() < end) {
                                ps.setString(2, p + "." + s);
                                ps.execute(); // autocommit: one NOTIFY per transaction
                                s++;
                                sent[p] = s;
                            }
                        } catch (SQLException e) {
                            errors[p] = e;
                        }
                    }, "bench-producer-" + i);
                    workers.add(t);
                    t.start();
                }
                long lastProgress = t0;
                for (Thread t : workers) {
                    while (t.isAlive()) {
                        try {
                            t.join(100);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new RunFailed("interrupted");
                        }
                        if (pool.failure() != null) {
                            stop.set(true);
                        }
                        if (System.nanoTime() - lastProgress > 2_000_000_000L) {
                            lastProgress = System.nanoTime();
                            System.err.printf(Locale.ROOT, "  [%s] %.1f s: delivered %,d%n", r.caseName,
                                    (lastProgress - t0) / 1e9, pool.delivered());
                        }
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                checkFailure(pool);
                for (SQLException e : errors) {
                    if (e != null) {
                        throw e;
                    }
                }
                long total = 0;
                for (long s : sent) {
                    total += s;
                }
                r.metric("transactions", total);
                r.metric("tps", total / seconds);
                awaitDeliveries(pool, total * n, r.caseName);
                double drained = (pool.lastDeliveryNanos() - t0) / 1e9;
                sampleTarget();
                pool.close();
                String incomplete = pool.verifyComplete(sent);
                if (incomplete != null) {
                    throw new RunFailed(incomplete);
                }
                r.metric("deliveries_per_s", total * n / drained);
            } finally {
                for (Connection c : connections) {
                    try {
                        c.close();
                    } catch (SQLException ignored) {
                        // closing
                    }
                }
            }
        }
    }
}
