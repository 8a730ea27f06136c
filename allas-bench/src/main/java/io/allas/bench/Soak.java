package io.allas.bench;

import java.io.EOFException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The {@code soak} scenario (issue 17): steady listeners and churning clients while producers
 * notify sequence-numbered payloads, faults injected on a schedule, and every delivery checked by
 * {@link SoakCheck}: at most once, in order, and nothing missing outside a gap the client was told
 * of. Meant for a relay with {@code upstream.on_loss: keep} and {@code notification_queue.on_overflow:
 * gap}; with {@code --faults garbage} (or none) it runs against PostgreSQL directly too.
 *
 * <p>Faults, in turn, one every {@code --fault-interval} seconds:
 * <ul>
 *   <li>{@code kill_backend}: {@code pg_terminate_backend} of the relay's upstream backend; every
 *       steady listener must be told of the gap (upstream_lost) and keep its connection;</li>
 *   <li>{@code restart}: PostgreSQL restarted by {@code --restart-command}; the same;</li>
 *   <li>{@code slow_client}: a client on the flood channel stops reading while a flood overflows its
 *       queue, then reads again: it must be told (slow_client) of exactly the notifications it lost;</li>
 *   <li>{@code stopped_client}: a client that never reads again must be cut off (57A03, or a clean
 *       close at a message boundary) once it has taken nothing for the relay's stall timeout;</li>
 *   <li>{@code garbage}: a client sends an invalid message and must get 08P01 and be closed.</li>
 * </ul>
 * Nobody else may notice the last three.
 */
final class Soak {

    private static final List<String> ALL_FAULTS = List.of("kill_backend", "slow_client", "restart", "garbage",
            "stopped_client");

    private final Endpoint target;
    private final Endpoint producerDb;
    private final int listeners;
    private final int churners;
    private final int producers;
    private final double rate;
    private final int batch;
    private final long deliveryTarget;
    private final double maxSeconds;
    private final List<String> faults;
    private final double faultInterval;
    private final String restartCommand;
    private final String upstreamApplicationName;
    private final String gapChannel;
    private final long leadMillis;
    private final int flood;
    /** Padding of each flood notification: the flood must outgrow the sockets' buffers, megabytes on loopback. */
    private final int floodPayloadBytes;
    private final long stallTimeoutMillis;
    private final double timeoutSeconds;
    /** What the garbage clients send, in turn: {@code type} (an invalid message type), {@code length} (a length below 4). */
    private final List<String> garbageKinds;

    private final SoakLedger[] ledgers;
    private final String[] channels;
    /** The flood channel's producer: the last ledger, driven by the fault schedule. */
    private final int floodProducer;

    private final LongAdder delivered = new LongAdder();
    private final SoakCheck.Tally tally = new SoakCheck.Tally();
    private final Map<String, Integer> faultCounts = new LinkedHashMap<>();
    private final Map<String, Integer> outcomes = new LinkedHashMap<>();
    private final List<String> faultFailures = new ArrayList<>();
    private final AtomicInteger churnSessions = new AtomicInteger();
    private long recoveryMaxNanos;

    private volatile boolean stopProducing;
    private volatile boolean stopping;
    /** Set once the producers have stopped: what each steady listener must have reached. */
    private volatile long[] finalSeqs;
    private volatile String failure;

