package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import io.allas.testing.JdbcListener;
import io.allas.testing.Psql;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * The statements drivers and pools send besides LISTEN: SHOW, SET, RESET, DISCARD ALL, CLOSE ALL,
 * DEALLOCATE, pg_advisory_unlock_all(), each answered as PostgreSQL answers it.
 */
class SessionStatementsTest {

    private static TestRelay relay;

    @BeforeAll
    static void start() {
        relay = TestRelay.builder().trust("app").tapUpstream().start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static String scalar(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            assertTrue(rows.next());
            String value = rows.getString(1);
            assertFalse(rows.next());
            return value;
        }
    }

    @Test
    void showAnswersWithTheUpstreamValues() throws SQLException {
        try (Connection relayed = relay.connect("app", "app", null);
             Connection direct = TestPostgres.shared().connect()) {
            for (String name : List.of("server_version", "server_encoding", "client_encoding", "standard_conforming_strings")) {
                assertEquals(scalar(direct, "SHOW " + name), scalar(relayed, "SHOW " + name), name);
            }
            try (ResultSet rows = relayed.createStatement().executeQuery("SHOW datestyle")) {
                assertEquals("DateStyle", rows.getMetaData().getColumnName(1));
            }
            assertEquals(scalar(direct, "SHOW work_mem"), scalar(relayed, "SHOW work_mem"));
            SQLException e = assertThrows(SQLException.class, () -> scalar(relayed, "SHOW no_such_parameter"));
            assertEquals("42704", e.getSQLState());
        }
    }

    @Test
    void setReportsAReportedParameterAndResetRestoresIt() throws SQLException {
        try (Connection connection = relay.connect("app", "app", null, "preferQueryMode", "simple")) {
            PGConnection pg = connection.unwrap(PGConnection.class);
            String original = pg.getParameterStatus("IntervalStyle");
            connection.createStatement().execute("SET intervalstyle TO 'iso_8601'");
            assertEquals("iso_8601", pg.getParameterStatus("IntervalStyle"), "reported with ParameterStatus");
            assertEquals("iso_8601", scalar(connection, "SHOW IntervalStyle"));
            connection.createStatement().execute("RESET IntervalStyle");
            assertEquals(original, pg.getParameterStatus("IntervalStyle"));
            connection.createStatement().execute("SET statement_timeout = 5000");
            SQLException e = assertThrows(SQLException.class,
                    () -> connection.createStatement().execute("SET client_encoding TO 'LATIN1'"));
            assertEquals("0A000", e.getSQLState());
        }
    }

    @org.junit.jupiter.api.RepeatedTest(5)
    void discardAllForgetsChannelsAndPreparedStatements() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            assertEquals("CZ", WireClient.types(client.roundTrip("LISTEN pooled")));
            assertTrue(relay.upstreamChannels().contains("pooled"));
            assertEquals("CZ", WireClient.types(client.roundTrip("DISCARD ALL")));
            relay.awaitUpstreamChannels(channels -> !channels.contains("pooled"), "DISCARD ALL let no channel go upstream");
            assertEquals("CZ", WireClient.types(client.roundTrip("CLOSE ALL")));
            assertEquals("CZ", WireClient.types(client.roundTrip("DEALLOCATE ALL")));
            List<WireClient.Message> unlock = client.roundTrip("SELECT pg_advisory_unlock_all()");
            assertEquals("TDCZ", WireClient.types(unlock));
            List<WireClient.Message> inTransaction = client.roundTrip("BEGIN; DISCARD ALL");
            assertEquals("CEZ", WireClient.types(inTransaction));
            assertEquals("25001", inTransaction.get(1).fields().get('C'));
            assertEquals("CZ", WireClient.types(client.roundTrip("ROLLBACK")));
        }
    }

    @Test
    void pooledConnectionResetThroughPgjdbc() throws SQLException {
        try (JdbcListener listener = new JdbcListener(relay.connect("app", "app", null, "prepareThreshold", "1"))) {
            listener.execute("LISTEN reset_me", "SELECT 1", "SELECT 1");
            listener.execute("DISCARD ALL");
            relay.awaitUpstreamChannels(channels -> !channels.contains("reset_me"), "DISCARD ALL let no channel go upstream");
            assertEquals("", scalar(listener.connection(), "SELECT pg_advisory_unlock_all()"));
            listener.execute("SELECT 1"); // pgjdbc re-prepares after DISCARD ALL
        }
    }

    @Test
    void psqlSeesNotificationsAndErrorsAsWithPostgres() {
        String target = "host=127.0.0.1 port=" + relay.port() + " dbname=app user=app";
        Psql.Result shown = Psql.run(target, null, "SHOW server_version", "SELECT 1");
        assertEquals(0, shown.exitCode(), shown.stderr());
        Psql.Result error = Psql.run(target, null, "TRUNCATE t");
        assertEquals(1, error.exitCode());
        assertTrue(error.stderr().contains("ERROR:  allas does not support TRUNCATE"), error.stderr());
    }

    @Test
    void describingTheEmptyStatementAnswersNoData() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            client.send('P', WireClient.body("", "", (short) 0));
            client.send('D', WireClient.body('S', ""));
            client.send('S', new byte[0]);
            String types = WireClient.types(client.readResponse());
            assertEquals("1tnZ", types, "ParseComplete, ParameterDescription, NoData, ReadyForQuery");
        }
    }

    @Test
    void afterAnExtendedQueryErrorEvenASimpleQueryWaitsForSync() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            client.send('P', WireClient.body("", "DROP TABLE nothing", (short) 0));
            client.query("SELECT 1");
            client.send('S', new byte[0]);
            String types = WireClient.types(client.readResponse());
            assertEquals("EZ", types, "the Query between the error and Sync is ignored, as by PostgreSQL");
            assertEquals("TDCZ", WireClient.types(client.roundTrip("SELECT 1")));
        }
    }
}
