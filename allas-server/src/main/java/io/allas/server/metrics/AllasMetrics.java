package io.allas.server.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.allas.server.session.SessionListener;

/**
 * allas's meters, under the names the original allas exported so that existing dashboards keep
 * working. Registered in Helidon's global registry when the server starts and removed when it
 * stops, so that each server instance reports its own values.
 */
public final class AllasMetrics implements SessionListener {

    private final MeterRegistry registry = Metrics.globalRegistry();
    private final List<Meter> registered = new ArrayList<>();
    private final AtomicInteger clientConnections = new AtomicInteger();
    private final long startTimeSeconds = System.currentTimeMillis() / 1000;

    /**
     * Registers the meters.
     */
    public void register() {
        registered.add(registry.getOrCreate(Gauge.builder("allas_client_connections", clientConnections::get)
                .description("Client connections currently open")));
        registered.add(registry.getOrCreate(Gauge.builder("allas_start_time", () -> startTimeSeconds)
                .description("When allas started, in seconds since the Unix epoch")));
    }

    /**
     * Removes the meters.
     */
    public void unregister() {
        registered.forEach(registry::remove);
        registry.meters().stream()
                .filter(m -> m.id().name().startsWith("allas_"))
                .toList()
                .forEach(registry::remove);
        registered.clear();
    }

    @Override
    public void connected() {
        clientConnections.incrementAndGet();
    }

    @Override
    public void disconnected() {
        clientConnections.decrementAndGet();
    }

    @Override
    public void authenticationFailed(String database, String method, String reason) {
        registry.getOrCreate(Counter.builder("allas_authentication_failures")
                .description("Failed client authentications, by method and reason")
                .tags(List.of(Metrics.tag("method", method), Metrics.tag("reason", reason)))).increment();
    }
}