    Soak(Options o, Endpoint target, Endpoint producerDb) {
        this.target = target;
        this.producerDb = producerDb;
        this.listeners = o.intValue("listeners", 100);
        this.churners = o.intValue("churners", 20);
        this.producers = o.intValue("producers", 4);
        this.rate = o.doubleValue("rate", 50);
        this.batch = o.intValue("batch", 5);
        this.deliveryTarget = o.longValue("deliveries", 10_000_000);
        this.maxSeconds = o.doubleValue("duration", 3600);
        String faultList = o.string("faults", String.join(",", ALL_FAULTS));
        this.faults = faultList.equals("none") ? List.of() : List.of(faultList.split(","));
        this.faultInterval = o.doubleValue("fault-interval", 20);
        this.restartCommand = o.string("restart-command", null);
        this.upstreamApplicationName = o.string("upstream-application-name", "allas");
        this.gapChannel = o.string("gap-channel", "allas_gap");
        this.leadMillis = o.longValue("gap-lead-ms", 1000);
        this.flood = o.intValue("flood", 20_000);
        this.floodPayloadBytes = o.intValue("flood-payload-bytes", 1000);
        this.stallTimeoutMillis = o.longValue("stall-timeout-ms", 5000);
        this.timeoutSeconds = o.doubleValue("timeout", 60);
        this.garbageKinds = List.of(o.string("garbage", "type,length").split(","));
        String prefix = o.string("channel", "bench_soak");
        o.checkAllRead();
        for (String f : faults) {
            if (!ALL_FAULTS.contains(f)) {
                throw new Options.UsageException("unknown fault " + f + " (one of " + String.join(", ", ALL_FAULTS) + ")");
            }
        }
        if (faults.contains("restart") && restartCommand == null) {
            throw new Options.UsageException("the restart fault needs --restart-command (a shell command that restarts PostgreSQL)");
        }
        ledgers = new SoakLedger[producers + 1];
        channels = new String[producers + 1];
        for (int p = 0; p <= producers; p++) {
            ledgers[p] = new SoakLedger();
            channels[p] = p < producers ? prefix + "_" + p : prefix + "_flood";
        }
        floodProducer = producers;
    }

