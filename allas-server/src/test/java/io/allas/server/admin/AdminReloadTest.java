package io.allas.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

import io.allas.testing.TestRelay;

/**
 * The console's RELOAD is the reload SIGHUP does: a new configuration is applied, and one that
 * does not load is refused with the loader's own error while the running one stays.
 */
class AdminReloadTest {

    private static final String ADMIN = "  \"admin\": {\"users\": [{\"method\": \"md5\", \"user\": \"ops\", \"password\": \"0ps\"}]},\n";

    @Test
    void reloadAppliesTheFileAndRefusesOneThatDoesNotLoad() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("app").extraSections(ADMIN).start();
             Connection admin = relay.connect("allas", "ops", "0ps", "preferQueryMode", "simple");
             Statement console = admin.createStatement()) {
            SQLException before = assertThrows(SQLException.class, () -> relay.connect("added", "app", null));
            assertEquals("3D000", before.getSQLState(), before.getMessage());

            Files.writeString(relay.configFile(), TestRelay.builder().trust("app").trust("added").extraSections(ADMIN).sameUpstreamAs(relay).json());
            console.execute("RELOAD");
            try (Connection added = relay.connect("added", "app", null)) {
                added.createStatement().execute("LISTEN after_reload");
            }

            Files.writeString(relay.configFile(), "{ \"databases\": ");
            SQLException refused = assertThrows(SQLException.class, () -> console.execute("RELOAD"));
            assertEquals("F0000", refused.getSQLState(), refused.getMessage());
            assertTrue(refused.getMessage().contains("configuration not reloaded"), refused.getMessage());
            try (Connection stillServed = relay.connect("added", "app", null)) {
                stillServed.createStatement().execute("SELECT 1");
            }
        }
    }
}
