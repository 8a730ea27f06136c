package io.allas.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The configuration file as an operator writes it: the original allas format, its defaults, the
 * one-line errors, and environment overrides.
 */
class ConfigLoaderTest {

    private static final String ONE_DATABASE =
            "\"databases\": [{\"name\": \"allas\", \"auth\": {\"method\": \"md5\", \"user\": \"allas\", \"password\": \"s3cret\"}}]";

    @TempDir
    Path directory;

    private AllasConfig load(String json, Map<String, String> environment) throws IOException, ConfigException {
        Path file = directory.resolve("allas.json");
        Files.writeString(file, json);
        return ConfigLoader.load(file, environment, new ArrayList<>());
    }

    private String error(String json) {
        return assertThrows(ConfigException.class, () -> load(json, Map.of())).getMessage();
    }

    @Test
    void theOriginalReadmeExampleLoadsWithItsValues() throws Exception {
        AllasConfig config = load("""
                {
                    "listen": {"port": 6433, "host": "localhost"},
                    "connect": "host=localhost port=5432 sslmode=disable",
                    "startup_parameters": {"server_version": "9.1.24", "client_encoding": "UTF8"},
                    "prometheus": {"listen": {"port": 9226, "host": "*"}},
                    "databases": [{"name": "allas", "auth": {"method": "md5", "user": "allas", "password": "s3cret"}}]
                }
                """, Map.of());
        assertEquals(new ListenAddress.Tcp("localhost", 6433, true), config.listen());
        assertEquals("host=localhost port=5432 sslmode=disable", config.connect());
        assertEquals(Map.of("server_version", "9.1.24", "client_encoding", "UTF8"), config.startupParameters());
        assertEquals(new ListenAddress.Tcp(null, 9226, true), config.prometheus().orElseThrow());
        assertEquals(1, config.databases().size());
        DatabaseConfig database = config.databases().getFirst();
        assertEquals("allas", database.name());
        assertEquals("md5", database.authMethod());
        assertEquals("s3cret", database.auth().value("password").orElseThrow());
        assertEquals("databases[0].auth", database.auth().path());
    }

    @Test
    void defaultsAreThoseOfAllas() throws Exception {
        AllasConfig config = load("{" + ONE_DATABASE + "}", Map.of());
        assertEquals(new ListenAddress.Tcp("localhost", 6433, true), config.listen());
        assertEquals("host=localhost port=5432 sslmode=disable", config.connect());
        assertTrue(config.prometheus().isEmpty(), "metrics endpoint off without a prometheus section");
        assertTrue(config.startupParameters().isEmpty());
    }

    @Test
    void sectionsLeftOutTakeTheirDeclaredDefaults() throws Exception {
        AllasConfig config = load("{" + ONE_DATABASE + "}", Map.of());
        assertEquals(new Limits(10_000, 10_000, 10_000, Duration.ofSeconds(30), Duration.ofSeconds(60), 1 << 20, 10_000,
                Duration.ZERO), config.limits());
        assertEquals(new Upstream(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(30), OnLoss.TERMINATE,
                "allas_gap", Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofMinutes(1)), config.upstream());
        assertEquals(new NotificationQueue(100_000, 64 << 20, Duration.ofSeconds(30), OnOverflow.TERMINATE), config.notificationQueue());
        assertEquals(LogLevel.INFO, config.logLevel());
        assertTrue(config.tls().isEmpty(), "TLS off without a listen.tls section");
        assertTrue(config.pluginDirectory().isEmpty());
    }

    @Test
    void durationsAreReadAsMilliseconds() throws Exception {
        AllasConfig config = load("{\"limits\": {\"startup_timeout_ms\": 2500, \"auth_failure_delay_ms\": \"750\"}, "
                + "\"upstream\": {\"ping_interval_ms\": 100}, " + ONE_DATABASE + "}", Map.of());
        assertEquals(Duration.ofMillis(2500), config.limits().startupTimeout());
        assertEquals(Duration.ofMillis(750), config.limits().authFailureDelay());
        assertEquals(Duration.ofMillis(100), config.upstream().pingInterval());
    }

    @Test
    void theConfigurationIsAnImmutableValueThatLoadingAgainReproduces() throws Exception {
        String json = "{\"startup_parameters\": {\"server_version\": \"17.2\"}, " + ONE_DATABASE + "}";
        Map<String, String> environment = Map.of("ALLAS_LIMITS_MAX_CLIENTS", "50");
        AllasConfig first = load(json, environment);
        assertEquals(first, load(json, environment));
        assertEquals(first.hashCode(), load(json, environment).hashCode());
        assertThrows(UnsupportedOperationException.class, () -> first.startupParameters().put("x", "y"));
        assertThrows(UnsupportedOperationException.class, () -> first.databases().clear());
        assertTrue(!first.equals(load(json.replace("s3cret", "other"), environment)), "a changed password is a change");
    }

