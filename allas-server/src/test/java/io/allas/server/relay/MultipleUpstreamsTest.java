package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.postgresql.PGNotification;

import io.allas.testing.Json;
import io.allas.testing.JdbcListener;
import io.allas.testing.Scrape;
import io.allas.testing.SecondServer;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

/**
 * An upstream per database: databases naming different upstream databases are relayed from
 * each, over a connection of its own; databases naming the same one share it. A notification
 * never reaches the clients of another upstream, even on the same channel, and one upstream
 * down leaves the others' clients alone.
 */
class MultipleUpstreamsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static String database(String name, String connect) {
        return "{\"name\": " + Json.quote(name) + ", \"auth\": {\"method\": \"trust\"}, \"connect\": "
                + Json.quote(connect) + "}";
    }

    private static List<String> payloads(List<PGNotification> notifications) {
        return notifications.stream().map(PGNotification::getParameter).toList();
    }

    @Test
    void eachDatabaseHearsOnlyItsOwnUpstreamDatabaseAndDatabasesOfOneUpstreamShareIt() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        postgres.createDatabase("tenant_a");
        postgres.createDatabase("tenant_b");
        String a = postgres.libpqConnectString("tenant_a");
        try (TestRelay relay = TestRelay.builder().prometheus()
                .databaseJson(database("a", a))
                // The same server, database and user: the same upstream, whatever else differs.
                .databaseJson(database("a_too", a + " application_name=other connect_timeout=5"))
                .databaseJson(database("b", postgres.libpqConnectString("tenant_b")))
                .start();
             JdbcListener clientA = new JdbcListener(relay.connect("a", "app", null));
             JdbcListener clientAToo = new JdbcListener(relay.connect("a_too", "app", null));
             JdbcListener clientB = new JdbcListener(relay.connect("b", "app", null));
             Connection producerA = postgres.connect("tenant_a");
             Connection producerB = postgres.connect("tenant_b")) {
            clientA.execute("LISTEN orders");
            clientAToo.execute("LISTEN orders");
            clientB.execute("LISTEN orders");
            producerB.createStatement().execute("NOTIFY orders, 'from b'");
            assertEquals(List.of("from b"), payloads(clientB.await(1, WAIT)));
            producerA.createStatement().execute("NOTIFY orders, 'from a'");
            // Had b's notification crossed over, it would have come first.
            assertEquals(List.of("from a"), payloads(clientA.await(1, WAIT)));
            assertEquals(List.of("from a"), payloads(clientAToo.await(1, WAIT)));
            assertEquals(List.of("from b"), payloads(clientB.await(1, Duration.ZERO)));

            String metrics = Scrape.get(relay.httpPort(), "/metrics").body();
            String upstreamA = "127.0.0.1:" + postgres.port() + "/tenant_a";
            String upstreamB = "127.0.0.1:" + postgres.port() + "/tenant_b";
            assertEquals(2, metrics.lines().filter(line -> line.startsWith("allas_upstream_connected{")).count(), metrics);
            assertEquals(1.0, Scrape.value(metrics, "allas_upstream_connected\\{.*upstream=\"" + upstreamA + "\""));
            assertEquals(1.0, Scrape.value(metrics, "allas_active_channels\\{.*upstream=\"" + upstreamA + "\""));
            assertEquals(1.0, Scrape.value(metrics, "allas_notifications_received_total\\{.*upstream=\"" + upstreamB + "\""));
        }
    }

    @Test
    void anUpstreamServerDownEndsOnlyItsClientsAndReadinessNamesIt() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (SecondServer second = SecondServer.start();
             TestRelay relay = TestRelay.builder().prometheus()
                     .databaseJson(database("main", postgres.libpqConnectString()))
                     .databaseJson(database("other", second.server().libpqConnectString()))
                     .start();
             JdbcListener mainClient = new JdbcListener(relay.connect("main", "app", null));
             JdbcListener otherClient = new JdbcListener(relay.connect("other", "app", null))) {
            mainClient.execute("LISTEN news");
            otherClient.execute("LISTEN news");
            String otherUpstream = "127.0.0.1:" + second.server().port() + "/" + second.server().database();
            second.server().stop();
            try {
                SQLException e = assertThrows(SQLException.class, () -> otherClient.await(1, WAIT));
                assertEquals("57A02", e.getSQLState(), e.getMessage());
                HttpResponse<String> ready = awaitStatus(relay.httpPort(), 503);
                assertTrue(ready.body().contains(otherUpstream), ready.body());
                assertEquals(0.0, Scrape.value(relay.httpPort(),
                        "allas_upstream_connected\\{.*upstream=\"" + otherUpstream + "\""));
                // The other upstream's clients go on as if nothing happened.
                try (Connection producer = postgres.connect()) {
                    producer.createStatement().execute("NOTIFY news, 'still here'");
                }
                assertEquals(List.of("still here"), payloads(mainClient.await(1, WAIT)));
            } finally {
                second.server().start();
            }
            awaitStatus(relay.httpPort(), 200);
        }
    }

    @Test
    void withKeepAnUpstreamServerDownKeepsItsClientsAndTellsOnlyThemOfTheGap() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (SecondServer second = SecondServer.start();
             TestRelay relay = TestRelay.builder()
                     .extraSections("  \"upstream\": {\"on_loss\": \"keep\"},\n")
                     .databaseJson(database("main", postgres.libpqConnectString()))
                     .databaseJson(database("other", second.server().libpqConnectString()))
                     .start();
             JdbcListener mainClient = new JdbcListener(relay.connect("main", "app", null));
             JdbcListener otherClient = new JdbcListener(relay.connect("other", "app", null))) {
            mainClient.execute("LISTEN news", "LISTEN allas_gap");
            otherClient.execute("LISTEN news", "LISTEN allas_gap");
            second.server().stop();
            second.server().start();
            PGNotification gap = otherClient.await(1, WAIT).getFirst();
            assertEquals("allas_gap", gap.getName());
            try (Connection producer = second.server().connect()) {
                producer.createStatement().execute("NOTIFY news, 'after'");
            }
            assertEquals(List.of("after"), payloads(otherClient.await(2, WAIT)).subList(1, 2));
            // The main upstream's client was told of nothing: its own notification is the first it gets.
            try (Connection producer = postgres.connect()) {
                producer.createStatement().execute("NOTIFY news, 'main'");
            }
            assertEquals(List.of("main"), payloads(mainClient.await(1, WAIT)));
        }
    }

    private static HttpResponse<String> awaitStatus(int port, int status) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        HttpResponse<String> response;
        while ((response = Scrape.get(port, "/observe/health/ready")).statusCode() != status) {
            assertTrue(System.nanoTime() < deadline, "readiness never answered " + status + ": " + response.body());
        }
        return response;
    }
}
