package io.allas.server.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.allas.testing.JdbcListener;
import io.allas.testing.Scrape;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

/**
 * What an operator's Prometheus and load balancer see, driven by real traffic.
 */
class HealthAndMetricsTest {

    private static void awaitStatus(int port, String path, int status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (Scrape.get(port, path).statusCode() != status) {
            assertTrue(System.nanoTime() < deadline, path + " never answered " + status);
        }
    }

    @Test
    void readinessFollowsTheUpstreamAcrossARestart() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (TestRelay relay = TestRelay.builder().trust("app").prometheus().start()) {
            assertEquals(200, Scrape.get(relay.httpPort(), "/observe/health/ready").statusCode());
            assertEquals(200, Scrape.get(relay.httpPort(), "/observe/health").statusCode());
            postgres.stop();
            try {
                awaitStatus(relay.httpPort(), "/observe/health/ready", 503);
                assertEquals(0.0, Scrape.value(relay.httpPort(), "allas_upstream_connected"));
            } finally {
                postgres.start();
            }
            awaitStatus(relay.httpPort(), "/observe/health/ready", 200);
            assertEquals(1.0, Scrape.value(relay.httpPort(), "allas_upstream_connected"));
            assertEquals(1.0, Scrape.value(relay.httpPort(), "allas_upstream_reconnects_total"));
        }
    }

    @Test
    void trafficMovesTheSeries() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("app").md5("secure", "u", "p").prometheus().start();
             Connection producer = TestPostgres.shared().connect()) {
            int port = relay.httpPort();
            try (JdbcListener first = new JdbcListener(relay.connect("app", "app", null));
                 JdbcListener second = new JdbcListener(relay.connect("app", "app", null))) {
                first.execute("LISTEN metered", "LISTEN other");
                second.execute("LISTEN metered");
                assertEquals(2.0, Scrape.value(port, "allas_database_clients\\{database=\"app\""));
                assertEquals(2.0, Scrape.value(port, "allas_active_channels"));
                assertEquals(2.0, Scrape.value(port, "allas_listens_executed_total"));
                assertTrue(Scrape.value(port, "allas_listen_roundtrip_seconds_count") >= 1);
                producer.createStatement().execute("SELECT pg_notify('metered', i::text) FROM generate_series(1, 5) i");
                first.await(5, Duration.ofSeconds(10));
                second.await(5, Duration.ofSeconds(10));
                assertEquals(5.0, Scrape.value(port, "allas_notifications_received_total"));
                assertEquals(10.0, Scrape.value(port, "allas_notifications_dispatched_total"));
                assertTrue(Scrape.value(port, "allas_notification_delivery_latency_seconds_count") >= 2);
                first.execute("UNLISTEN other");
                // UNLISTEN is answered at once; the upstream statement follows.
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (Scrape.value(port, "allas_unlistens_executed_total") < 1.0) {
                    assertTrue(System.nanoTime() < deadline, "no upstream UNLISTEN counted");
                }
                assertEquals(1.0, Scrape.value(port, "allas_unlistens_executed_total"));
            }
            SQLException e = assertThrows(SQLException.class, () -> relay.connect("secure", "u", "wrong"));
            assertEquals("28P01", e.getSQLState());
            assertEquals(1.0, Scrape.value(port,
                    "allas_authentication_failures_total\\{method=\"md5\",reason=\"wrong_password\""));
            assertTrue(Scrape.get(port, "/metrics").body().contains("allas_client_queue_saturation_max"));
        }
    }

    @Test
    void queueSaturationShowsNotificationsHeldForAClientInATransaction() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("app").prometheus()
                .extraSections("  \"notification_queue\": {\"max_notifications\": 100},\n").start();
             Connection producer = TestPostgres.shared().connect();
             io.allas.testing.WireClient client = io.allas.testing.WireClient.startup(relay.port(), "app", "app")) {
            int port = relay.httpPort();
            assertEquals("CZ", io.allas.testing.WireClient.types(client.roundTrip("LISTEN held")));
            assertEquals("CZ", io.allas.testing.WireClient.types(client.roundTrip("BEGIN")));
            producer.createStatement().execute("SELECT pg_notify('held', i::text) FROM generate_series(1, 25) i");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (Scrape.value(port, "allas_client_queue_saturation_max") < 0.25) {
                assertTrue(System.nanoTime() < deadline, "saturation never reached 25/100");
            }
            assertEquals(0.25, Scrape.value(port, "allas_client_queue_saturation_max"), 1e-9);
            assertEquals("CZ", io.allas.testing.WireClient.types(client.roundTrip("COMMIT")));
            for (int i = 0; i < 25; i++) {
                assertEquals('A', client.read().type());
            }
            deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (Scrape.value(port, "allas_client_queue_saturation_max") != 0.0) {
                assertTrue(System.nanoTime() < deadline, "the queue never emptied");
            }
        }
    }
}
