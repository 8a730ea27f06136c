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
import io.allas.testing.JdbcListener;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

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
    void terminatingTheUpstreamBackendEndsClientsWith57A02AndServiceResumes() throws SQLException {
        try (JdbcListener listener = new JdbcListener(relay.connect("app", "app", null))) {
            listener.execute("LISTEN victim");
            assertEquals(1, TestPostgres.shared().terminateBackends("allas"));
            SQLException e = awaitClientError(listener);
            assertEquals("57A02", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("terminating connection because the server connection was lost"));
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
}
