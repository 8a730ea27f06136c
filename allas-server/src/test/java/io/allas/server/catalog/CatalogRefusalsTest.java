package io.allas.server.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * One test per refusal rule: a statement that would write, lock, end another session, or read a
 * user's table is refused with 42601, names what allas accepts, and never reaches PostgreSQL (its
 * log, which records every statement of the relay's database, never shows it; nor does its effect).
 */
class CatalogRefusalsTest {

    private static final String DATABASE = "allas_catalog_refusals";

    private static TestRelay relay;
    private static Connection direct;

    @BeforeAll
    static void start() throws SQLException {
        TestPostgres postgres = TestPostgres.shared();
        assertTrue(postgres.serverLog().isPresent(), "these tests read the server's log: a throwaway server is needed");
        postgres.createDatabase(DATABASE);
        try (Connection admin = postgres.connect()) {
            admin.createStatement().execute("ALTER DATABASE " + DATABASE + " SET log_statement = 'all'");
        }
        direct = postgres.connect(DATABASE);
        direct.createStatement().execute("""
                DROP TABLE IF EXISTS accounts; DROP SEQUENCE IF EXISTS invoice_numbers;
                CREATE TABLE accounts (name text, secret text);
                INSERT INTO accounts VALUES ('alice', 'hunter2');
                CREATE SEQUENCE invoice_numbers""");
        relay = TestRelay.builder().trust("app").connect(postgres.libpqConnectString(DATABASE)).start();
    }

    @AfterAll
    static void stop() throws SQLException {
        relay.close();
        direct.close();
    }

    private static String marker() {
        return "m" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Sends the statement through allas (simple protocol) and checks it was refused and never sent on. */
    private static void refused(String sql, String marker) throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            List<WireClient.Message> response = client.roundTrip(sql);
            assertEquals("EZ", WireClient.types(response), sql);
            assertEquals("42601", response.getFirst().fields().get('C'), sql);
            String message = response.getFirst().fields().get('M');
            assertTrue(message.contains("passes to PostgreSQL read-only SELECTs of the system catalogs"), message);
            // The session goes on, and a catalog query after it does reach PostgreSQL, so the log is live.
            String after = marker();
            assertEquals("TCZ", WireClient.types(client.roundTrip("SELECT oid FROM pg_type WHERE typname = '" + after + "'")));
            assertEquals(1, CatalogQueryLoadTest.executions(after), "the log shows the allowed query");
        }
        assertEquals(0, CatalogQueryLoadTest.executions(marker), "PostgreSQL never saw: " + sql);
    }

    @Test
    void terminatingABackendIsRefused() throws Exception {
        int victim = direct.unwrap(PGConnection.class).getBackendPID();
        String marker = marker();
        refused("SELECT pg_terminate_backend(" + victim + ") FROM pg_type WHERE typname <> '" + marker + "'", marker);
        refused("SELECT pg_catalog.pg_terminate_backend(" + victim + ") /* " + marker + " */", marker);
        assertTrue(direct.isValid(5), "the backend lives");
    }

    @Test
    void userTablesAreRefusedUnqualifiedAndQualified() throws Exception {
        String marker = marker();
        refused("SELECT secret FROM accounts WHERE name <> '" + marker + "'", marker);
        refused("SELECT secret FROM public.accounts WHERE name <> '" + marker + "'", marker);
        refused("SELECT t.oid, a.secret FROM pg_type t JOIN accounts a ON a.name <> '" + marker + "'", marker);
        refused("SELECT (SELECT secret FROM \"public\".\"accounts\" LIMIT 1) FROM pg_type WHERE typname = '" + marker + "'",
                marker);
    }

    @Test
    void nextvalIsRefused() throws Exception {
        String marker = marker();
        refused("SELECT nextval('invoice_numbers'), '" + marker + "' FROM pg_type LIMIT 1", marker);
        try (ResultSet rows = direct.createStatement().executeQuery("SELECT is_called FROM invoice_numbers")) {
            rows.next();
            assertEquals(false, rows.getBoolean(1), "the sequence was never advanced");
        }
    }

    @Test
    void aCommonTableExpressionThatInsertsIsRefused() throws Exception {
        String marker = marker();
        refused("WITH x AS (INSERT INTO accounts VALUES ('" + marker + "', 'x') RETURNING 1) SELECT oid FROM pg_type", marker);
        try (ResultSet rows = direct.createStatement().executeQuery("SELECT count(*) FROM accounts")) {
            rows.next();
            assertEquals(1, rows.getInt(1), "nothing was inserted");
        }
    }

    @Test
    void lockingIsRefused() throws Exception {
        String marker = marker();
        refused("SELECT oid FROM pg_type WHERE typname <> '" + marker + "' FOR UPDATE", marker);
    }

    @Test
    void secretsAreRefused() throws Exception {
        String marker = marker();
        refused("SELECT rolpassword FROM pg_authid WHERE rolname <> '" + marker + "'", marker);
    }

    /** In the extended protocol too, as pgjdbc sends it: refused at Parse. */
    @Test
    void refusedInTheExtendedProtocol() throws Exception {
        String marker = marker();
        try (Connection relayed = relay.connect("app", "app", null, "prepareThreshold", "1");
             PreparedStatement statement = relayed.prepareStatement("SELECT secret FROM accounts WHERE name <> ?")) {
            statement.setString(1, marker);
            SQLException e = assertThrows(SQLException.class, statement::executeQuery);
            assertEquals("42601", e.getSQLState());
            assertTrue(e.getMessage().contains("accounts, which is not an allowed catalog relation"), e.getMessage());
        }
        assertEquals(0, CatalogQueryLoadTest.executions(marker));
    }
}
