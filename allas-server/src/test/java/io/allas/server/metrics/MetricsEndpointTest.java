package io.allas.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.allas.testing.Scrape;
import io.allas.testing.TestRelay;

/**
 * The Prometheus endpoint where allas users scrape it.
 */
class MetricsEndpointTest {

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return Scrape.get(port, path);
    }

    private static double value(String body, String series) {
        return Scrape.value(body, series);
    }

    @Test
    void metricsAreServedOnSlashMetricsAndTheObservePath() throws Exception {
        long before = System.currentTimeMillis() / 1000;
        try (TestRelay relay = TestRelay.builder().trust("open").prometheus().start()) {
            long after = System.currentTimeMillis() / 1000;
            HttpResponse<String> metrics = get(relay.httpPort(), "/metrics");
            assertEquals(200, metrics.statusCode());
            assertEquals(0.0, value(metrics.body(), "allas_client_connections"));
            double startTime = value(metrics.body(), "allas_start_time");
            assertTrue(startTime >= before - 1 && startTime <= after + 1, "start time " + startTime);

            try (Connection connection = relay.connect("open", "bob", null)) {
                connection.createStatement().execute("SELECT 1");
                assertEquals(1.0, value(get(relay.httpPort(), "/observe/metrics").body(), "allas_client_connections"));
            }
            // The session ends on its own thread after the client's Terminate: wait for it to be counted.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (value(get(relay.httpPort(), "/metrics").body(), "allas_client_connections") != 0.0) {
                assertTrue(System.nanoTime() < deadline, "client count did not return to 0");
                Thread.onSpinWait();
            }
        }
    }

    @Test
    void countersOfRareEventsAreExportedAtZeroBeforeTheirFirstEvent() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("open").md5("app", "app", "secret")
                .database("safe", "scram-sha-256", Map.of("user", "app", "password", "secret")).prometheus().start()) {
            String body = get(relay.httpPort(), "/metrics").body();
            List<String> series = List.of(
                    "allas_tls_connections_total\\{protocol=\"TLSv1.3\"",
                    "allas_tls_connections_total\\{protocol=\"TLSv1.2\"",
                    "allas_tls_handshake_failures_total\\{reason=\"certificate\"",
                    "allas_tls_handshake_failures_total\\{reason=\"protocol_version\"",
                    "allas_tls_handshake_failures_total\\{reason=\"cipher\"",
                    "allas_tls_handshake_failures_total\\{reason=\"client_alert\"",
                    "allas_tls_handshake_failures_total\\{reason=\"other\"",
                    "allas_notifications_dropped_total\\{reason=\"slow_client\"",
                    "allas_notifications_dropped_total\\{reason=\"client_terminated\"",
                    "allas_notifications_dropped_total\\{reason=\"client_gone\"",
                    "allas_authentication_failures_total\\{method=\"trust\",reason=\"unknown_user\"",
                    "allas_authentication_failures_total\\{method=\"md5\",reason=\"wrong_password\"",
                    "allas_authentication_failures_total\\{method=\"md5\",reason=\"unknown_user\"",
                    "allas_authentication_failures_total\\{method=\"md5\",reason=\"protocol_violation\"",
                    "allas_authentication_failures_total\\{method=\"scram-sha-256\",reason=\"wrong_password\"",
                    "allas_authentication_failures_total\\{method=\"scram-sha-256\",reason=\"channel_binding\"",
                    "allas_authentication_failures_total\\{method=\"scram-sha-256\",reason=\"unsupported_feature\"");
            for (String name : series) {
                assertEquals(0.0, value(body, name), name);
            }
        }
    }

    @Test
    void withoutAPrometheusSectionThereIsNoHttpListener() {
        try (TestRelay relay = TestRelay.builder().trust("open").start()) {
            assertEquals(-1, relay.httpPort());
        }
    }
}
