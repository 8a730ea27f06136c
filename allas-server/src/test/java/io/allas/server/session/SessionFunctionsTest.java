package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * The session functions answered for the client itself ({@code pg_listening_channels()},
 * {@code pg_backend_pid()}, {@code current_user}, {@code version()} ...), as PostgreSQL answers
 * them for its own sessions: the same column names, types and rows.
 */
class SessionFunctionsTest {

    private static final int INT4_OID = 23;
    private static final int TEXT_OID = 25;

    private static TestRelay relay;

    @BeforeAll
    static void start() {
        relay = TestRelay.builder().trust("app").start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    /** A query's answer as a client sees it. */
    private record Answer(String column, String typeName, List<String> rows) {
        static Answer of(Connection connection, String sql) throws SQLException {
            try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
                ResultSetMetaData meta = result.getMetaData();
                assertEquals(1, meta.getColumnCount(), sql);
                List<String> rows = new ArrayList<>();
                while (result.next()) {
                    rows.add(result.getString(1));
                }
                return new Answer(meta.getColumnName(1), meta.getColumnTypeName(1), rows);
            }
        }
    }

    /**
     * The same statements through allas and directly: the listings after each step are equal,
     * LISTEN inside a transaction block included (listed only once committed, in PostgreSQL too).
     */
    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void listeningChannelsAsPostgresListsThem(String queryMode) throws SQLException {
        try (Connection relayed = relay.connect("app", "app", null, "preferQueryMode", queryMode, "prepareThreshold", "1");
             Connection direct = TestPostgres.shared().connect()) {
            List<List<String>> steps = List.of(
                    List.of(),
                    List.of("LISTEN b_first", "LISTEN a_second", "LISTEN \"Quoted Third\""),
                    List.of("BEGIN", "LISTEN in_block", "UNLISTEN b_first"),
                    List.of("COMMIT"),
                    List.of("BEGIN", "LISTEN rolled_back"),
                    List.of("ROLLBACK"),
                    List.of("UNLISTEN *"));
            for (List<String> step : steps) {
                for (String sql : step) {
                    relayed.createStatement().execute(sql);
                    direct.createStatement().execute(sql);
                }
                for (String query : List.of("SELECT pg_listening_channels()", "SELECT * FROM pg_listening_channels()",
                        "SELECT pg_catalog.pg_listening_channels() AS channel", "SELECT * FROM pg_listening_channels() c")) {
                    Answer expected = Answer.of(direct, query);
                    assertEquals(expected, Answer.of(relayed, query), query + " after " + step);
                }
            }
            assertEquals(new Answer("pg_listening_channels", "text", List.of("a_second", "Quoted Third", "in_block")),
                    listingAfterCommit(relayed), "the test's expectation, as PostgreSQL answered it above");
        }
    }

