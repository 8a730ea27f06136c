package io.allas.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.allas.testing.JdbcListener;
import io.allas.testing.Psql;
import io.allas.testing.TestRelay;

/**
 * The admin console as an operator uses it: psql and pgjdbc (simple protocol) on the virtual
 * database {@code allas}, the users of {@code admin.users} only, every command.
 */
class AdminConsoleTest {

    private static final String OPS_PASSWORD = "0ps-s3cret";
    private static TestRelay relay;

    @BeforeAll
    static void start() {
        relay = TestRelay.builder()
                .md5("app", "app", "app-pass")
                .extraSections("  \"admin\": {\"users\": ["
                        + "{\"method\": \"scram-sha-256\", \"user\": \"ops\", \"password\": \"" + OPS_PASSWORD + "\"},"
                        + " {\"method\": \"md5\", \"user\": \"auditor\", \"password\": \"aud1t\"}]},\n")
                .start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static String psqlUrl(String user) {
        return "host=127.0.0.1 port=" + relay.port() + " dbname=allas user=" + user + " sslmode=disable";
    }

    private static Psql.Result psql(String... commands) {
        return Psql.run(psqlUrl("ops"), OPS_PASSWORD, commands);
    }

    private static Connection admin() throws SQLException {
        return relay.connect("allas", "ops", OPS_PASSWORD, "preferQueryMode", "simple");
    }

    private static JdbcListener client(String applicationName, String... channels) throws SQLException {
        JdbcListener listener = new JdbcListener(relay.connect("app", "app", "app-pass", "ApplicationName", applicationName));
        for (String channel : channels) {
            listener.execute("LISTEN " + channel);
        }
        return listener;
    }

    /** A SHOW answer through pgjdbc, each row by column name; every column is text. */
    private static List<Map<String, String>> show(Connection admin, String command) throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery(command)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    assertEquals("text", meta.getColumnTypeName(i), command + " column " + meta.getColumnName(i));
                    row.put(meta.getColumnName(i), rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static Map<String, String> clientNamed(Connection admin, String applicationName) throws SQLException {
        return show(admin, "SHOW CLIENTS").stream().filter(row -> row.get("application_name").equals(applicationName))
                .findFirst().orElseThrow(() -> new AssertionError("no client " + applicationName));
    }

    @Test
    void showClientsListsEachClientWithItsChannelsFromPsqlAndPgjdbc() throws Exception {
        try (JdbcListener listener = client("clients-test", "admin_a", "admin_b"); Connection admin = admin()) {
            Map<String, String> row = clientNamed(admin, "clients-test");
            assertEquals("app", row.get("database"));
            assertEquals("app", row.get("user"));
            assertEquals("2", row.get("channels"));
            assertEquals("0", row.get("queued_notifications"));
            assertEquals("idle", row.get("state"));
            assertTrue(row.get("address").startsWith("127.0.0.1:"), row.toString());
            assertTrue(row.get("connected_since").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), row.toString());
            // The operator's own session is a client too.
            assertTrue(show(admin, "show clients;").stream().anyMatch(r -> r.get("database").equals("allas") && r.get("user").equals("ops")));

            Psql.Result result = psql("SHOW CLIENTS");
            assertEquals(0, result.exitCode(), result.stderr());
            assertTrue(result.stdout().lines().anyMatch(line -> line.startsWith(row.get("id") + "|" + row.get("address")
                    + "|app|app|clients-test|2|0|idle|")), result.stdout());
        }
    }

    @Test
    void showChannelsCountsListenersAndDeliveries() throws Exception {
        try (JdbcListener first = client("channels-1", "admin_deliveries"); JdbcListener second = client("channels-2", "admin_deliveries");
             Connection admin = admin()) {
            try (JdbcListener notifier = client("channels-notifier")) {
                notifier.execute("NOTIFY admin_deliveries, 'one'", "NOTIFY admin_deliveries, 'two'");
            }
            first.await(2, Duration.ofSeconds(10));
            second.await(2, Duration.ofSeconds(10));
            Map<String, String> row = show(admin, "SHOW CHANNELS").stream()
                    .filter(r -> r.get("channel").equals("admin_deliveries")).findFirst().orElseThrow();
            assertEquals("2", row.get("listeners"));
            assertEquals("4", row.get("delivered"));
            assertEquals(show(admin, "SHOW UPSTREAMS").getFirst().get("upstream"), row.get("upstream"));

            Psql.Result result = psql("SHOW CHANNELS");
            assertEquals(0, result.exitCode(), result.stderr());
            assertTrue(result.stdout().lines().anyMatch(line -> line.startsWith("admin_deliveries|") && line.endsWith("|2|4")),
                    result.stdout());
        }
    }

    @Test
    void showUpstreamsStatsConfigAndVersion() throws Exception {
        try (Connection admin = admin()) {
            Map<String, String> upstream = show(admin, "SHOW UPSTREAMS").getFirst();
            assertEquals("connected", upstream.get("state"));
            assertEquals("app", upstream.get("databases"));
            assertFalse(upstream.get("target").contains("password"), upstream.toString());

            List<Map<String, String>> stats = show(admin, "SHOW STATS");
            assertTrue(stats.stream().anyMatch(r -> r.get("name").startsWith("allas_client_connections")), stats.toString());

            List<Map<String, String>> config = show(admin, "SHOW CONFIG");
            Map<String, String> byKey = new LinkedHashMap<>();
            config.forEach(r -> byKey.put(r.get("key"), r.get("value")));
            assertEquals("10000", byKey.get("limits.max_clients"));
            assertEquals("30000", byKey.get("notification_queue.stall_timeout_ms"));
            assertEquals("ops (scram-sha-256),auditor (md5)", byKey.get("admin.users"));
            assertFalse(config.toString().contains(OPS_PASSWORD), "no secret in SHOW CONFIG");

            String version = show(admin, "SHOW VERSION").getFirst().get("version");
            assertTrue(version.startsWith("allas "), version);
        }
        Psql.Result result = psql("SHOW VERSION", "SHOW UPSTREAMS", "SHOW STATS", "SHOW CONFIG");
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().startsWith("allas "), result.stdout());
        assertTrue(result.stdout().contains("|connected|"), result.stdout());
        assertTrue(result.stdout().contains("limits.max_clients|10000"), result.stdout());
    }

