package io.allas.server.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.allas.server.config.ConnectionString;
import io.allas.server.relay.UpstreamTarget;
import io.allas.server.sql.Statement;
import io.allas.testing.TestPostgres;

/**
 * The catalog connection's own session, on a real PostgreSQL: whatever a query that got past the
 * check tried, the session is read-only, finds only pg_catalog's objects by unqualified name, and
 * stops a statement at its timeout.
 */
class CatalogConnectionTest {

    private static CatalogConnection connection;

    @BeforeAll
    static void open() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (Connection direct = postgres.connect()) {
            direct.createStatement().execute("CREATE TABLE IF NOT EXISTS public.tables (secret text);"
                    + " CREATE SEQUENCE IF NOT EXISTS public.allas_catalog_sequence");
        }
        connection = CatalogConnection.open(UpstreamTarget.from(ConnectionString.parse(postgres.libpqConnectString())),
                Duration.ofMillis(500), CatalogQueries.MAX_RESULT_BYTES);
    }

    @AfterAll
    static void close() {
        connection.close();
    }

    private static String sqlState(String sql) {
        return assertThrows(CatalogConnection.ServerError.class,
                () -> connection.execute(new Statement.CatalogQuery(sql), List.of(), List.of(), List.of())).sqlState();
    }

    @Test
    void everyTransactionIsReadOnly() {
        assertEquals("25006", sqlState("CREATE TABLE allas_should_not_exist (x int)"));
        assertEquals("25006", sqlState("SELECT nextval('public.allas_catalog_sequence')"));
    }

    @Test
    void unqualifiedNamesFindOnlyPgCatalog() throws Exception {
        assertEquals("42P01", sqlState("SELECT secret FROM tables"), "public.tables is not on the search path");
        Execution path = connection.execute(new Statement.CatalogQuery("SHOW search_path"), List.of(), List.of(), List.of());
        assertEquals("pg_catalog", new String(path.dataRows(), 11, path.dataRows().length - 11, StandardCharsets.UTF_8));
    }

    @Test
    void aStatementStopsAtTheTimeout() {
        assertEquals("57014", sqlState("SELECT pg_sleep(5)"));
    }
}
