package io.allas.server.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * What a newly loaded configuration changes in the running one, split into what a reload applies
 * and what only a restart can change (sockets bound, connections opened, plugins loaded). The
 * latter is kept as it runs and named, so that the operator knows the file and the relay differ.
 *
 * @param effective the configuration to run: the new one, with the settings that need a restart as they were
 * @param applied   the changes applied, one phrase each ({@code databases added: b}, {@code log_level})
 * @param kept      the keys whose new value waits for a restart
 */
public record ConfigChanges(AllasConfig effective, List<String> applied, List<String> kept) {

    public ConfigChanges {
        applied = List.copyOf(applied);
        kept = List.copyOf(kept);
    }

    /**
     * @param running the configuration allas runs with
     * @param loaded  the configuration just read
     * @param needNewUpstream the databases of {@code loaded} whose upstream allas has no connection to: new ones
     *                        among them wait for a restart
     * @return the changes
     */
    public static ConfigChanges between(AllasConfig running, AllasConfig loaded, Set<String> needNewUpstream) {
        List<String> applied = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        keptIfChanged(running, loaded, AllasConfig::listen, "listen", kept);
        keptIfChanged(running, loaded, AllasConfig::tls, "listen.tls", kept);
        keptIfChanged(running, loaded, AllasConfig::proxyProtocol, "listen.proxy_protocol", kept);
        keptIfChanged(running, loaded, AllasConfig::prometheus, AllasConfig.PROMETHEUS.key(), kept);
        keptIfChanged(running, loaded, AllasConfig::connect, AllasConfig.CONNECT.key(), kept);
        keptIfChanged(running, loaded, AllasConfig::pluginDirectory, AllasConfig.PLUGIN_DIRECTORY.key(), kept);
        keptIfChanged(running, loaded, AllasConfig::upstream, "upstream", kept);
        // The console's users are set up once, with their authentication methods.
        keptIfChanged(running, loaded, AllasConfig::admin, "admin", kept);
        // Each upstream's channel registry is sized once.
        keptIfChanged(running, loaded, c -> c.limits().maxChannels(), Limits.MAX_CHANNELS.key(), kept);
        Limits limits = new Limits(loaded.limits().maxClients(), loaded.limits().maxChannelsPerClient(),
                running.limits().maxChannels(), loaded.limits().listenTimeout(), loaded.limits().startupTimeout(),
                loaded.limits().maxMessageBytes(), loaded.limits().maxUnauthenticated(),
                loaded.limits().authFailureDelay());

        appliedIfChanged(running.limits(), limits, "limits", applied);
        appliedIfChanged(running.notificationQueue(), loaded.notificationQueue(), "notification_queue", applied);
        appliedIfChanged(running.logLevel(), loaded.logLevel(), AllasConfig.LOG_LEVEL.key(), applied);
        appliedIfChanged(running.startupParameters(), loaded.startupParameters(),
                AllasConfig.STARTUP_PARAMETERS.key(), applied);
        List<DatabaseConfig> databases = databases(running, loaded, needNewUpstream, applied, kept);

        AllasConfig effective = new AllasConfig(running.listen(), running.connect(), loaded.startupParameters(),
                running.prometheus(), databases, running.pluginDirectory(), loaded.notificationQueue(),
                running.upstream(), limits, loaded.logLevel(), running.tls(), running.proxyProtocol(), running.admin());
        return new ConfigChanges(effective, applied, kept);
    }

    /**
     * Databases are added, removed and changed; an existing database keeps its upstream
     * ({@code databases[i].connect}, or the top-level {@code connect} it takes).
     */
    private static List<DatabaseConfig> databases(AllasConfig running, AllasConfig loaded, Set<String> needNewUpstream,
                                                  List<String> applied, List<String> kept) {
        Map<String, DatabaseConfig> before = new LinkedHashMap<>();
        running.databases().forEach(d -> before.put(d.name(), d));
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<DatabaseConfig> databases = new ArrayList<>();
        for (DatabaseConfig database : loaded.databases()) {
            DatabaseConfig old = before.remove(database.name());
            if (old == null && needNewUpstream.contains(database.name())) {
                kept.add("database \"" + database.name() + "\" (a new upstream connection)");
                continue;
            }
            if (old == null) {
                added.add(database.name());
                databases.add(database);
                continue;
            }
            if (!old.connect().equals(database.connect())) {
                kept.add(database.connectKey() + " (database \"" + database.name() + "\")");
            }
            if (!old.auth().equals(database.auth()) || !old.channels().equals(database.channels())) {
                changed.add(database.name());
            }
            databases.add(new DatabaseConfig(database.name(), database.authMethod(), database.auth(), old.connect(),
                    old.connectKey(), database.channels()));
        }
        if (!added.isEmpty()) {
            applied.add("databases added: " + String.join(", ", added));
        }
        if (!before.isEmpty()) {
            applied.add("databases removed: " + String.join(", ", before.keySet()));
        }
        if (!changed.isEmpty()) {
            applied.add("databases changed (auth, channels): " + String.join(", ", changed));
        }
        return databases;
    }

    private static void keptIfChanged(AllasConfig running, AllasConfig loaded, Function<AllasConfig, Object> setting,
                                      String key, List<String> kept) {
        if (!Objects.equals(setting.apply(running), setting.apply(loaded))) {
            kept.add(key);
        }
    }

    private static void appliedIfChanged(Object before, Object after, String key, List<String> applied) {
        if (!before.equals(after)) {
            applied.add(key);
        }
    }
}
