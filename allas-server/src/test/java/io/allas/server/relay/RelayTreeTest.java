package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.allas.testing.CapturedLog;
import io.allas.testing.JdbcListener;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

/**
 * A tree of three relays: a root on PostgreSQL and two leaves whose {@code connect} names the
 * root. What the leaves send the root at connect and later is answered (or degraded from, as
 * the settings read), so clients of the leaves see what clients of one relay see.
 */
class RelayTreeTest {

    /** A leaf that leaves sslmode at its default: not knowing whether TLS is on, it reads through pgjdbc. */
    private static TestRelay leafOf(TestRelay root, String extraSections) {
        return TestRelay.builder().trust("app").extraSections(extraSections)
                .connect("host=127.0.0.1 port=" + root.port() + " dbname=app user=app").start();
    }

    /** A leaf with sslmode=disable: it reads the root's notifications from the socket itself. */
    private static TestRelay plainLeafOf(TestRelay root, String extraSections) {
        return TestRelay.builder().trust("app").extraSections(extraSections)
                .connect("host=127.0.0.1 port=" + root.port() + " dbname=app user=app sslmode=disable").start();
    }

    @Test
    void aNotificationCommittedRightAfterALeafsListenReturnsArrivesAndOrderIsKeptOnEveryLeaf() throws Exception {
        try (CapturedLog log = CapturedLog.start();
             TestRelay root = TestRelay.builder().trust("app").start();
             TestRelay left = leafOf(root, "");
             TestRelay right = plainLeafOf(root, "");
             JdbcListener onLeft = new JdbcListener(left.connect("app", "app", null));
             JdbcListener onRight = new JdbcListener(right.connect("app", "app", null));
             Connection producer = TestPostgres.shared().connect()) {
            // LISTEN is answered only once PostgreSQL listens: a commit right after it is delivered.
            onLeft.execute("LISTEN orders");
            producer.createStatement().execute("NOTIFY orders, 'right after LISTEN'");
            assertEquals("right after LISTEN", onLeft.await(1, Duration.ofSeconds(10)).getFirst().getParameter());
            onRight.execute("LISTEN orders");
            producer.createStatement().execute("NOTIFY orders, 'right after the second LISTEN'");

            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                sent.add("n" + i);
                producer.createStatement().execute("NOTIFY orders, 'n" + i + "'");
            }
            List<String> expectedLeft = new ArrayList<>(List.of("right after LISTEN", "right after the second LISTEN"));
            expectedLeft.addAll(sent);
            List<String> expectedRight = new ArrayList<>(List.of("right after the second LISTEN"));
            expectedRight.addAll(sent);
            assertEquals(expectedLeft, payloads(onLeft.await(expectedLeft.size(), Duration.ofSeconds(30))));
            assertEquals(expectedRight, payloads(onRight.await(expectedRight.size(), Duration.ofSeconds(30))));
            List<String> refused = log.linesWith("statement refused");
            assertEquals(2, refused.size(), "each leaf's question at connect that tells it the root is an allas: " + refused);
            assertTrue(refused.stream().allMatch(line -> line.contains("pg_stat_ssl")), refused.toString());
        }
    }

    @Test
    void aLeafClientsCatalogQueryIsAnsweredByPostgresThroughTheRoot() throws Exception {
        try (TestRelay root = TestRelay.builder().trust("app").start();
             TestRelay leaf = leafOf(root, "");
             Connection client = leaf.connect("app", "app", null);
             java.sql.Statement statement = client.createStatement();
             java.sql.ResultSet rows = statement.executeQuery("SELECT typname FROM pg_catalog.pg_type WHERE oid = 23")) {
            assertTrue(rows.next());
            assertEquals("int4", rows.getString(1));
        }
    }

    @Test
    void aLeafAnswersShowWithWhatAFreshSessionOfPostgresHas() throws Exception {
        try (TestRelay root = TestRelay.builder().trust("app").start();
             TestRelay leaf = leafOf(root, "");
             Connection client = leaf.connect("app", "app", null);
             Connection direct = TestPostgres.shared().connect()) {
            for (String name : List.of("work_mem", "lock_timeout", "server_version_num")) {
                assertEquals(show(direct, name), show(client, name), name);
            }
        }
    }

    private static String show(Connection connection, String name) throws SQLException {
        try (java.sql.Statement statement = connection.createStatement();
             java.sql.ResultSet rows = statement.executeQuery("SHOW " + name)) {
            assertTrue(rows.next());
            return rows.getString(1);
        }
    }

    @Test
    void aLeafClientsNotifyReachesEveryoneAndItselfWithItsOwnProcessId() throws Exception {
        try (TestRelay root = TestRelay.builder().trust("app").start();
             TestRelay left = leafOf(root, "");
             TestRelay right = plainLeafOf(root, "");
             JdbcListener onLeft = new JdbcListener(left.connect("app", "app", null));
             JdbcListener sender = new JdbcListener(right.connect("app", "app", null));
             JdbcListener direct = new JdbcListener(TestPostgres.shared().connect())) {
            onLeft.execute("LISTEN chat");
            sender.execute("LISTEN chat");
            direct.execute("LISTEN chat");
            sender.execute("NOTIFY chat, 'it''s me, \\ and \"quoted\"'");
            int senderPid = sender.connection().unwrap(PGConnection.class).getBackendPID();

            PGNotification atLeft = onLeft.await(1, Duration.ofSeconds(10)).getFirst();
            assertEquals("it's me, \\ and \"quoted\"", atLeft.getParameter());
            // Only the sender's own leaf knows its process ID: the other leaf sees the one the root
            // gave the sending leaf's NOTIFY connection, as a client of PostgreSQL sees a relay's.
            assertNotEquals(senderPid, atLeft.getPID());
            PGNotification own = sender.await(1, Duration.ofSeconds(10)).getFirst();
            assertEquals(senderPid, own.getPID(), "the sender sees its own process ID, as PostgreSQL shows it");
            assertEquals("it's me, \\ and \"quoted\"", direct.await(1, Duration.ofSeconds(10)).getFirst().getParameter());
        }
    }

    @Test
    void whenTheRootsBackendIsTerminatedLeafClientsAreToldWith57A02() throws Exception {
        try (TestRelay root = TestRelay.builder().trust("app").start();
             TestRelay left = leafOf(root, "");
             TestRelay right = plainLeafOf(root, "");
             JdbcListener onLeft = new JdbcListener(left.connect("app", "app", null));
             JdbcListener onRight = new JdbcListener(right.connect("app", "app", null))) {
            onLeft.execute("LISTEN victim");
            onRight.execute("LISTEN victim");
            assertEquals(1, TestPostgres.shared().terminateBackends(root.upstreamApplicationName()));
            for (JdbcListener listener : List.of(onLeft, onRight)) {
                SQLException lost = assertThrows(SQLException.class, () -> listener.await(1, Duration.ofSeconds(20)));
                assertEquals("57A02", lost.getSQLState(), lost.getMessage());
            }
        }
    }

    @Test
    void withKeepOnEveryLevelLeafClientsStayAndAreToldOfTheGapWhenTheRootsBackendIsTerminated() throws Exception {
        String keep = "  \"upstream\": {\"on_loss\": \"keep\"},\n";
        try (TestRelay root = TestRelay.builder().trust("app").extraSections(keep).start();
             TestRelay left = leafOf(root, keep);
             TestRelay right = plainLeafOf(root, keep);
             JdbcListener onLeft = new JdbcListener(left.connect("app", "app", null));
             JdbcListener onRight = new JdbcListener(right.connect("app", "app", null));
             Connection producer = TestPostgres.shared().connect()) {
            for (JdbcListener listener : List.of(onLeft, onRight)) {
                listener.execute("LISTEN orders", "LISTEN allas_gap");
            }
            producer.createStatement().execute("NOTIFY orders, 'before'");
            for (JdbcListener listener : List.of(onLeft, onRight)) {
                assertEquals(List.of("before"), payloads(listener.await(1, Duration.ofSeconds(10))));
            }
            Instant lost = Instant.now();

            assertEquals(1, TestPostgres.shared().terminateBackends(root.upstreamApplicationName()));

            for (JdbcListener listener : List.of(onLeft, onRight)) {
                List<PGNotification> received = listener.await(2, Duration.ofSeconds(20));
                PGNotification gap = received.get(1);
                assertEquals("allas_gap", gap.getName());
                assertTrue(gap.getParameter().contains("\"reason\": \"upstream_lost\""), gap.getParameter());
                assertTrue(gap.getParameter().contains("\"orders\""), gap.getParameter());
                Instant from = Instant.parse(gap.getParameter().replaceAll(".*\"from\": \"([^\"]+)\".*", "$1"));
                assertTrue(!from.isBefore(lost.minusSeconds(1)), "the gap starts when the root lost PostgreSQL: " + from);
            }
            // The gap is reported once the root listens again: what is committed now is delivered.
            producer.createStatement().execute("NOTIFY orders, 'after'");
            for (JdbcListener listener : List.of(onLeft, onRight)) {
                assertEquals("after", listener.await(3, Duration.ofSeconds(10)).get(2).getParameter());
            }
        }
    }

    private static List<String> payloads(List<PGNotification> notifications) {
        return notifications.stream().map(PGNotification::getParameter).toList();
    }
}