    void run(Result r) {
        r.param("N", listeners).param("churners", churners).param("producers", producers)
                .param("rate", Result.format(rate)).param("B", batch).param("faults", faults.isEmpty() ? "none"
                        : String.join("+", faults));
        List<Thread> threads = new ArrayList<>();
        List<Steady> steady = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < listeners; i++) {
                Steady s = new Steady(i);
                steady.add(s);
                threads.add(Thread.ofVirtual().name("soak-steady-" + i).start(s));
            }
            awaitUntil(() -> steady.stream().allMatch(s -> s.listening), timeoutSeconds, "every steady listener listening");
            List<Thread> producerThreads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                producerThreads.add(Thread.ofPlatform().name("soak-producer-" + p).start(() -> produce(id)));
            }
            for (int i = 0; i < churners; i++) {
                int id = i;
                threads.add(Thread.ofVirtual().name("soak-churner-" + i).start(() -> churn(id)));
            }
            long end = t0 + (long) (maxSeconds * 1e9);
            long nextFault = System.nanoTime() + (long) (faultInterval * 1e9);
            long lastProgress = System.nanoTime();
            int k = 0;
            while (delivered.sum() < deliveryTarget && System.nanoTime() < end) {
                checkFailure();
                long now = System.nanoTime();
                if (!faults.isEmpty() && now >= nextFault) {
                    String fault = faults.get(k++ % faults.size());
                    inject(fault, steady);
                    nextFault = System.nanoTime() + (long) (faultInterval * 1e9);
                }
                if (now - lastProgress > 10_000_000_000L) {
                    lastProgress = now;
                    System.err.printf(Locale.ROOT, "  [soak] %.0f s: %,d deliveries checked, faults %s%n",
                            (now - t0) / 1e9, delivered.sum(), faultCounts);
                }
                LockSupport.parkNanos(20_000_000);
            }
            stopProducing = true;
            for (Thread t : producerThreads) {
                t.join();
            }
            long[] last = new long[producers + 1];
            for (int p = 0; p < producers; p++) {
                last[p] = ledgers[p].lastCommitted();
            }
            last[floodProducer] = -1;
            finalSeqs = last;
            long drainUntil = System.nanoTime() + (long) (timeoutSeconds * 1e9);
            while (!steady.stream().allMatch(s -> s.reachedEnd) && System.nanoTime() < drainUntil && failure == null) {
                LockSupport.parkNanos(20_000_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        } catch (Scenarios.RunFailed e) {
            fail(e.getMessage());
        } finally {
            stopProducing = true;
            stopping = true;
            for (Thread t : threads) {
                try {
                    t.join(30_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long committed = 0;
        int uncertain = 0;
        for (int p = 0; p <= producers; p++) {
            committed += ledgers[p].lastCommitted() + 1;
            uncertain += ledgers[p].uncertainTransactions();
        }
        synchronized (tally) {
            r.metric("deliveries_checked", tally.delivered);
            r.metric("lost", tally.lost);
            r.metric("duplicated", tally.duplicated);
            r.metric("reordered", tally.reordered);
            r.metric("after_unlisten", tally.afterUnlisten);
            r.metric("excused_upstream", tally.excusedUpstream);
            r.metric("excused_slow", tally.excusedSlow);
            r.metric("excused_uncertain", tally.excusedUncertain);
            r.metric("gap_reports", tally.gapReports);
            r.metric("slow_gap_reports", tally.slowReports);
            r.metric("slow_mismatches", tally.slowMismatches);
            r.metric("gap_lead_max_ms", tally.maxLeadMillis);
            r.metric("deliveries_per_s", tally.delivered / seconds);
        }
        int faultTotal = faultCounts.values().stream().mapToInt(Integer::intValue).sum();
        r.metric("faults", faultTotal);
        faultCounts.forEach((f, n) -> r.metric("faults_" + f, n));
        outcomes.forEach((f, n) -> r.metric(f, n));
        r.metric("fault_failures", faultFailures.size());
        if (recoveryMaxNanos > 0) {
            r.metric("recovery_max_ms", recoveryMaxNanos / 1e6);
        }
        r.metric("churn_sessions", churnSessions.get());
        r.metric("notifications_committed", committed);
        r.metric("uncertain_transactions", uncertain);
        if (failure == null && !faultFailures.isEmpty()) {
            fail(String.join("; ", faultFailures.subList(0, Math.min(5, faultFailures.size()))));
        }
        if (failure == null && !tally.clean()) {
            fail("deliveries wrong: " + String.join("; ", tally.problems));
        }
        if (failure == null && finalSeqs != null && !steady.stream().allMatch(s -> s.reachedEnd)) {
            fail("not every steady listener received the producers' last notifications");
        }
        if (failure != null) {
            throw new Scenarios.RunFailed(failure);
        }
    }

    // ---------------------------------------------------------------- producers

    /** Notifies at the steady rate on its channel in transactions of {@code batch}; reconnects when a fault breaks it. */
    private void produce(int p) {
        long seq = 0;
        long start = System.nanoTime();
        long sent = 0;
        while (!stopProducing) {
            try (Connection c = connectProducer();
                 PreparedStatement ps = c.prepareStatement(notifySql(0))) {
                c.setAutoCommit(false);
                while (!stopProducing) {
                    long due = start + (long) (sent * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    long first = seq;
                    seq += batch; // never sent again under the same numbers, whatever becomes of it
                    sent += batch;
                    commit(c, ps, p, first, batch);
                }
            } catch (SQLException e) {
                // PostgreSQL restarting: try again (the transaction, if any, is recorded as uncertain)
                LockSupport.parkNanos(20_000_000);
                start = System.nanoTime();
                sent = 0;
            }
        }
    }

    private static String notifySql(int padding) {
        String payload = padding > 0 ? "g || ' ' || repeat('x', " + padding + ")" : "g::text";
        return "SELECT count(pg_notify(?, " + payload + ")) FROM generate_series(?::bigint, ?::bigint) g";
    }

    /** One transaction of {@code n} notifications from {@code first}, recorded in the producer's ledger. */
    private void commit(Connection c, PreparedStatement ps, int p, long first, int n) throws SQLException {
        long sentNs = System.nanoTime();
        long sentMs = System.currentTimeMillis();
        try {
            ps.setString(1, channels[p]);
            ps.setLong(2, first);
            ps.setLong(3, first + n - 1);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
            c.commit();
        } catch (SQLException e) {
            ledgers[p].record(first, n, sentMs, System.currentTimeMillis(), sentNs, true);
            throw e;
        }
        ledgers[p].record(first, n, sentMs, System.currentTimeMillis(), sentNs, false);
    }

    private Connection connectProducer() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", producerDb.user());
        props.setProperty("password", producerDb.password());
        props.setProperty("ApplicationName", "allas-bench-producer");
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(producerDb.jdbcUrl(), props);
    }

    /** The flood producer's next {@code n} notifications, in transactions of at most 1,000. */
    private void floodNotify(int n) {
        try (Connection c = connectProducer(); PreparedStatement ps = c.prepareStatement(notifySql(floodPayloadBytes))) {
            c.setAutoCommit(false);
            SoakLedger ledger = ledgers[floodProducer];
            while (n > 0) {
                int b = Math.min(n, 1000);
                commit(c, ps, floodProducer, ledger.nextSeq(), b);
                n -= b;
            }
        } catch (SQLException e) {
            throw new Scenarios.RunFailed("flood producer: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- clients

    /** A client that reads what arrives into its check; upstream gap reports counted for the fault schedule. */
    private class Reader implements BlockingClient.Sink {
        final SoakCheck check;
        volatile int upstreamGaps;
        volatile int slowGaps;

        Reader(String who) {
            check = new SoakCheck(who, ledgers, channels);
        }

        @Override
        public void message(BlockingClient.Message m) throws IOException {
            if (m.type() == 'A') {
                String[] n = BlockingClient.notification(m.body());
                if (n[0].equals(gapChannel)) {
                    SoakCheck.GapReport g = SoakCheck.GapReport.parse(n[1]);
                    check.gap(g);
                    if (SoakCheck.Gap.SLOW.equals(g.reason())) {
                        slowGaps++;
                    } else {
                        upstreamGaps++;
                    }
                    return;
                }
                int p = check.producerOf(n[0]);
                if (p < 0) {
                    throw new IOException("a notification on a channel nobody notifies: " + n[0]);
                }
                int space = n[1].indexOf(' ');
                check.deliver(p, Long.parseLong(space < 0 ? n[1] : n[1].substring(0, space)));
                delivered.increment();
            } else if (m.type() == 'E') {
                throw new BlockingClient.ServerError(m);
            }
            // a NoticeResponse: the gap warning goes to clients not listening on the gap channel, and these all do
        }

        void listen(BlockingClient c, int p) throws IOException {
            check.listenSent(p);
            c.query("LISTEN " + channels[p], this);
            check.listenAcked(p, System.nanoTime());
        }

        void unlisten(BlockingClient c, int p) throws IOException {
            c.query("UNLISTEN " + channels[p], this);
            check.unlistened(p);
        }

        /** Reads for {@code millis}, or until the run stops. */
        void readFor(BlockingClient c, long millis) throws IOException {
            long until = System.nanoTime() + millis * 1_000_000;
            while (!stopping && System.nanoTime() < until) {
                BlockingClient.Message m = c.poll(100);
                if (m != null) {
                    message(m);
                }
            }
        }

        void publish() {
            SoakCheck.Tally t = check.evaluate(leadMillis);
            synchronized (tally) {
                tally.add(t);
            }
        }
    }

    private final class Steady extends Reader implements Runnable {
        private final int id;
        volatile boolean listening;
        volatile boolean reachedEnd;

        Steady(int id) {
            super("steady listener #" + id);
            this.id = id;
        }

        @Override
        public void run() {
            try (BlockingClient c = BlockingClient.connect(target, "allas-bench-soak", 0)) {
                for (int p = 0; p < producers; p++) {
                    listen(c, p);
                }
                c.query("LISTEN " + gapChannel, this);
                listening = true;
                while (!stopping) {
                    BlockingClient.Message m = c.poll(100);
                    if (m != null) {
                        message(m);
                    }
                    long[] last = finalSeqs;
                    if (last != null && !reachedEnd) {
                        boolean all = true;
                        for (int p = 0; p < producers; p++) {
                            all &= check.reached(p, last[p]);
                        }
                        reachedEnd = all;
                    }
                }
                c.terminate();
            } catch (IOException | RuntimeException e) {
                if (!stopping) {
                    fail("steady listener #" + id + ": " + e.getMessage());
                }
            }
            long[] last = finalSeqs;
            if (last != null) {
                for (int p = 0; p < producers; p++) {
                    check.finish(p, last[p]);
                }
            }
            publish();
        }
    }

    /** Churning clients: connect, LISTEN some channels, read, UNLISTEN and LISTEN again, leave; over and over. */
    private void churn(int id) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int session = 0;
        while (!stopping) {
            Reader reader = new Reader("churner #" + id + " session " + session++);
            try (BlockingClient c = BlockingClient.connect(target, "allas-bench-soak-churn", 0)) {
                List<Integer> mine = new ArrayList<>();
                for (int p = 0; p < producers; p++) {
                    if (random.nextBoolean() || (p == producers - 1 && mine.isEmpty())) {
                        mine.add(p);
                        reader.listen(c, p);
                    }
                }
                c.query("LISTEN " + gapChannel, reader);
                reader.readFor(c, random.nextLong(200, 2000));
                if (random.nextBoolean()) {
                    int p = mine.get(random.nextInt(mine.size()));
                    reader.unlisten(c, p);
                    reader.readFor(c, random.nextLong(0, 200));
                    reader.listen(c, p);
                    reader.readFor(c, random.nextLong(200, 2000));
                }
                c.terminate();
                churnSessions.incrementAndGet();
            } catch (IOException | RuntimeException e) {
                if (!stopping) {
                    fail("churner #" + id + ": " + e.getMessage());
                }
            }
            reader.publish();
        }
    }

    // ---------------------------------------------------------------- faults

    private void inject(String fault, List<Steady> steady) {
        faultCounts.merge(fault, 1, Integer::sum);
        System.err.println("  [soak] fault: " + fault);
        try {
            switch (fault) {
                case "kill_backend" -> upstreamLoss(steady, this::killBackend);
                case "restart" -> upstreamLoss(steady, this::restart);
                case "slow_client" -> slowClient();
                case "stopped_client" -> stoppedClient();
                case "garbage" -> garbage();
                default -> throw new IllegalStateException(fault);
            }
        } catch (IOException | Scenarios.RunFailed e) {
            faultFailures.add(fault + ": " + e.getMessage());
        }
    }

    /** Injects an upstream loss; every steady listener must be told of the gap, and keep its connection. */
    private void upstreamLoss(List<Steady> steady, Runnable injection) {
        int[] before = new int[steady.size()];
        for (int i = 0; i < before.length; i++) {
            before[i] = steady.get(i).upstreamGaps;
        }
        long t = System.nanoTime();
        injection.run();
        awaitUntil(() -> {
            for (int i = 0; i < before.length; i++) {
                if (steady.get(i).upstreamGaps == before[i]) {
                    return false;
                }
            }
            return true;
        }, timeoutSeconds, "every steady listener told of the gap");
        recoveryMaxNanos = Math.max(recoveryMaxNanos, System.nanoTime() - t);
    }

    private void killBackend() {
        try (Connection c = connectProducer();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?")) {
            ps.setString(1, upstreamApplicationName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) == 0) {
                    throw new Scenarios.RunFailed("no backend with application_name " + upstreamApplicationName);
                }
            }
        } catch (SQLException e) {
            throw new Scenarios.RunFailed("pg_terminate_backend: " + e.getMessage());
        }
    }

    private void restart() {
        ServerRestart.run(restartCommand, timeoutSeconds);
    }

    /**
     * A client on the flood channel stops reading while a flood overflows its queue, then reads
     * again: it must be told of the gap, and exactly the notifications the report counts be missing.
     */
    private void slowClient() throws IOException {
        Reader reader = new Reader("slow client");
        try (BlockingClient c = BlockingClient.connect(target, "allas-bench-soak-slow", 4096)) {
            reader.listen(c, floodProducer);
            c.query("LISTEN " + gapChannel, reader);
            floodNotify(flood);
            // not reading for a while, less than the stall timeout: the relay's queue for it overflows
            LockSupport.parkNanos(Math.min(1000, stallTimeoutMillis / 3) * 1_000_000);
            floodNotify(10);
            long last = ledgers[floodProducer].lastCommitted();
            long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
            while (!reader.check.reached(floodProducer, last)) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the slow client did not receive the flood's last notification");
                }
                BlockingClient.Message m = c.poll(100);
                if (m != null) {
                    reader.message(m);
                }
            }
            c.terminate();
        } finally {
            reader.publish();
        }
        if (reader.slowGaps == 0) {
            throw new IOException("no slow_client gap report: the flood of " + flood + " did not overflow its queue");
        }
        outcomes.merge("slow_client_told", 1, Integer::sum);
    }

    /**
     * A client that never reads again: cut off once it has taken nothing for the stall timeout,
     * with 57A03 or a clean close; never half a message.
     */
    private void stoppedClient() throws IOException {
        Reader reader = new Reader("stopped client");
        try (BlockingClient c = BlockingClient.connect(target, "allas-bench-soak-stopped", 4096)) {
            reader.listen(c, floodProducer);
            c.query("LISTEN " + gapChannel, reader);
            floodNotify(flood);
            // the relay finds the stall when it next has something for the client
            long until = System.nanoTime() + (stallTimeoutMillis + 3000) * 1_000_000;
            while (System.nanoTime() < until) {
                floodNotify(10);
                LockSupport.parkNanos(200_000_000);
            }
            try {
                while (true) {
                    BlockingClient.Message m = c.poll((int) (timeoutSeconds * 1000));
                    if (m == null) {
                        throw new IOException("not cut off: still connected " + timeoutSeconds + " s after it stopped");
                    }
                    reader.message(m);
                }
            } catch (BlockingClient.ServerError e) {
                if (!e.message.sqlState().equals("57A03")) {
                    throw e;
                }
                outcomes.merge("stopped_client_57A03", 1, Integer::sum);
            } catch (BlockingClient.TruncatedStream e) {
                outcomes.merge("stopped_client_truncated", 1, Integer::sum);
                throw e;
            } catch (EOFException e) {
                outcomes.merge("stopped_client_closed", 1, Integer::sum);
            }
        } finally {
            reader.publish();
        }
    }

    /** A client that sends an invalid message must get 08P01 and be closed. */
    private void garbage() throws IOException {
        String kind = garbageKinds.get((faultCounts.get("garbage") - 1) % garbageKinds.size());
        byte[] junk = switch (kind) {
            case "type" -> new byte[]{(byte) 0xff, 0, 0, 0, 8, 1, 2, 3, 4};
            case "length" -> new byte[]{'Q', 0, 0, 0, 2}; // shorter than the length field itself
            default -> throw new Options.UsageException("--garbage: type or length, not " + kind);
        };
        Reader reader = new Reader("garbage client");
        try (BlockingClient c = BlockingClient.connect(target, "allas-bench-soak-garbage", 0)) {
            reader.listen(c, 0);
            c.sendRaw(junk);
            try {
                while (true) {
                    BlockingClient.Message m = c.poll((int) (timeoutSeconds * 1000));
                    if (m == null) {
                        throw new IOException("no answer to garbage within " + timeoutSeconds + " s");
                    }
                    reader.message(m);
                }
            } catch (BlockingClient.ServerError e) {
                if (!e.message.sqlState().equals("08P01")) {
                    throw e;
                }
            }
            try {
                BlockingClient.Message m = c.poll((int) (timeoutSeconds * 1000));
                throw new IOException("still connected after 08P01" + (m == null ? "" : " (sent '" + (char) m.type() + "')"));
            } catch (EOFException expected) {
                outcomes.merge("garbage_08P01", 1, Integer::sum);
            }
        } finally {
            reader.publish();
        }
    }

    // ---------------------------------------------------------------- waiting

    private void awaitUntil(BooleanSupplier done, double seconds, String what) {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!done.getAsBoolean()) {
            checkFailure();
            if (System.nanoTime() > deadline) {
                throw new Scenarios.RunFailed("timed out after " + seconds + " s waiting for " + what);
            }
            LockSupport.parkNanos(2_000_000);
        }
    }

    private void checkFailure() {
        if (failure != null) {
            throw new Scenarios.RunFailed(failure);
        }
    }

    private void fail(String reason) {
        if (failure == null) {
            failure = reason;
        }
    }

}
