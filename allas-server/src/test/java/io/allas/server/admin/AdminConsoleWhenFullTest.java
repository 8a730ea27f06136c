package io.allas.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import io.allas.testing.Psql;
import io.allas.testing.TestRelay;

/**
 * An operator gets in when {@code limits.max_clients} is reached, to see who fills it.
 */
class AdminConsoleWhenFullTest {

    @Test
    void theConsoleIsReachableWhenTheClientLimitIsReached() throws SQLException {
        try (TestRelay relay = TestRelay.builder().trust("app")
                .extraSections("  \"limits\": {\"max_clients\": 1},\n"
                        + "  \"admin\": {\"database\": \"console\", \"users\": [{\"method\": \"md5\", \"user\": \"ops\", \"password\": \"pw\"}]},\n")
                .start();
             Connection client = relay.connect("app", "app", null, "ApplicationName", "fills-it")) {
            SQLException full = assertThrows(SQLException.class, () -> relay.connect("app", "app", null).close());
            assertEquals("53300", full.getSQLState(), full.getMessage());

            Psql.Result result = Psql.run("host=127.0.0.1 port=" + relay.port() + " dbname=console user=ops sslmode=disable",
                    "pw", "SHOW CLIENTS");
            assertEquals(0, result.exitCode(), result.stderr());
            assertTrue(result.stdout().contains("|app|app|fills-it|"), result.stdout());
        }
    }
}