    @Test
    void integersMayBeNumericStringsAndHostMayBeASocketPath() throws Exception {
        AllasConfig config = load("{\"listen\": {\"port\": \"7000\", \"host\": \"/tmp/allas.sock\", \"keepalive\": false}, "
                + ONE_DATABASE + "}", Map.of());
        assertEquals(new ListenAddress.Unix(Path.of("/tmp/allas.sock")), config.listen());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "{\"listen\": {\"prot\": 1}, DB}|unrecognized configuration option \"listen.prot\"",
        "{\"lisen\": {}, DB}|unrecognized configuration section \"lisen\"",
        "{\"listen\": {\"port\": \"sixty\"}, DB}|invalid value for option \"listen.port\": input must be an integer",
        "{\"listen\": {\"port\": 6433.5}, DB}|invalid value for option \"listen.port\": input must be an integer",
        "{\"listen\": {\"port\": 70000}, DB}|invalid value for option \"listen.port\": 70000 is outside the range 0 to 65535",
        "{\"listen\": {\"keepalive\": \"yes\"}, DB}|invalid value for option \"listen.keepalive\": input must be a boolean",
        "{\"listen\": {\"host\": {\"a\": 1}}, DB}|invalid value for option \"listen.host\": input must be a text string",
        "{\"listen\": 5, DB}|section \"listen\" must be a JSON object",
        "{\"connect\": {\"host\": \"x\"}, DB}|invalid value for option \"connect\": input must be a text string",
        "{\"prometheus\": {\"listen\": {\"port\": 1}, \"path\": \"/m\"}, DB}|unrecognized configuration option \"prometheus.path\"",
        "{\"prometheus\": {\"listen\": {\"host\": \"/tmp/m.sock\"}}, DB}|invalid value for option \"prometheus.listen.host\": the metrics endpoint listens on TCP only",
        "{}|section \"databases\" is missing: at least one database must be configured",
        "{\"databases\": []}|section \"databases\" is empty: at least one database must be configured",
        "{\"databases\": {}}|section \"databases\" must be a JSON array",
        "{\"databases\": [{\"name\": \"a\", \"auth\": {\"method\": \"trust\"}}, {\"name\": \"a\", \"auth\": {\"method\": \"trust\"}}]}|database name \"a\" is not unique",
        "{\"databases\": [{\"name\": \"a\", \"auth\": {\"method\": \"trust\"}, \"pool\": 3}]}|unrecognized configuration option \"databases[0].pool\"",
        "{\"databases\": [{\"auth\": {\"method\": \"trust\"}}]}|missing configuration option \"databases[0].name\"",
        "{\"databases\": [{\"name\": \"a\"}]}|missing configuration option \"databases[0].auth\"",
        "{\"databases\": [{\"name\": \"a\", \"auth\": {\"user\": \"u\"}}]}|missing configuration option \"databases[0].auth.method\"",
        "{\"databases\": [\"a\"]}|elements within the \"databases\" array must be JSON objects",
        "[1, 2]|configuration must be a JSON object",
        "{\"limits\": {\"max_clients\": 0}, DB}|invalid value for option \"limits.max_clients\": 0 is outside the range 1 to 2147483647",
        "{\"limits\": {\"max_connections\": 5}, DB}|unrecognized configuration option \"limits.max_connections\"",
        "{\"notification_queue\": {\"max_notifications\": \"lots\"}, DB}|invalid value for option \"notification_queue.max_notifications\": input must be an integer",
        "{\"upstream\": {\"ping_timeout_ms\": 10}, DB}|invalid value for option \"upstream.ping_timeout_ms\": 10 is outside the range 1000 to 2147483647",
        "{\"log_level\": \"verbose\", DB}|invalid value for option \"log_level\": \"verbose\" (one of error, warning, info, debug)",
    })
    void eachMistakeIsOneLineNamingTheKey(String json, String expected) {
        String message = error(json.replace("DB", ONE_DATABASE));
        assertEquals(expected, message);
        assertTrue(!message.contains("\n"));
    }

    @Test
    void invalidJsonIsReportedWithTheFileName() {
        String message = error("{\"listen\": {\"port\": 6433,}");
        assertTrue(message.startsWith("configuration file \"" + directory.resolve("allas.json") + "\" is not valid JSON"), message);
    }

    @Test
    void hoconThatIsNotJsonIsRejected() {
        String message = error("listen { port = 6433 }\n" + ONE_DATABASE);
        assertTrue(message.contains("is not valid JSON"), message);
    }

    @Test
    void missingFileIsReported() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(directory.resolve("nope.json"), Map.of(), new ArrayList<>()));
        assertEquals("configuration file \"" + directory.resolve("nope.json") + "\" does not exist or is not a regular file",
                e.getMessage());
    }

    @Test
    void environmentOverridesAnyKey() throws Exception {
        AllasConfig config = load("{\"listen\": {\"port\": 6433}, " + ONE_DATABASE + "}", Map.of(
                "ALLAS_LISTEN_PORT", "7777",
                "ALLAS_LISTEN_HOST", "*",
                "ALLAS_CONNECT", "host=db.internal port=5433",
                "ALLAS_STARTUP_PARAMETERS_SERVER_VERSION", "17.2",
                "ALLAS_STARTUP_PARAMETERS_DATESTYLE", "ISO, MDY",
                "ALLAS_DATABASES_0_AUTH_PASSWORD", "from-a-secret",
                "ALLAS_PROMETHEUS_LISTEN_PORT", "9300"));
        assertEquals(new ListenAddress.Tcp(null, 7777, true), config.listen());
        assertEquals("host=db.internal port=5433", config.connect());
        assertEquals(Map.of("server_version", "17.2", "DateStyle", "ISO, MDY"), config.startupParameters());
        assertEquals("from-a-secret", config.databases().getFirst().auth().value("password").orElseThrow());
        assertEquals(9300, config.prometheus().orElseThrow().port());
    }

    @Test
    void eachDatabaseHasItsOwnConnectOrTheTopLevelOneAndTheEnvironmentSetsIt() throws Exception {
        String json = """
                {
                    "connect": "host=db1 dbname=shared",
                    "databases": [
                        {"name": "a", "auth": {"method": "trust"}},
                        {"name": "b", "auth": {"method": "trust"}, "connect": "host=db2 dbname=billing"}
                    ]
                }
                """;
        AllasConfig config = load(json, Map.of());
        assertEquals(List.of("host=db1 dbname=shared", "host=db2 dbname=billing"),
                config.databases().stream().map(DatabaseConfig::connect).toList());
        config = load(json, Map.of("ALLAS_DATABASES_0_CONNECT", "host=db3 dbname=orders"));
        assertEquals(List.of("host=db3 dbname=orders", "host=db2 dbname=billing"),
                config.databases().stream().map(DatabaseConfig::connect).toList());
    }

    @Test
    void channelPatternsAreAnArrayInTheFileAndCommaSeparatedInTheEnvironmentWhichWins() throws Exception {
        String json = """
                {"databases": [{"name": "a", "auth": {"method": "trust"}, "channel_prefix": "t1_",
                                "channels": {"listen": ["orders_*", "stock"], "notify": []}}]}
                """;
        DatabaseConfig.ChannelRules rules = load(json, Map.of()).databases().getFirst().channels();
        assertEquals(java.util.Optional.of(List.of("orders_*", "stock")), rules.listenPatterns());
        assertEquals(java.util.Optional.of(List.of()), rules.notifyPatterns());
        assertEquals("t1_", rules.prefix());
        rules = load(json, Map.of("ALLAS_DATABASES_0_CHANNELS_LISTEN", "billing_*, *_events")).databases().getFirst().channels();
        assertEquals(java.util.Optional.of(List.of("billing_*", "*_events")), rules.listenPatterns());
        assertEquals(java.util.Optional.empty(), load("{" + ONE_DATABASE + "}", Map.of()).databases().getFirst()
                .channels().listenPatterns());
    }

    @Test
    void environmentOverridesAreValidatedLikeTheFileAndTheErrorNamesTheVariable() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("{" + ONE_DATABASE + "}",
                Map.of("ALLAS_LISTEN_PORT", "abc")));
        assertEquals("invalid value for environment variable ALLAS_LISTEN_PORT (option \"listen.port\"): "
                + "input must be an integer", e.getMessage());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "ALLAS_LIMITS_STARTUP_TIMEOUT_MS|5|invalid value for environment variable ALLAS_LIMITS_STARTUP_TIMEOUT_MS (option \"limits.startup_timeout_ms\"): 5 is outside the range 100 to 2147483647",
        "ALLAS_LOG_LEVEL|loud|invalid value for environment variable ALLAS_LOG_LEVEL (option \"log_level\"): \"loud\" (one of error, warning, info, debug)",
        "ALLAS_LISTEN_HOST|''|invalid value for environment variable ALLAS_LISTEN_HOST (option \"listen.host\"): must not be empty",
        "ALLAS_PROMETHEUS_LISTEN_HOST|/tmp/m.sock|invalid value for environment variable ALLAS_PROMETHEUS_LISTEN_HOST (option \"prometheus.listen.host\"): the metrics endpoint listens on TCP only",
    })
    void anOverrideThatDoesNotFitNamesItsVariable(String variable, String value, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> load("{" + ONE_DATABASE + "}",
                Map.of(variable, value)));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void aValueTheFileSetsIsNamedAsAnOptionEvenWhenTheEnvironmentSetsAnother() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(
                "{\"listen\": {\"port\": \"abc\"}, " + ONE_DATABASE + "}", Map.of("ALLAS_LISTEN_HOST", "*")));
        assertEquals("invalid value for option \"listen.port\": input must be an integer", e.getMessage());
    }

    @Test
    void unrelatedEnvironmentVariablesNeverBreakStartup() throws Exception {
        List<String> warnings = new ArrayList<>();
        Path file = directory.resolve("allas.json");
        Files.writeString(file, "{" + ONE_DATABASE + "}");
        AllasConfig config = ConfigLoader.load(file, Map.of(
                "DATABASES_URL", "postgres://elsewhere",
                "LISTEN_PORT", "1",
                "PGPASSWORD", "x",
                "ALLAS_HOME", "/opt/allas"), warnings);
        assertEquals(6433, ((ListenAddress.Tcp) config.listen()).port());
        assertEquals(List.of("ignoring environment variable ALLAS_HOME: it names no configuration option"), warnings);
    }

    @Test
    void theLaunchersJavaOptionsPassWithoutAWarning() throws Exception {
        List<String> warnings = new ArrayList<>();
        Path file = directory.resolve("allas.json");
        Files.writeString(file, "{" + ONE_DATABASE + "}");
        ConfigLoader.load(file, Map.of("ALLAS_JAVA_OPTS", "-XX:+UseSerialGC"), warnings);
        assertEquals(List.of(), warnings);
    }

    @Test
    void passwordsAreTakenLiterally() throws Exception {
        AllasConfig config = load("{\"databases\": [{\"name\": \"a\", \"auth\": {\"method\": \"md5\", \"user\": \"u\", "
                + "\"password\": \"${HOME}$x\\\"y\"}}]}", Map.of());
        assertEquals("${HOME}$x\"y", config.databases().getFirst().auth().value("password").orElseThrow());
    }

    @Test
    void theAdminSectionNamesTheConsoleAndItsUsers() throws Exception {
        AllasConfig config = load("{\"admin\": {\"users\": [{\"method\": \"scram-sha-256\", \"user\": \"ops\", \"password\": \"x\"}]},"
                + ONE_DATABASE.replace("\"name\": \"allas\"", "\"name\": \"app\"") + "}", Map.of());
        AdminConsole admin = config.admin().orElseThrow();
        assertEquals("allas", admin.database());
        assertEquals("ops", admin.users().getFirst().user());
        assertEquals("scram-sha-256", admin.users().getFirst().method());
        assertEquals(Optional.of("x"), admin.users().getFirst().auth().value("password"));
        assertTrue(load("{" + ONE_DATABASE + "}", Map.of()).admin().isEmpty());
    }

    @Test
    void theAdminConsoleNeedsANameOfItsOwnAndAUser() {
        assertEquals("invalid value for option \"admin.database\": database \"allas\" is configured under \"databases\":"
                        + " the admin console needs a name of its own",
                error("{\"admin\": {\"users\": [{\"method\": \"trust\", \"user\": \"ops\"}]}," + ONE_DATABASE + "}"));
        assertEquals("section \"admin.users\" is empty: at least one user of the admin console must be configured",
                error("{\"admin\": {\"database\": \"console\", \"users\": []}," + ONE_DATABASE + "}"));
        assertEquals("admin user \"ops\" is not unique", error("{\"admin\": {\"database\": \"console\", \"users\": ["
                + "{\"method\": \"trust\", \"user\": \"ops\"}, {\"method\": \"trust\", \"user\": \"ops\"}]}," + ONE_DATABASE + "}"));
        assertTrue(error("{\"admin\": {\"database\": \"console\", \"users\": [{\"method\": \"trust\"}]}," + ONE_DATABASE + "}")
                .contains("admin.users[0].user"));
    }
}