    private static Answer listingAfterCommit(Connection connection) throws SQLException {
        connection.createStatement().execute("LISTEN a_second; LISTEN \"Quoted Third\"; LISTEN in_block");
        try {
            return Answer.of(connection, "SELECT pg_listening_channels()");
        } finally {
            connection.createStatement().execute("UNLISTEN *");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void backendPidIsTheOneGivenInBackendKeyData(String queryMode) throws SQLException {
        // prepareThreshold -1: pgjdbc asks for binary int4 from the first execution.
        try (Connection relayed = relay.connect("app", "app", null, "preferQueryMode", queryMode, "prepareThreshold", "-1");
             Connection direct = TestPostgres.shared().connect()) {
            int pid = relayed.unwrap(PGConnection.class).getBackendPID();
            for (String query : List.of("SELECT pg_backend_pid()", "SELECT * FROM pg_backend_pid() AS pid",
                    "SELECT pg_backend_pid() AS \"Pid\"")) {
                Answer expected = Answer.of(direct, query);
                Answer actual = Answer.of(relayed, query);
                assertEquals(new Answer(expected.column(), expected.typeName(), List.of(Integer.toString(pid))), actual, query);
                try (ResultSet result = relayed.createStatement().executeQuery(query)) {
                    result.next();
                    assertEquals(pid, result.getInt(1));
                }
            }
        }
    }

    /** One column of a RowDescription: its name, type OID and format. */
    private record Field(String name, int typeOid, int format) {
        static Field of(WireClient.Message description) {
            ByteBuffer body = ByteBuffer.wrap(description.body());
            assertEquals(1, body.getShort(), "one column");
            int end = body.position();
            while (body.get(end) != 0) {
                end++;
            }
            String name = new String(description.body(), body.position(), end - body.position(), StandardCharsets.UTF_8);
            body.position(end + 1);
            body.getInt();
            body.getShort();
            int typeOid = body.getInt();
            body.getShort();
            body.getInt();
            return new Field(name, typeOid, body.getShort());
        }
    }

    private static byte[] onlyValue(WireClient.Message dataRow) {
        ByteBuffer body = ByteBuffer.wrap(dataRow.body());
        assertEquals(1, body.getShort());
        byte[] value = new byte[body.getInt()];
        body.get(value);
        return value;
    }

    /** Connects with a trust startup and returns the process ID from BackendKeyData. */
    private static int startup(WireClient client) throws IOException {
        client.sendStartup(0, Map.of("user", "app", "database", "app"));
        int pid = ByteBuffer.wrap(client.readUntil('K').body()).getInt();
        client.readUntil('Z');
        return pid;
    }

    @Test
    void extendedProtocolWithNamedStatementAndBinaryResult() throws Exception {
        try (WireClient client = new WireClient(relay.port())) {
            int pid = startup(client);
            client.send('P', WireClient.body("pid", "SELECT pg_backend_pid() AS the_pid", (short) 0));
            client.send('D', WireClient.body('S', "pid"));
            client.send('B', WireClient.body("", "pid", (short) 0, (short) 0, (short) 1, (short) 1));
            client.send('D', WireClient.body('P', ""));
            client.send('E', WireClient.body("", 0));
            client.send('S', new byte[0]);
            List<WireClient.Message> response = client.readResponse();
            assertEquals("1tT2TDCZ", WireClient.types(response));
            assertEquals(new Field("the_pid", INT4_OID, 0), Field.of(response.get(2)), "a statement is described in text");
            assertEquals(new Field("the_pid", INT4_OID, 1), Field.of(response.get(4)));
            assertEquals(pid, ByteBuffer.wrap(onlyValue(response.get(5))).getInt(), "binary int4");
            assertEquals("SELECT 1", commandTag(response.get(6)));
        }
    }

    @Test
    void extendedProtocolListsEveryChannelWithItsCount() throws Exception {
        try (WireClient client = new WireClient(relay.port())) {
            startup(client);
            assertEquals("CCZ", WireClient.types(client.roundTrip("LISTEN one; LISTEN two")));
            client.send('P', WireClient.body("", "SELECT * FROM pg_listening_channels()", (short) 0));
            client.send('B', WireClient.body("", "", (short) 0, (short) 0, (short) 0));
            client.send('D', WireClient.body('P', ""));
            client.send('E', WireClient.body("", 0));
            client.send('S', new byte[0]);
            List<WireClient.Message> response = client.readResponse();
            assertEquals("12TDDCZ", WireClient.types(response));
            assertEquals(new Field("pg_listening_channels", TEXT_OID, 0), Field.of(response.get(2)));
            assertEquals("one", new String(onlyValue(response.get(3)), StandardCharsets.UTF_8));
            assertEquals("two", new String(onlyValue(response.get(4)), StandardCharsets.UTF_8));
            assertEquals("SELECT 2", commandTag(response.get(5)));

            // As in PostgreSQL, the UNLISTEN of a multi-statement query takes effect when the query ends.
            assertEquals("CTDDCZ", WireClient.types(client.roundTrip("UNLISTEN *; SELECT pg_listening_channels()")));
            List<WireClient.Message> none = client.roundTrip("SELECT pg_listening_channels()");
            assertEquals("TCZ", WireClient.types(none));
            assertEquals("SELECT 0", commandTag(none.get(1)));
        }
    }

    /** The columns whose values are the client's own (its user, its database), not the upstream session's. */
    private static final List<String> CLIENT_NAMED = List.of("current_database", "current_user", "session_user",
            "current_role", "user", "current_catalog");

    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void severalSessionFunctionsInOneSelectList(String queryMode) throws SQLException {
        String sql = "SELECT current_database(), current_user, session_user, current_role, user, current_catalog,"
                + " current_schema, pg_catalog.current_schema() AS s, current_schemas(true), current_schemas(false)::text"
                + " AS path, version(), pg_catalog.version()::varchar AS v, pg_is_in_recovery(),"
                + " CAST(current_setting('max_connections') AS int) max, current_setting('TimeZone') tz";
        try (Connection relayed = relay.connect("app", "app", null, "preferQueryMode", queryMode, "prepareThreshold", "1");
             Connection direct = TestPostgres.shared().connect()) {
            for (int run = 0; run < 3; run++) { // named statements from the second run
                try (Statement r = relayed.createStatement(); ResultSet got = r.executeQuery(sql);
                     Statement d = direct.createStatement(); ResultSet expected = d.executeQuery(sql)) {
                    ResultSetMetaData gotMeta = got.getMetaData();
                    ResultSetMetaData expectedMeta = expected.getMetaData();
                    assertEquals(expectedMeta.getColumnCount(), gotMeta.getColumnCount());
                    assertTrue(got.next());
                    assertTrue(expected.next());
                    for (int i = 1; i <= gotMeta.getColumnCount(); i++) {
                        String column = expectedMeta.getColumnName(i);
                        assertEquals(column, gotMeta.getColumnName(i));
                        assertEquals(expectedMeta.getColumnTypeName(i), gotMeta.getColumnTypeName(i), column);
                        assertEquals(CLIENT_NAMED.contains(column) ? "app" : expected.getString(i), got.getString(i), column);
                    }
                    assertFalse(got.next());
                }
            }
        }
    }

    @Test
    void namesArrayInBinaryAsPostgresSendsIt() throws SQLException {
        // prepareThreshold -1: pgjdbc asks for binary results from the first execution.
        try (Connection relayed = relay.connect("app", "app", null, "prepareThreshold", "-1");
             Connection direct = TestPostgres.shared().connect("postgres")) {
            for (String sql : List.of("SELECT current_schemas(true)", "SELECT current_schemas(false) AS path")) {
                List<Object> answers = new ArrayList<>();
                for (Connection connection : List.of(direct, relayed)) {
                    try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
                        assertTrue(rows.next());
                        answers.add(List.of(rows.getMetaData().getColumnName(1), rows.getMetaData().getColumnTypeName(1),
                                List.of((Object[]) rows.getArray(1).getArray())));
                    }
                }
                assertEquals(answers.get(0), answers.get(1), sql);
            }
        }
    }

    @Test
    void unnamedStatementWithAnUndeclaredParameter() throws Exception {
        String workMem;
        try (Connection direct = TestPostgres.shared().connect(); Statement statement = direct.createStatement();
             ResultSet rows = statement.executeQuery("SHOW work_mem")) {
            rows.next();
            workMem = rows.getString(1);
        }
        try (WireClient client = new WireClient(relay.port())) {
            startup(client);
            // As asyncpg sends it: no parameter types declared, the server infers them.
            client.send('P', WireClient.body("", "SELECT current_setting($1, $2) AS v, current_user", (short) 0));
            client.send('D', WireClient.body('S', ""));
            java.io.ByteArrayOutputStream bind = new java.io.ByteArrayOutputStream();
            bind.writeBytes(WireClient.body("", "", (short) 0, (short) 2, "work_mem".length()));
            bind.writeBytes("work_mem".getBytes(StandardCharsets.UTF_8));
            bind.writeBytes(WireClient.body("true".length()));
            bind.writeBytes("true".getBytes(StandardCharsets.UTF_8));
            bind.writeBytes(WireClient.body((short) 0));
            client.send('B', bind.toByteArray());
            client.send('E', WireClient.body("", 0));
            client.send('S', new byte[0]);
            List<WireClient.Message> response = client.readResponse();
            assertEquals("1tT2DCZ", WireClient.types(response));
            ByteBuffer parameters = ByteBuffer.wrap(response.get(1).body());
            assertEquals(2, parameters.getShort(), "two parameters, inferred from $1 and $2");
            assertEquals(TEXT_OID, parameters.getInt());
            assertEquals(16, parameters.getInt(), "missing_ok is a bool");
            ByteBuffer row = ByteBuffer.wrap(response.get(4).body());
            assertEquals(2, row.getShort());
            byte[] value = new byte[row.getInt()];
            row.get(value);
            assertEquals(workMem, new String(value, StandardCharsets.UTF_8));
            value = new byte[row.getInt()];
            row.get(value);
            assertEquals("app", new String(value, StandardCharsets.UTF_8));
            assertEquals("SELECT 1", commandTag(response.get(5)));
        }
    }

    private static String commandTag(WireClient.Message complete) {
        return new String(complete.body(), 0, complete.body().length - 1, StandardCharsets.UTF_8);
    }
}