    @Test
    void killClientEndsExactlyThatClientWith57P01() throws Exception {
        try (JdbcListener victim = client("kill-victim", "admin_kill"); JdbcListener bystander = client("kill-bystander", "admin_kill");
             Connection admin = admin()) {
            String id = clientNamed(admin, "kill-victim").get("id");
            Psql.Result result = psql("KILL CLIENT " + id);
            assertEquals(0, result.exitCode(), result.stderr());

            SQLException killed = assertThrows(SQLException.class, () -> {
                // The FATAL arrives on the connection; the next read sees it.
                for (int i = 0; i < 100; i++) {
                    victim.await(1, Duration.ofMillis(200));
                }
            });
            assertEquals("57P01", killed.getSQLState(), killed.getMessage());
            assertTrue(killed.getMessage().contains("terminating connection due to administrator command"), killed.getMessage());

            try (JdbcListener notifier = client("kill-notifier")) {
                notifier.execute("NOTIFY admin_kill, 'still here'");
            }
            assertEquals("still here", bystander.await(1, Duration.ofSeconds(10)).getFirst().getParameter());
            assertTrue(show(admin, "SHOW CLIENTS").stream().noneMatch(r -> r.get("id").equals(id)));

            SQLException unknown = assertThrows(SQLException.class, () -> show(admin, "KILL CLIENT 999999999"));
            assertEquals("42704", unknown.getSQLState(), unknown.getMessage());
        }
    }

    @Test
    void theConsoleTakesItsCommandsOnly() throws Exception {
        try (Connection admin = admin(); Statement st = admin.createStatement()) {
            for (String refused : List.of("LISTEN x", "NOTIFY x", "SELECT 1", "SELECT * FROM pg_catalog.pg_class")) {
                SQLException e = assertThrows(SQLException.class, () -> st.execute(refused));
                assertEquals("0A000", e.getSQLState(), refused + ": " + e.getMessage());
            }
            SQLException unknown = assertThrows(SQLException.class, () -> st.execute("SHOW POOLS"));
            assertEquals("42601", unknown.getSQLState(), unknown.getMessage());
            // The session goes on after each error.
            assertEquals(1, show(admin, "SHOW VERSION").size());
        }
        Psql.Result listen = psql("LISTEN x");
        assertNotEquals(0, listen.exitCode());
        assertTrue(listen.stderr().contains("the admin console does not take LISTEN"), listen.stderr());
    }

    @Test
    void theExtendedProtocolIsRefusedClearly() throws Exception {
        try (Connection admin = relay.connect("allas", "ops", OPS_PASSWORD); Statement st = admin.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.executeQuery("SHOW VERSION"));
            assertEquals("0A000", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("simple query protocol"), e.getMessage());
        }
    }

    @Test
    void onlyAdminUsersWithTheirPasswordGetIn() throws Exception {
        SQLException wrong = assertThrows(SQLException.class,
                () -> relay.connect("allas", "ops", "not-the-password", "preferQueryMode", "simple"));
        assertEquals("28P01", wrong.getSQLState(), wrong.getMessage());
        Psql.Result wrongPsql = Psql.run(psqlUrl("ops"), "nope", "SHOW VERSION");
        assertNotEquals(0, wrongPsql.exitCode());
        assertTrue(wrongPsql.stderr().contains("password authentication failed for user \"ops\""), wrongPsql.stderr());

        // The app's own user, with its own password, is not an operator.
        SQLException notAdmin = assertThrows(SQLException.class,
                () -> relay.connect("allas", "app", "app-pass", "preferQueryMode", "simple"));
        assertEquals("28000", notAdmin.getSQLState(), notAdmin.getMessage());
        assertTrue(notAdmin.getMessage().contains("user \"app\" may not use the admin console"), notAdmin.getMessage());

        // Each operator by their own method.
        Psql.Result auditor = Psql.run(psqlUrl("auditor"), "aud1t", "SHOW VERSION");
        assertEquals(0, auditor.exitCode(), auditor.stderr());
        // An operator has no way into a database through the console's users.
        assertThrows(SQLException.class, () -> relay.connect("app", "ops", OPS_PASSWORD));
    }
}
