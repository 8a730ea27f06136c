package io.allas.server;

import java.nio.file.Path;

import io.allas.server.auth.AuthPlugins;
import io.allas.server.auth.DatabaseAuthenticators;
import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigException;
import io.allas.server.config.ConnectionString;
import io.allas.server.relay.RelayService;
import io.allas.server.relay.RelaySettings;
import io.allas.server.relay.UpstreamTarget;
import io.allas.server.session.NotificationOutbox;
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
    private final RelayService relay;
    private final AllasMetrics metrics;

    private Allas(AllasServer server, RelayService relay, AllasMetrics metrics) {
        this.server = server;
        this.relay = relay;
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
        UpstreamTarget upstream = UpstreamTarget.from(ConnectionString.parse(config.connect()));
        AllasMetrics metrics = new AllasMetrics();
        RelaySettings relaySettings = new RelaySettings(java.time.Duration.ofMillis(config.upstream().pingIntervalMillis()),
                java.time.Duration.ofMillis(config.upstream().pingTimeoutMillis()), RelaySettings.DEFAULTS.reconnectInitial(),
                RelaySettings.DEFAULTS.reconnectMax(), RelaySettings.DEFAULTS.maxBatch());
        RelayService relay = new RelayService(upstream, relaySettings, config.startupParameters(), metrics);
        metrics.register(relay);
        AllasConfig.NotificationQueue queue = config.notificationQueue();
        SessionServices services = new SessionServices(databases, relay, SessionLimits.DEFAULTS,
                new NotificationOutbox.NotificationLimits(queue.maxNotifications(), queue.maxBytes(),
                        java.time.Duration.ofMillis(queue.stallTimeoutMillis())), metrics);
        try {
            AllasServer server = AllasServer.start(config.listen(), config.prometheus().orElse(null), services);
            relay.start();
            return new Allas(server, relay, metrics);
        } catch (ConfigException | RuntimeException e) {
            relay.close();
            metrics.unregister();
            throw e;
        }
    }

    /**
     * @return the relay service, for tests that look at the upstream state
     */
    public RelayService relay() {
        return relay;
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
        relay.close();
        metrics.unregister();
    }
}
