package io.allas.server.upstream;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

import io.allas.server.catalog.CatalogQueries;
import io.allas.server.config.Upstream;
import io.allas.server.relay.RelayEvents;
import io.allas.server.relay.RelayService;
import io.allas.server.relay.UpstreamTarget;

/**
 * Everything allas holds for one upstream database: the relay (its connection, reconnects,
 * pings, channels, settings and health) and the catalog connection beside it. Clients of the
 * databases it serves reach the upstream through this object only, so nothing of one upstream
 * reaches the clients of another.
 */
public final class UpstreamRelay implements AutoCloseable {

    private final String name;
    private final UpstreamTarget target;
    /** Changed by a reload that adds or removes databases; {@link UpstreamRelays} shares it with this upstream's events. */
    private final Set<String> databases;
    private final RelayService relay;
    private final CatalogQueries catalog;

    /**
     * @param name              the upstream's name in metrics, health and logs
     * @param databases         the client databases it serves: a concurrent set, kept (not copied) so that a reload can change it
     * @param target            the upstream server
     * @param settings          how the connection is watched and catalog queries run
     * @param maxChannels       {@code limits.max_channels}: the most channels listened on this upstream
     * @param parameterOverrides {@code startup_parameters}
     * @param timers            runs the catalog connection's idle check
     * @param events            hears of this upstream's events
     */
    UpstreamRelay(String name, Set<String> databases, UpstreamTarget target, Upstream settings, int maxChannels,
                  Map<String, String> parameterOverrides, ScheduledExecutorService timers, RelayEvents events) {
        this.name = name;
        this.target = target;
        this.databases = databases;
        this.catalog = new CatalogQueries(target, settings, timers);
        this.relay = new RelayService(name, target, settings, maxChannels, parameterOverrides, RelayEvents.both(new CatalogForgetting(catalog), events));
    }

    /**
     * @return the upstream's name: hosts, ports and database, nothing secret
     */
    public String name() {
        return name;
    }

    /**
     * @return the client databases this upstream serves now
     */
    public Set<String> databases() {
        return Set.copyOf(databases);
    }

    /**
     * @return the relay: subscriptions, notifications, ParameterStatus values, health
     */
    public RelayService relay() {
        return relay;
    }

    /**
     * @return runs the catalog queries of this upstream's clients
     */
    public CatalogQueries catalog() {
        return catalog;
    }

    /**
     * @return the upstream's connection string as logs may show it, without its password
     */
    public String target() {
        return target.toString();
    }

    /** A reload changed the databases served. */
    void serves(Set<String> now) {
        databases.retainAll(now);
        databases.addAll(now);
    }

    void start() {
        relay.start();
    }

    @Override
    public void close() {
        relay.close();
        catalog.close();
    }

    /**
     * Catalog query results are forgotten whenever the relay (re)connects or loses its
     * connection: the catalog may have changed while the relay was away.
     */
    private record CatalogForgetting(CatalogQueries catalog) implements RelayEvents {
        @Override
        public void upstreamConnected(String target, int backendPid) {
            catalog.forgetAll();
        }

        @Override
        public void upstreamLost(String reason, boolean clientsKept) {
            catalog.forgetAll();
        }
    }
}
