package io.allas.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigException;
import io.allas.server.config.ConfigLoader;
import io.allas.testing.Psql;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * {@code scram-sha-256} through the relay with real clients (pgjdbc, psql), with a clear-text
 * password and with a verifier copied out of a real PostgreSQL's pg_authid; failures answered as
 * PostgreSQL answers them.
 */
class ScramSha256Test {

    /** A password whose SASLprep form ("IX") differs from its text: RFC 4013's examples. */
    private static final String UNICODE_PASSWORD = "\u2168\u00AD";

    private static String role;
    private static String verifier;
    private static String unicodeVerifier;
    private static TestRelay relay;

    @TempDir
    Path directory;

    @BeforeAll
    static void start() throws SQLException {
        role = "allas_scram_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        verifier = postgresVerifier(role, "from-postgres");
        unicodeVerifier = postgresVerifier(role + "_u", UNICODE_PASSWORD);
        relay = TestRelay.builder()
                .database("clear", "scram-sha-256", Map.of("user", "alice", "password", "s3cret"))
                .database("stored", "scram-sha-256", Map.of("user", "carol", "password", verifier))
                .database("prepped", "scram-sha-256", Map.of("user", "dave", "password", UNICODE_PASSWORD))
                .database("stored-prepped", "scram-sha-256", Map.of("user", "erin", "password", unicodeVerifier))
                .start();
    }

    /**
     * Has PostgreSQL make a verifier, as an operator would, and copies it out of pg_authid.
     */
    private static String postgresVerifier(String roleName, String password) throws SQLException {
        try (Connection c = TestPostgres.shared().connect(); Statement st = c.createStatement()) {
            st.execute("SET password_encryption = 'scram-sha-256'");
            st.execute("CREATE ROLE " + roleName + " LOGIN PASSWORD '" + password.replace("'", "''") + "'");
            try (PreparedStatement ps = c.prepareStatement("SELECT rolpassword FROM pg_authid WHERE rolname = ?")) {
                ps.setString(1, roleName);
                try (ResultSet rows = ps.executeQuery()) {
                    assertTrue(rows.next());
                    String stored = rows.getString(1);
                    assertTrue(stored.startsWith("SCRAM-SHA-256$4096:"), stored);
                    return stored;
                }
            }
        }
    }

    @AfterAll
    static void stop() throws SQLException {
        if (relay != null) {
            relay.close();
        }
        try (Connection c = TestPostgres.shared().connect(); Statement st = c.createStatement()) {
            st.execute("DROP ROLE IF EXISTS " + role);
            st.execute("DROP ROLE IF EXISTS " + role + "_u");
        }
    }

    private static String psqlTarget(String database, String user) {
        return "host=127.0.0.1 port=" + relay.port() + " dbname=" + database + " user=" + user + " sslmode=disable";
    }

