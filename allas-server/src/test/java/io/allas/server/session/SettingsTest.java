package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;

import io.allas.testing.AwaitServing;
import io.allas.testing.Psql;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

/**
 * SHOW, SET, RESET, current_setting() and set_config() through allas, side by side with a direct
 * session of PostgreSQL on the database allas connects to, whose defaults (ALTER DATABASE ... SET)
 * differ from what allas's own driver asks for at startup.
 */
class SettingsTest {

    private static final String DATABASE = "allas_settings";

    private static TestRelay relay;

    @BeforeAll
    static void start() throws SQLException {
        TestPostgres postgres = TestPostgres.shared();
        postgres.createDatabase(DATABASE);
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
            // pgjdbc sends TimeZone and extra_float_digits in its startup packet: the database's own defaults differ.
            statement.execute("ALTER DATABASE " + DATABASE + " SET TimeZone = 'Asia/Tokyo'");
            statement.execute("ALTER DATABASE " + DATABASE + " SET extra_float_digits = 2");
            statement.execute("ALTER DATABASE " + DATABASE + " SET work_mem = '12MB'");
        }
        relay = TestRelay.builder().trust("app").connect(postgres.libpqConnectString(DATABASE)).start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static Connection direct() throws SQLException {
        return TestPostgres.shared().connect(DATABASE);
    }

    /** A statement's outcome as a client sees it: its columns and rows, or its error. */
    private static String outcome(Connection connection, String sql) {
        try (Statement statement = connection.createStatement()) {
            if (!statement.execute(sql)) {
                return "done";
            }
            return rows(statement.getResultSet());
        } catch (SQLException e) {
            return error(e);
        }
    }

    private static String error(SQLException e) {
        String message = e instanceof PSQLException p && p.getServerErrorMessage() != null
                ? p.getServerErrorMessage().getMessage() : e.getMessage();
        return "ERROR " + e.getSQLState() + " " + message;
    }

