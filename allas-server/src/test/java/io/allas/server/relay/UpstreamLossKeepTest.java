package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.postgresql.PGNotification;

import io.allas.testing.CapturedLog;
import io.allas.testing.JdbcListener;
import io.allas.testing.Scrape;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * {@code upstream.on_loss: keep}: clients stay connected through the loss of the upstream
 * connection, and once the relay listens again every client that listened is told, in band, that
 * it may have missed notifications: on the gap channel when it listens there, else by a WARNING.
 */
class UpstreamLossKeepTest {

    private static final String KEEP = "  \"upstream\": {\"on_loss\": \"keep\"},\n";

    /** A NotificationResponse's process ID, channel and payload. */
    private record Notification(int pid, String channel, String payload) {
        static Notification of(WireClient.Message message) {
            assertEquals('A', message.type(), "a NotificationResponse");
            byte[] body = message.body();
            int channelEnd = terminator(body, 4);
            int payloadEnd = terminator(body, channelEnd + 1);
            return new Notification(ByteBuffer.wrap(body).getInt(),
                    new String(body, 4, channelEnd - 4, StandardCharsets.UTF_8),
                    new String(body, channelEnd + 1, payloadEnd - channelEnd - 1, StandardCharsets.UTF_8));
        }

        private static int terminator(byte[] body, int from) {
            int end = from;
            while (body[end] != 0) {
                end++;
            }
            return end;
        }
    }

    @Test
    void afterTheRelaysBackendIsTerminatedKeptClientsAreToldOfTheGapAndReceiveWhatComesAfterOnce() throws Exception {
        try (CapturedLog log = CapturedLog.start();
             // A name of its own: a relay of an earlier test may still have a backend on its way out.
             TestRelay relay = TestRelay.builder().trust("app").connect(TestPostgres.shared().libpqConnectString()
                     + " application_name=allas_keep_loss").prometheus().extraSections(KEEP).start();
             JdbcListener informed = new JdbcListener(relay.connect("app", "app", null));
             WireClient warned = WireClient.startup(relay.port(), "app", "app");
             WireClient bystander = WireClient.startup(relay.port(), "app", "app");
             Connection producer = TestPostgres.shared().connect()) {
            informed.execute("LISTEN orders", "LISTEN jobs", "LISTEN allas_gap");
            warned.roundTrip("LISTEN orders");
            producer.createStatement().execute("NOTIFY orders, 'before'");
            assertEquals("before", informed.await(1, Duration.ofSeconds(10)).getFirst().getParameter());
            assertEquals("before", Notification.of(warned.readUntil('A')).payload());
            Instant lost = Instant.now();

            assertEquals(1, TestPostgres.shared().terminateBackends("allas_keep_loss"));

            List<PGNotification> received = informed.await(2, Duration.ofSeconds(20));
            assertEquals(2, received.size(), "the gap notification arrives: " + received);
            PGNotification gap = received.get(1);
            assertEquals("allas_gap", gap.getName());
            assertEquals(0, gap.getPID(), "no backend's process ID");
            Config payload = ConfigFactory.parseString(gap.getParameter());
            assertEquals("upstream_lost", payload.getString("reason"));
            assertEquals(Set.of("orders", "jobs"), Set.copyOf(payload.getStringList("channels")),
                    "this client's channels, not the gap channel: " + gap.getParameter());
            Instant from = Instant.parse(payload.getString("from"));
            Instant to = Instant.parse(payload.getString("to"));
            assertFalse(from.isBefore(lost.minusSeconds(1)), gap.getParameter());
            assertFalse(to.isBefore(from), gap.getParameter());

            WireClient.Message warning = warned.readUntil('N');
            assertEquals("WARNING", warning.fields().get('S'));
            assertEquals("01A01", warning.fields().get('C'));
            assertEquals("notifications may have been missed", warning.fields().get('M'));
            assertTrue(warning.fields().get('D').contains("orders"), warning.fields().toString());

            producer.createStatement().execute("NOTIFY orders, 'after'");
            List<PGNotification> all = informed.await(3, Duration.ofSeconds(10));
            assertEquals(List.of("before", gap.getParameter(), "after"),
                    all.stream().map(PGNotification::getParameter).toList(), "nothing delivered twice");
            assertEquals("after", Notification.of(warned.readUntil('A')).payload());

            // A client that listened on nothing missed nothing: it is neither told nor troubled.
            assertEquals("TDCZ", WireClient.types(bystander.roundTrip("SELECT 1")),
                    "the bystander is served as before, with no notice before the answer");
            log.awaitLine(Duration.ofSeconds(5), "3 clients kept through the loss of the upstream connection");
            log.awaitLine(Duration.ofSeconds(5), "listening again on 2 channels", "2 clients told");
            assertEquals(2.0, Scrape.value(relay.httpPort(), "allas_gap_notices_total\\{reason=\"upstream_lost\""));
            assertEquals(1.0, Scrape.value(relay.httpPort(), "allas_upstream_outage_seconds_count"));
        }
    }

    @Test
    void throughAServerRestartKeptClientsStayAndAListenSentMeanwhileIsAnsweredOnceInEffect() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (TestRelay relay = TestRelay.builder().trust("app").extraSections(KEEP).start();
             JdbcListener kept = new JdbcListener(relay.connect("app", "app", null));
             JdbcListener joining = new JdbcListener(relay.connect("app", "app", null))) {
            kept.execute("LISTEN restart", "LISTEN allas_gap");
            CompletableFuture<Void> listened = new CompletableFuture<>();
            postgres.stop();
            try {
                Thread.ofVirtual().start(() -> {
                    try {
                        joining.execute("LISTEN during_outage");
                        listened.complete(null);
                    } catch (SQLException e) {
                        listened.completeExceptionally(e);
                    }
                });
                assertFalse(listened.isDone(), "no LISTEN can be in effect while the server is down");
            } finally {
                postgres.start();
            }
            listened.get(20, TimeUnit.SECONDS);
            PGNotification gap = kept.await(1, Duration.ofSeconds(20)).getFirst();
            assertEquals("allas_gap", gap.getName());
            assertEquals(List.of("restart"), ConfigFactory.parseString(gap.getParameter()).getStringList("channels"));
            try (Connection producer = postgres.connect()) {
                producer.createStatement().execute("NOTIFY during_outage, 'in effect'; NOTIFY restart, 'again'");
            }
            assertEquals("in effect", joining.await(1, Duration.ofSeconds(10)).getFirst().getParameter());
            assertEquals("again", kept.await(2, Duration.ofSeconds(10)).get(1).getParameter());
        }
    }
}