    private static void assertSelectOne(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery("SELECT 1")) {
            assertTrue(rows.next());
            assertEquals(1, rows.getInt(1));
        }
    }

    @Test
    void pgjdbcConnectsWithAClearTextPasswordInTheConfiguration() throws SQLException {
        try (Connection connection = relay.connect("clear", "alice", "s3cret")) {
            assertSelectOne(connection);
        }
    }

    @Test
    void psqlConnects() {
        Psql.Result result = Psql.run(psqlTarget("clear", "alice"), "s3cret", "SELECT 1");
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("1", result.stdout().strip());
    }

    @Test
    void aVerifierCopiedFromPostgresWorksWithTheClearTextPassword() throws SQLException {
        try (Connection connection = relay.connect("stored", "carol", "from-postgres")) {
            assertSelectOne(connection);
        }
        Psql.Result result = Psql.run(psqlTarget("stored", "carol"), "from-postgres", "SELECT 1");
        assertEquals(0, result.exitCode(), result.stderr());
        SQLException e = assertThrows(SQLException.class, () -> relay.connect("stored", "carol", verifier));
        assertEquals("28P01", e.getSQLState(), "the verifier is not itself a password");
    }

    @Test
    void theSameVerifierWorksDirectlyAgainstPostgres() throws SQLException {
        // The control for the test above: PostgreSQL itself (host connections use scram-sha-256 in
        // the throwaway cluster) accepts that password for that verifier, and refuses another.
        try (Connection connection = connectDirectly(role, "from-postgres")) {
            assertSelectOne(connection);
        }
        SQLException e = assertThrows(SQLException.class, () -> connectDirectly(role, "wrong").close());
        assertEquals("28P01", e.getSQLState());
    }

    private static Connection connectDirectly(String user, String password) throws SQLException {
        var properties = new java.util.Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "10");
        return java.sql.DriverManager.getConnection(TestPostgres.shared().jdbcUrl(), properties);
    }

    @Test
    void clearTextPasswordsAreSaslPreppedAsPostgresDoes() throws SQLException {
        // "\u2168\u00AD" (ROMAN NUMERAL NINE, SOFT HYPHEN) is "IX" after SASLprep, on either side.
        try (Connection connection = relay.connect("prepped", "dave", "IX")) {
            assertSelectOne(connection);
        }
        try (Connection connection = relay.connect("prepped", "dave", UNICODE_PASSWORD)) {
            assertSelectOne(connection);
        }
        try (Connection connection = relay.connect("stored-prepped", "erin", "IX")) {
            assertSelectOne(connection);
        }
    }

    @Test
    void wrongPasswordIs28P01ForPgjdbc() {
        SQLException e = assertThrows(SQLException.class, () -> relay.connect("clear", "alice", "wrong"));
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains("password authentication failed for user \"alice\""), e.getMessage());
    }

    @Test
    void wrongPasswordIs28P01ForPsql() {
        Psql.Result result = Psql.run(psqlTarget("clear", "alice"), "wrong", "SELECT 1");
        assertEquals(2, result.exitCode());
        assertTrue(result.stderr().contains("password authentication failed for user \"alice\""), result.stderr());
    }

    @Test
    void wrongUserGetsTheSameAnswerAsWrongPassword() {
        SQLException e = assertThrows(SQLException.class, () -> relay.connect("clear", "mallory", "s3cret"));
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains("password authentication failed for user \"mallory\""), e.getMessage());
        Psql.Result result = Psql.run(psqlTarget("clear", "mallory"), "s3cret", "SELECT 1");
        assertEquals(2, result.exitCode());
        assertTrue(result.stderr().contains("password authentication failed for user \"mallory\""), result.stderr());
    }

    /** Starts up as {@code alice} on {@code clear} and reads AuthenticationSASL. */
    private static WireClient startSasl() throws Exception {
        WireClient client = new WireClient(relay.port());
        client.sendStartup(0, Map.of("user", "alice", "database", "clear"));
        WireClient.Message sasl = client.read();
        assertEquals('R', sasl.type());
        ByteBuffer body = ByteBuffer.wrap(sasl.body());
        assertEquals(10, body.getInt(), "AuthenticationSASL");
        assertEquals("SCRAM-SHA-256\0\0", new String(sasl.body(), 4, sasl.body().length - 4, StandardCharsets.US_ASCII),
                "SCRAM-SHA-256 only: no PLUS without TLS");
        return client;
    }

    private static byte[] initialResponse(String mechanism, String clientFirst) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(mechanism.getBytes(StandardCharsets.US_ASCII));
        out.write(0);
        byte[] message = clientFirst.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(message.length).array());
        out.writeBytes(message);
        return out.toByteArray();
    }

    private static void assertFatal(WireClient client, String sqlState, String message) throws Exception {
        WireClient.Message error = client.read();
        assertEquals('E', error.type());
        assertEquals("FATAL", error.fields().get('S'));
        assertEquals(sqlState, error.fields().get('C'));
        assertEquals(message, error.fields().get('M'));
        assertTrue(client.isClosedByServer());
    }

    @Test
    void aMalformedClientFirstMessageIs08P01() throws Exception {
        try (WireClient client = startSasl()) {
            client.send('p', initialResponse("SCRAM-SHA-256", "x,,n=,r=abcdef"));
            assertFatal(client, "08P01", "malformed SCRAM message");
        }
    }

    @Test
    void anUnofferedMechanismIs08P01() throws Exception {
        try (WireClient client = startSasl()) {
            client.send('p', initialResponse("SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,n=,r=abcdef"));
            assertFatal(client, "08P01", "client selected an invalid SASL authentication mechanism");
        }
    }

    @Test
    void aTruncatedInitialResponseIs08P01() throws Exception {
        try (WireClient client = startSasl()) {
            client.send('p', "SCRAM-SHA-256\0\0\0".getBytes(StandardCharsets.US_ASCII));
            assertFatal(client, "08P01", "insufficient data left in message");
        }
    }

    @Test
    void aMalformedClientFinalMessageIs08P01() throws Exception {
        try (WireClient client = startSasl()) {
            client.send('p', initialResponse("SCRAM-SHA-256", "n,,n=,r=abcdef"));
            WireClient.Message challenge = client.read();
            assertEquals('R', challenge.type());
            assertEquals(11, ByteBuffer.wrap(challenge.body()).getInt(), "AuthenticationSASLContinue");
            String serverFirst = new String(challenge.body(), 4, challenge.body().length - 4, StandardCharsets.US_ASCII);
            assertTrue(serverFirst.matches("r=abcdef[A-Za-z0-9+/]{24},s=[A-Za-z0-9+/]{22}==,i=4096"), serverFirst);
            client.send('p', "c=biws,r=wrong-nonce,p=AAAA".getBytes(StandardCharsets.US_ASCII));
            assertFatal(client, "08P01", "malformed SCRAM message");
        }
    }

    private void configure(String auth) throws Exception {
        Path file = directory.resolve("allas.json");
        Files.writeString(file, "{\"databases\": [{\"name\": \"db\", \"auth\": " + auth + "}]}");
        AllasConfig config = ConfigLoader.load(file, Map.of(), new ArrayList<>());
        DatabaseAuthenticators.configure(config.databases(), AuthPlugins.load(directory.resolve("none")));
    }

    @Test
    void aGoodConfigurationIsAccepted() throws Exception {
        configure("{\"method\": \"scram-sha-256\", \"user\": \"u\", \"password\": \"p\"}");
        configure("{\"method\": \"scram-sha-256\", \"user\": \"u\", \"password\": \"" + verifier + "\"}");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "{\"method\": \"scram-sha-256\", \"user\": \"u\"}|missing configuration option \"databases[0].auth.password\"",
        "{\"method\": \"scram-sha-256\", \"password\": \"p\"}|missing configuration option \"databases[0].auth.user\"",
        "{\"method\": \"scram-sha-256\", \"user\": \"u\", \"password\": \"p\", \"iterations\": 8192}|unrecognized configuration option \"databases[0].auth.iterations\"",
        "{\"method\": \"scram-sha-256\", \"user\": \"\", \"password\": \"p\"}|configuration option \"databases[0].auth.user\" must not be empty",
        "{\"method\": \"scram-sha-256\", \"user\": \"u\", \"password\": \"\"}|configuration option \"databases[0].auth.password\" must not be empty",
        "{\"method\": \"scram-sha-256\", \"user\": \"u\", \"password\": \"SCRAM-SHA-256$4096:c2FsdA==$AAAA:BBBB\"}|invalid value for option \"databases[0].auth.password\": malformed SCRAM-SHA-256 verifier, expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> as in pg_authid.rolpassword",
        "{\"method\": \"scram-sha-256\", \"user\": \"u\", \"password\": \"md5d7a3b5b7ba1ba0b1d2b1bd8e22fbb5c1\"}|invalid value for option \"databases[0].auth.password\": an md5 hash cannot verify scram-sha-256; give the clear-text password or a SCRAM-SHA-256 verifier",
    })
    void badAuthObjectsAreOneLineErrorsNamingTheKey(String auth, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> configure(auth));
        assertEquals(expected, e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void theMalformedVerifierIsNotEchoed() {
        String secretLooking = "SCRAM-SHA-256$4096:c2FsdA==$" + "A".repeat(44) + ":" + "B".repeat(40);
        ConfigException e = assertThrows(ConfigException.class, () -> configure(
                "{\"method\": \"scram-sha-256\", \"user\": \"u\", \"password\": \"" + secretLooking + "\"}"));
        assertTrue(!e.getMessage().contains("AAAA"), e.getMessage());
    }
}
