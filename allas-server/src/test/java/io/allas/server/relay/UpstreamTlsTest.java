package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.postgresql.PGNotification;

import io.allas.testing.JdbcListener;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.UpstreamProxy;
import io.allas.testing.WireClient;

/**
 * The relay's own connection to a PostgreSQL that demands TLS and SCRAM for its role
 * (pg_hba: hostssl ... scram-sha-256, hostnossl ... reject), through the connect string's TLS keywords.
 */
class UpstreamTlsTest {

    private static String connect(String sslOptions) throws SQLException {
        TestPostgres postgres = TestPostgres.shared();
        return "host=localhost hostaddr=127.0.0.1 port=" + postgres.port() + " dbname=" + postgres.database()
                + " user=tls_only password=" + postgres.tlsOnlyRole() + " " + sslOptions;
    }

    @Test
    void verifyFullWithTheServersCaReachesAnUpstreamThatDemandsTlsAndScram() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        String ca = postgres.serverCa().orElseThrow(() -> new IllegalStateException("needs a throwaway server's TLS, not an existing server's"))
                .toString();
        try (TestRelay relay = TestRelay.builder().trust("app")
                .connect(connect("sslmode=verify-full sslrootcert=" + ca).replace("hostaddr=127.0.0.1 ", ""))
                .start();
             JdbcListener listener = new JdbcListener(relay.connect("app", "app", null));
             Connection direct = postgres.connect()) {
            listener.execute("LISTEN secured_upstream");
            try (ResultSet rows = direct.createStatement().executeQuery(
                    "SELECT ssl FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE usename = 'tls_only'")) {
                rows.next();
                assertEquals(true, rows.getBoolean(1), "the relay's upstream connection uses TLS");
            }
            direct.createStatement().execute("NOTIFY secured_upstream, 'over tls'");
            assertEquals("over tls", listener.await(1, Duration.ofSeconds(10)).getFirst().getParameter());
        }
    }

    /**
     * allas runs its pings and LISTENs on the TLS socket itself, and reads the notifications from
     * it: the stream stays whole around the statements.
     */
    @Test
    void pingsAndListensOverTlsLeaveTheStreamWhole() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (TestRelay relay = TestRelay.builder().trust("app")
                .connect(connect("sslmode=require application_name=allas_tls_ping").replace("hostaddr=127.0.0.1 ", ""))
                .extraSections("  \"upstream\": {\"ping_interval_ms\": 100},\n")
                .start();
             JdbcListener listener = new JdbcListener(relay.connect("app", "app", null));
             Connection direct = postgres.connect()) {
            listener.execute("LISTEN tls_first");
            awaitPingAfterListen(direct);
            direct.createStatement().execute("NOTIFY tls_first, 'after a ping'");
            listener.execute("LISTEN tls_second");
            direct.createStatement().execute("NOTIFY tls_second, 'after another LISTEN'");
            List<String> payloads = listener.await(2, Duration.ofSeconds(10)).stream()
                    .map(PGNotification::getParameter).toList();
            assertEquals(List.of("after a ping", "after another LISTEN"), payloads);
        }
    }

    /** The relay's backend ran "SELECT 1" after the LISTEN: the ping went over TLS. */
    private static void awaitPingAfterListen(Connection direct) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try (var statement = direct.prepareStatement("SELECT query FROM pg_stat_activity WHERE application_name = 'allas_tls_ping'")) {
            while (true) {
                try (ResultSet rows = statement.executeQuery()) {
                    if (rows.next() && rows.getString(1).equals("SELECT 1")) {
                        return;
                    }
                }
                assertTrue(System.nanoTime() < deadline, "no ping over TLS within 10 s");
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            }
        }
    }

    /** The catalog connection takes the same TLS path, and allas reads PostgreSQL's answer through it. */
    @Test
    void catalogQueriesTravelOverTlsToo() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        String ca = postgres.serverCa().orElseThrow(() -> new IllegalStateException("needs a throwaway server's TLS, not an existing server's"))
                .toString();
        try (TestRelay relay = TestRelay.builder().trust("app")
                .connect(connect("sslmode=verify-full sslrootcert=" + ca + " application_name=allas_tls_test")
                        .replace("hostaddr=127.0.0.1 ", ""))
                .start();
             WireClient client = WireClient.startup(relay.port(), "app", "app");
             Connection direct = postgres.connect()) {
            List<WireClient.Message> answer = client.roundTrip("SELECT typname FROM pg_type WHERE oid = 23");
            assertEquals("TDCZ", WireClient.types(answer));
            assertEquals("int4", new String(answer.get(1).body(), 6, 4, StandardCharsets.UTF_8));
            try (ResultSet rows = direct.createStatement().executeQuery("SELECT ssl FROM pg_stat_ssl JOIN pg_stat_activity"
                    + " USING (pid) WHERE application_name = 'allas_tls_test catalog'")) {
                rows.next();
                assertEquals(true, rows.getBoolean(1), "the catalog connection uses TLS");
            }
        }
    }

    @Test
    void anUpstreamFrozenInTheMiddleOfANotificationOverTlsCountsAsLost() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (UpstreamProxy proxy = new UpstreamProxy(postgres.host(), postgres.port());
             TestRelay relay = TestRelay.builder().trust("app")
                     .connect("host=127.0.0.1 port=" + proxy.port() + " dbname=" + postgres.database()
                             + " user=tls_only password=" + postgres.tlsOnlyRole() + " sslmode=require")
                     .extraSections("  \"upstream\": {\"ping_interval_ms\": 60000, \"ping_timeout_ms\": 2000},\n")
                     .start();
             JdbcListener listener = new JdbcListener(relay.connect("app", "app", null));
             Connection direct = postgres.connect()) {
            listener.execute("LISTEN frozen");
            // Two notifications of 5,000 bytes leave the server as one TLS record of its 8 KB send
            // buffer and a second with the rest: the first passes whole (a message begun), the
            // second never completes.
            proxy.goSilentAfterServerBytes(8300);
            direct.createStatement().execute("SELECT pg_notify('frozen', repeat('x', 5000)), pg_notify('frozen', repeat('y', 5000))");
            SQLException e = assertThrows(SQLException.class, () -> listener.await(3, Duration.ofSeconds(20)),
                    "the relay noticed the frozen server and told its client");
            assertEquals("57A02", e.getSQLState(), e.getMessage());
            proxy.restore();
        }
    }

    @Test
    void withoutTlsTheUpstreamRefusesAndClientsAreToldThereIsNoServerConnection() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("app")
                .connect(connect("sslmode=disable").replace("host=localhost hostaddr=127.0.0.1", "host=127.0.0.1"))
                .extraSections("  \"upstream\": {\"connect_wait_ms\": 500},\n")
                .startWithoutWaiting()) {
            assertFalse(relay.awaitReady(Duration.ofSeconds(2)));
            SQLException e = assertThrows(SQLException.class, () -> relay.connect("app", "app", null));
            assertEquals("57A01", e.getSQLState());
        }
    }

    /**
     * With sslmode=prefer, a server that refuses the role over TLS is reached without it: pgjdbc
     * tries again on a new socket, and the relay reads that one, not the TLS socket of the first try.
     */
    @Test
    void preferFallsBackToPlainWhenTheServerRefusesTheRoleOverTls() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        String password = postgres.plainOnlyRole();
        try (TestRelay relay = TestRelay.builder().trust("app")
                .connect("host=127.0.0.1 port=" + postgres.port() + " dbname=" + postgres.database()
                        + " user=plain_only password=" + password + " sslmode=prefer")
                .start();
             JdbcListener listener = new JdbcListener(relay.connect("app", "app", null));
             Connection direct = postgres.connect()) {
            listener.execute("LISTEN fell_back");
            direct.createStatement().execute("NOTIFY fell_back, 'without tls'");
            assertEquals("without tls", listener.await(1, Duration.ofSeconds(10)).getFirst().getParameter());
        }
    }
}
