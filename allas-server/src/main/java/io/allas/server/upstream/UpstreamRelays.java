package io.allas.server.upstream;

import java.util.ArrayList;
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
         * @param databases the client databases it serves
         */
        RelayEvents eventsFor(String upstream, Set<String> databases);
    }

    private final List<UpstreamRelay> upstreams;
    private final Map<String, UpstreamRelay> byDatabase;

    private UpstreamRelays(List<UpstreamRelay> upstreams, Map<String, UpstreamRelay> byDatabase) {
        this.upstreams = List.copyOf(upstreams);
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
            UpstreamTarget target;
            try {
                target = UpstreamTarget.from(ConnectionString.parse(database.connect()));
            } catch (ConfigException e) {
                // The parser names the top-level key; a database's own connect is another.
                throw new ConfigException(e.getMessage().replace("option \"connect\"",
                        "option \"" + database.connectKey() + "\""), e);
            }
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
            Set<String> names = served.get(entry.getKey());
            UpstreamRelay upstream = new UpstreamRelay(name, names, target, settings, maxChannels, parameterOverrides, timers,
                    events.eventsFor(name, names));
            upstreams.add(upstream);
            byIdentity.put(entry.getKey(), upstream);
        }
        Map<String, UpstreamRelay> byDatabase = new HashMap<>();
        identityOf.forEach((database, identity) -> byDatabase.put(database, byIdentity.get(identity)));
        return new UpstreamRelays(upstreams, byDatabase);
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
