package io.allas.server.upstream;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

import io.allas.server.config.ConfigException;
import io.allas.server.config.ConnectionString;
import io.allas.server.config.DatabaseConfig;
import io.allas.server.config.Upstream;
import io.allas.server.relay.RelayEvents;
import io.allas.server.relay.UpstreamTarget;

/**
 * The upstreams of the configured databases, one {@link UpstreamRelay} per upstream identity
 * (server, database and user): databases with the same upstream share it, and a session asks
 * here for the upstream of its database.
 */
public final class UpstreamRelays implements AutoCloseable {

    /** Makes the events of one upstream (metrics, what its loss does to its clients). */
    @FunctionalInterface
    public interface EventsFactory {
        /**
         * @param upstream  the upstream's name
         * @param databases the client databases it serves: a live view, changed by reloads
         */
        RelayEvents eventsFor(String upstream, Set<String> databases);
    }

    private final List<UpstreamRelay> upstreams;
    private final Map<String, UpstreamRelay> byIdentity;
    /** Replaced whole by a reload; a removed database stays, so that a client authenticating as it is removed finds it. */
    private volatile Map<String, UpstreamRelay> byDatabase;

    private UpstreamRelays(List<UpstreamRelay> upstreams, Map<String, UpstreamRelay> byIdentity,
                           Map<String, UpstreamRelay> byDatabase) {
        this.upstreams = List.copyOf(upstreams);
        this.byIdentity = Map.copyOf(byIdentity);
        this.byDatabase = Map.copyOf(byDatabase);
    }

    /**
     * @param databases          the databases, each with its resolved {@code connect}
     * @param settings           how the connections are watched
     * @param maxChannels        {@code limits.max_channels}: the most channels listened on each upstream
     * @param parameterOverrides {@code startup_parameters}
     * @param timers             runs the catalog connections' idle checks
     * @param events             makes each upstream's events
     * @return the upstreams, not yet connecting ({@link #start()})
     * @throws ConfigException when a {@code connect} cannot be honoured, naming the key
     */
    public static UpstreamRelays configure(List<DatabaseConfig> databases, Upstream settings, int maxChannels,
                                           Map<String, String> parameterOverrides, ScheduledExecutorService timers,
                                           EventsFactory events) throws ConfigException {
        Map<String, UpstreamTarget> targets = new LinkedHashMap<>();
        Map<String, Set<String>> served = new LinkedHashMap<>();
        Map<String, String> identityOf = new HashMap<>();
        for (DatabaseConfig database : databases) {
            UpstreamTarget target = targetOf(database);
            // The first database's target serves every database of the same identity.
            targets.putIfAbsent(target.identity(), target);
            served.computeIfAbsent(target.identity(), k -> new LinkedHashSet<>()).add(database.name());
            identityOf.put(database.name(), target.identity());
        }
        Map<String, Long> sameName = new HashMap<>();
        targets.values().forEach(t -> sameName.merge(t.name(), 1L, Long::sum));
        List<UpstreamRelay> upstreams = new ArrayList<>();
        Map<String, UpstreamRelay> byIdentity = new HashMap<>();
        for (Map.Entry<String, UpstreamTarget> entry : targets.entrySet()) {
            UpstreamTarget target = entry.getValue();
            // Two upstreams on one database that differ in their user are told apart by it.
            String name = sameName.get(target.name()) > 1 ? target.user() + "@" + target.name() : target.name();
            Set<String> names = ConcurrentHashMap.newKeySet();
            names.addAll(served.get(entry.getKey()));
            UpstreamRelay upstream = new UpstreamRelay(name, names, target, settings, maxChannels, parameterOverrides, timers,
                    events.eventsFor(name, Collections.unmodifiableSet(names)));
            upstreams.add(upstream);
            byIdentity.put(entry.getKey(), upstream);
        }
        Map<String, UpstreamRelay> byDatabase = new HashMap<>();
        identityOf.forEach((database, identity) -> byDatabase.put(database, byIdentity.get(identity)));
        return new UpstreamRelays(upstreams, byIdentity, byDatabase);
    }

    /**
     * @param database a database of a new configuration
     * @return its upstream, if allas has it already: a reload cannot open a connection to another
     * @throws ConfigException when its {@code connect} cannot be honoured, naming the key
     */
    public Optional<UpstreamRelay> existing(DatabaseConfig database) throws ConfigException {
        return Optional.ofNullable(byIdentity.get(targetOf(database).identity()));
    }

    /**
     * Serves a reloaded configuration's databases, each from an upstream allas has ({@link #existing}).
     *
     * @param databases the databases now configured
     */
    public void serve(List<DatabaseConfig> databases) throws ConfigException {
        Map<String, UpstreamRelay> next = new HashMap<>(byDatabase);
        Set<String> names = new HashSet<>();
        for (DatabaseConfig database : databases) {
            UpstreamRelay upstream = existing(database).orElseThrow(() -> new IllegalArgumentException(
                    "database \"" + database.name() + "\" has no upstream yet"));
            next.put(database.name(), upstream);
            names.add(database.name());
        }
        byDatabase = Map.copyOf(next);
        for (UpstreamRelay upstream : upstreams) {
            upstream.serves(names.stream().filter(n -> next.get(n) == upstream).collect(Collectors.toSet()));
        }
    }

    /**
     * Sets the {@code startup_parameters} that clients connecting from now on are sent.
     */
    public void overrideParameters(Map<String, String> overrides) {
        upstreams.forEach(u -> u.relay().overrideParameters(overrides));
    }

    private static UpstreamTarget targetOf(DatabaseConfig database) throws ConfigException {
        try {
            return UpstreamTarget.from(ConnectionString.parse(database.connect()));
        } catch (ConfigException e) {
            // The parser names the top-level key; a database's own connect is another.
            throw new ConfigException(e.getMessage().replace("option \"connect\"",
                    "option \"" + database.connectKey() + "\""), e);
        }
    }

    /**
     * @param database a configured database's name
     * @return its upstream
     */
    public UpstreamRelay of(String database) {
        UpstreamRelay upstream = byDatabase.get(database);
        if (upstream == null) {
            throw new IllegalArgumentException("no database \"" + database + "\" is configured");
        }
        return upstream;
    }

    /**
     * @return every upstream, in the order of the databases first naming them
     */
    public List<UpstreamRelay> all() {
        return upstreams;
    }

    /**
     * @return the upstreams down now (or not answering their pings), by name; empty when allas
     *         serves every database
     */
    public List<String> down() {
        return upstreams.stream().filter(u -> !u.relay().isResponsive()).map(UpstreamRelay::name).toList();
    }

    /**
     * Starts connecting every upstream; returns at once.
     */
    public void start() {
        upstreams.forEach(UpstreamRelay::start);
    }

    @Override
    public void close() {
        upstreams.forEach(UpstreamRelay::close);
    }
}
