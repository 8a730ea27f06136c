package io.allas.server.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
 * duplicate or missing databases are errors that name the key. What each key takes is declared
 * once, beside the record that holds it ({@link ConfigReference} lists them all); this class
 * reads the file and asks for the sections in turn.
 */
public final class ConfigLoader {

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
        EnvironmentOverrides overrides = EnvironmentOverrides.read(environment, warnings);
        return validate(read(file, overrides), file.toAbsolutePath().getParent(), overrides);
    }

    private static Config read(Path file, EnvironmentOverrides overrides) throws ConfigException {
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
                    .addSource(ConfigSources.create(overrides.values(), "environment (ALLAS_*)"))
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

    private static AllasConfig validate(Config config, Path configDirectory, EnvironmentOverrides overrides)
            throws ConfigException {
        ConfigSection root = ConfigSection.root(config, overrides);
        ListenAddress listen = ListenOptions.CLIENTS.read(root);
        Optional<TlsSettings> tls = TlsSettings.read(root, configDirectory);
        Optional<ProxyProtocol> proxyProtocol = ProxyProtocol.read(root);
        String connect = root.get(AllasConfig.CONNECT);
        Optional<ConfigSection> startupParameters = root.find(AllasConfig.STARTUP_PARAMETERS);
        Map<String, String> parameters = startupParameters.isPresent() ? startupParameters.get().texts() : Map.of();
        Optional<ListenAddress.Tcp> prometheus = prometheus(root);
        List<DatabaseConfig> databases = DatabaseConfig.readAll(root, connect);
        Optional<Path> pluginDirectory = root.find(AllasConfig.PLUGIN_DIRECTORY).map(configDirectory::resolve);
        NotificationQueue queue = NotificationQueue.read(root);
        Upstream upstream = Upstream.read(root);
        Limits limits = Limits.read(root);
        LogLevel logLevel = root.get(AllasConfig.LOG_LEVEL);
        return new AllasConfig(listen, connect, parameters, prometheus, databases, pluginDirectory, queue, upstream,
                limits, logLevel, tls, proxyProtocol, AdminConsole.read(root, databases));
    }

    private static Optional<ListenAddress.Tcp> prometheus(ConfigSection root) throws ConfigException {
        Optional<ConfigSection> section = root.find(AllasConfig.PROMETHEUS);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        if (!(ListenOptions.METRICS.read(section.get()) instanceof ListenAddress.Tcp tcp)) {
            throw section.get().invalid(ListenOptions.METRICS.host(), "the metrics endpoint listens on TCP only");
        }
        return Optional.of(tcp);
    }
}
