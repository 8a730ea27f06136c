package io.allas.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import io.allas.server.auth.AuthPlugins;
import io.allas.server.auth.DatabaseAuthenticators;
import io.allas.server.catalog.CatalogQueries;
import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigException;
import io.allas.server.config.ConnectionString;
import io.allas.server.network.AllasServer;
import io.allas.server.metrics.AllasMetrics;
import io.allas.server.relay.RelayEvents;
import io.allas.server.relay.RelayService;
import io.allas.server.relay.UpstreamTarget;
import io.allas.server.session.ConnectionRefusalLog;
import io.allas.server.session.SessionRegistry;
import io.allas.server.session.SessionServices;
import io.allas.server.session.Termination;
import io.allas.server.tls.ServerTlsContext;

/**
 * A running allas: the pieces wired together from a configuration. {@link Main} runs one for
 * the command line; tests run one in-process.
 */
public final class Allas implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Allas.class.getName());

    /** How long clients get to hear of a shutdown before the listeners close regardless. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(3);

    private final AllasServer server;
    private final RelayService relay;
    private final AllasMetrics metrics;
    private final SessionRegistry registry;
    private final ScheduledExecutorService timers;
    private final UpstreamTarget upstream;
    private final CatalogQueries catalog;

    private Allas(AllasServer server, RelayService relay, AllasMetrics metrics, SessionRegistry registry,
                  ScheduledExecutorService timers, UpstreamTarget upstream, CatalogQueries catalog) {
        this.server = server;
        this.relay = relay;
        this.metrics = metrics;
        this.registry = registry;
        this.timers = timers;
        this.upstream = upstream;
        this.catalog = catalog;
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
        Optional<ServerTlsContext> tls = config.tls().isEmpty()
                ? Optional.empty() : Optional.of(ServerTlsContext.load(config.tls().get()));
        AllasMetrics metrics = new AllasMetrics();
        SessionRegistry registry = new SessionRegistry();
        // Cancelled startup timers must go at once: each holds its session until it would fire.
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("allas-timers").daemon(true).factory());
        timers.setRemoveOnCancelPolicy(true);
        CatalogQueries catalog = new CatalogQueries(upstream, config.upstream(), timers);
        RelayService relay = new RelayService(upstream, config.upstream(), config.limits().maxChannels(),
                config.startupParameters(), new UpstreamLossTerminatesClients(metrics, registry, catalog));
        metrics.register(relay, registry, config.databases().stream().map(d -> d.name()).toList());
        metrics.registerAuthenticationFailures(databases.failureReasonsByMethod());
        SessionServices services = new SessionServices(databases, relay, config.upstream(), config.limits(), config.notificationQueue(),
                metrics, registry, timers, tls, catalog, new ConnectionRefusalLog(timers, System::nanoTime));
        try {
            AllasServer server = AllasServer.start(config.listen(), config.proxyProtocol(),
                    config.prometheus().orElse(null), services, relay::isResponsive);
            relay.start();
            return new Allas(server, relay, metrics, registry, timers, upstream, catalog);
        } catch (ConfigException | RuntimeException e) {
            relay.close();
            catalog.close();
            timers.shutdownNow();
            metrics.unregister();
            throw e;
        }
    }

    /**
     * Unless the relay keeps them ({@code upstream.on_loss}), every client, listening or not, is
     * terminated when the upstream connection is lost: it may have missed notifications and must
     * resynchronise. Catalog query results are forgotten on every connect: the catalog may have
     * changed while the relay was away.
     */
    private record UpstreamLossTerminatesClients(AllasMetrics metrics, SessionRegistry registry, CatalogQueries catalog)
            implements RelayEvents {
        @Override
        public void upstreamConnected(String target, int backendPid) {
            catalog.forgetAll();
            metrics.upstreamConnected(target, backendPid);
        }

        @Override
        public void upstreamLost(String reason, boolean clientsKept) {
            catalog.forgetAll();
            metrics.upstreamLost(reason, clientsKept);
            int clients = registry.size();
            if (clientsKept) {
                LOG.log(System.Logger.Level.INFO, "{0} clients kept through the loss of the upstream connection;"
                        + " those that listen are told of the gap once allas listens again", String.valueOf(clients));
            } else {
                registry.terminateEvery(Termination.SERVER_CONNECTION_LOST);
                LOG.log(System.Logger.Level.INFO, "{0} clients terminated with 57A02: the upstream connection was lost",
                        String.valueOf(clients));
            }
        }

        @Override
        public void outageEnded(long nanos) {
            metrics.outageEnded(nanos);
        }

        @Override
        public void gapReported(String reason, int clients) {
            metrics.gapReported(reason, clients);
        }

        @Override
        public void notificationsReceived(int count) {
            metrics.notificationsReceived(count);
        }

        @Override
        public void notificationsDispatched(long count) {
            metrics.notificationsDispatched(count);
        }

        @Override
        public void listensExecuted(int count) {
            metrics.listensExecuted(count);
        }

        @Override
        public void unlistensExecuted(int count) {
            metrics.unlistensExecuted(count);
        }

        @Override
        public void notificationsSent(int count) {
            metrics.notificationsSent(count);
        }

        @Override
        public void listenRoundTrip(long nanos) {
            metrics.listenRoundTrip(nanos);
        }
    }

    /**
     * @return the upstream server, as logs may show it (no password)
     */
    public String upstream() {
        return upstream.toString();
    }

    /**
     * @return what the readiness check reports: the upstream connection is up and answers its pings
     */
    public boolean isReady() {
        return relay.isResponsive();
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

    /**
     * Shuts down in order: every client is told {@code 57P01} and disconnected, the listeners
     * close, then the upstream connection is closed cleanly. Bounded in time.
     */
    @Override
    public void close() {
        registry.terminateAll(Termination.ADMIN_SHUTDOWN);
        try {
            registry.awaitEmpty(SHUTDOWN_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop();
        relay.close();
        catalog.close();
        timers.shutdownNow();
        metrics.unregister();
    }
}
