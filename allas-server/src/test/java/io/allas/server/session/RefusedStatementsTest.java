package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.allas.testing.CapturedLog;
import io.allas.testing.Scrape;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * A statement allas refuses is logged, naming the client, and counted by SQLSTATE; a client that
 * keeps sending them cannot flood the log.
 */
class RefusedStatementsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String SYNTAX_ERROR = "42601";

    private static TestRelay relay;

    @BeforeAll
    static void start() {
        relay = TestRelay.builder().trust("app").prometheus().start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static WireClient connect(String applicationName) throws Exception {
        WireClient client = new WireClient(relay.port());
        client.sendStartup(0, Map.of("user", "app", "database", "app", "application_name", applicationName));
        client.readUntil('Z');
        return client;
    }

    /** @return the count of refusals with this SQLSTATE, which must be exported */
    private static double refused(String sqlState) throws Exception {
        // Labels come in alphabetical order, Helidon's scope first.
        return Scrape.value(relay.httpPort(), "allas_statements_refused_total\\{scope=\"application\",sqlstate=\"" + sqlState + "\"");
    }

    @Test
    void theCountersAreExportedBeforeTheFirstRefusal() throws Exception {
        for (String sqlState : List.of("0A000", "25P02", "42704", "26000", "53400")) {
            assertEquals(0.0, refused(sqlState), sqlState);
        }
    }

    @Test
    void aRefusalIsLoggedWithTheClientAndCountedAndItsLineCannotBeForged() throws Exception {
        double before = refused(SYNTAX_ERROR);
        try (CapturedLog log = CapturedLog.start(); WireClient client = connect("forger")) {
            List<WireClient.Message> response = client.roundTrip("TRUNCATE t;\r\nINFO allas is hacked\u001b[0m");
            assertEquals("EZ", WireClient.types(response));
            String line = log.awaitLine(WAIT, "statement refused", "application_name=forger");
            assertTrue(line.startsWith("INFO statement refused (/127.0.0.1:"), line);
            assertTrue(line.contains(" database=app user=app application_name=forger): 42601 allas does not support TRUNCATE"), line);
            assertTrue(line.endsWith("; statement: TRUNCATE t;\\r\\nINFO allas is hacked\\x1b[0m"), line);
            assertEquals(List.of(line), log.linesWith("allas is hacked"), "one line, CR and LF escaped");
        }
        assertEquals(before + 1, refused(SYNTAX_ERROR));
    }

    @Test
    void extendedProtocolRefusalsNameTheStatementAndLongOnesAreCut() throws Exception {
        String longStatement = "DELETE FROM t WHERE id IN (" + "1, ".repeat(200) + "2)";
        try (CapturedLog log = CapturedLog.start(); WireClient client = connect("extended")) {
            client.send('P', WireClient.body("", longStatement, (short) 0));
            client.send('S', new byte[0]);
            assertEquals("EZ", WireClient.types(client.readResponse()));
            String line = log.awaitLine(WAIT, "application_name=extended", "allas does not support DELETE");
            assertTrue(line.endsWith("; statement: " + longStatement.substring(0, RefusedStatementLog.MAX_STATEMENT_CHARS)
                    + "..."), line);
        }
    }

    @Test
    void aClientThatKeepsFailingIsLoggedAFewTimesThenSummed() throws Exception {
        int sent = RefusedStatementLog.LOGGED_IN_FULL + 3;
        double before = refused(SYNTAX_ERROR);
        try (CapturedLog log = CapturedLog.start()) {
            // assumeMinServerVersion: pgjdbc names the application in its startup packet, not in a SET.
            try (Connection connection = relay.connect("app", "app", null, "ApplicationName", "flooder",
                    "assumeMinServerVersion", "10")) {
                for (int i = 0; i < sent; i++) {
                    try {
                        connection.createStatement().execute("VACUUM t" + i);
                    } catch (SQLException e) {
                        assertEquals("42601", e.getSQLState());
                    }
                }
                // Each line is logged before the client hears of its error.
                assertEquals(RefusedStatementLog.LOGGED_IN_FULL, log.linesWith("application_name=flooder", "VACUUM").size(),
                        () -> log.linesWith("statement").toString());
            }
            log.awaitLine(WAIT, "statements refused", "application_name=flooder", "3 more since the previous line, not logged");
        }
        assertEquals(before + sent, refused(SYNTAX_ERROR), "every refusal is counted");
    }

    /**
     * Query text that is not UTF-8 is refused as PostgreSQL refuses it (22021, naming the bytes),
     * in both protocols, and the session goes on; it is not read with a replacement character.
     */
    @Test
    void textThatIsNotUtf8IsRefusedWith22021() throws Exception {
        byte[] text = {'L', 'I', 'S', 'T', 'E', 'N', ' ', '"', 'c', 'a', 'f', (byte) 0xe9, '"', ';', 0};
        String expected = "invalid byte sequence for encoding \"UTF8\": 0xe9 0x22 0x3b";
        try (WireClient client = connect("not-utf8")) {
            client.send('Q', text);
            List<WireClient.Message> simple = client.readResponse();
            assertEquals("EZ", WireClient.types(simple));
            assertEquals("22021", simple.getFirst().fields().get('C'));
            assertEquals(expected, simple.getFirst().fields().get('M'));

            client.send('P', WireClient.body("", text, (short) 0));
            client.send('S', new byte[0]);
            List<WireClient.Message> extended = client.readResponse();
            assertEquals("EZ", WireClient.types(extended));
            assertEquals(expected, extended.getFirst().fields().get('M'));

            assertEquals("CZ", WireClient.types(client.roundTrip("LISTEN cafe")));
        }
    }
}
