package io.allas.server.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

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
        assertEquals(new Statement.Set("extra_float_digits", List.of("3"), false), one("SET extra_float_digits = 3"));
        assertEquals(new Statement.Set("application_name", List.of("PostgreSQL JDBC Driver"), false),
                one("SET application_name = 'PostgreSQL JDBC Driver'"));
        assertEquals(new Statement.Set("datestyle", List.of("ISO"), false), one("SET DATESTYLE TO 'ISO'"));
        assertEquals(new Statement.Set("timezone", List.of("UTC"), false), one("SET SESSION TimeZone TO 'UTC'"));
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
    void catalogQueriesKeepTheirTextWhenAlone() throws SqlError {
        String postgresJs = """

                  select b.oid, b.typarray
                  from pg_catalog.pg_type a
                  left join pg_catalog.pg_type b on b.oid = a.typelem
                  where a.typcategory = 'A'
                  group by b.oid, b.typarray
                  order by b.oid
                """;
        assertEquals(new Statement.CatalogQuery(postgresJs).sql(), ((Statement.CatalogQuery) one(postgresJs)).sql());
        SqlError e = assertThrows(SqlError.class, () -> StatementParser.parse("LISTEN a; SELECT oid FROM pg_type"));
        assertTrue(e.getMessage().contains("send it as a query of its own"), e.getMessage());
    }

    private static Statement.SessionQuery query(SessionExpression... columns) {
        int parameters = 0;
        for (SessionExpression column : columns) {
            for (SessionExpression.Argument argument : column.arguments()) {
                if (argument instanceof SessionExpression.Argument.Parameter parameter) {
                    parameters = Math.max(parameters, parameter.number());
                }
            }
        }
        return new Statement.SessionQuery(List.of(columns), parameters);
    }

    private static SessionExpression column(SessionFunction function, String name, SqlType cast,
                                            SessionExpression.Argument... arguments) {
        return new SessionExpression(function, List.of(arguments), name, cast);
    }

    private static SessionExpression.Argument constant(String value) {
        return new SessionExpression.Argument.Constant(value);
    }

    @Test
    void sessionFunctionsWithTheirColumnNames() throws SqlError {
        SessionFunction channels = SessionFunction.PG_LISTENING_CHANNELS;
        SessionFunction pid = SessionFunction.PG_BACKEND_PID;
        assertEquals(query(column(channels, "pg_listening_channels", null)), one("SELECT pg_listening_channels()"));
        assertEquals(query(column(channels, "pg_listening_channels", null)),
                one("select * from pg_catalog.pg_listening_channels ( )"));
        assertEquals(query(column(channels, "channels", null)), one("SELECT pg_listening_channels() AS Channels"));
        assertEquals(query(column(channels, "Channels", null)), one("SELECT * FROM pg_listening_channels() \"Channels\""));
        assertEquals(query(column(pid, "pg_backend_pid", null)), one("SELECT pg_backend_pid();"));
        assertEquals(query(column(pid, "pid", null)), one("SELECT pg_catalog.pg_backend_pid() pid"));
    }

    @Test
    void selectListsOfSessionFunctionsWithCastsAndParameters() throws SqlError {
        assertEquals(query(column(SessionFunction.CURRENT_DATABASE, "current_database", null),
                        column(SessionFunction.CURRENT_USER, "who", SqlType.TEXT),
                        column(SessionFunction.VERSION, "version", SqlType.VARCHAR),
                        column(SessionFunction.USER, "user", null),
                        column(SessionFunction.CURRENT_SCHEMA, "current_schema", null)),
                one("SELECT current_database(), current_user::text AS who, CAST(pg_catalog.version() AS varchar(60)),"
                        + " user, current_schema"));
        assertEquals(query(column(SessionFunction.CURRENT_SETTING, "current_setting", null,
                        new SessionExpression.Argument.Parameter(1), constant("true"))),
                one("select current_setting($1::text, true)"));
        assertEquals(query(column(SessionFunction.SET_CONFIG, "set_config", null,
                        constant("TimeZone"), constant("UTC"), constant("false"))),
                one("SELECT set_config('TimeZone', 'UTC', false)"));
        assertEquals(query(column(SessionFunction.CURRENT_SCHEMAS, "s", SqlType.NAME_ARRAY, constant("true"))),
                one("SELECT current_schemas(true)::name[] s"));
    }

    @Test
    void setShowAndResetInEachOfTheirForms() throws SqlError {
        assertEquals(new Statement.Set("datestyle", List.of("iso", "mdy"), false), one("SET DateStyle = ISO, MDY"));
        assertEquals(new Statement.Set("search_path", List.of("My S", "public", "$user"), true),
                one("SET LOCAL search_path TO 'My S', public, \"$user\""));
        assertEquals(new Statement.Set("myapp.x", List.of("-1"), false), one("SET myapp.x = -1"));
        assertEquals(new Statement.Set("work_mem", List.of(), false), one("SET work_mem TO DEFAULT"));
        assertEquals(new Statement.Set("timezone", List.of("Europe/Helsinki"), false), one("SET TIME ZONE 'Europe/Helsinki'"));
        assertEquals(new Statement.Set("timezone", List.of(), true), one("SET LOCAL TIME ZONE LOCAL"));
        assertEquals(new Statement.Set("search_path", List.of("app"), false), one("SET SCHEMA 'app'"));
        assertEquals(new Statement.Set("client_encoding", List.of("UTF8"), false), one("SET NAMES 'UTF8'"));
        assertEquals(new Statement.ShowAll(), one("SHOW ALL"));
        assertEquals(new Statement.Show("transaction_isolation"), one("SHOW TRANSACTION ISOLATION LEVEL"));
        assertEquals(new Statement.Show("timezone"), one("show time zone"));
        assertEquals(new Statement.Show("session_authorization"), one("SHOW SESSION AUTHORIZATION"));
        assertEquals(new Statement.Show("myapp.x"), one("SHOW myapp.x"));
        assertEquals(new Statement.Reset("timezone"), one("RESET TIME ZONE"));
    }

    @Test
    void transactionModesAsPgjdbcAndPoolsSetThem() throws SqlError {
        assertEquals(new Statement.SetTransaction(Map.of("transaction_isolation", "serializable"), true),
                one("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE"));
        assertEquals(new Statement.SetTransaction(Map.of("transaction_isolation", "read committed",
                        "transaction_read_only", "off", "transaction_deferrable", "off"), true),
                one("set session characteristics as transaction isolation level read committed, read write not deferrable"));
        assertEquals(new Statement.SetTransaction(Map.of("transaction_read_only", "on", "transaction_deferrable", "on"), false),
                one("SET TRANSACTION READ ONLY DEFERRABLE"));
        assertEquals(new Statement.SetTransaction(Map.of("transaction_isolation", "repeatable read"), false),
                one("SET LOCAL TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
        assertEquals(new Statement.Set("transaction_isolation", List.of("serializable"), false),
                one("SET transaction_isolation = serializable"));
        for (String bad : List.of("SET TRANSACTION", "SET TRANSACTION ISOLATION LEVEL", "SET TRANSACTION READ ONLY,",
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ", "SET TRANSACTION SNAPSHOT '1'")) {
            assertEquals("42601", assertThrows(SqlError.class, () -> StatementParser.parse(bad)).sqlState(), bad);
        }
    }

    @Test
    void setValuesAreSingleConstantsAsInPostgresGrammar() {
        assertEquals("syntax error at or near \"b\"",
                assertThrows(SqlError.class, () -> StatementParser.parse("SET application_name = a b c")).getMessage());
        assertEquals("syntax error at or near \"junk\"",
                assertThrows(SqlError.class, () -> StatementParser.parse("SET x = 'v' junk")).getMessage());
        assertEquals("syntax error at end of input",
                assertThrows(SqlError.class, () -> StatementParser.parse("SET search_path = a,")).getMessage());
        assertEquals("syntax error at or near \"1\"",
                assertThrows(SqlError.class, () -> StatementParser.parse("SHOW work_mem 1")).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT pg_backend_pid(1)", "SELECT pg_backend_pid() AS", "SELECT pg_backend_pid(), 1",
        "SELECT pg_listening_channels() AS a b", "SELECT * FROM pg_listening_channels() WHERE true",
        "SELECT * pg_backend_pid()", "SELECT other.pg_backend_pid()", "SELECT pg_backend_pid",
        "SELECT pg_backend_pid() WHERE", "SELECT current_user()", "SELECT current_setting()",
        "SELECT current_setting('a', true, 1)", "SELECT version()::regclass", "SELECT pg_catalog.current_user"})
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
    void pgNotifyIsASessionFunctionWithLiteralsParametersAndTheFormsDriversWrite() throws SqlError {
        SessionFunction notify = SessionFunction.PG_NOTIFY;
        assertEquals(query(column(notify, "pg_notify", null, constant("orders"), constant("x"))),
                one("SELECT pg_notify('orders', 'x')"));
        assertEquals(query(column(notify, "sent", null, constant("orders"), constant("x"))),
                one("select pg_catalog.pg_notify(('orders'::varchar), ('x'::text)) AS sent"), "pgjdbc's simple mode");
        assertEquals(query(column(notify, "pg_notify", null, constant("orders"), constant(null))),
                one("SELECT pg_notify('orders', NULL)"));
        assertEquals(query(column(notify, "pg_notify", null, new SessionExpression.Argument.Parameter(1),
                        new SessionExpression.Argument.Parameter(2)), column(SessionFunction.PG_BACKEND_PID, "pid", null)),
                one("SELECT pg_notify($1, $2::text), pg_backend_pid() pid"), "beside other session functions");
        assertEquals(List.of(SqlType.TEXT, SqlType.TEXT),
                ((Statement.SessionQuery) one("SELECT * FROM pg_notify($1, $2)")).parameterTypes());
        for (String sql : List.of("SELECT pg_notify('a')", "SELECT pg_notify('a', 'b', 'c')", "SELECT pg_notify(a, 'b')",
                "SELECT pg_notify('a', 'b'::int)", "SELECT pg_notify('a', 'b') FROM t", "SELECT pg_notify('a', 'b') WHERE",
                "SELECT current_setting('a'::bool)", "SELECT current_setting('a', 'true'::text)")) {
            assertEquals("42601", assertThrows(SqlError.class, () -> one(sql), sql).sqlState(), sql);
        }
    }

    @Test
    void unsupportedStatementsSayWhat() {
        SqlError e = assertThrows(SqlError.class, () -> StatementParser.parse("DELETE FROM t"));
        assertEquals("42601", e.sqlState());
        assertTrue(e.getMessage().startsWith("allas does not support DELETE"), e.getMessage());
        e = assertThrows(SqlError.class, () -> StatementParser.parse("SELECT 2"));
        assertTrue(e.getMessage().contains("it reads no system catalog"), e.getMessage());
        assertTrue(e.getMessage().contains("passes to PostgreSQL read-only SELECTs of the system catalogs"), e.getMessage());
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
