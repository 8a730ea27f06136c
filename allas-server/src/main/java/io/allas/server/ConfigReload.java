package io.allas.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import io.allas.server.auth.AuthPlugins;
import io.allas.server.auth.DatabaseAuthenticators;
import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigChanges;
import io.allas.server.config.ConfigException;
import io.allas.server.config.ConfigLoader;
import io.allas.server.config.DatabaseConfig;
import io.allas.server.metrics.AllasMetrics;
import io.allas.server.session.SessionRegistry;
import io.allas.server.session.SessionSettings;
import io.allas.server.session.Termination;
import io.allas.server.upstream.UpstreamRelays;

/**
 * Reads the configuration file again and applies what can change while clients stay connected
 * (see {@link ConfigChanges}); on SIGHUP, when the file changes, or when asked. A file that does
 * not load changes nothing.
 */
final class ConfigReload {

    private static final System.Logger LOG = System.getLogger(ConfigReload.class.getName());

    /** How often the file is looked at: a reload a second after saving is soon enough, and a stat costs nothing. */
    private static final long WATCH_INTERVAL_MILLIS = 1000;

    private final AuthPlugins plugins;
    private final UpstreamRelays upstreams;
    private final AllasMetrics metrics;
    private final SessionRegistry registry;
    private final AtomicReference<SessionSettings> settings;
    private final ReentrantLock lock = new ReentrantLock();
    private AllasConfig running;
    private Path file;
    private Map<String, String> environment;
    /** The file's modification time and size when last read, so that the watch reloads each change once. */
    private FileStamp seen;

    private record FileStamp(FileTime modified, long size) {
        static FileStamp of(Path file) {
            try {
                return new FileStamp(Files.getLastModifiedTime(file), Files.size(file));
            } catch (IOException e) {
                // Missing for a moment while an editor replaces it: looked at again on the next tick.
                return null;
            }
        }
    }

    ConfigReload(AllasConfig running, AuthPlugins plugins, UpstreamRelays upstreams, AllasMetrics metrics,
                 SessionRegistry registry, AtomicReference<SessionSettings> settings) {
        this.running = running;
        this.plugins = plugins;
        this.upstreams = upstreams;
        this.metrics = metrics;
        this.registry = registry;
        this.settings = settings;
    }

    /**
     * Reloads come from {@code file} from now on.
     */
    void from(Path file, Map<String, String> environment) {
        lock.lock();
        try {
            this.file = file;
            this.environment = Map.copyOf(environment);
            this.seen = FileStamp.of(file);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reloads whenever the file changes.
     */
    void watch(ScheduledExecutorService timers) {
        timers.scheduleWithFixedDelay(this::reloadIfChanged, WATCH_INTERVAL_MILLIS, WATCH_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    private void reloadIfChanged() {
        lock.lock();
        try {
            if (file == null) {
                return;
            }
            FileStamp now = FileStamp.of(file);
            if (now != null && !now.equals(seen)) {
                LOG.log(System.Logger.Level.INFO, "configuration file {0} changed", file);
                reload();
            }
        } catch (RuntimeException e) {
            // The timer must survive to watch the next change.
            LOG.log(System.Logger.Level.WARNING, "configuration not reloaded: " + e, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return the configuration in effect: the last one that loaded
     */
    AllasConfig running() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    ReloadResult reload() {
        lock.lock();
        try {
            if (file == null) {
                return failed("allas was started without a configuration file to reload");
            }
            seen = FileStamp.of(file);
            List<String> warnings = new ArrayList<>();
            AllasConfig loaded = ConfigLoader.load(file, environment, warnings);
            Set<String> needNewUpstream = new HashSet<>();
            for (DatabaseConfig database : loaded.databases()) {
                if (upstreams.existing(database).isEmpty()) {
                    needNewUpstream.add(database.name());
                }
            }
            ConfigChanges changes = ConfigChanges.between(running, loaded, needNewUpstream);
            warnings.forEach(w -> LOG.log(System.Logger.Level.WARNING, w));
            return apply(changes);
        } catch (ConfigException e) {
            return failed(e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    private ReloadResult apply(ConfigChanges changes) throws ConfigException {
        AllasConfig next = changes.effective();
        List<DatabaseConfig> databases = next.databases();
        if (databases.isEmpty()) {
            throw new ConfigException("no database of the new configuration can be served without a restart:"
                    + " each needs an upstream connection allas does not have");
        }
        DatabaseAuthenticators authenticators = DatabaseAuthenticators.configure(databases, plugins);

        Set<String> removed = new HashSet<>(running.databases().stream().map(DatabaseConfig::name).toList());
        databases.forEach(d -> removed.remove(d.name()));
        metrics.registerDatabases(databases.stream().map(DatabaseConfig::name).toList());
        metrics.registerAuthenticationFailures(authenticators.failureReasonsByMethod());
        // Upstreams first: a client that finds its database must find its upstream.
        upstreams.serve(databases);
        upstreams.overrideParameters(next.startupParameters());
        settings.set(new SessionSettings(authenticators, next.limits(), next.notificationQueue()));
        ConsoleLogging.setLevel(next.logLevel());
        running = next;
        int terminated = registry.terminateClientsOf(removed, Termination.ADMIN_SHUTDOWN);

        metrics.configReloaded("success");
        LOG.log(System.Logger.Level.INFO, "configuration reloaded from {0}: {1}", file,
                changes.applied().isEmpty() ? "no change" : String.join("; ", changes.applied()));
        if (terminated > 0) {
            LOG.log(System.Logger.Level.INFO, "{0} clients of removed databases terminated with 57P01",
                    String.valueOf(terminated));
        }
        if (!changes.kept().isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "configuration changes that need a restart, kept as running: {0}",
                    String.join(", ", changes.kept()));
        }
        return new ReloadResult(true, changes.applied(), changes.kept(), Optional.empty());
    }

    private ReloadResult failed(String error) {
        metrics.configReloaded("failure");
        LOG.log(System.Logger.Level.WARNING, "configuration not reloaded, running on as before: {0}", error);
        return ReloadResult.failed(error);
    }
}
