package io.allas.server;

import java.nio.file.Path;
import java.util.Map;

import io.allas.server.auth.AuthPlugins;
import io.allas.server.auth.DatabaseAuthenticators;
import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigException;
import io.allas.server.listener.AllasServer;
import io.allas.server.metrics.AllasMetrics;
import io.allas.server.session.SessionLimits;
import io.allas.server.session.SessionServices;

/**
 * A running allas: the pieces wired together from a configuration. {@link Main} runs one for
 * the command line; tests run one in-process.
 */
public final class Allas implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Allas.class.getName());

    private final AllasServer server;
    private final AllasMetrics metrics;

    private Allas(AllasServer server, AllasMetrics metrics) {
        this.server = server;
        this.metrics = metrics;
    }

    /**
     * @param config                 the configuration
     * @param defaultPluginDirectory the plugins directory when the configuration names none
     * @return the running relay
     * @throws ConfigException when the configuration cannot be served (an unknown auth method, a
     *                         port in use ...)
     */
    public static Allas start(AllasConfig config, Path defaultPluginDirectory) throws ConfigException {
        Path pluginDirectory = config.pluginDirectory().orElse(defaultPluginDirectory);
        if (config.pluginDirectory().isPresent() && !pluginDirectory.toFile().isDirectory()) {
            throw new ConfigException("invalid value for option \"plugin_directory\": \"" + pluginDirectory
                    + "\" is not a directory");
        }
        AuthPlugins plugins = AuthPlugins.load(pluginDirectory);
        LOG.log(System.Logger.Level.DEBUG, "authentication methods: {0}", plugins.describe());
        DatabaseAuthenticators databases = DatabaseAuthenticators.configure(config.databases(), plugins);
        Map<String, String> parameterStatus = config.startupParameters();
        AllasMetrics metrics = new AllasMetrics();
        metrics.register();
        SessionServices services = new SessionServices(databases, () -> parameterStatus, SessionLimits.DEFAULTS, metrics);
        try {
            AllasServer server = AllasServer.start(config.listen(), config.prometheus().orElse(null), services);
            return new Allas(server, metrics);
        } catch (ConfigException | RuntimeException e) {
            metrics.unregister();
            throw e;
        }
    }

    /**
     * @return the port clients connect to; -1 on a UNIX-domain socket
     */
    public int port() {
        return server.postgresPort();
    }

    /**
     * @return the metrics endpoint's port, or -1 when it is off
     */
    public int httpPort() {
        return server.httpPort();
    }

    @Override
    public void close() {
        server.stop();
        metrics.unregister();
    }
}
