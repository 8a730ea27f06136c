package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.allas.testing.CapturedLog;
import io.allas.testing.Psql;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * Connecting and authenticating through the relay with real clients: pgjdbc and psql, plus the
 * raw protocol for the packets no client library sends.
 */
class ClientStartupTest {

    private static final Duration WAIT_FOR_LOG = Duration.ofSeconds(10);

    private static TestRelay relay;

    @BeforeAll
    static void startRelay() {
        relay = TestRelay.builder()
                .trust("open")
                .md5("guarded", "alice", "s3cret")
                .md5("stored", "carol", "md5" + md5Hex("s3cretcarol"))
                .startupParameter("IntervalStyle", "iso_8601")
                .start();
    }

    private static String md5Hex(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stopRelay() {
        relay.close();
    }

    private String psqlTarget(String database, String user) {
        return "host=127.0.0.1 port=" + relay.port() + " dbname=" + database + " user=" + user;
    }

    @Test
    void pgjdbcConnectsWithTrustAndPings() throws SQLException {
        try (Connection connection = relay.connect("open", "anyone", null);
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT 1")) {
            assertTrue(rows.next());
            assertEquals(1, rows.getInt(1));
            assertEquals("?column?", rows.getMetaData().getColumnName(1));
        }
    }

    @Test
    void pgjdbcConnectsWithMd5() throws SQLException {
        try (Connection connection = relay.connect("guarded", "alice", "s3cret");
             ResultSet rows = connection.createStatement().executeQuery("select 1;")) {
            assertTrue(rows.next());
            assertEquals(1, rows.getInt(1));
        }
    }

    @Test
    void pgjdbcNamedPreparedStatementsWithBinaryResults() throws SQLException {
        try (Connection connection = relay.connect("guarded", "alice", "s3cret", "prepareThreshold", "1")) {
            try (var statement = connection.prepareStatement("SELECT 1")) {
                for (int i = 0; i < 4; i++) {
                    try (ResultSet rows = statement.executeQuery()) {
                        assertTrue(rows.next());
                        assertEquals(1, rows.getInt(1));
                    }
                }
            }
        }
    }

    @Test
    void pgjdbcSimpleQueryMode() throws SQLException {
        try (Connection connection = relay.connect("open", "bob", null, "preferQueryMode", "simple");
             ResultSet rows = connection.createStatement().executeQuery("SELECT 1")) {
            assertTrue(rows.next());
            assertEquals(1, rows.getInt(1));
        }
    }

    @Test
    void md5AcceptsTheFormPostgresStores() throws SQLException {
        try (Connection connection = relay.connect("stored", "carol", "s3cret")) {
            assertTrue(connection.createStatement().executeQuery("SELECT 1").next());
        }
        SQLException e = assertThrows(SQLException.class, () -> relay.connect("stored", "carol", "md5" + md5Hex("s3cretcarol")));
        assertEquals("28P01", e.getSQLState(), "the stored form is not itself a password");
    }

    @Test
    void parameterStatusMirrorsTheUpstreamWithStartupParametersOverriding() throws SQLException {
        try (Connection through = relay.connect("open", "bob", null, "ApplicationName", "reporting");
             Connection direct = io.allas.testing.TestPostgres.shared().connect()) {
            var relayed = through.unwrap(org.postgresql.PGConnection.class).getParameterStatuses();
            var upstream = direct.unwrap(org.postgresql.PGConnection.class).getParameterStatuses();
            for (String name : List.of("server_version", "server_encoding", "client_encoding", "DateStyle",
                    "integer_datetimes", "standard_conforming_strings", "TimeZone")) {
                assertEquals(upstream.get(name), relayed.get(name), name);
            }
            assertEquals("iso_8601", relayed.get("IntervalStyle"), "startup_parameters override the upstream");
            assertEquals("reporting", relayed.get("application_name"), "the client's own application_name");
        }
    }

    @Test
    void wrongPasswordIs28P01() {
        SQLException e = assertThrows(SQLException.class, () -> relay.connect("guarded", "alice", "wrong"));
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains("password authentication failed for user \"alice\""), e.getMessage());
    }

