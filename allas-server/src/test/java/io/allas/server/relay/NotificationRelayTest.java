package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.allas.testing.JdbcListener;
import io.allas.testing.SubscriptionChurn;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * Notifications sent by a direct connection to PostgreSQL reach the relay's listeners as
 * PostgreSQL itself would deliver them, with pgjdbc in its different modes as the client.
 */
class NotificationRelayTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static TestRelay relay;
    private static Connection producer;
    private static int producerPid;

    @BeforeAll
    static void start() throws SQLException {
        relay = TestRelay.builder().trust("app").tapUpstream().start();
        producer = TestPostgres.shared().connect();
        producerPid = producer.unwrap(PGConnection.class).getBackendPID();
    }

    @AfterAll
    static void stop() throws SQLException {
        producer.close();
        relay.close();
    }

    private static JdbcListener listener(String... pgjdbcProperties) throws SQLException {
        return new JdbcListener(relay.connect("app", "app", null, pgjdbcProperties));
    }

    private static void notify(String channel, String payload) throws SQLException {
        try (var statement = producer.prepareStatement("SELECT pg_notify(?, ?)")) {
            statement.setString(1, channel);
            statement.setString(2, payload);
            statement.execute();
        }
    }

    private static void assertReceived(List<PGNotification> received, String channel, List<String> payloads) {
        assertEquals(payloads.size(), received.size(), "notifications received: " + received.size());
        for (int i = 0; i < payloads.size(); i++) {
            assertEquals(channel, received.get(i).getName());
            assertEquals(payloads.get(i), received.get(i).getParameter(), "payload #" + i);
            assertEquals(producerPid, received.get(i).getPID(), "the notifying backend's PID");
        }
    }

    @Test
    void everyListenerReceivesEveryNotificationOnceInOrder() throws SQLException {
        List<String> payloads = new ArrayList<>(List.of("plain", "ünïcødé ✓ 通知", "x".repeat(7999), ""));
        for (int i = 0; i < 100; i++) {
            payloads.add("n" + i);
        }
        try (JdbcListener plain = listener();
             JdbcListener prepared = listener("prepareThreshold", "1");
             JdbcListener simple = listener("preferQueryMode", "simple");
             JdbcListener transactional = listener()) {
            plain.execute("LISTEN orders");
            prepared.execute("LISTEN orders", "LISTEN orders");
            simple.execute("listen ORDERS");
            transactional.connection().setAutoCommit(false);
            transactional.execute("LISTEN orders");
            transactional.connection().commit();
            for (String payload : payloads) {
                notify("orders", payload);
            }
            for (JdbcListener each : List.of(plain, prepared, simple, transactional)) {
                assertReceived(each.await(payloads.size(), WAIT), "orders", payloads);
            }
        }
    }

    @Test
    void afterUnlistenNothingMoreArrivesAndTheUpstreamLetsGo() throws SQLException {
        try (JdbcListener listener = listener()) {
            listener.execute("LISTEN leaving", "LISTEN staying");
            assertTrue(relay.upstreamChannels().containsAll(Set.of("leaving", "staying")));
            listener.execute("UNLISTEN leaving");
            notify("leaving", "after unlisten");
            notify("staying", "sentinel");
            // Order is preserved, so once the sentinel is here, anything on "leaving" would be too.
            assertReceived(listener.await(1, WAIT), "staying", List.of("sentinel"));
            assertEquals(1, listener.await(1, Duration.ZERO).size());
            relay.awaitUpstreamChannels(channels -> !channels.contains("leaving"), "no UNLISTEN leaving upstream");

            listener.execute("UNLISTEN *");
            relay.awaitUpstreamChannels(channels -> !channels.contains("staying"), "no UNLISTEN staying upstream");
        }
    }

    @Test
    void disconnectingReleasesTheChannels() throws SQLException {
        JdbcListener listener = listener();
        listener.execute("LISTEN abandoned_1", "LISTEN abandoned_2");
        assertTrue(relay.upstreamChannels().containsAll(Set.of("abandoned_1", "abandoned_2")));
        listener.close();
        relay.awaitUpstreamChannels(channels -> !channels.contains("abandoned_1") && !channels.contains("abandoned_2"),
                "the channels of a client that left are still listened upstream");
    }

    @Test
    void aSharedChannelStaysUntilItsLastListenerLeaves() throws SQLException {
        try (JdbcListener first = listener(); JdbcListener second = listener()) {
            first.execute("LISTEN shared");
            second.execute("LISTEN shared");
            first.execute("UNLISTEN shared");
            assertTrue(relay.upstreamChannels().contains("shared"));
            notify("shared", "still here");
            assertReceived(second.await(1, WAIT), "shared", List.of("still here"));
            second.execute("UNLISTEN shared");
            relay.awaitUpstreamChannels(channels -> !channels.contains("shared"), "no UNLISTEN shared upstream");
        }
    }

    @Test
    void channelNamesAreFoldedQuotedAndTruncatedAsByPostgres() throws SQLException {
        String longName = "a_channel_name_that_is_longer_than_sixty_three_bytes_" + "é".repeat(10);
        List<String> listens = List.of("LISTEN MixedCase", "LISTEN \"MixedCase\"", "LISTEN \"with \"\"quotes\"\" and space\"",
                "LISTEN " + longName, "LISTEN \"Ünïcode\"", "LISTEN /* comment */ commented -- trailing\n");
        List<String> notifies = List.of("NOTIFY MixedCase, '1'", "NOTIFY \"MixedCase\", '2'",
                "NOTIFY \"with \"\"quotes\"\" and space\", '3'", "NOTIFY " + longName + ", '4'", "NOTIFY \"Ünïcode\", '5'",
                "NOTIFY commented, '6'");
        try (JdbcListener throughRelay = listener();
             JdbcListener direct = new JdbcListener(TestPostgres.shared().connect())) {
            throughRelay.execute(listens.toArray(String[]::new));
            direct.execute(listens.toArray(String[]::new));
            try (Statement statement = producer.createStatement()) {
                for (String each : notifies) {
                    statement.execute(each);
                }
            }
            List<PGNotification> expected = direct.await(notifies.size(), WAIT);
            List<PGNotification> actual = throughRelay.await(notifies.size(), WAIT);
            assertEquals(notifies.size(), expected.size());
            assertEquals(expected.stream().map(n -> n.getName() + "=" + n.getParameter()).toList(),
                    actual.stream().map(n -> n.getName() + "=" + n.getParameter()).toList());
        }
    }

    @Test
    void aClientReadingAtFullSpeedReceivesATransactionOfTenThousand() throws SQLException {
        try (JdbcListener listener = listener()) {
            listener.execute("LISTEN burst");
            try (Statement statement = producer.createStatement()) {
                statement.execute("SELECT pg_notify('burst', i::text) FROM generate_series(1, 10000) i");
            }
            List<PGNotification> received = listener.await(10_000, Duration.ofSeconds(60));
            assertEquals(10_000, received.size());
            for (int i = 0; i < received.size(); i++) {
                assertEquals(String.valueOf(i + 1), received.get(i).getParameter());
            }
        }
    }

    /**
     * The relay reads notifications itself between upstream statements and through pgjdbc during
     * them; messages of every size straddle its read buffer. Neither may lose, reorder or alter one.
     */
    @Test
    void notificationsStayWholeAndInOrderWhileSubscriptionsChangeAroundThem() throws Exception {
        int count = 4_000;
        try (JdbcListener listener = listener(); JdbcListener churn = listener()) {
            listener.execute("LISTEN steady");
            // The first half arrives while no statement runs: the relay reads it itself; then every
            // LISTEN of a new channel is an upstream statement, run while notifications flow.
            List<String> payloads = new ArrayList<>();
            try (var churning = SubscriptionChurn.of(churn, "churn_");
                 var statement = producer.prepareStatement(
                    "SELECT pg_notify('steady', p) FROM unnest(?::text[]) WITH ORDINALITY AS t(p, i) ORDER BY i")) {
                for (int batch = 0; batch < count / 100; batch++) {
                    if (batch == count / 200) {
                        listener.await(count / 2, Duration.ofSeconds(60));
                        churning.start();
                    }
                    List<String> batchPayloads = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        int n = batch * 100 + i;
                        // Sizes from 1 byte to 7,999 (PostgreSQL's limit is under 8,000), some multi-byte.
                        String text = n + ":" + "äx".repeat((n * 37) % 2600);
                        batchPayloads.add(text.substring(0, Math.min(text.length(), 5000)));
                    }
                    statement.setArray(1, producer.createArrayOf("text", batchPayloads.toArray()));
                    statement.execute();
                    payloads.addAll(batchPayloads);
                }
            }
            assertReceived(listener.await(count, Duration.ofSeconds(60)), "steady", payloads);
        }
    }

    @Test
    void listenInsideATransactionTakesEffectAtCommitAndIsDroppedByRollback() throws SQLException {
        try (JdbcListener listener = listener("preferQueryMode", "simple")) {
            listener.execute("BEGIN", "LISTEN rolled_back", "ROLLBACK");
            assertFalse(relay.upstreamChannels().contains("rolled_back"));
            listener.execute("BEGIN", "LISTEN committed");
            assertFalse(relay.upstreamChannels().contains("committed"), "not before COMMIT");
            notify("committed", "while in transaction, before commit");
            listener.execute("COMMIT");
            assertTrue(relay.upstreamChannels().contains("committed"));
            notify("rolled_back", "nobody listens");
            notify("committed", "after commit");
            assertReceived(listener.await(1, WAIT), "committed", List.of("after commit"));
        }
    }

    @Test
    void notificationsNeverInterruptAResponseNorATransactionBlock() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            assertEquals("CZ", WireClient.types(client.roundTrip("LISTEN held")));
            assertEquals("CZ", WireClient.types(client.roundTrip("BEGIN")));
            notify("held", "one");
            notify("held", "two");
            // Inside the transaction block, responses come without notifications among them.
            for (int i = 0; i < 20; i++) {
                assertEquals("TDCZ", WireClient.types(client.roundTrip("SELECT 1")));
            }
            List<WireClient.Message> commit = client.roundTrip("COMMIT");
            assertEquals("CZ", WireClient.types(commit));
            // Once idle again, the held notifications arrive, in order.
            WireClient.Message first = client.read();
            WireClient.Message second = client.read();
            assertEquals("AA", "" + first.type() + second.type());
            assertTrue(new String(first.body(), java.nio.charset.StandardCharsets.UTF_8).endsWith("held\0one\0"));
            assertTrue(new String(second.body(), java.nio.charset.StandardCharsets.UTF_8).endsWith("held\0two\0"));
        }
    }

    @Test
    void multiStatementQueriesListenOnEveryChannel() throws SQLException {
        try (JdbcListener listener = listener("preferQueryMode", "simple")) {
            listener.execute("LISTEN multi_a; LISTEN multi_b; SELECT 1");
            assertTrue(relay.upstreamChannels().containsAll(Set.of("multi_a", "multi_b")));
            notify("multi_b", "b");
            notify("multi_a", "a");
            List<PGNotification> received = listener.await(2, WAIT);
            assertEquals(List.of("multi_b", "multi_a"), received.stream().map(PGNotification::getName).toList());
        }
    }

    @Test
    void notificationsHeldDuringATransactionAreDroppedWhenItUnlistens() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            assertEquals("CCZ", WireClient.types(client.roundTrip("LISTEN dropped_on_commit; LISTEN kept")));
            assertEquals("CZ", WireClient.types(client.roundTrip("BEGIN")));
            notify("dropped_on_commit", "held, then unlistened");
            assertEquals("CZ", WireClient.types(client.roundTrip("UNLISTEN dropped_on_commit")));
            assertEquals("CZ", WireClient.types(client.roundTrip("COMMIT")));
            notify("kept", "sentinel");
            WireClient.Message next = client.read();
            assertEquals('A', next.type());
            assertTrue(new String(next.body(), java.nio.charset.StandardCharsets.UTF_8).endsWith("kept\0sentinel\0"),
                    "as PostgreSQL, nothing arrives for a channel the session no longer listens on");
        }
    }

    /**
     * A Flush from an idle client begins nothing: as with PostgreSQL, its notifications keep
     * coming without another message from it.
     */
    @Test
    void aFlushFromAnIdleClientDoesNotHoldItsNotificationsBack() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            assertEquals("CZ", WireClient.types(client.roundTrip("LISTEN idle_flush")));
            client.send('H', new byte[0]);
            producer.createStatement().execute("NOTIFY idle_flush, 'after a flush'");
            WireClient.Message notification = client.read();
            assertEquals('A', notification.type());
            assertTrue(new String(notification.body(), StandardCharsets.UTF_8).contains("after a flush"));
        }
    }
}
