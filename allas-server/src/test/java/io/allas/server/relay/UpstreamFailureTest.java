package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGNotification;

import io.allas.testing.AwaitServing;
import io.allas.testing.CapturedLog;
import io.allas.testing.JdbcListener;
import io.allas.testing.Scrape;
import io.allas.testing.SubscriptionChurn;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.UpstreamProxy;

/**
 * Losing the upstream connection: clients are told 57A02, newcomers wait while it is down (57A01
 * after {@code upstream.connect_wait_ms}), and service resumes by itself once the server is back.
 */
class UpstreamFailureTest {

    private static TestRelay relay;

    @BeforeAll
    static void start() {
        relay = TestRelay.builder().trust("app").start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static SQLException awaitClientError(JdbcListener listener) {
        return assertThrows(SQLException.class, () -> listener.await(1, Duration.ofSeconds(20)));
    }

    private static JdbcListener connectWhenServing(Duration deadline) throws SQLException {
        return AwaitServing.connect(() -> new JdbcListener(relay.connect("app", "app", null)), deadline);
    }

    private static void assertRelayWorks() throws SQLException {
        try (JdbcListener listener = connectWhenServing(Duration.ofSeconds(5));
             Connection producer = TestPostgres.shared().connect()) {
            listener.execute("LISTEN resumed");
            producer.createStatement().execute("NOTIFY resumed, 'again'");
            List<PGNotification> received = listener.await(1, Duration.ofSeconds(10));
            assertEquals("again", received.getFirst().getParameter());
        }
    }

    @Test
    void terminatingTheUpstreamBackendEndsClientsWith57A02AndServiceResumes() throws Exception {
        try (JdbcListener listener = new JdbcListener(relay.connect("app", "app", null));
             io.allas.testing.WireClient bystander = io.allas.testing.WireClient.startup(relay.port(), "app", "app")) {
            listener.execute("LISTEN victim");
            assertEquals(1, TestPostgres.shared().terminateBackends(relay.upstreamApplicationName()));
            SQLException e = awaitClientError(listener);
            assertEquals("57A02", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("terminating connection because the server connection was lost"));
            // A client that listens on nothing is told too: it may be about to LISTEN and must resynchronise.
            io.allas.testing.WireClient.Message told = bystander.read();
            assertEquals("57A02", told.fields().get('C'));
            assertTrue(bystander.isClosedByServer());
        }
        assertRelayWorks();
    }

    @Test
    void aServerRestartGives57A02AndAClientConnectingWhileItIsDownIsServedOnceItIsBack() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        CompletableFuture<JdbcListener> waiting;
        long back;
        // A relay of its own: its metrics are read, and each test's relay unregisters allas's meters when it closes.
        try (TestRelay watched = TestRelay.builder().trust("app").prometheus().start()) {
            try (JdbcListener listener = new JdbcListener(watched.connect("app", "app", null))) {
                listener.execute("LISTEN restart");
                postgres.stop();
                try {
                    SQLException lost = awaitClientError(listener);
                    assertEquals("57A02", lost.getSQLState(), lost.getMessage());
                    waiting = connectInBackground(watched);
                    Scrape.awaitValue(watched.httpPort(), "allas_clients_waiting", 1, Duration.ofSeconds(10));
                    assertFalse(waiting.isDone(), "the client waits while the server is down");
                } finally {
                    postgres.start();
                    back = System.nanoTime();
                }
            }
            try (JdbcListener served = waiting.get(10, TimeUnit.SECONDS);
                 Connection producer = TestPostgres.shared().connect()) {
                long millis = (System.nanoTime() - back) / 1_000_000;
                assertTrue(millis < 1500, "served " + millis + " ms after the server was back");
                served.execute("LISTEN after_wait");
                producer.createStatement().execute("NOTIFY after_wait, 'served'");
                assertEquals("served", served.await(1, Duration.ofSeconds(10)).getFirst().getParameter());
            }
            assertEquals(0.0, Scrape.value(watched.httpPort(), "allas_clients_waiting"));
        }
        assertRelayWorks();
    }