    @Test
    void wrongUserGetsTheSameAnswerAsWrongPassword() {
        SQLException e = assertThrows(SQLException.class, () -> relay.connect("guarded", "mallory", "s3cret"));
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains("password authentication failed for user \"mallory\""), e.getMessage());
    }

    @Test
    void whatAClientSendsCannotWriteLinesOfItsOwnIntoTheLog() throws Exception {
        String forged = "nosuch\n2026-01-01T00:00:00.000 SEVERE io.allas.server.Main: forged";
        try (CapturedLog log = CapturedLog.start(); WireClient client = new WireClient(relay.port())) {
            client.sendStartup(0, Map.of("user", "mallory\r\nINFO fake", "database", forged));
            assertEquals("3D000", client.read().fields().get('C'));
            String line = log.awaitLine(WAIT_FOR_LOG, "INFO client rejected (",
                    "database=nosuch\\n2026-01-01T00:00:00.000 SEVERE", "user=mallory\\r\\nINFO fake",
                    "3D000 database \"nosuch\\n2026");
            assertFalse(line.contains("\n") || line.contains("\r"), line);
        }
    }

    @Test
    void unknownDatabaseIs3D000() throws InterruptedException {
        try (CapturedLog log = CapturedLog.start()) {
            SQLException e = assertThrows(SQLException.class, () -> relay.connect("nosuchdb", "alice", "s3cret"));
            assertEquals("3D000", e.getSQLState());
            assertTrue(e.getMessage().contains("database \"nosuchdb\" does not exist"), e.getMessage());
            log.awaitLine(WAIT_FOR_LOG, "INFO client rejected (", "database=nosuchdb user=alice",
                    "3D000 database \"nosuchdb\" does not exist");
        }
    }

    @Test
    void psqlConnectsWithMd5AfterItsSslRequestIsRefused() {
        // psql's default sslmode=prefer sends SSLRequest first, then continues in clear text.
        Psql.Result result = Psql.run(psqlTarget("guarded", "alice") + " sslmode=prefer", "s3cret", "SELECT 1");
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("1", result.stdout().strip());
    }

    @Test
    void psqlWrongPassword() {
        Psql.Result result = Psql.run(psqlTarget("guarded", "alice"), "nope", "SELECT 1");
        assertEquals(2, result.exitCode());
        assertTrue(result.stderr().contains("password authentication failed for user \"alice\""), result.stderr());
    }

    @Test
    void psqlRequiringSslIsRefusedClearly() {
        Psql.Result result = Psql.run(psqlTarget("open", "bob") + " sslmode=require", null, "SELECT 1");
        assertEquals(2, result.exitCode());
        assertTrue(result.stderr().contains("server does not support SSL"), result.stderr());
    }

    @Test
    void psqlUnsupportedStatementGetsSyntaxErrorAndSessionGoesOn() {
        Psql.Result result = Psql.run(psqlTarget("open", "bob") + " sslmode=disable", null, "CREATE TABLE t (a int)");
        assertEquals(1, result.exitCode());
        assertTrue(result.stderr().contains("allas does not support CREATE"), result.stderr());
        try (Connection connection = relay.connect("open", "bob", null);
             Statement statement = connection.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> statement.execute("DROP TABLE t"));
            assertEquals("42601", e.getSQLState());
            ResultSet rows = statement.executeQuery("SELECT 1");
            assertTrue(rows.next());
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void missingUserIs28000() throws Exception {
        try (CapturedLog log = CapturedLog.start(); WireClient client = new WireClient(relay.port())) {
            client.sendStartup(0, Map.of("database", "open", "application_name", "nameless"));
            WireClient.Message error = client.read();
            assertEquals('E', error.type());
            assertEquals("FATAL", error.fields().get('S'));
            assertEquals("28000", error.fields().get('C'));
            assertEquals("no PostgreSQL user name specified in startup packet", error.fields().get('M'));
            assertTrue(client.isClosedByServer());
            log.awaitLine(WAIT_FOR_LOG, "INFO client rejected (", "database=open user= application_name=nameless",
                    "28000 no PostgreSQL user name specified in startup packet");
        }
    }

    @Test
    void sslRequestIsAnsweredNThenTheSessionWorks() throws Exception {
        try (WireClient client = new WireClient(relay.port())) {
            client.sendStartupPacket((1234 << 16) | 5679, new byte[0]);
            assertEquals('N', client.readSingleByte());
            client.sendStartup(0, Map.of("user", "bob", "database", "open"));
            assertEquals('R', client.read().type());
            WireClient.Message ready = client.readUntil('Z');
            assertEquals('I', (char) ready.body()[0]);
            client.query("");
            assertEquals('I', client.read().type()); // EmptyQueryResponse
            assertEquals('Z', client.read().type());
        }
    }

    @Test
    void gssEncRequestIsAnsweredN() throws Exception {
        try (WireClient client = new WireClient(relay.port())) {
            client.sendStartupPacket((1234 << 16) | 5680, new byte[0]);
            assertEquals('N', client.readSingleByte());
            client.sendStartup(0, Map.of("user", "bob", "database", "open"));
            assertEquals('R', client.read().type());
        }
    }

    @Test
    void cancelRequestIsAcceptedAndClosed() throws Exception {
        try (WireClient client = new WireClient(relay.port())) {
            client.sendStartupPacket((1234 << 16) | 5678, new byte[] {0, 0, 0, 1, 0, 0, 0, 2});
            assertTrue(client.isClosedByServer());
        }
    }

    @Test
    void newerMinorVersionAndProtocolOptionsAreNegotiated() throws Exception {
        try (WireClient client = new WireClient(relay.port())) {
            client.sendStartup(2, Map.of("user", "bob", "database", "open", "_pq_.test_option", "x"));
            WireClient.Message negotiate = client.read();
            assertEquals('v', negotiate.type());
            var body = java.nio.ByteBuffer.wrap(negotiate.body());
            assertEquals(3 << 16, body.getInt(), "newest version 3.0");
            assertEquals(1, body.getInt());
            assertEquals("_pq_.test_option\0", new String(negotiate.body(), 8, negotiate.body().length - 8,
                    java.nio.charset.StandardCharsets.UTF_8));
            assertEquals('R', client.read().type());
        }
    }

    @Test
    void protocolVersion2IsRefusedAs0A000() throws Exception {
        try (WireClient client = new WireClient(relay.port())) {
            client.sendStartupPacket(2 << 16, new byte[] {'u', 's', 'e', 'r', 0, 'b', 0, 0});
            WireClient.Message error = client.read();
            assertEquals("0A000", error.fields().get('C'));
            assertTrue(error.fields().get('M').startsWith("unsupported frontend protocol 2.0"));
        }
    }

    @Test
    void oversizedStartupPacketIsRefusedWithoutAllocatingIt() throws Exception {
        try (WireClient client = new WireClient(relay.port())) {
            var out = new java.io.DataOutputStream(client.rawOutput());
            out.writeInt(Integer.MAX_VALUE);
            out.writeInt(3 << 16);
            out.flush();
            WireClient.Message error = client.read();
            assertEquals("08P01", error.fields().get('C'));
            assertEquals("invalid length of startup packet", error.fields().get('M'));
            assertTrue(client.isClosedByServer());
        }
    }

    @Test
    void oversizedQueryMessageIsRefused() throws Exception {
        try (WireClient client = new WireClient(relay.port())) {
            client.sendStartup(0, Map.of("user", "bob", "database", "open"));
            client.readUntil('Z');
            var out = new java.io.DataOutputStream(client.rawOutput());
            out.writeByte('Q');
            out.writeInt(Integer.MAX_VALUE);
            out.flush();
            WireClient.Message error = client.read();
            assertEquals("FATAL", error.fields().get('S'));
            assertEquals("08P01", error.fields().get('C'));
            assertTrue(client.isClosedByServer());
        }
    }

    @Test
    void messageTypesAbove0x7FAreNamedUnsignedAsPostgresNamesThem() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "bob", "open")) {
            client.send((char) 0xFF, new byte[0]);
            WireClient.Message error = client.read();
            assertEquals("08P01", error.fields().get('C'));
            assertEquals("invalid frontend message type 255", error.fields().get('M'));
        }
        try (WireClient client = new WireClient(relay.port())) {
            client.sendStartup(0, Map.of("user", "alice", "database", "guarded"));
            assertEquals('R', client.read().type());
            client.send((char) 0xFF, new byte[0]);
            WireClient.Message error = client.read();
            assertEquals("08P01", error.fields().get('C'));
            assertEquals("expected password response, got message type 255", error.fields().get('M'));
        }
    }

    @Test
    void copyMessagesOutsideCopyAreIgnoredAsPostgresIgnoresThem() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "bob", "open");
             java.sql.Connection producer = io.allas.testing.TestPostgres.shared().connect()) {
            assertEquals("CZ", WireClient.types(client.roundTrip("LISTEN after_copy")));
            // What a client may still send after a COPY failed: CopyData, CopyDone, CopyFail.
            client.send('d', "1\tone\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            client.send('c', new byte[0]);
            client.send('f', WireClient.body("gave up"));
            // No answer to them, and the client is still idle: a notification reaches it.
            producer.createStatement().execute("NOTIFY after_copy, 'still here'");
            assertEquals('A', client.read().type());
            assertEquals("TDCZ", WireClient.types(client.roundTrip("SELECT 1")));
        }
    }

    @Test
    void aFloodOfRefusedConnectionsWritesABoundedNumberOfLines() throws Exception {
        try (TestRelay flooded = TestRelay.builder().trust("open").start(); CapturedLog log = CapturedLog.start()) {
            int refused = ConnectionRefusalLog.LINES_PER_MINUTE + 50;
            for (int i = 0; i < refused; i++) {
                try (WireClient client = new WireClient(flooded.port())) {
                    client.sendStartup(0, Map.of("user", "bob", "database", "nosuch"));
                    assertEquals("3D000", client.read().fields().get('C'));
                }
            }
            assertEquals(ConnectionRefusalLog.LINES_PER_MINUTE, log.linesWith("client rejected (", "3D000").size());
        }
    }
}
