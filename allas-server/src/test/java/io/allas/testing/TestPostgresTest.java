package io.allas.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TestPostgresTest {

    private final TestPostgres pg = TestPostgres.shared();

    @Test
    void connectsAndReportsVersion() throws SQLException {
        assertTrue(queryString(pg, "SELECT version()").startsWith("PostgreSQL "));
        assertTrue(pg.jdbcUrl("x").endsWith(":" + pg.port() + "/x"));
        assertTrue(pg.libpqConnectString().contains("port=" + pg.port()));
    }

    @Test
    void stopThenStartKeepsPortAndData() throws SQLException {
        assumeOwnServer();
        int port = pg.port();
        pg.createDatabase("fixture_restart");
        try (Connection c = pg.connect("fixture_restart"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS kept (v int)");
            st.execute("INSERT INTO kept VALUES (42)");
        }
        pg.stop();
        try {
            assertFalse(pg.isRunning());
            assertThrows(SQLException.class, pg::connect);
        } finally {
            pg.start();
        }
        assertEquals(port, pg.port());
        try (Connection c = pg.connect("fixture_restart"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM kept WHERE v = 42")) {
            rs.next();
            assertTrue(rs.getInt(1) >= 1);
        }
    }

    @Test
    void restartDisconnectsOpenClients() throws SQLException {
        assumeOwnServer();
        try (Connection before = pg.connect()) {
            pg.restart();
            assertThrows(SQLException.class, () -> before.createStatement().execute("SELECT 1"));
        }
        assertEquals("1", queryString(pg, "SELECT 1"));
    }

    @Test
    void startAndStopAreIdempotent() {
        assumeOwnServer();
        pg.start(); // already running: no-op
        pg.stop();
        pg.stop(); // already stopped: no-op
        pg.start();
        assertTrue(pg.isRunning());
    }

    @Test
    void terminateBackendsKillsOnlyTheNamedApplication() throws SQLException {
        try (Connection victim = connectAs("fixture-victim"); Connection bystander = connectAs("fixture-bystander")) {
            assertEquals(1, pg.terminateBackends("fixture-victim"));
            assertThrows(SQLException.class, () -> victim.createStatement().execute("SELECT 1"));
            bystander.createStatement().execute("SELECT 1");
        }
        assertEquals(0, pg.terminateBackends("fixture-nobody"));
    }

    @Test
    void createDatabaseIsIdempotent() throws SQLException {
        pg.createDatabase("fixture \"quoted\" db");
        pg.createDatabase("fixture \"quoted\" db");
        try (Connection c = pg.connect("fixture \"quoted\" db")) {
            assertEquals("fixture \"quoted\" db", c.getCatalog());
        }
    }

    @Test
    void psqlRunsAgainstTheServer() throws Exception {
        Optional<Path> psql = pg.psql();
        assertTrue(psql.isPresent(), "no psql client found");
        ProcessBuilder pb = new ProcessBuilder(List.of(psql.get().toString(), "-h", pg.host(), "-p",
                String.valueOf(pg.port()), "-U", pg.user(), "-d", pg.database(), "-X", "-At", "-c", "select 1"))
                .redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", pg.password());
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), out);
        assertEquals("1", out);
    }

    @Test
    void externalServerRefusesLifecycleCalls() throws SQLException {
        TestPostgres external = TestPostgres.external(ServerAddress.parse("postgresql://" + urlEncode(pg.user()) + ":"
                + urlEncode(pg.password()) + "@" + pg.host() + ":" + pg.port() + "/" + urlEncode(pg.database())));
        assertEquals("1", queryString(external, "SELECT 1"));
        assertTrue(external.binDir().isEmpty());
        IllegalStateException e = assertThrows(IllegalStateException.class, external::stop);
        assertTrue(e.getMessage().contains("throwaway server"), e.getMessage());
        assertThrows(IllegalStateException.class, external::restart);
    }

    @Test
    void parsesServerUrls() {
        ServerAddress a = ServerAddress.parse("postgresql://bob:p%40ss+word@db.example:6543/app?sslmode=require");
        assertEquals("bob", a.user());
        assertEquals("p@ss+word", a.password());
        assertEquals("db.example", a.host());
        assertEquals(6543, a.port());
        assertEquals("app", a.database());
        assertEquals(Optional.of("require"), a.sslmode());
        ServerAddress b = ServerAddress.parse("jdbc:postgresql://localhost");
        assertEquals(5432, b.port());
        assertEquals("postgres", b.database());
    }

    /** The fallback CI relies on when a machine has no PostgreSQL installed. */
    @Test
    void bundledZonkyBinariesRunACluster() throws SQLException {
        PostgresBinaries zonky = ZonkyBinaries.unpack().orElseThrow(() -> new AssertionError("zonky jar not on class path"));
        assertEquals("PostgreSQL 17.5", zonky.version());
        TestPostgres own = TestPostgres.throwaway(zonky);
        try {
            assertTrue(queryString(own, "SELECT version()").startsWith("PostgreSQL 17.5"));
            assertTrue(own.description().contains(zonky.binDir().toString()));
        } finally {
            own.destroy();
        }
        assertThrows(SQLException.class, own::connect);
    }

    /** Lifecycle tests need the fixture's own server; with ALLAS_TEST_PG_URL they cannot run. */
    private void assumeOwnServer() {
        assumeTrue(pg.isThrowaway(), "uses an existing server (ALLAS_TEST_PG_URL): no stop/start");
    }

    private Connection connectAs(String applicationName) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", pg.user());
        props.setProperty("password", pg.password());
        props.setProperty("ApplicationName", applicationName);
        return DriverManager.getConnection(pg.jdbcUrl(pg.database()), props);
    }

    private static String urlEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String queryString(TestPostgres server, String sql) throws SQLException {
        try (Connection c = server.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