    @Test
    void aRelayStartedWhileTheServerIsDownServesWaitingClientsOnceItIsUp() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        postgres.stop();
        try (TestRelay early = TestRelay.builder().trust("app").prometheus().startWithoutWaiting()) {
            CompletableFuture<JdbcListener> waiting;
            long back;
            try {
                waiting = connectInBackground(early);
                Scrape.awaitValue(early.httpPort(), "allas_clients_waiting", 1, Duration.ofSeconds(10));
                assertFalse(waiting.isDone(), "the client waits while the server is down");
            } finally {
                postgres.start();
                back = System.nanoTime();
            }
            try (JdbcListener served = waiting.get(10, TimeUnit.SECONDS)) {
                long millis = (System.nanoTime() - back) / 1_000_000;
                assertTrue(millis < 1500, "served " + millis + " ms after the server was back");
                served.execute("SELECT 1");
            }
        }
    }

    @Test
    void aWaitLongerThanConnectWaitEndsWith57A01AndZeroRefusesAtOnce() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (UpstreamProxy proxy = new UpstreamProxy(postgres.host(), postgres.port())) {
            proxy.refuseConnections();
            try (TestRelay bounded = TestRelay.builder().trust("app").connect(proxy.connectString(postgres))
                         .extraSections("  \"upstream\": {\"connect_wait_ms\": 300},\n").startWithoutWaiting();
                 TestRelay impatient = TestRelay.builder().trust("app").connect(proxy.connectString(postgres))
                         .extraSections("  \"upstream\": {\"connect_wait_ms\": 0},\n").startWithoutWaiting()) {
                long start = System.nanoTime();
                SQLException timedOut = assertThrows(SQLException.class, () -> bounded.connect("app", "app", null));
                long waited = (System.nanoTime() - start) / 1_000_000;
                assertEquals("57A01", timedOut.getSQLState(), timedOut.getMessage());
                assertTrue(timedOut.getMessage().contains("no server connection available"), timedOut.getMessage());
                assertTrue(timedOut.getMessage().contains("upstream.connect_wait_ms"), timedOut.getMessage());
                assertTrue(waited >= 300, "refused after " + waited + " ms, before connect_wait_ms");

                SQLException refused = assertThrows(SQLException.class, () -> impatient.connect("app", "app", null));
                assertEquals("57A01", refused.getSQLState(), refused.getMessage());
                assertFalse(refused.getMessage().contains("upstream.connect_wait_ms"), refused.getMessage());
            }
        }
    }

    @Test
    void aClientWaitingForTheUpstreamIsToldWhenAllasShutsDown() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (UpstreamProxy proxy = new UpstreamProxy(postgres.host(), postgres.port())) {
            proxy.refuseConnections();
            CompletableFuture<JdbcListener> waiting;
            try (TestRelay doomed = TestRelay.builder().trust("app").connect(proxy.connectString(postgres))
                    .prometheus().startWithoutWaiting()) {
                waiting = connectInBackground(doomed);
                Scrape.awaitValue(doomed.httpPort(), "allas_clients_waiting", 1, Duration.ofSeconds(10));
            }
            ExecutionException ended = assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
            SQLException told = (SQLException) ended.getCause();
            assertEquals("57P01", told.getSQLState(), told.getMessage());
        }
    }

    /** Connects on another thread: the connection is made only once the relay serves. */
    private static CompletableFuture<JdbcListener> connectInBackground(TestRelay target) {
        CompletableFuture<JdbcListener> connected = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                connected.complete(new JdbcListener(target.connect("app", "app", null)));
            } catch (SQLException | RuntimeException e) {
                connected.completeExceptionally(e);
            }
        });
        return connected;
    }

    @Test
    void aSilentlyDeadConnectionIsNoticedByThePing() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (UpstreamProxy proxy = new UpstreamProxy(postgres.host(), postgres.port());
             TestRelay silent = TestRelay.builder().trust("app")
                     .connect(proxy.connectString(postgres))
                     .extraSections("  \"upstream\": {\"ping_interval_ms\": 300, \"ping_timeout_ms\": 1000},\n")
                     .start();
             JdbcListener listener = new JdbcListener(silent.connect("app", "app", null))) {
            listener.execute("LISTEN silence");
            long start = System.nanoTime();
            proxy.goSilent();
            SQLException e = awaitClientError(listener);
            assertEquals("57A02", e.getSQLState(), e.getMessage());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 5000, "noticed after " + millis + " ms");
            proxy.restore();
            try (JdbcListener again = AwaitServing.connect(() -> new JdbcListener(silent.connect("app", "app", null)),
                    Duration.ofSeconds(10))) {
                again.execute("LISTEN silence");
            }
        }
    }

    @Test
    void readinessGoesDownOnceAPingIsOverdueLongBeforeTheConnectionIsDeclaredDead() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (UpstreamProxy proxy = new UpstreamProxy(postgres.host(), postgres.port());
             TestRelay frozen = TestRelay.builder().trust("app").prometheus()
                     .connect(proxy.connectString(postgres))
                     .extraSections("  \"upstream\": {\"ping_interval_ms\": 300, \"ping_timeout_ms\": 4000},\n")
                     .start();
             CapturedLog log = CapturedLog.start()) {
            assertEquals(200, Scrape.get(frozen.httpPort(), "/observe/health/ready").statusCode());
            // As a frozen backend (SIGSTOP) does: the connection stays open, and nothing comes back.
            proxy.goSilent();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (Scrape.get(frozen.httpPort(), "/observe/health/ready").statusCode() != 503) {
                assertTrue(System.nanoTime() < deadline, "readiness never went down");
            }
            assertEquals(List.of(), log.linesWith("lost the upstream connection"),
                    "readiness went down before ping_timeout_ms declared the connection dead");
            String lost = log.awaitLine(Duration.ofSeconds(20), "lost the upstream connection");
            assertTrue(lost.contains("ping timed out after 4"), lost);
            proxy.restore();
        }
    }

    /**
     * A notification cut into pieces by the network is completed by the relay even while sessions
     * keep waking it for LISTENs; neither the wake-ups nor the pieces may look like a dead server.
     */
    @Test
    void messagesCutIntoPiecesAreCompletedWhileSessionsKeepWakingTheRelay() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (UpstreamProxy proxy = new UpstreamProxy(postgres.host(), postgres.port());
             TestRelay trickled = TestRelay.builder().trust("app")
                     .connect(proxy.connectString(postgres))
                     .start();
             JdbcListener listener = new JdbcListener(trickled.connect("app", "app", null));
             JdbcListener churn = new JdbcListener(trickled.connect("app", "app", null));
             Connection producer = postgres.connect()) {
            listener.execute("LISTEN pieces");
            proxy.trickle(3);
            int count = 100;
            List<PGNotification> received;
            try (var churning = SubscriptionChurn.of(churn, "pieces_").start();
                 var statement = producer.createStatement()) {
                for (int batch = 0; batch < count / 10; batch++) {
                    statement.execute("SELECT pg_notify('pieces', (" + batch + " * 10 + i)::text) FROM generate_series(0, 9) i");
                }
                received = listener.await(count, Duration.ofSeconds(60));
            }
            assertEquals(count, received.size());
            for (int i = 0; i < count; i++) {
                assertEquals(String.valueOf(i), received.get(i).getParameter());
            }
        }
    }
}
