package io.allas.server.catalog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGResultSetMetaData;

import io.allas.testing.CapturedLog;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.UpstreamProxy;
import io.allas.testing.WireClient;

/**
 * Catalog queries through allas are answered by PostgreSQL, and the client receives what
 * PostgreSQL sent: the same RowDescription and DataRow bytes as a direct session gets, in the
 * simple and the extended protocol, with parameters and in binary.
 */
class CatalogQueriesTest {

    /** The drivers' own queries at connect. */
    private static final List<String> DRIVER_QUERIES = List.of(
            // r2dbc-postgresql: its extension codecs
            "SELECT oid, * FROM pg_catalog.pg_type WHERE typname IN ('hstore','geometry','vector','int4','text')",
            // psycopg2: hstore
            "SELECT t.oid, typarray FROM pg_type t JOIN pg_namespace ns ON typnamespace = ns.oid WHERE typname = 'int4'",
            // postgres.js: array types
            "select b.oid, b.typarray from pg_catalog.pg_type a left join pg_catalog.pg_type b on b.oid = a.typelem"
                    + " where a.typcategory = 'A' group by b.oid, b.typarray order by b.oid",
            // Rails ActiveRecord: the type map
            "SELECT t.oid, t.typname, t.typelem, t.typdelim, t.typinput, r.rngsubtype, t.typtype, t.typbasetype"
                    + " FROM pg_type as t LEFT JOIN pg_range as r ON oid = rngtypid"
                    + " WHERE t.typname IN ('int2', 'int4', 'int8', 'oid', 'float4', 'float8', 'numeric', 'bool')"
                    + " OR t.typtype IN ('r', 'e', 'd') OR t.typinput = 'array_in(cstring,oid,integer)'::regprocedure"
                    + " OR t.typelem != 0 ORDER BY t.oid");

    private static TestRelay relay;