    private static String rows(ResultSet rows) throws SQLException {
        ResultSetMetaData meta = rows.getMetaData();
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            text.append(meta.getColumnName(i)).append(':').append(meta.getColumnTypeName(i)).append(' ');
        }
        while (rows.next()) {
            text.append('|');
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                text.append(rows.getString(i)).append('|');
            }
        }
        rows.close();
        return text.toString();
    }

    /** SHOW ALL by psql, which sends no TimeZone of its own: name to value. */
    private static Map<String, String> showAll(String target) {
        Psql.Result result = Psql.run(target, TestPostgres.shared().password(), "SHOW ALL");
        assertEquals(0, result.exitCode(), result.stderr());
        Map<String, String> settings = new TreeMap<>();
        for (String line : result.stdout().split("\n")) {
            String[] fields = line.split("\\|", -1);
            if (fields.length == 3) {
                settings.put(fields[0], fields[1] + " -- " + fields[2]);
            }
        }
        return settings;
    }

    @Test
    void showAllIsWhatAFreshDirectSessionSees() {
        Map<String, String> direct = showAll(TestPostgres.shared().libpqConnectString(DATABASE));
        Map<String, String> relayed = showAll("host=127.0.0.1 port=" + relay.port() + " dbname=app user=app");
        // allas speaks UTF8 to every client, whatever psql asked for.
        direct.remove("client_encoding");
        relayed.remove("client_encoding");
        assertEquals(direct, relayed);
        assertTrue(relayed.get("TimeZone").startsWith("Asia/Tokyo -- "), "the database's default, not allas's driver's");
        assertTrue(relayed.get("extra_float_digits").startsWith("2 -- "), relayed.get("extra_float_digits"));
        assertTrue(relayed.get("work_mem").startsWith("12MB -- "), relayed.get("work_mem"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void showAndCurrentSettingAnswerAsPostgres(String queryMode) throws SQLException {
        try (Connection relayed = relay.connect("app", "app", null, "preferQueryMode", queryMode, "prepareThreshold", "1");
             Connection direct = direct()) {
            for (String sql : List.of("SHOW TRANSACTION ISOLATION LEVEL", "SHOW TIME ZONE", "SHOW work_mem", "SHOW DateStyle",
                    "show standard_conforming_strings", "SHOW search_path", "SHOW server_version", "SHOW extra_float_digits",
                    "SHOW SESSION AUTHORIZATION IS", "SHOW shared_buffers", "SHOW statement_timeout", "SHOW no_such_parameter",
                    "SELECT current_setting('work_mem')", "SELECT pg_catalog.current_setting('TimeZone') AS tz",
                    "SELECT current_setting('no.such', true)", "SELECT current_setting('no_such')",
                    "SELECT current_setting('statement_timeout')::text, current_setting('DateStyle') ds",
                    "SELECT CAST(current_setting('max_connections') AS integer)",
                    "SELECT current_setting('default_transaction_read_only')::boolean")) {
                for (int run = 0; run < 3; run++) { // with prepareThreshold 1, named statements from the second run
                    assertEquals(outcome(direct, sql), outcome(relayed, sql), sql);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void setResetAndTheirTransactionsAsPostgres(String queryMode) throws SQLException {
        List<String> shown = List.of("SHOW work_mem", "SHOW statement_timeout", "SHOW DateStyle", "SHOW search_path",
                "SHOW enable_seqscan", "SHOW IntervalStyle", "SHOW myapp.flag", "SHOW application_name",
                "SELECT current_setting('myapp.flag', true)", "SHOW TimeZone", "SHOW vacuum_cost_delay");
        // Never a DateStyle other than ISO: pgjdbc closes a connection whose DateStyle does not begin with ISO.
        List<String> steps = List.of(
                "SET work_mem = 8192", "SET statement_timeout = 30000", "SET DateStyle = ISO, DMY",
                "SET search_path = 'My S', public, \"$user\"", "SET enable_seqscan = of", "SET IntervalStyle = ISO_8601",
                "SET vacuum_cost_delay = 2.5",
                "SET myapp.flag = 'on'", "SET TIME ZONE 'UTC'",
                "BEGIN", "SET work_mem = '1GB'", "SET LOCAL statement_timeout = '1min'", "SET application_name = 'in block'",
                "ROLLBACK",
                "BEGIN", "SET LOCAL work_mem = '2MB'", "COMMIT",
                "BEGIN", "SET work_mem = '3MB'", "RESET statement_timeout", "COMMIT",
                "SELECT set_config('work_mem', '5MB', false)",
                "BEGIN", "SELECT set_config('work_mem', '6MB', true)", "SET LOCAL DateStyle = 'YMD'", "SHOW work_mem", "COMMIT",
                "SET LOCAL work_mem = '7MB'",
                "SET work_mem TO DEFAULT", "SET DateStyle = ISO, MDY", "RESET myapp.flag",
                "SET search_path TO DEFAULT", "RESET ALL");
        try (Connection relayed = relay.connect("app", "app", null, "preferQueryMode", queryMode, "prepareThreshold", "1");
             Connection direct = direct()) {
            for (String step : steps) {
                assertEquals(outcome(direct, step), outcome(relayed, step), step);
                for (String sql : shown) {
                    assertEquals(outcome(direct, sql), outcome(relayed, sql), sql + " after " + step);
                }
                assertEquals(direct.unwrap(PGConnection.class).getParameterStatus("application_name"),
                        relayed.unwrap(PGConnection.class).getParameterStatus("application_name"), "reported after " + step);
            }
        }
    }

    /** pgjdbc's setTransactionIsolation, which pools call on borrow and return, and SQL's SET TRANSACTION. */
    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void setTransactionModesAsPostgres(String queryMode) throws SQLException {
        List<String> shown = List.of("SHOW TRANSACTION ISOLATION LEVEL", "SHOW default_transaction_isolation",
                "SHOW transaction_read_only", "SHOW default_transaction_read_only", "SHOW transaction_deferrable",
                "SHOW default_transaction_deferrable");
        List<String> steps = List.of(
                "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY, DEFERRABLE",
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                "BEGIN", "SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED READ WRITE", "COMMIT",
                "BEGIN", "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ", "ROLLBACK",
                "BEGIN", "SET default_transaction_isolation = 'read uncommitted'", "COMMIT",
                "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED READ WRITE NOT DEFERRABLE",
                "SET SESSION TRANSACTION READ ONLY",
                "SET TRANSACTION ISOLATION LEVEL SOMETHING", "SET SESSION CHARACTERISTICS AS TRANSACTION",
                "SET TRANSACTION READ ONLY,", "RESET ALL");
        try (Connection relayed = relay.connect("app", "app", null, "preferQueryMode", queryMode, "prepareThreshold", "1");
             Connection direct = direct()) {
            for (String step : steps) {
                assertEquals(outcome(direct, step), outcome(relayed, step), step);
                for (String sql : shown) {
                    assertEquals(outcome(direct, sql), outcome(relayed, sql), sql + " after " + step);
                }
            }
        }
    }

    @Test
    void badSetsAreRefusedAsPostgresRefusesThem() throws SQLException {
        try (Connection relayed = relay.connect("app", "app", null); Connection direct = direct()) {
            for (String sql : List.of("SET application_name = a b c", "SET x = 'v' junk", "SET no_such = 1",
                    "SET work_mem = 1", "SET work_mem = 'lots'", "SET work_mem = '8mb'", "SET enable_seqscan = maybe",
                    "SET work_mem = 1, 2", "SET IntervalStyle = 'nonsense'", "SET DateStyle = 'ISO, SQL'",
                    "SET shared_buffers = '1GB'", "SET server_version = '1'", "RESET no_such",
                    "SET search_path = a,", "SELECT set_config('no_such', 'x', false)")) {
                assertEquals(outcome(direct, sql), outcome(relayed, sql), sql);
            }
        }
    }

    /**
     * allas reads string literals with backslashes as characters, as PostgreSQL does with
     * standard_conforming_strings on: turning it off is refused, rather than read otherwise.
     */
    @Test
    void standardConformingStringsStaysOn() throws SQLException {
        try (Connection relayed = relay.connect("app", "app", null)) {
            assertEquals("ERROR 0A000 allas supports only standard_conforming_strings on: backslashes in string literals"
                    + " are characters", outcome(relayed, "SET standard_conforming_strings = off"));
            assertEquals("ERROR 0A000 allas supports only standard_conforming_strings on: backslashes in string literals"
                    + " are characters", outcome(relayed, "SELECT set_config('standard_conforming_strings', 'false', false)"));
            assertEquals("done", outcome(relayed, "SET standard_conforming_strings = on"));
            assertEquals("standard_conforming_strings:text |on|", outcome(relayed, "SHOW standard_conforming_strings"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void parametersBoundToCurrentSettingAndSetConfig(String queryMode) throws SQLException {
        try (Connection relayed = relay.connect("app", "app", null, "preferQueryMode", queryMode, "prepareThreshold", "1");
             Connection direct = direct()) {
            for (Connection connection : List.of(relayed, direct)) {
                try (PreparedStatement set = connection.prepareStatement("SELECT set_config(?, ?, false)")) {
                    set.setString(1, "work_mem");
                    set.setString(2, "4096");
                    assertEquals("set_config:text |4MB|", rows(set.executeQuery()));
                }
            }
            List<String> answers = new ArrayList<>();
            for (Connection connection : List.of(direct, relayed)) {
                try (PreparedStatement show = connection.prepareStatement("SELECT current_setting(?, ?) AS value")) {
                    for (int run = 0; run < 3; run++) {
                        show.setString(1, run == 2 ? "no.such" : "work_mem");
                        show.setBoolean(2, true);
                        answers.add(rows(show.executeQuery()));
                    }
                }
            }
            assertEquals(answers.subList(0, 3), answers.subList(3, 6));
            assertEquals("value:text |4MB|", answers.getFirst());
        }
    }

    /** psql, which (unlike pgjdbc) takes any DateStyle: the values as PostgreSQL writes them. */
    @Test
    void valuesAreWrittenAsPostgresWritesThem() {
        List<String> commands = new ArrayList<>();
        for (String set : List.of("DateStyle = German", "DateStyle = SQL", "DateStyle = 'Postgres, YMD'",
                "DateStyle = 'euro'", "datestyle = 'US, ISO'", "DateStyle = 'default'", "DateStyle = DEFAULT",
                "temp_buffers = 100", "temp_buffers = '1GB'", "temp_buffers = 1000", "seq_page_cost = 0.00001",
                "seq_page_cost = 1234567", "seq_page_cost = 2.50", "statement_timeout = '90min'",
                "statement_timeout = '1.5h'", "statement_timeout = 1001", "work_mem = '1.5MB'", "work_mem = '1TB'",
                "search_path = ''", "search_path = \"$user\", Public, \"Mixed Case\"", "IntervalStyle = SQL_STANDARD",
                "synchronous_commit = true", "enable_seqscan = 'y'", "TIME ZONE LOCAL", "TIME ZONE 'Europe/Helsinki'",
                "myapp.list = 'b c'", "myapp.n = -1.5")) {
            commands.add("SET " + set);
            String name = set.startsWith("TIME ZONE") ? "TimeZone" : set.substring(0, set.indexOf(' '));
            commands.add("SHOW " + name);
        }
        commands.add("SELECT current_schemas(false), current_schema()");
        String direct = TestPostgres.shared().libpqConnectString(DATABASE);
        String relayed = "host=127.0.0.1 port=" + relay.port() + " dbname=app user=app";
        Psql.Result expected = Psql.run(direct, TestPostgres.shared().password(), commands.toArray(String[]::new));
        Psql.Result actual = Psql.run(relayed, null, commands.toArray(String[]::new));
        assertEquals(0, expected.exitCode(), expected.stderr());
        assertEquals(expected.stdout(), actual.stdout());
        assertEquals(expected.stderr(), actual.stderr());
    }

    @Test
    void defaultsAreReadAgainWhenTheRelayReconnects() throws Exception {
        // A database and relay of its own, so that the other tests' relay keeps what it read.
        String database = "allas_settings_reconnect";
        TestPostgres postgres = TestPostgres.shared();
        postgres.createDatabase(database);
        try (TestRelay own = TestRelay.builder().trust("app").connect(postgres.libpqConnectString(database)).start();
             Connection direct = postgres.connect(database); Statement statement = direct.createStatement()) {
            statement.execute("ALTER DATABASE " + database + " RESET lock_timeout");
            try (Connection relayed = own.connect("app", "app", null)) {
                assertEquals("lock_timeout:text |0|", outcome(relayed, "SHOW lock_timeout"), "read when the relay connected");
            }
            statement.execute("ALTER DATABASE " + database + " SET lock_timeout = '7s'");
            statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE datname = '" + database + "' AND application_name = 'allas'");
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
            String shown;
            do {
                try (Connection relayed = AwaitServing.connect(() -> own.connect("app", "app", null),
                        java.time.Duration.ofSeconds(20))) {
                    shown = outcome(relayed, "SHOW lock_timeout");
                } catch (SQLException e) {
                    shown = error(e); // the relay noticed the loss while this client connected
                }
            } while (!shown.endsWith("|7s|") && System.nanoTime() < deadline);
            assertEquals("lock_timeout:text |7s|", shown);
        }
    }
}
