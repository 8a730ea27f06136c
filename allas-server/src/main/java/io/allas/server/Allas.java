package io.allas.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;

import io.allas.server.admin.AdminConsoleService;
import io.allas.server.admin.AdminTables;
import io.allas.server.admin.ReloadCommand;
import io.allas.server.auth.AdminUsers;
import io.allas.server.auth.AuthPlugins;
import io.allas.server.auth.DatabaseAuthenticators;
import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigException;
import io.allas.server.metrics.AllasMetrics;
import io.allas.server.network.AllasServer;
import io.allas.server.protocol.SqlState;
import io.allas.server.relay.RelayEvents;
import io.allas.server.session.AdminEntrance;
import io.allas.server.session.ConnectionRefusalLog;
import io.allas.server.session.SessionRegistry;
import io.allas.server.session.SessionServices;
import io.allas.server.session.SessionSettings;
import io.allas.server.session.Termination;
import io.allas.server.sql.SqlError;
import io.allas.server.tls.ServerTlsContext;
import io.allas.server.upstream.UpstreamRelay;
import io.allas.server.upstream.UpstreamRelays;

/**
 * A running allas: the pieces wired together from a configuration. {@link Main} runs one for
 * the command line; tests run one in-process.
 */
public final class Allas implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Allas.class.getName());

    /** How long clients get to hear of a shutdown before the listeners close regardless. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(3);

    private final AllasServer server;
    private final UpstreamRelays upstreams;
    private final AllasMetrics metrics;
    private final SessionRegistry registry;
    private final ScheduledExecutorService timers;
    private final ConfigReload reload;

    private Allas(AllasServer server, UpstreamRelays upstreams, AllasMetrics metrics, SessionRegistry registry,
                  ScheduledExecutorService timers, ConfigReload reload) {
        this.server = server;
        this.upstreams = upstreams;
        this.metrics = metrics;
        this.registry = registry;
        this.timers = timers;
        this.reload = reload;
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
        Optional<ServerTlsContext> tls = config.tls().isEmpty()
                ? Optional.empty() : Optional.of(ServerTlsContext.load(config.tls().get()));
        AllasMetrics metrics = new AllasMetrics();
        SessionRegistry registry = new SessionRegistry();
        // Cancelled startup timers must go at once: each holds its session until it would fire.
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("allas-timers").daemon(true).factory());
        timers.setRemoveOnCancelPolicy(true);
        UpstreamRelays upstreams;
        try {
            upstreams = UpstreamRelays.configure(config.databases(), config.upstream(), config.limits().maxChannels(),
                    config.startupParameters(), timers, (upstream, served) -> RelayEvents.both(
                            metrics.upstream(upstream), new UpstreamLossTerminatesClients(upstream, served, registry)));
        } catch (ConfigException | RuntimeException e) {
            timers.shutdownNow();
            metrics.unregister();
            throw e;
        }
        metrics.register(upstreams, registry, config.databases().stream().map(d -> d.name()).toList());
        metrics.registerAuthenticationFailures(databases.failureReasonsByMethod());
        AtomicReference<SessionSettings> settings = new AtomicReference<>(
                new SessionSettings(databases, config.limits(), config.notificationQueue()));
        ConfigReload reload = new ConfigReload(config, plugins, upstreams, metrics, registry, settings);
        Optional<AdminEntrance> admin;
        try {
            admin = adminConsole(config, plugins, registry, upstreams, metrics, reload);
        } catch (ConfigException | RuntimeException e) {
            upstreams.close();
            timers.shutdownNow();
            metrics.unregister();
            throw e;
        }
        SessionServices services = new SessionServices(settings::get, upstreams, config.upstream(), metrics, registry,
                timers, tls, new ConnectionRefusalLog(timers, System::nanoTime), admin);
        try {
            AllasServer server = AllasServer.start(config.listen(), config.proxyProtocol(),
                    config.prometheus().orElse(null), services, upstreams::down);
            upstreams.start();
            return new Allas(server, upstreams, metrics, registry, timers, reload);
        } catch (ConfigException | RuntimeException e) {
            upstreams.close();
            timers.shutdownNow();
            metrics.unregister();
            throw e;
        }
    }

    /**
     * The admin console, when configured. Its RELOAD is the reload SIGHUP does; SHOW CONFIG shows
     * the configuration in effect after it.
     */
    private static Optional<AdminEntrance> adminConsole(AllasConfig config, AuthPlugins plugins, SessionRegistry registry,
                                                        UpstreamRelays upstreams, AllasMetrics metrics, ConfigReload reload)
            throws ConfigException {
        if (config.admin().isEmpty()) {
            return Optional.empty();
        }
        AdminTables tables = new AdminTables(registry, upstreams, metrics::stats, reload::running, AllasVersion.current());
        ReloadCommand command = () -> {
            ReloadResult result = reload.reload();
            if (!result.success()) {
                throw new SqlError(SqlState.CONFIG_FILE_ERROR, "configuration not reloaded: "
                        + result.error().orElse("unknown error"));
            }
        };
        return Optional.of(new AdminEntrance(AdminUsers.configure(config.admin().get(), plugins),
                new AdminConsoleService(tables, registry, command, config.limits().maxMessageBytes())));
    }

    /**
     * Unless the relay keeps them ({@code upstream.on_loss}), every client of the databases an
     * upstream serves, listening or not, is terminated when its connection is lost: it may have
     * missed notifications and must resynchronise. The clients of other upstreams are untouched.
     *
     * @param upstream  the upstream's name
     * @param databases the client databases it serves
     */
    private record UpstreamLossTerminatesClients(String upstream, Set<String> databases, SessionRegistry registry)
            implements RelayEvents {
        @Override
        public void upstreamLost(String reason, boolean clientsKept) {
            if (clientsKept) {
                LOG.log(System.Logger.Level.INFO, "{0} clients kept through the loss of the upstream connection to {1};"
                                + " those that listen are told of the gap once allas listens again",
                        String.valueOf(registry.clientsOf(databases)), upstream);
            } else {
                int clients = registry.terminateClientsOf(databases, Termination.SERVER_CONNECTION_LOST);
                LOG.log(System.Logger.Level.INFO, "{0} clients terminated with 57A02: the upstream connection to {1} was lost",
                        String.valueOf(clients), upstream);
            }
        }
    }

    /**
     * Reloads come from this file from now on, with these {@code ALLAS_*} overrides, as at startup.
     *
     * @param configFile  the configuration file allas started from
     * @param environment the environment to take {@code ALLAS_*} overrides from
     */
    public void reloadFrom(Path configFile, Map<String, String> environment) {
        reload.from(configFile, environment);
    }

    /**
     * Reloads whenever the configuration file ({@link #reloadFrom}) changes, as the TLS files are
     * reread when they change: looked at every second.
     */
    public void watchConfigFile() {
        reload.watch(timers);
    }

    /**
     * Reads the configuration file again and applies what can change without a restart; what
     * cannot is kept as it runs and named in the result. A file that does not load changes
     * nothing. Logged, and counted in {@code allas_config_reloads_total}.
     *
     * @return what the reload did
     */
    public ReloadResult reload() {
        return reload.reload();
    }

    /**
     * @return the upstream servers, as logs may show them (no password)
     */
    public String upstreams() {
        return String.join("; ", upstreams.all().stream().map(UpstreamRelay::target).toList());
    }

    /**
     * @return what the readiness check reports: every upstream connection is up and answers its pings
     */
    public boolean isReady() {
        return upstreams.down().isEmpty();
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
        upstreams.close();
        timers.shutdownNow();
        metrics.unregister();
    }
}
