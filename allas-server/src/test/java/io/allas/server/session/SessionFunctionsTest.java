package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * {@code pg_listening_channels()} and {@code pg_backend_pid()} answered for the client itself, as
 * PostgreSQL answers them for its own sessions: the same column names, types and rows.
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

    private static String commandTag(WireClient.Message complete) {
        return new String(complete.body(), 0, complete.body().length - 1, StandardCharsets.UTF_8);
    }
}
