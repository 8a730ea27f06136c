package io.allas.server.config;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.hocon.HoconConfigParser;

/**
 * Reads the allas JSON file, applies {@code ALLAS_*} environment overrides, and validates every
 * key with the precision of the original allas: unknown sections and keys, wrong types,
 * duplicate or missing databases are errors that name the key.
 */
public final class ConfigLoader {

    private static final Set<String> SECTIONS = Set.of(
            "listen", "connect", "startup_parameters", "prometheus", "databases", "plugin_directory",
            "notification_queue", "upstream", "limits", "log_level");

    private ConfigLoader() {
    }

    /**
     * @param file        the configuration file
     * @param environment the environment to take {@code ALLAS_*} overrides from
     * @param warnings    receives lines worth logging (ignored variables)
     * @return the validated configuration
     * @throws ConfigException naming the first problem found
     */
    public static AllasConfig load(Path file, Map<String, String> environment, List<String> warnings)
            throws ConfigException {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("configuration file \"" + file + "\" does not exist or is not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new ConfigException("configuration file \"" + file + "\" is not readable");
        }
        Config root = read(file, EnvironmentOverrides.fromEnvironment(environment, warnings));
        return validate(root, file.toAbsolutePath().getParent());
    }

    private static Config read(Path file, Map<String, String> overrides) throws ConfigException {
        // Helidon's own environment and system-property sources would map unrelated variables
        // onto our keys; value resolving would mangle passwords containing ${...}.
        requireStrictJson(file);
        HoconConfigParser parser = HoconConfigParser.builder().resolvingEnabled(false).build();
        try {
            Config config = Config.builder()
                    .disableEnvironmentVariablesSource()
                    .disableSystemPropertiesSource()
                    .disableValueResolving()
                    .disableKeyResolving()
                    .disableFilterServices()
                    .disableParserServices()
                    .addParser(parser)
                    .addSource(ConfigSources.create(overrides, "environment (ALLAS_*)"))
                    .addSource(ConfigSources.file(file).mediaType(MediaTypes.APPLICATION_JSON))
                    .build();
            config.type(); // forces the sources to load, so that a parse error surfaces here
            return config;
        } catch (io.helidon.config.ConfigException e) {
            throw new ConfigException("configuration file \"" + file + "\" is not valid JSON: " + rootMessage(e), e);
        }
    }

    /**
     * Helidon's parser reads HOCON, a superset of JSON; the file format is JSON, so check it as such
     * first, which also gives the operator a line number.
     */
    private static void requireStrictJson(Path file) throws ConfigException {
        try {
            ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults()
                    .setSyntax(ConfigSyntax.JSON).setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException.WrongType e) {
            throw new ConfigException("configuration must be a JSON object", e);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("configuration file \"" + file + "\" is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }

    private static AllasConfig validate(Config root, Path configDirectory) throws ConfigException {
        if (root.type() != Config.Type.OBJECT) {
            throw new ConfigException("configuration must be a JSON object");
        }
        for (Config section : root.asNodeList().orElse(List.of())) {
            if (!SECTIONS.contains(section.name())) {
                throw new ConfigException("unrecognized configuration section \"" + section.name() + "\"");
            }
        }
        ListenAddress listen = root.get("listen").exists()
                ? listenSection(root.get("listen"), "listen", "localhost")
                : new ListenAddress.Tcp("localhost", AllasConfig.DEFAULT_PORT, true);
        Optional<TlsSettings> tls = tlsSection(root.get("listen").get("tls"), configDirectory);
        String connect = optionalText(root.get("connect"), "connect").orElse(AllasConfig.DEFAULT_CONNECT);
        Map<String, String> startupParameters = startupParameters(root.get("startup_parameters"));
        Optional<ListenAddress.Tcp> prometheus = prometheusSection(root.get("prometheus"));
        List<DatabaseConfig> databases = databasesSection(root.get("databases"));
        Optional<Path> pluginDirectory = optionalText(root.get("plugin_directory"), "plugin_directory")
                .map(configDirectory::resolve);
        AllasConfig.NotificationQueue queue = notificationQueue(root.get("notification_queue"));
        AllasConfig.Upstream upstream = upstreamSection(root.get("upstream"));
        AllasConfig.Limits limits = limitsSection(root.get("limits"));
        String logLevel = optionalText(root.get("log_level"), "log_level").orElse("info");
        if (!Set.of("error", "warning", "info", "debug").contains(logLevel)) {
            throw new ConfigException("invalid value for option \"log_level\": \"" + logLevel
                    + "\" (one of error, warning, info, debug)");
        }
        return new AllasConfig(listen, connect, startupParameters, prometheus, databases, pluginDirectory, queue, upstream,
                limits, logLevel, tls);
    }

    private static AllasConfig.Limits limitsSection(Config section) throws ConfigException {
        AllasConfig.Limits defaults = AllasConfig.Limits.DEFAULTS;
        if (!section.exists()) {
            return defaults;
        }
        requireObject(section, "limits");
        int maxClients = defaults.maxClients();
        int maxChannels = defaults.maxChannelsPerClient();
        long startupTimeout = defaults.startupTimeoutMillis();
        int maxMessage = defaults.maxMessageBytes();
        int maxUnauthenticated = defaults.maxUnauthenticated();
        long authFailureDelay = defaults.authFailureDelayMillis();
        for (Config option : section.asNodeList().orElse(List.of())) {
            String name = "limits." + option.name();
            switch (option.name()) {
                case "max_clients" -> maxClients = integer(option, name, 1, Integer.MAX_VALUE);
                case "max_channels_per_client" -> maxChannels = integer(option, name, 1, Integer.MAX_VALUE);
                case "startup_timeout_ms" -> startupTimeout = integer(option, name, 100, Integer.MAX_VALUE);
                case "max_message_bytes" -> maxMessage = integer(option, name, 1024, 1 << 30);
                case "max_unauthenticated" -> maxUnauthenticated = integer(option, name, 1, Integer.MAX_VALUE);
                case "auth_failure_delay_ms" -> authFailureDelay = integer(option, name, 0, 60_000);
                default -> throw unrecognized(name);
            }
        }
        return new AllasConfig.Limits(maxClients, maxChannels, startupTimeout, maxMessage, maxUnauthenticated,
                authFailureDelay);
    }

    private static AllasConfig.Upstream upstreamSection(Config section) throws ConfigException {
        AllasConfig.Upstream defaults = AllasConfig.Upstream.DEFAULTS;
        if (!section.exists()) {
            return defaults;
        }
        requireObject(section, "upstream");
        long interval = defaults.pingIntervalMillis();
        long timeout = defaults.pingTimeoutMillis();
        for (Config option : section.asNodeList().orElse(List.of())) {
            String name = "upstream." + option.name();
            switch (option.name()) {
                case "ping_interval_ms" -> interval = integer(option, name, 100, Integer.MAX_VALUE);
                case "ping_timeout_ms" -> timeout = integer(option, name, 1000, Integer.MAX_VALUE);
                default -> throw unrecognized(name);
            }
        }
        return new AllasConfig.Upstream(interval, timeout);
    }

    private static AllasConfig.NotificationQueue notificationQueue(Config section) throws ConfigException {
        AllasConfig.NotificationQueue defaults = AllasConfig.NotificationQueue.DEFAULTS;
        if (!section.exists()) {
            return defaults;
        }
        requireObject(section, "notification_queue");
        int maxNotifications = defaults.maxNotifications();
        long maxBytes = defaults.maxBytes();
        long stall = defaults.stallTimeoutMillis();
        for (Config option : section.asNodeList().orElse(List.of())) {
            String name = "notification_queue." + option.name();
            switch (option.name()) {
                case "max_notifications" -> maxNotifications = integer(option, name, 1, Integer.MAX_VALUE);
                case "max_bytes" -> maxBytes = integer(option, name, 1024, Integer.MAX_VALUE);
                case "stall_timeout_ms" -> stall = integer(option, name, 100, Integer.MAX_VALUE);
                default -> throw unrecognized(name);
            }
        }
        return new AllasConfig.NotificationQueue(maxNotifications, maxBytes, stall);
    }

    private static ListenAddress listenSection(Config section, String path, String defaultHost)
            throws ConfigException {
        requireObject(section, path);
        int port = AllasConfig.DEFAULT_PORT;
        String host = defaultHost;
        boolean keepalive = true;
        for (Config option : section.asNodeList().orElse(List.of())) {
            String name = path + "." + option.name();
            switch (option.name()) {
                case "port" -> port = integer(option, name, 0, 65535);
                case "host" -> host = text(option, name);
                case "keepalive" -> keepalive = bool(option, name);
                case "tls" -> {
                    if (!path.equals("listen")) {
                        throw unrecognized(name);
                    }
                }
                default -> throw unrecognized(name);
            }
        }
        if (host.isEmpty()) {
            throw new ConfigException("invalid value for option \"" + path + ".host\": must not be empty");
        }
        if (host.startsWith("/")) {
            return new ListenAddress.Unix(Path.of(host));
        }
        return new ListenAddress.Tcp(host.equals("*") ? null : host, port, keepalive);
    }

    private static Optional<TlsSettings> tlsSection(Config section, Path configDirectory) throws ConfigException {
        if (!section.exists()) {
            return Optional.empty();
        }
        requireObject(section, "listen.tls");
        Path certificate = null;
        Path key = null;
        Path ca = null;
        TlsSettings.Mode mode = TlsSettings.Mode.ALLOW;
        for (Config option : section.asNodeList().orElse(List.of())) {
            String name = "listen.tls." + option.name();
            switch (option.name()) {
                case "certificate" -> certificate = configDirectory.resolve(text(option, name));
                case "key" -> key = configDirectory.resolve(text(option, name));
                case "ca" -> ca = configDirectory.resolve(text(option, name));
                case "mode" -> {
                    String value = text(option, name);
                    mode = switch (value) {
                        case "disable" -> TlsSettings.Mode.DISABLE;
                        case "allow" -> TlsSettings.Mode.ALLOW;
                        case "require" -> TlsSettings.Mode.REQUIRE;
                        default -> throw new ConfigException("invalid value for option \"" + name + "\": \"" + value
                                + "\" (one of disable, allow, require)");
                    };
                }
                default -> throw unrecognized(name);
            }
        }
        if (certificate == null) {
            throw new ConfigException("missing configuration option \"listen.tls.certificate\"");
        }
        if (key == null) {
            throw new ConfigException("missing configuration option \"listen.tls.key\"");
        }
        return Optional.of(new TlsSettings(certificate, key, Optional.ofNullable(ca), mode));
    }

    private static Optional<ListenAddress.Tcp> prometheusSection(Config section) throws ConfigException {
        if (!section.exists()) {
            return Optional.empty();
        }
        requireObject(section, "prometheus");
        ListenAddress address = new ListenAddress.Tcp("localhost", 9226, true);
        for (Config option : section.asNodeList().orElse(List.of())) {
            if (!option.name().equals("listen")) {
                throw unrecognized("prometheus." + option.name());
            }
            address = listenSection(option, "prometheus.listen", "localhost");
        }
        if (!(address instanceof ListenAddress.Tcp tcp)) {
            throw new ConfigException("invalid value for option \"prometheus.listen.host\": "
                    + "the metrics endpoint listens on TCP only");
        }
        if (!section.get("listen").get("port").exists()) {
            tcp = new ListenAddress.Tcp(tcp.host(), 9226, tcp.keepalive());
        }
        return Optional.of(tcp);
    }

    private static Map<String, String> startupParameters(Config section) throws ConfigException {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (!section.exists()) {
            return parameters;
        }
        requireObject(section, "startup_parameters");
        for (Config parameter : section.asNodeList().orElse(List.of())) {
            parameters.put(parameter.name(), text(parameter, "startup_parameters." + parameter.name()));
        }
        return Map.copyOf(parameters);
    }

    private static List<DatabaseConfig> databasesSection(Config section) throws ConfigException {
        if (!section.exists()) {
            throw new ConfigException("section \"databases\" is missing: at least one database must be configured");
        }
        if (section.type() != Config.Type.LIST) {
            throw new ConfigException("section \"databases\" must be a JSON array");
        }
        List<Config> entries = section.asNodeList().orElse(List.of());
        if (entries.isEmpty()) {
            throw new ConfigException("section \"databases\" is empty: at least one database must be configured");
        }
        List<DatabaseConfig> databases = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int index = 0; index < entries.size(); index++) {
            Config entry = entries.get(index);
            String path = "databases[" + index + "]";
            if (entry.type() != Config.Type.OBJECT) {
                throw new ConfigException("elements within the \"databases\" array must be JSON objects");
            }
            for (Config option : entry.asNodeList().orElse(List.of())) {
                if (!option.name().equals("name") && !option.name().equals("auth")) {
                    throw unrecognized(path + "." + option.name());
                }
            }
            String name = optionalText(entry.get("name"), path + ".name")
                    .orElseThrow(() -> new ConfigException("missing configuration option \"" + path + ".name\""));
            if (!names.add(name)) {
                throw new ConfigException("database name \"" + name + "\" is not unique");
            }
            Config auth = entry.get("auth");
            if (!auth.exists()) {
                throw new ConfigException("missing configuration option \"" + path + ".auth\"");
            }
            requireObject(auth, path + ".auth");
            String method = optionalText(auth.get("method"), path + ".auth.method")
                    .orElseThrow(() -> new ConfigException("missing configuration option \"" + path + ".auth.method\""));
            databases.add(new DatabaseConfig(name, method, new ConfigAuthSettings(auth, path + ".auth", name)));
        }
        return List.copyOf(databases);
    }

    private static void requireObject(Config node, String path) throws ConfigException {
        if (node.type() != Config.Type.OBJECT) {
            throw new ConfigException("section \"" + path + "\" must be a JSON object");
        }
    }

    private static ConfigException unrecognized(String path) {
        return new ConfigException("unrecognized configuration option \"" + path + "\"");
    }

    private static Optional<String> optionalText(Config node, String path) throws ConfigException {
        return node.exists() ? Optional.of(text(node, path)) : Optional.empty();
    }

    static String text(Config node, String path) throws ConfigException {
        if (node.type() != Config.Type.VALUE) {
            throw new ConfigException("invalid value for option \"" + path + "\": input must be a text string");
        }
        return node.asString().orElse("");
    }

    private static int integer(Config node, String path, int min, int max) throws ConfigException {
        String text = text(node, path).trim();
        try {
            BigDecimal value = new BigDecimal(text);
            int result = value.intValueExact();
            if (result < min || result > max) {
                throw new ConfigException("invalid value for option \"" + path + "\": " + text
                        + " is outside the range " + min + " to " + max);
            }
            return result;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException("invalid value for option \"" + path + "\": input must be an integer");
        }
    }

    private static boolean bool(Config node, String path) throws ConfigException {
        String text = text(node, path);
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException("invalid value for option \"" + path + "\": input must be a boolean");
        };
    }
}