    @BeforeAll
    static void start() {
        relay = TestRelay.builder().trust("app").start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    /** The server's messages of one direct pgjdbc session, as they crossed the wire. */
    private static final class ServerBytes implements UpstreamProxy.Observer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void opened(Object connection) {
        }

        @Override
        public void fromClient(Object connection, byte[] data, int length) {
        }

        @Override
        public synchronized void fromServer(Object connection, byte[] data, int length) {
            bytes.write(data, 0, length);
        }

        @Override
        public void closed(Object connection) {
        }

        synchronized int size() {
            return bytes.size();
        }

        /** The messages from {@code offset} on, once the last is ReadyForQuery. */
        List<WireClient.Message> messagesFrom(int offset) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {
                List<WireClient.Message> messages = new ArrayList<>();
                byte[] all;
                synchronized (this) {
                    all = bytes.toByteArray();
                }
                ByteBuffer buffer = ByteBuffer.wrap(all, offset, all.length - offset);
                while (buffer.remaining() >= 5) {
                    char type = (char) buffer.get();
                    byte[] body = new byte[buffer.getInt() - 4];
                    buffer.get(body);
                    messages.add(new WireClient.Message(type, body));
                }
                if (!messages.isEmpty() && messages.getLast().type() == 'Z') {
                    return messages;
                }
                assertTrue(System.nanoTime() < deadline, "the direct session's answer did not arrive");
                LockSupport.parkNanos(1_000_000);
            }
        }
    }

    /** A direct pgjdbc session in the simple protocol, through a proxy that shows what the server sent. */
    private static List<WireClient.Message> direct(String sql) throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        ServerBytes server = new ServerBytes();
        try (UpstreamProxy proxy = new UpstreamProxy(postgres.host(), postgres.port(), server)) {
            Properties properties = new Properties();
            properties.setProperty("user", postgres.user());
            properties.setProperty("password", postgres.password());
            properties.setProperty("preferQueryMode", "simple");
            properties.setProperty("sslmode", "disable");
            try (Connection connection = DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + postgres.database(), properties);
                 Statement statement = connection.createStatement()) {
                int mark = server.size();
                statement.execute(sql);
                return server.messagesFrom(mark);
            }
        }
    }

    private static String bodies(List<WireClient.Message> messages) {
        StringBuilder text = new StringBuilder();
        for (WireClient.Message message : messages) {
            text.append(message.type()).append(' ').append(java.util.HexFormat.of().formatHex(message.body())).append('\n');
        }
        return text.toString();
    }

    @Test
    void driversQueriesAreAnsweredWithPostgresOwnBytes() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            for (String sql : DRIVER_QUERIES) {
                List<WireClient.Message> expected = direct(sql);
                List<WireClient.Message> actual = client.roundTrip(sql);
                assertTrue(WireClient.types(expected).matches("TD*CZ"), WireClient.types(expected));
                assertEquals(bodies(expected), bodies(actual), sql);
            }
        }
    }

    /** A result as pgjdbc presents it: columns (label, type, base table and column) and values. */
    private static List<String> answer(PreparedStatement statement) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
            ResultSetMetaData meta = rows.getMetaData();
            PGResultSetMetaData pg = meta.unwrap(PGResultSetMetaData.class);
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                lines.add(meta.getColumnLabel(i) + " " + meta.getColumnTypeName(i) + " " + pg.getBaseTableName(i)
                        + "." + pg.getBaseColumnName(i));
            }
            while (rows.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.append(rows.getString(i)).append('|');
                }
                lines.add(row.toString());
            }
        }
        return lines;
    }

    /**
     * pgjdbc with named server-side statements (prepareThreshold 1) and, with -1, binary results
     * from the first execution: the same answers as from PostgreSQL, execution after execution.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1", "-1"})
    void pgjdbcPreparedStatementsWithParameters(String prepareThreshold) throws Exception {
        String sql = "SELECT t.oid, t.typname, t.typlen, t.typarray, n.nspname FROM pg_catalog.pg_type t"
                + " JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.typname = ? OR t.oid = ?";
        try (Connection relayed = relay.connect("app", "app", null, "prepareThreshold", prepareThreshold);
             Connection direct = TestPostgres.shared().connect();
             PreparedStatement viaRelay = relayed.prepareStatement(sql);
             PreparedStatement directly = direct.prepareStatement(sql)) {
            for (String type : List.of("int4", "text", "bool", "int4", "nosuchtype")) {
                for (PreparedStatement statement : List.of(viaRelay, directly)) {
                    statement.setString(1, type);
                    statement.setLong(2, 16);
                }
                List<String> expected = answer(directly);
                assertEquals(expected, answer(viaRelay), type);
                assertTrue(expected.size() > 5, "the test's expectation, rows: " + expected);
            }
            assertEquals(directly.getParameterMetaData().getParameterTypeName(1),
                    viaRelay.getParameterMetaData().getParameterTypeName(1));
        }
    }

    /** The extended protocol message by message: named statement, inferred parameter type, binary in and out. */
    @Test
    void extendedProtocolWithInferredParametersAndBinary() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            client.send('P', WireClient.body("types", "SELECT oid, typname FROM pg_type WHERE typname = $1", (short) 0));
            client.send('D', WireClient.body('S', "types"));
            // The parameter in binary (a name's binary form is its bytes), both results in binary.
            client.send('B', concat(WireClient.body("", "types", (short) 1, (short) 1, (short) 1),
                    lengthPrefixed("int4"), WireClient.body((short) 1, (short) 1)));
            client.send('D', WireClient.body('P', ""));
            client.send('E', WireClient.body("", 0));
            client.send('S', new byte[0]);
            List<WireClient.Message> response = client.readResponse();
            assertEquals("1tT2TDCZ", WireClient.types(response));
            assertArrayEquals(WireClient.body((short) 1, 19), response.get(1).body(), "one parameter, of type name");
            assertEquals(0, formatOf(response.get(2), 0), "a statement is described in text");
            assertEquals(1, formatOf(response.get(4), 0), "the portal in the formats bound");
            assertEquals(1, formatOf(response.get(4), 1));
            assertArrayEquals(concat(WireClient.body((short) 2, 4, 23), lengthPrefixed("int4")), response.get(5).body(),
                    "oid 23 in binary, the name as its bytes");
            assertEquals("SELECT 1", new String(response.get(6).body(), 0, response.get(6).body().length - 1,
                    StandardCharsets.UTF_8));

            // The named statement again, in text: the same row as PostgreSQL writes it.
            client.send('B', concat(WireClient.body("", "types", (short) 0, (short) 1), lengthPrefixed("text"),
                    WireClient.body((short) 0)));
            client.send('E', WireClient.body("", 0));
            client.send('S', new byte[0]);
            response = client.readResponse();
            assertEquals("2DCZ", WireClient.types(response));
            assertArrayEquals(concat(WireClient.body((short) 2), lengthPrefixed("25"), lengthPrefixed("text")),
                    response.get(1).body());
        }
    }

    /** Result formats that fit no column count are refused with PostgreSQL's words, and Sync ends the error. */
    @Test
    void resultFormatsThatDoNotFitAreRefusedAsPostgresRefusesThem() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            client.send('P', WireClient.body("", "SELECT oid, typname FROM pg_type WHERE oid = 23", (short) 0));
            client.send('B', WireClient.body("", "", (short) 0, (short) 0, (short) 3, (short) 0, (short) 0, (short) 0));
            client.send('D', WireClient.body('P', ""));
            client.send('E', WireClient.body("", 0));
            client.send('S', new byte[0]);
            List<WireClient.Message> response = client.readResponse();
            assertEquals("12EZ", WireClient.types(response));
            assertEquals("08P01", response.get(2).fields().get('C'));
            assertEquals("bind message has 3 result formats but query has 2 columns", response.get(2).fields().get('M'));
            assertEquals("TDCZ", WireClient.types(client.roundTrip("SELECT typname FROM pg_type WHERE oid = 23")));
        }
    }

    @Test
    void postgresErrorsComeBackAndTheSessionGoesOn() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            List<WireClient.Message> response = client.roundTrip("SELECT nosuchcolumn FROM pg_type");
            assertEquals("EZ", WireClient.types(response));
            assertEquals("42703", response.getFirst().fields().get('C'));
            assertEquals("column \"nosuchcolumn\" does not exist", response.getFirst().fields().get('M'));
            assertEquals("TDCZ", WireClient.types(client.roundTrip("SELECT typname FROM pg_type WHERE oid = 16")));
        }
    }

    /** A catalog change is seen once the relay's LISTEN connection has reconnected. */
    @Test
    void resultsAreForgottenWhenTheRelayReconnects() throws Exception {
        String sql = "SELECT typname FROM pg_type WHERE typname = 'allas_catalog_mood'";
        try (Connection direct = TestPostgres.shared().connect()) {
            direct.createStatement().execute("DROP TYPE IF EXISTS allas_catalog_mood");
            try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
                assertEquals("TCZ", WireClient.types(client.roundTrip(sql)));
                direct.createStatement().execute("CREATE TYPE allas_catalog_mood AS ENUM ('calm')");
                assertEquals("TCZ", WireClient.types(client.roundTrip(sql)), "answered from the cache");
            }
            try (CapturedLog log = CapturedLog.start()) {
                assertTrue(TestPostgres.shared().terminateBackends(relay.upstreamApplicationName()) > 0);
                // Not a client served: one may be served by the relay before it has noticed the loss.
                log.awaitLine(Duration.ofSeconds(30), "connected to the upstream server");
            }
            try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
                assertEquals("TDCZ", WireClient.types(client.roundTrip(sql)), "asked again after the reconnect");
            } finally {
                direct.createStatement().execute("DROP TYPE allas_catalog_mood");
            }
        }
    }

    /** With no time to live, identical queries share only an execution under way: a change is seen at once. */
    @Test
    void withoutATimeToLiveEachQueryAsksPostgres() throws Exception {
        String sql = "SELECT typname FROM pg_type WHERE typname = 'allas_catalog_ttl'";
        try (TestRelay uncached = TestRelay.builder().trust("app")
                .extraSections("  \"upstream\": {\"catalog_cache_ttl_ms\": 0},\n").start();
             Connection direct = TestPostgres.shared().connect();
             WireClient client = WireClient.startup(uncached.port(), "app", "app")) {
            direct.createStatement().execute("DROP TYPE IF EXISTS allas_catalog_ttl");
            assertEquals("TCZ", WireClient.types(client.roundTrip(sql)));
            direct.createStatement().execute("CREATE TYPE allas_catalog_ttl AS ENUM ('x')");
            try {
                assertEquals("TDCZ", WireClient.types(client.roundTrip(sql)));
            } finally {
                direct.createStatement().execute("DROP TYPE allas_catalog_ttl");
            }
        }
    }

    /** The catalog connection is a backend of its own, and goes when it has been idle. */
    @Test
    void theCatalogConnectionIsSeparateAndClosedWhenIdle() throws Exception {
        try (TestRelay idle = TestRelay.builder().trust("app")
                .connect(TestPostgres.shared().libpqConnectString() + " application_name=allas_idle_test")
                .extraSections("  \"upstream\": {\"catalog_idle_timeout_ms\": 300},\n").start();
             Connection direct = TestPostgres.shared().connect();
             WireClient client = WireClient.startup(idle.port(), "app", "app")) {
            assertEquals("TDCZ", WireClient.types(client.roundTrip("SELECT typname FROM pg_type WHERE oid = 23")));
            assertEquals(1, catalogBackends(direct), "opened on demand");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (catalogBackends(direct) > 0) {
                assertTrue(System.nanoTime() < deadline, "the catalog connection was not closed when idle");
                LockSupport.parkNanos(20_000_000);
            }
            assertEquals("TDCZ", WireClient.types(client.roundTrip("SELECT typname FROM pg_type WHERE oid = 25")),
                    "opened again on demand");
        }
    }

    /** A catalog connection that the server ended while it was idle is replaced without the client noticing. */
    @Test
    void aCatalogConnectionEndedByTheServerIsReplaced() throws Exception {
        try (TestRelay replaced = TestRelay.builder().trust("app")
                .connect(TestPostgres.shared().libpqConnectString() + " application_name=allas_replaced_test").start();
             WireClient client = WireClient.startup(replaced.port(), "app", "app")) {
            assertEquals("TDCZ", WireClient.types(client.roundTrip("SELECT typname FROM pg_type WHERE oid = 23")));
            assertEquals(1, TestPostgres.shared().terminateBackends("allas_replaced_test catalog"));
            assertEquals("TDCZ", WireClient.types(client.roundTrip("SELECT typname FROM pg_type WHERE oid = 25")));
        }
    }

    private static int catalogBackends(Connection direct) throws SQLException {
        try (ResultSet rows = direct.createStatement().executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'allas_idle_test catalog'")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static int formatOf(WireClient.Message rowDescription, int column) {
        ByteBuffer body = ByteBuffer.wrap(rowDescription.body());
        int columns = body.getShort();
        assertTrue(column < columns);
        for (int i = 0; ; i++) {
            while (body.get() != 0) {
                // the column's name
            }
            body.position(body.position() + 4 + 2 + 4 + 2 + 4);
            int format = body.getShort();
            if (i == column) {
                return format;
            }
        }
    }

    private static byte[] lengthPrefixed(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        return concat(WireClient.body(bytes.length), bytes);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
