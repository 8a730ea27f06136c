package io.allas.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The generator's own checks, against a throwaway PostgreSQL: a clean run passes, and each kind of fault fails it. */
@Timeout(60)
class BenchVerificationTest {

    private static ThrowawayPostgres pg;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = ThrowawayPostgres.start();
    }

    @AfterAll
    static void stopPostgres() {
        if (pg != null) {
            pg.close();
        }
    }

    private static Result run(String scenario, String... options) {
        List<String> args = new ArrayList<>(pg.targetArgs());
        args.addAll(List.of(options));
        return new Scenarios(new Options(args)).run(scenario);
    }

    @Test
    void tinyFanoutDirectlyOnPostgresPasses() {
        Result r = run("fanout", "--listeners", "20", "--notifications", "3000", "--batch", "100", "--warmup", "200",
                "--threads", "2");
        assertNull(r.failure, () -> r.line());
        assertEquals("60000", r.metrics.get("deliveries"));
        assertEquals("60000", r.metrics.get("latency_samples"), "the measured deliveries are timed, the warm-up's not");
        assertTrue(Double.parseDouble(r.metrics.get("deliveries_per_s")) > 0, r::line);
        assertNotNull(r.metrics.get("p99_ms"));
        assertTrue(r.line().startsWith("RESULT scenario=fanout case=fanout "), r::line);
    }

    @Test
    void aReferenceListenerMeasuresTheAddedLatencyAndIsNotCounted() {
        Result r = run("fanout", "--listeners", "20", "--notifications", "1000", "--batch", "10", "--warmup", "100",
                "--threads", "2", "--reference");
        assertNull(r.failure, r::line);
        assertEquals("20000", r.metrics.get("deliveries"), "the target listeners' measured deliveries only");
        assertEquals("1100", r.metrics.get("reference_deliveries"), "warm-up and measured, verified, counted apart");
        List<Double> added = new ArrayList<>();
        for (String figure : List.of("added_min_ms", "added_p50_ms", "added_p99_ms", "added_p999_ms", "added_max_ms")) {
            String v = r.metrics.get(figure);
            assertNotNull(v, () -> figure + " missing: " + r.line());
            added.add(Double.parseDouble(v));
            assertTrue(Double.isFinite(added.getLast()), r::line);
        }
        for (int i = 1; i < added.size(); i++) {
            assertTrue(added.get(i - 1) <= added.get(i), () -> "quantiles out of order: " + r.line());
        }
        // two direct listeners on the same PostgreSQL: the difference is the measurement's noise floor
        assertTrue(Math.abs(added.get(1)) < 50, r::line);
    }

    @Test
    void channelsAndProducersPass() {
        Result channels = run("channels", "--listeners", "10", "--notifications", "50", "--batch", "5");
        assertNull(channels.failure, channels::line);
        assertEquals("500", channels.metrics.get("deliveries"));
        Result producers = run("producers", "--listeners", "5", "--producers", "2", "--duration", "0.5");
        assertNull(producers.failure, producers::line);
        assertTrue(Double.parseDouble(producers.metrics.get("tps")) > 0, producers::line);
    }

    /** One connection on 2,500 channels and the probe: every probe notification read once, in order, by it and by the reference. */
    @Test
    void channelCountDirectlyOnPostgresPasses() {
        Result r = run("channelcount", "--channels", "2500", "--listen-batch", "1000", "--notifications", "500",
                "--bursts", "2", "--paced", "20");
        assertNull(r.failure, r::line);
        assertEquals("1020", r.metrics.get("deliveries"), r::line);
        assertTrue(r.line().contains(" param.C=2500 "), r::line);
        for (String figure : List.of("listen_all_s", "listen_us_each", "listen_one_ms", "notifications_per_s", "p50_ms",
                "added_p50_ms", "added_max_ms")) {
            assertTrue(Double.isFinite(Double.parseDouble(r.metrics.get(figure))), () -> figure + ": " + r.line());
        }
        // 1,000 + 1,000 + 491 LISTENs in statements, then 9 alone
        assertTrue(Double.parseDouble(r.metrics.get("listen_batch_ms")) > 0, r::line);
        assertTrue(Double.parseDouble(r.metrics.get("listen_one_ms")) > 0, r::line);
    }

    /**
     * Directly on PostgreSQL, a restart closes every listener's connection: the run counts them all
     * disconnected and back, and measures from PostgreSQL accepting connections again.
     */
    @Test
    void failoverDirectlyOnPostgresCountsEveryListenerDisconnectedAndBack() {
        Result r = run("failover", "--listeners", "5", "--rate", "50", "--before", "0.2", "--restart-command",
                pg.restartCommand());
        assertNull(r.failure, r::line);
        assertEquals("5", r.metrics.get("disconnected"), r::line);
        assertEquals("0", r.metrics.get("gap_notified"), r::line);
        for (String figure : List.of("pg_restart_ms", "first_delivery_ms", "all_delivered_ms", "all_back_ms")) {
            assertTrue(Double.parseDouble(r.metrics.get(figure)) >= 0, r::line);
        }
        assertTrue(Double.parseDouble(r.metrics.get("first_delivery_ms")) <= Double.parseDouble(r.metrics.get("all_delivered_ms")),
                r::line);
    }

    /**
     * The soak's plumbing end to end, directly on PostgreSQL (which has no gaps to report): steady
     * and churning listeners, producers, the garbage fault answered with 08P01, and a clean verdict.
     */
    @Test
    void aShortSoakWithGarbageClientsDirectlyOnPostgresIsClean() {
        Result r = run("soak", "--listeners", "5", "--churners", "3", "--producers", "2", "--rate", "200",
                "--batch", "10", "--deliveries", "10000", "--faults", "garbage", "--fault-interval", "0.5",
                // PostgreSQL only logs a message length below 4 (COMMERROR) and closes: no 08P01 to expect
                "--garbage", "type");
        assertNull(r.failure, r::line);
        assertTrue(Long.parseLong(r.metrics.get("deliveries_checked")) >= 10_000, r::line);
        for (String zero : List.of("lost", "duplicated", "reordered", "fault_failures", "gap_reports")) {
            assertEquals("0", r.metrics.get(zero), () -> zero + ": " + r.line());
        }
        assertTrue(Integer.parseInt(r.metrics.get("garbage_08P01")) >= 1, r::line);
        assertEquals(r.metrics.get("faults"), r.metrics.get("garbage_08P01"), r::line);
        assertTrue(Integer.parseInt(r.metrics.get("churn_sessions")) >= 1, r::line);
    }

    @Test
    void anErrorResponseFailsTheRunWithTheServersReason() {
        List<String> args = new ArrayList<>(pg.targetArgs());
        args.set(args.indexOf(ThrowawayPostgres.PASSWORD), "wrong");
        args.addAll(List.of("--pg-password", ThrowawayPostgres.PASSWORD, "--listeners", "3", "--notifications", "10",
                "--batch", "10"));
        long start = System.nanoTime();
        Result r = new Scenarios(new Options(args)).run("fanout");
        assertNotNull(r.failure);
        assertTrue(r.failure.contains("ErrorResponse: FATAL 28P01"), r.failure);
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "failed at once, not after a timeout");
    }

    @Test
    void aMissedNotificationAndADuplicateAreCaught() throws Exception {
        assertEquals("missed or out of order", faultAfter("'0'", "'2'"));
        assertEquals("duplicate or out of order", faultAfter("'0'", "'1'", "'1'"));
    }

    @Test
    void aCorrectNotificationOnTheListenersChannelIsNoFailure() throws Exception {
        try (ListenerPool pool = new ListenerPool(pg.endpoint(), 2, 1, i -> "ch" + i, 1, 8);
             Connection c = DriverManager.getConnection(pg.endpoint().jdbcUrl(), ThrowawayPostgres.USER,
                     ThrowawayPostgres.PASSWORD)) {
            pool.start();
            awaitListening(pool);
            // listener #0 listens on ch0 only; a payload for it on ch0 is fine
            try (Statement st = c.createStatement()) {
                st.execute("NOTIFY ch0, '0'");
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (pool.delivered() < 1 && pool.failure() == null && System.nanoTime() < deadline) {
                LockSupport.parkNanos(2_000_000);
            }
            assertNull(pool.failure(), "a correct notification is no failure");
            assertEquals(1, pool.delivered(), "the notification was received");
        }
    }

    @Test
    void aServerThatClosesTheConnectionFailsTheRun() throws Exception {
        try (ListenerPool pool = new ListenerPool(pg.endpoint(), 3, 1, i -> "closing", 1, 8);
             Connection c = DriverManager.getConnection(pg.endpoint().jdbcUrl(), ThrowawayPostgres.USER,
                     ThrowawayPostgres.PASSWORD)) {
            pool.start();
            awaitListening(pool);
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'allas-bench'");
            }
            String f = awaitFailure(pool);
            assertNotNull(f);
            assertTrue(f.contains("57P01") || f.contains("closed the connection"), f);
        }
    }

    /** Sends the payloads on one channel to one listener; returns the kind of fault it reports. */
    private static String faultAfter(String... payloads) throws Exception {
        try (ListenerPool pool = new ListenerPool(pg.endpoint(), 1, 1, i -> "seq", 1, 8);
             Connection c = DriverManager.getConnection(pg.endpoint().jdbcUrl(), ThrowawayPostgres.USER,
                     ThrowawayPostgres.PASSWORD)) {
            pool.start();
            awaitListening(pool);
            try (Statement st = c.createStatement()) {
                for (String p : payloads) {
                    st.execute("NOTIFY seq, " + p);
                }
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (pool.failure() == null && System.nanoTime() < deadline) {
                LockSupport.parkNanos(5_000_000);
            }
            String f = pool.failure();
            assertNotNull(f, "the fault went unnoticed");
            assertTrue(f.startsWith("listener #0 (channel seq): notification 0."), f);
            return f.substring(f.indexOf('(', f.indexOf("due")) + 1, f.length() - 1);
        }
    }

    private static void awaitListening(ListenerPool pool) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (pool.acknowledged() < pool.size() && pool.failure() == null && System.nanoTime() < deadline) {
            LockSupport.parkNanos(2_000_000);
        }
        assertNull(pool.failure());
        assertEquals(pool.size(), pool.acknowledged());
    }

    /** Waits up to a second for a failure; null when none came. */
    private static String awaitFailure(ListenerPool pool) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (pool.failure() == null && System.nanoTime() < deadline) {
            LockSupport.parkNanos(5_000_000);
        }
        return pool.failure();
    }
}
