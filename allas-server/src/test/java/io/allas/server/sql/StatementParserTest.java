package io.allas.server.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PostgreSQL's lexical rules as far as allas needs them, and the statements it accepts.
 */
class StatementParserTest {

    private static Statement one(String sql) throws SqlError {
        List<Statement> statements = StatementParser.parse(sql);
        assertEquals(1, statements.size(), statements.toString());
        return statements.getFirst();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ";", " ;; ", "-- only a comment", "/* block */", "/* nested /* comment */ still */ ;"})
    void emptyQueries(String sql) throws SqlError {
        assertEquals(List.of(), StatementParser.parse(sql));
    }

    @Test
    void listenFoldsUnquotedNamesAndKeepsQuotedOnes() throws SqlError {
        assertEquals(new Statement.Listen("mixedcase"), one("LISTEN MixedCase"));
        assertEquals(new Statement.Listen("MixedCase"), one("listen \"MixedCase\""));
        assertEquals(new Statement.Listen("with \"quote\""), one("LISTEN \"with \"\"quote\"\"\";"));
        assertEquals(new Statement.Listen("ÄÖ"), one("LISTEN \"ÄÖ\""));
        assertEquals(new Statement.Listen("äÖ"), one("LISTEN äÖ"), "only ASCII letters are folded");
        assertEquals(new Statement.Listen("c"), one("\tLISTEN\n/* why */ c -- trailing\n"));
    }

    @Test
    void identifiersAreTruncatedTo63BytesOnACharacterBoundary() throws SqlError {
        String name = "x".repeat(62) + "é" + "tail";
        Statement.Listen listen = (Statement.Listen) one("LISTEN \"" + name + "\"");
        assertEquals("x".repeat(62), listen.channel(), "é would straddle byte 63, so it goes too");
        assertTrue(listen.channel().getBytes(StandardCharsets.UTF_8).length <= 63);
        assertEquals("y".repeat(63), ((Statement.Listen) one("LISTEN " + "y".repeat(80))).channel());
    }

    @Test
    void unlistenOneOrAll() throws SqlError {
        assertEquals(new Statement.Unlisten("a"), one("UNLISTEN a"));
        assertEquals(new Statement.Unlisten(null), one("unlisten *"));
    }

    @Test
    void severalStatementsInOrder() throws SqlError {
        assertEquals(List.of(new Statement.Listen("a"), new Statement.SelectOne(), new Statement.Unlisten("b")),
                StatementParser.parse("LISTEN a; SELECT 1; UNLISTEN b;"));
    }

    @Test
    void whatDriversSendOnConnectAndReset() throws SqlError {
        assertEquals(new Statement.Set("extra_float_digits", "3"), one("SET extra_float_digits = 3"));
        assertEquals(new Statement.Set("application_name", "PostgreSQL JDBC Driver"),
                one("SET application_name = 'PostgreSQL JDBC Driver'"));
        assertEquals(new Statement.Set("datestyle", "ISO"), one("SET DATESTYLE TO 'ISO'"));
        assertEquals(new Statement.Set("timezone", "UTC"), one("SET SESSION TimeZone TO 'UTC'"));
        assertEquals(new Statement.Show("server_version"), one("SHOW server_version"));
        assertEquals(new Statement.Reset(null), one("RESET ALL"));
        assertEquals(new Statement.Reset("datestyle"), one("reset DateStyle"));
        assertEquals(new Statement.DiscardAll(), one("DISCARD ALL"));
        assertEquals(new Statement.CloseAll(), one("CLOSE ALL"));
        assertEquals(new Statement.Deallocate(null), one("DEALLOCATE ALL"));
        assertEquals(new Statement.Deallocate("s1"), one("DEALLOCATE PREPARE s1"));
        assertEquals(new Statement.AdvisoryUnlockAll(), one("SELECT pg_advisory_unlock_all()"));
        assertEquals(new Statement.Begin("BEGIN"), one("BEGIN ISOLATION LEVEL READ COMMITTED"));
        assertEquals(new Statement.Begin("START TRANSACTION"), one("START TRANSACTION"));
        assertEquals(new Statement.Commit(), one("END"));
        assertEquals(new Statement.Rollback(), one("ABORT"));
    }

    @Test
    void postgresJsArrayTypeDiscoveryIsRecognisedWhateverItsLayout() throws SqlError {
        assertEquals(new Statement.ArrayTypesQuery(), one("""

                      select b.oid, b.typarray
                      from pg_catalog.pg_type a
                      left join pg_catalog.pg_type b on b.oid = a.typelem
                      where a.typcategory = 'A'
                      group by b.oid, b.typarray
                      order by b.oid
                    """));
        assertThrows(SqlError.class, () -> StatementParser.parse(
                "select b.oid from pg_catalog.pg_type a left join pg_catalog.pg_type b on b.oid = a.typelem"));
    }

    @Test
    void sessionFunctionsWithTheirColumnNames() throws SqlError {
        assertEquals(new Statement.ListeningChannels("pg_listening_channels"), one("SELECT pg_listening_channels()"));
        assertEquals(new Statement.ListeningChannels("pg_listening_channels"),
                one("select * from pg_catalog.pg_listening_channels ( )"));
        assertEquals(new Statement.ListeningChannels("channels"), one("SELECT pg_listening_channels() AS Channels"));
        assertEquals(new Statement.ListeningChannels("Channels"), one("SELECT * FROM pg_listening_channels() \"Channels\""));
        assertEquals(new Statement.BackendPid("pg_backend_pid"), one("SELECT pg_backend_pid();"));
        assertEquals(new Statement.BackendPid("pid"), one("SELECT pg_catalog.pg_backend_pid() pid"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT pg_backend_pid(1)", "SELECT pg_backend_pid() AS", "SELECT pg_backend_pid(), 1",
        "SELECT pg_listening_channels() AS a b", "SELECT * FROM pg_listening_channels() WHERE true",
        "SELECT * pg_backend_pid()", "SELECT other.pg_backend_pid()", "SELECT pg_backend_pid",
        "SELECT pg_backend_pid() WHERE"})
    void otherQueriesOfSessionFunctionsAreRefused(String sql) {
        assertEquals("42601", assertThrows(SqlError.class, () -> StatementParser.parse(sql)).sqlState());
    }

    @Test
    void notifyWithAndWithoutPayload() throws SqlError {
        assertEquals(new Statement.Notify("orders", ""), one("NOTIFY Orders"));
        assertEquals(new Statement.Notify("Orders", "it's here"), one("notify \"Orders\", 'it''s here'"));
        for (String sql : List.of("NOTIFY", "NOTIFY a,", "NOTIFY a, b", "NOTIFY a 'x'", "NOTIFY a, 'x', 'y'", "NOTIFY 'a'")) {
            assertEquals("42601", assertThrows(SqlError.class, () -> one(sql), sql).sqlState(), sql);
        }
    }

    @Test
    void pgNotifyWithLiteralsParametersAndTheFormsDriversWrite() throws SqlError {
        Statement.PgNotify.Argument orders = new Statement.PgNotify.Argument("orders", 0);
        Statement.PgNotify.Argument payload = new Statement.PgNotify.Argument("x", 0);
        assertEquals(new Statement.PgNotify(orders, payload, "pg_notify"), one("SELECT pg_notify('orders', 'x')"));
        assertEquals(new Statement.PgNotify(orders, payload, "sent"),
                one("select pg_catalog.pg_notify(('orders'::varchar), ('x'::text)) AS sent"), "pgjdbc's simple mode");
        assertEquals(new Statement.PgNotify(orders, new Statement.PgNotify.Argument(null, 0), "pg_notify"),
                one("SELECT pg_notify('orders', NULL)"));
        Statement.PgNotify bound = (Statement.PgNotify) one("SELECT pg_notify($1, $2::text)");
        assertEquals(2, bound.parameterCount());
        assertEquals(new Statement.PgNotify(orders, payload, "pg_notify"), bound.bind(List.of("orders", "x")));
        assertEquals("42P02", assertThrows(SqlError.class, () -> bound.bind(List.of())).sqlState(),
                "no parameters in the simple protocol, as PostgreSQL says");
        for (String sql : List.of("SELECT pg_notify('a')", "SELECT pg_notify('a', 'b', 'c')", "SELECT pg_notify(a, 'b')",
                "SELECT pg_notify('a', 'b'::int)", "SELECT pg_notify('a', 'b') FROM t", "SELECT pg_notify('a', 'b') WHERE")) {
            assertEquals("42601", assertThrows(SqlError.class, () -> one(sql), sql).sqlState(), sql);
        }
    }

    @Test
    void unsupportedStatementsSayWhat() {
        SqlError e = assertThrows(SqlError.class, () -> StatementParser.parse("DELETE FROM t"));
        assertEquals("42601", e.sqlState());
        assertTrue(e.getMessage().startsWith("allas does not support DELETE"), e.getMessage());
        e = assertThrows(SqlError.class, () -> StatementParser.parse("SELECT 2"));
        assertTrue(e.getMessage().contains("only SELECT 1"), e.getMessage());
    }

    @Test
    void lexicalErrorsAreSyntaxErrors() {
        assertEquals("unterminated quoted identifier at or near \"\"abc\"",
                assertThrows(SqlError.class, () -> StatementParser.parse("LISTEN \"abc")).getMessage());
        assertEquals("zero-length delimited identifier at or near \"\"\"\"",
                assertThrows(SqlError.class, () -> StatementParser.parse("LISTEN \"\"")).getMessage());
        assertTrue(assertThrows(SqlError.class, () -> StatementParser.parse("LISTEN a /* open")).getMessage()
                .startsWith("unterminated /* comment"));
        assertEquals("syntax error at end of input",
                assertThrows(SqlError.class, () -> StatementParser.parse("LISTEN")).getMessage());
        assertEquals("syntax error at or near \"b\"",
                assertThrows(SqlError.class, () -> StatementParser.parse("LISTEN a b")).getMessage());
    }
}
