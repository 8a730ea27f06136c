package io.allas.server.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.allas.server.relay.RelayListener;
import io.allas.server.relay.RelayService;
import io.allas.server.session.SessionListener;

/**
 * allas's meters, under the names the original allas exported so that existing dashboards keep
 * working. Registered in Helidon's global registry when the server starts and removed when it
 * stops, so that each server instance reports its own values.
 */
public final class AllasMetrics implements SessionListener, RelayListener {

    private final MeterRegistry registry = Metrics.globalRegistry();
    private final List<Meter> registered = new ArrayList<>();
    private final AtomicInteger clientConnections = new AtomicInteger();
    private final AtomicInteger upstreamConnected = new AtomicInteger();
    private final long startTimeSeconds = System.currentTimeMillis() / 1000;
    private volatile boolean connectedBefore;
    private Counter notificationsReceived;
    private Counter notificationsDispatched;
    private Counter listensExecuted;
    private Counter unlistensExecuted;
    private Counter slowClientsTerminated;
    private Counter upstreamReconnects;

    /**
     * Registers the meters.
     *
     * @param relay the relay whose state the gauges read
     */
    public void register(RelayService relay) {
        gauge("allas_client_connections", "Client connections currently open", clientConnections::get);
        gauge("allas_start_time", "When allas started, in seconds since the Unix epoch", () -> startTimeSeconds);
        gauge("allas_upstream_connected", "1 while the upstream connection is up, else 0", upstreamConnected::get);
        gauge("allas_active_channels", "Channels the upstream connection listens on", relay::activeChannels);
        notificationsReceived = counter("allas_notifications_received", "Notifications received from upstream");
        notificationsDispatched = counter("allas_notifications_dispatched", "Notifications handed to clients");
        listensExecuted = counter("allas_listens_executed", "LISTEN statements executed upstream");
        unlistensExecuted = counter("allas_unlistens_executed", "UNLISTEN statements executed upstream");
        slowClientsTerminated = counter("allas_slow_clients_terminated", "Clients terminated for not keeping up");
        upstreamReconnects = counter("allas_upstream_reconnects", "Upstream connections made after the first");
    }

    private void gauge(String name, String description, java.util.function.Supplier<? extends Number> value) {
        registered.add(registry.getOrCreate(Gauge.builder(name, () -> value.get().doubleValue()).description(description)));
    }

    private Counter counter(String name, String description) {
        Counter counter = registry.getOrCreate(Counter.builder(name).description(description));
        registered.add(counter);
        return counter;
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

    @Override
    public void slowClientTerminated() {
        slowClientsTerminated.increment();
    }

    @Override
    public void upstreamConnected(String target, int backendPid) {
        if (upstreamConnected.getAndSet(1) == 0 && connectedBefore) {
            upstreamReconnects.increment();
        }
        connectedBefore = true;
    }

    @Override
    public void upstreamLost(String reason) {
        upstreamConnected.set(0);
    }

    @Override
    public void notificationReceived() {
        notificationsReceived.increment();
    }

    @Override
    public void notificationsDispatched(int count) {
        notificationsDispatched.increment(count);
    }

    @Override
    public void listensExecuted(int count) {
        listensExecuted.increment(count);
    }

    @Override
    public void unlistensExecuted(int count) {
        unlistensExecuted.increment(count);
    }
}
