package io.allas.server.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGNotification;

import io.allas.testing.JdbcListener;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * What catalog queries cost PostgreSQL under load, as PostgreSQL's own log shows it (the relay
 * connects to a database of its own, with log_statement = all): many clients asking the same
 * question cause one execution; a slow catalog query holds up no notification.
 */
class CatalogQueryLoadTest {

    private static final String DATABASE = "allas_catalog_logged";

    private static TestRelay relay;

    @BeforeAll
    static void start() throws SQLException {
        TestPostgres postgres = TestPostgres.shared();
        assertTrue(postgres.serverLog().isPresent(), "these tests read the server's log: a throwaway server is needed");
        postgres.createDatabase(DATABASE);
        try (Connection direct = postgres.connect()) {
            direct.createStatement().execute("ALTER DATABASE " + DATABASE + " SET log_statement = 'all'");
        }
        relay = TestRelay.builder().trust("app")
                .connect(postgres.libpqConnectString(DATABASE))
                .extraSections("  \"upstream\": {\"catalog_statement_timeout_ms\": 3000},\n")
                .start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    /** How many times the server logged a statement containing the marker. */
    static long executions(String marker) {
        return TestPostgres.shared().serverLog().orElseThrow().lines().filter(line -> line.contains(marker)).count();
    }

    @Test
    void aThousandClientsAskingTheSameCostOneExecution() throws Exception {
        String marker = "m" + UUID.randomUUID().toString().replace("-", "");
        String sql = "SELECT oid, typname, typarray FROM pg_catalog.pg_type WHERE typname IN ('int4', '" + marker + "')";
        int clients = 1000;
        List<WireClient> connected = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<WireClient>> connecting = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                connecting.add(threads.submit(() -> WireClient.startup(relay.port(), "app", "app")));
            }
            for (Future<WireClient> client : connecting) {
                connected.add(client.get(60, TimeUnit.SECONDS));
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> answers = new ArrayList<>();
            for (WireClient client : connected) {
                answers.add(threads.submit(() -> {
                    go.await();
                    return WireClient.types(client.roundTrip(sql));
                }));
            }
            go.countDown();
            for (Future<String> answer : answers) {
                assertEquals("TDCZ", answer.get(60, TimeUnit.SECONDS));
            }
        } finally {
            for (WireClient client : connected) {
                client.close();
            }
        }
        assertEquals(1, executions(marker), "PostgreSQL's log shows the query executed once");
    }

    @Test
    void aSlowCatalogQueryDelaysNoNotification() throws Exception {
        String marker = "m" + UUID.randomUUID().toString().replace("-", "");
        String slow = "SELECT count(*) FROM pg_attribute a, pg_attribute b, pg_attribute c WHERE a.attname <> '" + marker + "'";
        try (WireClient asker = WireClient.startup(relay.port(), "app", "app");
             JdbcListener listener = new JdbcListener(relay.connect("app", "app", null)).execute("LISTEN catalog_load");
             Connection direct = TestPostgres.shared().connect(DATABASE)) {
            asker.query(slow);
            awaitRunning(direct, marker);
            long sent = System.nanoTime();
            direct.createStatement().execute("NOTIFY catalog_load, 'during'");
            List<PGNotification> received = listener.await(1, Duration.ofSeconds(10));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            assertEquals(1, received.size());
            assertTrue(millis < 1000, "the notification took " + millis + " ms");
            assertTrue(running(direct, marker), "the catalog query was still running when the notification arrived");
            List<WireClient.Message> answer = asker.readResponse();
            assertEquals("EZ", WireClient.types(answer));
            assertEquals("57014", answer.getFirst().fields().get('C'), "the catalog statement timeout");
            assertEquals("canceling statement due to statement timeout", answer.getFirst().fields().get('M'));
            assertFalse(running(direct, marker));
        }
    }

    private static void awaitRunning(Connection direct, String marker) throws SQLException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!running(direct, marker)) {
            assertTrue(System.nanoTime() < deadline, "the slow catalog query never started upstream");
            LockSupport.parkNanos(5_000_000);
        }
    }

    private static boolean running(Connection direct, String marker) throws SQLException {
        try (ResultSet rows = direct.createStatement().executeQuery("SELECT count(*) FROM pg_stat_activity"
                + " WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%" + marker + "%'")) {
            rows.next();
            return rows.getInt(1) > 0;
        }
    }
}
