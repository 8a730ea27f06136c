package io.allas.server.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import io.allas.server.ReloadResult;
import io.allas.server.config.ConfigException;
import io.allas.server.config.ConfigLoader;
import io.allas.testing.CapturedLog;
import io.allas.testing.JdbcListener;
import io.allas.testing.Scrape;
import io.allas.testing.TestRelay;

/**
 * Reloading the configuration of a running relay: each setting a reload changes, as the clients
 * that connect afterwards see it; what needs a restart, kept and named; a file that does not load,
 * which changes nothing; and the file watch.
 */
class ConfigReloadTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void databasesAreAddedAndTheClientsOfARemovedOneAreTerminatedWith57P01() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("kept").trust("removed").prometheus().start();
             JdbcListener keptClient = new JdbcListener(relay.connect("kept", "u", null));
             JdbcListener removedClient = new JdbcListener(relay.connect("removed", "u", null))) {
            keptClient.execute("LISTEN c");
            removedClient.execute("LISTEN c");
            assertThrows(SQLException.class, () -> relay.connect("added", "u", null).close());

            ReloadResult result = rewrite(relay, TestRelay.builder().trust("kept").trust("added").prometheus());

            assertTrue(result.success(), result.toString());
            assertEquals(List.of("databases added: added", "databases removed: removed"), result.applied());
            SQLException told = assertThrows(SQLException.class, () -> removedClient.await(1, WAIT));
            assertEquals("57P01", told.getSQLState(), told.getMessage());
            SQLException refused = assertThrows(SQLException.class, () -> relay.connect("removed", "u", null).close());
            assertEquals("3D000", refused.getSQLState(), refused.getMessage());
            try (JdbcListener added = new JdbcListener(relay.connect("added", "u", null))) {
                added.execute("LISTEN c");
                keptClient.execute("NOTIFY c, 'after reload'");
                assertEquals("after reload", added.await(1, WAIT).get(0).getParameter());
                assertEquals("after reload", keptClient.await(1, WAIT).get(0).getParameter());
            }
            assertEquals(1, Scrape.value(relay.httpPort(), "allas_config_reloads_total\\{result=\"success\""));
            assertEquals(0, Scrape.value(relay.httpPort(), "allas_database_clients\\{database=\"added\""));
        }
    }

    @Test
    void aChangedPasswordTakesEffectForTheNextClient() throws Exception {
        try (TestRelay relay = TestRelay.builder().md5("d", "u", "old-secret").start();
             Connection connected = relay.connect("d", "u", "old-secret")) {
            assertTrue(rewrite(relay, TestRelay.builder().md5("d", "u", "new-secret")).success());

            assertEquals("28P01", assertThrows(SQLException.class,
                    () -> relay.connect("d", "u", "old-secret").close()).getSQLState());
            relay.connect("d", "u", "new-secret").close();
            assertTrue(connected.isValid(5), "a client already authenticated stays");
        }
    }

    @Test
    void changedChannelPermissionsApplyToTheNextClient() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("d").start()) {
            ReloadResult result = rewrite(relay, TestRelay.builder().databaseJson(
                    "{\"name\": \"d\", \"auth\": {\"method\": \"trust\"}, \"channels\": {\"listen\": [\"open_*\"]}}"));

            assertEquals(List.of("databases changed (auth, channels): d"), result.applied());
            try (JdbcListener client = new JdbcListener(relay.connect("d", "u", null))) {
                client.execute("LISTEN open_door");
                assertEquals("42501", assertThrows(SQLException.class,
                        () -> client.execute("LISTEN closed_door")).getSQLState());
            }
        }
    }

    @Test
    void changedLimitsApplyToTheNextClient() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("d").start();
             Connection first = relay.connect("d", "a", null);
             Connection second = relay.connect("d", "b", null)) {
            ReloadResult result = rewrite(relay, TestRelay.builder().trust("d")
                    .extraSections("  \"limits\": {\"max_clients\": 2},\n"));

            assertEquals(List.of("limits"), result.applied());
            SQLException e = assertThrows(SQLException.class, () -> relay.connect("d", "c", null).close());
            assertEquals("53300", e.getSQLState(), e.getMessage());
        }
    }

    @Test
    void startupParametersAreSentToClientsThatConnectAfterwards() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("d").startupParameter("IntervalStyle", "iso_8601").start();
             Connection before = relay.connect("d", "u", null)) {
            ReloadResult result = rewrite(relay, TestRelay.builder().trust("d")
                    .startupParameter("IntervalStyle", "sql_standard"));

            assertEquals(List.of("startup_parameters"), result.applied());
            try (Connection after = relay.connect("d", "u", null)) {
                assertEquals("sql_standard", after.unwrap(PGConnection.class).getParameterStatus("IntervalStyle"));
            }
            assertEquals("iso_8601", before.unwrap(PGConnection.class).getParameterStatus("IntervalStyle"));
        }
    }

    @Test
    void queueSettingsAndLogLevelAreApplied() throws Exception {
        System.Logger logger = System.getLogger("io.allas.server.session.ClientSession");
        try (TestRelay relay = TestRelay.builder().trust("d").start()) {
            assertFalse(logger.isLoggable(System.Logger.Level.DEBUG));
            ReloadResult result = rewrite(relay, TestRelay.builder().trust("d").extraSections(
                    "  \"log_level\": \"debug\",\n  \"notification_queue\": {\"max_notifications\": 10},\n"));
            try {
                assertEquals(List.of("notification_queue", "log_level"), result.applied());
                assertTrue(logger.isLoggable(System.Logger.Level.DEBUG));
            } finally {
                assertTrue(rewrite(relay, TestRelay.builder().trust("d")).success());
            }
            assertFalse(logger.isLoggable(System.Logger.Level.DEBUG));
        }
    }

    @Test
    void settingsThatNeedARestartAreLoggedAndKept() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("d").start();
             CapturedLog log = CapturedLog.start()) {
            int port = relay.port();
            ReloadResult result = rewrite(relay, TestRelay.builder().trust("d")
                    .listenSection("\"listen\": {\"host\": \"127.0.0.1\", \"port\": 1},")
                    .extraSections("  \"limits\": {\"max_channels\": 5},\n  \"upstream\": {\"ping_interval_ms\": 1234},\n"));

            assertTrue(result.success(), result.toString());
            assertEquals(List.of(), result.applied());
            assertEquals(List.of("listen", "upstream", "limits.max_channels"), result.kept());
            log.awaitLine(WAIT, "configuration changes that need a restart, kept as running: listen, upstream, limits.max_channels");
            assertEquals(port, relay.port());
            relay.connect("d", "u", null).close();
        }
    }

    @Test
    void aFileThatDoesNotLoadIsLoggedAsAtStartupAndChangesNothing() throws Exception {
        try (TestRelay relay = TestRelay.builder().md5("d", "u", "secret").prometheus().start();
             CapturedLog log = CapturedLog.start()) {
            String broken = TestRelay.builder().md5("d", "u", "other").prometheus().sameUpstreamAs(relay).json()
                    .replace("\"databases\"", "\"databasez\"");
            Files.writeString(relay.configFile(), broken);
            String startupError = assertThrows(ConfigException.class,
                    () -> ConfigLoader.load(relay.configFile(), Map.of(), new ArrayList<>())).getMessage();

            ReloadResult result = relay.allas().reload();

            assertEquals(new ReloadResult(false, List.of(), List.of(), Optional.of(startupError)), result);
            log.awaitLine(WAIT, "configuration not reloaded, running on as before: " + startupError);
            relay.connect("d", "u", "secret").close();
            assertEquals(1, Scrape.value(relay.httpPort(), "allas_config_reloads_total\\{result=\"failure\""));
            assertEquals(0, Scrape.value(relay.httpPort(), "allas_config_reloads_total\\{result=\"success\""));
        }
    }

    @Test
    void aChangeToTheFileIsReloadedWithoutBeingAsked() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("d").start();
             CapturedLog log = CapturedLog.start()) {
            relay.allas().watchConfigFile();
            Files.writeString(relay.configFile(), TestRelay.builder().trust("d").trust("e").sameUpstreamAs(relay).json());

            log.awaitLine(WAIT, "configuration reloaded from", "databases added: e");
            relay.connect("e", "u", null).close();
        }
    }

    private static ReloadResult rewrite(TestRelay relay, TestRelay.Builder next) throws Exception {
        Files.writeString(relay.configFile(), next.sameUpstreamAs(relay).json());
        return relay.allas().reload();
    }
}
