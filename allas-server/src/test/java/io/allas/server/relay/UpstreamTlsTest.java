package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.allas.testing.JdbcListener;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
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
}
