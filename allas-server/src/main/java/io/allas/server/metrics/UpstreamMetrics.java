package io.allas.server.metrics;

import java.time.Duration;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Timer;
import io.allas.server.relay.RelayEvents;

/**
 * The series of one upstream, labelled with its name, so that an operator sees which upstream
 * reconnects, how long its outages last and what it delivers. What concerns clients rather than
 * an upstream (notifications handed to them, gap notices, LISTEN round trips) is counted once for all.
 */
final class UpstreamMetrics implements RelayEvents {

    private final AllasMetrics metrics;
    private final Counter notificationsReceived;
    private final Counter listensExecuted;
    private final Counter unlistensExecuted;
    private final Counter reconnects;
    private final Timer outage;
    private volatile boolean connectedBefore;

    UpstreamMetrics(AllasMetrics metrics, String upstream) {
        this.metrics = metrics;
        notificationsReceived = metrics.upstreamCounter("allas_notifications_received",
                "Notifications received from upstream, by upstream", upstream);
        listensExecuted = metrics.upstreamCounter("allas_listens_executed",
                "LISTEN statements executed upstream, by upstream", upstream);
        unlistensExecuted = metrics.upstreamCounter("allas_unlistens_executed",
                "UNLISTEN statements executed upstream, by upstream", upstream);
        reconnects = metrics.upstreamCounter("allas_upstream_reconnects",
                "Upstream connections made after the first, by upstream", upstream);
        outage = metrics.upstreamTimer("allas_upstream_outage",
                "From the loss of the upstream connection to the next one, by upstream", upstream);
    }

    @Override
    public void upstreamConnected(String target, int backendPid) {
        if (connectedBefore) {
            reconnects.increment();
        }
        connectedBefore = true;
    }

    @Override
    public void outageEnded(long nanos) {
        outage.record(Duration.ofNanos(nanos));
    }

    @Override
    public void gapReported(String reason, int clients) {
        metrics.gapReported(reason, clients);
    }

    @Override
    public void notificationsReceived(int count) {
        notificationsReceived.increment(count);
    }

    @Override
    public void notificationsDispatched(long count) {
        metrics.notificationsDispatched(count);
    }

    @Override
    public void listensExecuted(int count) {
        listensExecuted.increment(count);
    }

    @Override
    public void unlistensExecuted(int count) {
        unlistensExecuted.increment(count);
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
