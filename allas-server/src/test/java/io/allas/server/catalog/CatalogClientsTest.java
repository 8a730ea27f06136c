package io.allas.server.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

/**
 * Real client libraries whose own catalog queries go through allas: asyncpg's type introspection
 * and psycopg2's hstore registration (the libraries of ClientLibrariesTest, Debian's packages).
 */
class CatalogClientsTest {

    private static final String DATABASE = "allas_catalog_clients";
    private static final Path CLIENTS = Path.of("src/test/clients/catalog");

    private static TestRelay relay;

    @BeforeAll
    static void start() throws SQLException {
        TestPostgres postgres = TestPostgres.shared();
        postgres.createDatabase(DATABASE);
        try (Connection direct = postgres.connect(DATABASE)) {
            direct.createStatement().execute("CREATE EXTENSION IF NOT EXISTS hstore");
        }
        relay = TestRelay.builder().trust("app").connect(postgres.libpqConnectString(DATABASE)).start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static String run(String script) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("/usr/bin/python3", CLIENTS.resolve(script).toString(), "127.0.0.1",
                String.valueOf(relay.port()), "app", "app").redirectErrorStream(true).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(script + " did not finish");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), script + " (needs /usr/bin/python3 with asyncpg and psycopg2, as"
                + " ClientLibrariesTest: apt-get install python3-asyncpg python3-psycopg2):\n" + output);
        return output;
    }

    @Test
    void asyncpgIntrospectsTheTypesItDoesNotKnow() throws Exception {
        assertEquals(List.of("pg_type|1", "pg_type|2"), run("asyncpg_introspection.py").lines().toList());
    }

    @Test
    void psycopg2FindsHstore() throws Exception {
        assertEquals(List.of("hstore registered"), run("psycopg2_hstore.py").lines().toList());
    }
}
