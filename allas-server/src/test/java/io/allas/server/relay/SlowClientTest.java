package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.postgresql.PGNotification;

import io.allas.testing.JdbcListener;
import io.allas.testing.Scrape;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * A client that stops reading is terminated with 57A03 and never holds up anyone else.
 */
class SlowClientTest {

    @Test
    void aClientThatStopsReadingIsTerminatedWhileAnotherKeepsReceiving() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("app")
                .extraSections("  \"notification_queue\": {\"max_notifications\": 2000, \"stall_timeout_ms\": 2000},\n")
                .prometheus()
                .start();
             WireClient stalled = WireClient.startup(relay.port(), "slow", "app");
             JdbcListener healthy = new JdbcListener(relay.connect("app", "fast", null));
             Connection producer = TestPostgres.shared().connect()) {
            assertEquals("CZ", WireClient.types(stalled.roundTrip("LISTEN flood")));
            healthy.execute("LISTEN flood");
            // 20,000 notifications of 1 KB: far more than the socket buffers of a client that reads nothing.
            int total = 0;
            try (Statement statement = producer.createStatement()) {
                for (int batch = 0; batch < 20; batch++) {
                    statement.execute("SELECT pg_notify('flood', repeat('x', 1000) || i) FROM generate_series(1, 1000) i");
                    total += 1000;
                    healthy.await(total, Duration.ofSeconds(30));
                }
            }
            List<PGNotification> received = healthy.await(total, Duration.ofSeconds(30));
            assertEquals(total, received.size(), "the healthy client got everything");

            // The stalled client, reading at last, finds its connection ended after what was already sent.
            String lastError = null;
            int notificationsRead = 0;
            try {
                while (true) {
                    WireClient.Message message = stalled.read();
                    if (message.type() == 'A') {
                        notificationsRead++;
                    } else if (message.type() == 'E') {
                        lastError = message.fields().get('C');
                    }
                }
            } catch (EOFException | SocketTimeoutException e) {
                assertTrue(e instanceof EOFException, "the connection must be closed, not left hanging");
            } catch (IOException connectionReset) {
                // Closed with unread data: also an end.
            }
            assertTrue(notificationsRead < total, "the stalled client was cut off, read " + notificationsRead);
            if (lastError != null) {
                assertEquals("57A03", lastError);
            }
            assertEquals(1.0, Scrape.value(relay.httpPort(), "allas_slow_clients_terminated_total"));
            assertTrue(Scrape.value(relay.httpPort(), "allas_notifications_dropped_total\\{reason=\"slow_client\"") > 0);
        }
    }

    @Test
    void inGapModeAClientThatFellBehindIsToldWhatItMissedAndKeepsItsConnection() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("app")
                .extraSections("  \"notification_queue\": {\"max_notifications\": 2000, \"on_overflow\": \"gap\"},\n")
                .prometheus()
                .start();
             WireClient behind = WireClient.startup(relay.port(), "slow", "app");
             Connection producer = TestPostgres.shared().connect()) {
            assertEquals("CZ", WireClient.types(behind.roundTrip("LISTEN flood")));
            assertEquals("CZ", WireClient.types(behind.roundTrip("LISTEN allas_gap")));
            // The client reads nothing while 20,000 notifications of 1 KB arrive: its queue overflows.
            try (Statement statement = producer.createStatement()) {
                for (int batch = 0; batch < 20; batch++) {
                    statement.execute("SELECT pg_notify('flood', repeat('x', 1000) || i) FROM generate_series(1, 1000) i");
                }
            }
            Scrape.await(relay.httpPort(), "allas_gap_notices_total\\{reason=\"slow_client\"", told -> told >= 1,
                    "at least 1", Duration.ofSeconds(30));
            producer.createStatement().execute("NOTIFY flood, 'after the flood'");

            // Reading again, it finds whole notifications, the report of what it missed, and what came after.
            Config report = null;
            int reports = 0;
            int notificationsRead = 0;
            while (true) {
                WireClient.Message message = behind.read();
                assertEquals('A', message.type(), "only notifications, no error");
                String body = new String(message.body(), 4, message.body().length - 5, StandardCharsets.UTF_8);
                String[] channelAndPayload = body.split("\0", 2);
                if (channelAndPayload[0].equals("allas_gap")) {
                    report = ConfigFactory.parseString(channelAndPayload[1]);
                    reports++;
                } else if (channelAndPayload[1].equals("after the flood")) {
                    break;
                } else {
                    notificationsRead++;
                }
            }
            assertTrue(report != null, "the client was told of the gap");
            assertEquals("slow_client", report.getString("reason"));
            assertEquals(List.of("flood"), report.getStringList("channels"));
            assertTrue(report.getLong("dropped") > 0, report.toString());
            assertTrue(notificationsRead < 20_000, "notifications were dropped, read " + notificationsRead);
            assertEquals("TDCZ", WireClient.types(behind.roundTrip("SELECT 1")), "the connection goes on");
            assertEquals(0.0, Scrape.value(relay.httpPort(), "allas_slow_clients_terminated_total"));
            // overflows folded into a report not yet written are one report: the client was told as often as counted
            assertEquals(reports, Scrape.value(relay.httpPort(), "allas_gap_notices_total\\{reason=\"slow_client\""));
        }
    }

    @Test
    void inGapModeAClientThatTakesNoBytesAtAllIsStillTerminated() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("app")
                .extraSections("  \"notification_queue\": {\"max_notifications\": 2000, \"stall_timeout_ms\": 1000,"
                        + " \"on_overflow\": \"gap\"},\n")
                .prometheus()
                .start();
             WireClient stuck = WireClient.startup(relay.port(), "stuck", "app");
             Connection producer = TestPostgres.shared().connect()) {
            assertEquals("CZ", WireClient.types(stuck.roundTrip("LISTEN flood")));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            try (Statement statement = producer.createStatement()) {
                // Notifications keep coming while the client takes nothing: its writes stay stuck past stall_timeout_ms.
                while (Scrape.value(relay.httpPort(), "allas_slow_clients_terminated_total") < 1) {
                    assertTrue(System.nanoTime() < deadline, "the stuck client was never terminated");
                    statement.execute("SELECT pg_notify('flood', repeat('x', 1000) || i) FROM generate_series(1, 1000) i");
                }
            }
            assertTrue(Scrape.value(relay.httpPort(), "allas_gap_notices_total\\{reason=\"slow_client\"") >= 1,
                    "its queue overflowed first, and was reported");
        }
    }

    @Test
    void aClientThatResumesReadingWithinTheStallTimeoutGetsWholeMessagesEndingWith57A03() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("app")
                .extraSections("  \"notification_queue\": {\"max_notifications\": 2000, \"stall_timeout_ms\": 30000},\n")
                .prometheus()
                .start();
             WireClient stalled = WireClient.startup(relay.port(), "slow", "app");
             Connection producer = TestPostgres.shared().connect()) {
            assertEquals("CZ", WireClient.types(stalled.roundTrip("LISTEN flood")));
            // Notifications of 1 KB until the client, which reads nothing, is cut off: its socket
            // buffers fill, a write blocks in the middle of a message, and the queue passes its limit.
            try (Statement statement = producer.createStatement()) {
                for (int batch = 0; batch < 100 && terminated(relay) == 0; batch++) {
                    statement.execute("SELECT pg_notify('flood', repeat('x', 1000) || i) FROM generate_series(1, 1000) i");
                }
            }
            assertEquals(1.0, terminated(relay), "the stalled client was terminated");
            // The client stays away a few seconds (well within stall_timeout_ms), as a client in a
            // long garbage-collection pause does, then reads everything.
            Thread.sleep(3000);
            List<WireClient.Message> messages = stalled.readToEnd();
            WireClient.Message last = messages.getLast();
            assertEquals('E', last.type(), "the last message is the error, after " + messages.size() + " messages");
            assertEquals("FATAL", last.fields().get('S'));
            assertEquals("57A03", last.fields().get('C'));
            assertTrue(messages.subList(0, messages.size() - 1).stream().allMatch(m -> m.type() == 'A'),
                    "whole notifications before it");
        }
    }

    private static double terminated(TestRelay relay) throws Exception {
        return Scrape.value(relay.httpPort(), "allas_slow_clients_terminated_total");
    }
}
