package io.allas.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which configuration key an {@code ALLAS_*} environment variable sets.
 */
@Tag("unit")
class EnvironmentOverridesTest {

    private final List<String> warnings = new ArrayList<>();

    private EnvironmentOverrides read(String variable, String value) {
        return EnvironmentOverrides.read(Map.of(variable, value), warnings);
    }

    @ParameterizedTest(name = "{0} sets {1}")
    @CsvSource({
        "ALLAS_LISTEN_PORT,                               listen.port",
        "ALLAS_LISTEN_TLS_MODE,                           listen.tls.mode",
        "ALLAS_CONNECT,                                   connect",
        "ALLAS_LOG_LEVEL,                                 log_level",
        "ALLAS_PLUGIN_DIRECTORY,                          plugin_directory",
        "ALLAS_LIMITS_MAX_CHANNELS_PER_CLIENT,            limits.max_channels_per_client",
        "ALLAS_NOTIFICATION_QUEUE_STALL_TIMEOUT_MS,       notification_queue.stall_timeout_ms",
        "ALLAS_UPSTREAM_PING_INTERVAL_MS,                 upstream.ping_interval_ms",
        "ALLAS_PROMETHEUS_LISTEN_PORT,                    prometheus.listen.port",
    })
    void aVariableNamesTheKeyInUpperCaseWithLevelsJoinedByUnderscores(String variable, String key) {
        EnvironmentOverrides overrides = read(variable, "v");
        assertEquals(Map.of(key, "v"), overrides.values());
        assertEquals(Optional.of(variable), overrides.variableSetting(key));
        assertEquals(List.of(), warnings);
    }

    @Test
    void aListElementIsNamedByItsIndexAndErrorsWriteItInBrackets() {
        EnvironmentOverrides overrides = read("ALLAS_DATABASES_0_AUTH_PASSWORD", "secret");
        assertEquals(Map.of("databases.0.auth.password", "secret"), overrides.values());
        assertEquals(Optional.of("ALLAS_DATABASES_0_AUTH_PASSWORD"),
                overrides.variableSetting("databases[0].auth.password"));
    }

    @Test
    void leadingZerosOfAnIndexAreDropped() {
        assertEquals(Map.of("databases.7.name", "a"), read("ALLAS_DATABASES_007_NAME", "a").values());
    }

    @Test
    void belowAnOpenObjectTheRestOfTheNameIsTheKeyInLowerCase() {
        assertEquals(Map.of("startup_parameters.server_version", "17.2"),
                read("ALLAS_STARTUP_PARAMETERS_SERVER_VERSION", "17.2").values());
        assertEquals(Map.of("databases.1.auth.client_id", "x"), read("ALLAS_DATABASES_1_AUTH_CLIENT_ID", "x").values());
    }

    @ParameterizedTest(name = "{0} sets startup_parameters.{1}")
    @CsvSource({"DATESTYLE, DateStyle", "INTERVALSTYLE, IntervalStyle", "TIMEZONE, TimeZone"})
    void parameterNamesPostgresqlSpellsInMixedCaseGetItsSpelling(String suffix, String parameter) {
        assertEquals(Map.of("startup_parameters." + parameter, "v"),
                read("ALLAS_STARTUP_PARAMETERS_" + suffix, "v").values());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "ALLAS_HOME",                          // no such key
        "ALLAS_LISTEN",                        // a section, not a value
        "ALLAS_LISTEN_PORT_NUMBER",            // below a value
        "ALLAS_LISTEN__PORT",                  // an empty level
        "ALLAS_LISTEN_PORT_",
        "ALLAS_STARTUP_PARAMETERS",            // an open object needs a key
        "ALLAS_DATABASES_NAME",                // a list needs an index
        "ALLAS_DATABASES_0",
        "ALLAS_DATABASES_12345678901_NAME",    // an index beyond any list
        "ALLAS_PROMETHEUS_LISTEN_TLS_MODE",    // the metrics endpoint has no TLS
    })
    void aVariableThatNamesNoOptionIsIgnoredWithAWarning(String variable) {
        assertEquals(Map.of(), read(variable, "v").values());
        assertEquals(List.of("ignoring environment variable " + variable + ": it names no configuration option"),
                warnings);
    }

    @Test
    void theLaunchersOwnVariableIsNotConfigurationAndPassesWithoutAWarning() {
        assertTrue(EnvironmentOverrides.NOT_CONFIGURATION.contains("ALLAS_JAVA_OPTS"));
        assertEquals(Map.of(), read("ALLAS_JAVA_OPTS", "-XX:+UseSerialGC").values());
        assertEquals(List.of(), warnings);
    }

    @ParameterizedTest
    @ValueSource(strings = {"LISTEN_PORT", "PGPASSWORD", "allas_listen_port", "ALLAS_"})
    void variablesWithoutThePrefixAreNeverLookedAt(String variable) {
        assertEquals(Map.of(), read(variable, "v").values());
        assertEquals(List.of(), warnings);
    }

    @Test
    void aKeyTheEnvironmentDoesNotSetIsTheFiles() {
        assertEquals(Optional.empty(), read("ALLAS_LISTEN_PORT", "1").variableSetting("listen.host"));
    }
}
