package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

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
 * Losing the upstream connection: clients are told 57A02, newcomers 57A01 while it is down,
 * and service resumes by itself once the server is back.
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
            assertEquals(1, TestPostgres.shared().terminateBackends("allas"));
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
    void aServerRestartGives57A02ThenRefuses57A01ThenServesWithinASecondOfItsReturn() throws SQLException {
        TestPostgres postgres = TestPostgres.shared();
        try (JdbcListener listener = new JdbcListener(relay.connect("app", "app", null))) {
            listener.execute("LISTEN restart");
            postgres.stop();
            try {
                SQLException lost = awaitClientError(listener);
                assertEquals("57A02", lost.getSQLState(), lost.getMessage());
                SQLException refused = assertThrows(SQLException.class, () -> relay.connect("app", "app", null));
                assertEquals("57A01", refused.getSQLState(), refused.getMessage());
                assertTrue(refused.getMessage().contains("no server connection available"));
            } finally {
                postgres.start();
            }
        }
        long back = System.nanoTime();
        try (JdbcListener listener = connectWhenServing(Duration.ofSeconds(5))) {
            long millis = (System.nanoTime() - back) / 1_000_000;
            assertTrue(millis < 1500, "served again " + millis + " ms after the server was back");
        }
        assertRelayWorks();
    }

    @Test
    void aRelayStartedWhileTheServerIsDownServesOnceItIsUp() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        postgres.stop();
        try (TestRelay early = TestRelay.builder().trust("app").startWithoutWaiting()) {
            try {
                SQLException refused = assertThrows(SQLException.class, () -> early.connect("app", "app", null));
                assertEquals("57A01", refused.getSQLState(), refused.getMessage());
            } finally {
                postgres.start();
            }
            long back = System.nanoTime();
            AwaitServing.connect(() -> early.connect("app", "app", null), Duration.ofSeconds(5)).close();
            long millis = (System.nanoTime() - back) / 1_000_000;
            assertTrue(millis < 1500, "served " + millis + " ms after the server was back");
        }
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
