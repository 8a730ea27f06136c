package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGNotification;
import org.postgresql.util.PSQLException;

import io.allas.testing.JdbcListener;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

/**
 * The connection on which allas sends its clients' notifications: opened when one comes, closed
 * when idle, and a lost one costs the clients waiting on it an error, never a hang.
 */
class NotifyConnectionTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    /** The statement with which allas sends notifications, as pg_stat_activity shows it. */
    private static final String SENDING = "SELECT count(pg_notify(c, p)) FROM unnest(%";

    private static TestRelay relay;

    @BeforeAll
    static void start() {
        // The sending connection is closed after the ping interval without notifications.
        relay = TestRelay.builder().trust("app")
                .extraSections("  \"upstream\": {\"ping_interval_ms\": 500, \"ping_timeout_ms\": 2000},\n").start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    /** @return the sending connections' backend PIDs */
    private static List<Integer> sendingBackends(Connection admin) throws SQLException {
        try (Statement statement = admin.createStatement();
             ResultSet rows = statement.executeQuery("SELECT pid FROM pg_stat_activity WHERE query LIKE '" + SENDING + "'")) {
            List<Integer> pids = new java.util.ArrayList<>();
            while (rows.next()) {
                pids.add(rows.getInt(1));
            }
            return pids;
        }
    }

    private static List<Integer> awaitSendingBackends(Connection admin, int count) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<Integer> pids = sendingBackends(admin);
        while (pids.size() != count && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            pids = sendingBackends(admin);
        }
        return pids;
    }

    @Test
    void openedOnDemandAndClosedWhenIdle() throws Exception {
        try (Connection admin = TestPostgres.shared().connect();
             JdbcListener listener = new JdbcListener(relay.connect("app", "app", null));
             Connection sender = relay.connect("app", "app", null)) {
            assertEquals(List.of(), awaitSendingBackends(admin, 0), "no sending connection before a notification");
            listener.execute("LISTEN idle_test");
            sender.createStatement().execute("NOTIFY idle_test, 'first'");
            assertEquals(1, sendingBackends(admin).size(), "opened for the notification");
            try (Statement statement = admin.createStatement();
                 ResultSet rows = statement.executeQuery(
                         "SELECT application_name FROM pg_stat_activity WHERE query LIKE '" + SENDING + "'")) {
                rows.next();
                assertEquals(relay.upstreamApplicationName() + " notify", rows.getString(1),
                        "told apart from the LISTEN connection in pg_stat_activity");
            }
            assertEquals(List.of(), awaitSendingBackends(admin, 0), "closed when idle");
            sender.createStatement().execute("NOTIFY idle_test, 'second'");
            assertEquals(List.of("first", "second"),
                    listener.await(2, WAIT).stream().map(PGNotification::getParameter).toList());
        }
    }

    @Test
    void aLostConnectionIsAnErrorForTheSenderAndTheNextNotificationGoesThrough() throws Exception {
        try (Connection admin = TestPostgres.shared().connect();
             JdbcListener listener = new JdbcListener(relay.connect("app", "app", null));
             Connection sender = relay.connect("app", "app", null)) {
            listener.execute("LISTEN lost_test");
            sender.createStatement().execute("NOTIFY lost_test, 'before'");
            List<Integer> backends = sendingBackends(admin);
            assertEquals(1, backends.size());
            try (Statement statement = admin.createStatement()) {
                statement.execute("SELECT pg_terminate_backend(" + backends.getFirst() + ", 10000)");
            }
            PSQLException e = assertThrows(PSQLException.class,
                    () -> sender.createStatement().execute("NOTIFY lost_test, 'lost'"));
            assertEquals("57A02", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("may or may not have been sent"), e.getMessage());
            assertTrue(!sender.isClosed(), "the client's own connection stays");

            sender.createStatement().execute("NOTIFY lost_test, 'after'");
            assertEquals(List.of("before", "after"),
                    listener.await(2, WAIT).stream().map(PGNotification::getParameter).toList());
        }
    }
}
