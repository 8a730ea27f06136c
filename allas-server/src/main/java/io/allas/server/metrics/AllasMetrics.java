package io.allas.server.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.allas.server.protocol.SqlState;
import io.allas.server.relay.Gap;
import io.allas.server.relay.RelayEvents;
import io.allas.server.relay.RelayService;
import io.allas.server.session.SessionEvents;
import io.allas.server.session.SessionRegistry;
import io.allas.server.tls.ServerTlsContext;

/**
 * allas's meters, under the names the original allas exported so that existing dashboards keep
 * working. Registered in Helidon's global registry when the server starts and removed when it
 * stops, so that each server instance reports its own values.
 */
public final class AllasMetrics implements SessionEvents, RelayEvents {

    /** Histogram buckets from 100 µs to 10 s: relay latencies live in the lower half. */
    private static final Duration[] BUCKETS = {
        Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
        Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofSeconds(10)};

    private static final String TLS_CONNECTIONS = "allas_tls_connections";
    private static final String TLS_HANDSHAKE_FAILURES = "allas_tls_handshake_failures";
    private static final String NOTIFICATIONS_DROPPED = "allas_notifications_dropped";
    private static final String AUTHENTICATION_FAILURES = "allas_authentication_failures";
    private static final String STATEMENTS_REFUSED = "allas_statements_refused";
    private static final String GAP_NOTICES = "allas_gap_notices";
    /** Outages last from a moment (a reconnect at once) to a long while (a server down for maintenance). */
    private static final Duration[] OUTAGE_BUCKETS = {
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1)};

    private static final String CERTIFICATE = "certificate";
    private static final String PROTOCOL_VERSION = "protocol_version";
    private static final String CIPHER = "cipher";
    private static final String CLIENT_ALERT = "client_alert";
    private static final String OTHER = "other";
    /** What {@link #handshakeFailureReason} makes of the JDK's messages. */
    private static final List<String> HANDSHAKE_FAILURE_REASONS = List.of(CERTIFICATE, PROTOCOL_VERSION, CIPHER,
            CLIENT_ALERT, OTHER);
    /** What the sessions' notification outboxes report. */
    private static final List<String> DROP_REASONS = List.of("slow_client", "client_terminated", "client_gone");

    private final MeterRegistry registry = Metrics.globalRegistry();
    private final List<Meter> registered = new ArrayList<>();
    private final AtomicInteger clientConnections = new AtomicInteger();
    private final AtomicInteger upstreamConnected = new AtomicInteger();
    private final AtomicInteger clientsWaiting = new AtomicInteger();
    private final long startTimeSeconds = System.currentTimeMillis() / 1000;
    private volatile boolean connectedBefore;
    private Counter notificationsReceived;
    private Counter notificationsDispatched;
    private Counter listensExecuted;
    private Counter unlistensExecuted;
    private Counter notificationsSent;
    private Counter slowClientsTerminated;
    private Counter upstreamReconnects;
    private Timer deliveryLatency;
    private Timer listenRoundTrip;
    private Timer upstreamOutage;

    /**
     * Registers the meters.
     *
     * @param relay the relay whose state the gauges read
     */
    public void register(RelayService relay, SessionRegistry sessions, Collection<String> databases) {
        gauge("allas_client_connections", "Client connections currently open", clientConnections::get);
        gauge("allas_start_time", "When allas started, in seconds since the Unix epoch", () -> startTimeSeconds);
        gauge("allas_upstream_connected", "1 while the upstream connection is up, else 0", upstreamConnected::get);
        gauge("allas_clients_waiting", "Authenticated clients waiting for the upstream connection",
                clientsWaiting::get);
        gauge("allas_active_channels", "Channels the upstream connection listens on", relay::activeChannels);
        notificationsReceived = counter("allas_notifications_received", "Notifications received from upstream");
        notificationsDispatched = counter("allas_notifications_dispatched", "Notifications handed to clients");
        listensExecuted = counter("allas_listens_executed", "LISTEN statements executed upstream");
        unlistensExecuted = counter("allas_unlistens_executed", "UNLISTEN statements executed upstream");
        notificationsSent = counter("allas_notifications_sent",
                "Notifications that clients sent through allas (NOTIFY, pg_notify), committed upstream");
        slowClientsTerminated = counter("allas_slow_clients_terminated", "Clients terminated for not keeping up");
        upstreamReconnects = counter("allas_upstream_reconnects", "Upstream connections made after the first");
        gauge("allas_client_queue_saturation_max", "How full the fullest client notification queue is, 0 to 1",
                sessions::fullestQueueRatio);
        for (String database : databases) {
            registered.add(registry.getOrCreate(Gauge.builder("allas_database_clients",
                            () -> sessions.clientsPerDatabase().getOrDefault(database, 0).doubleValue())
                    .description("Authenticated clients, by database")
                    .tags(List.of(Metrics.tag("database", database)))));
        }
        deliveryLatency = timer("allas_notification_delivery_latency",
                "From receipt from upstream to the write to the client (the oldest notification of each write)", BUCKETS);
        listenRoundTrip = timer("allas_listen_roundtrip",
                "Round trips of LISTEN / UNLISTEN statements to the upstream server", BUCKETS);
        upstreamOutage = timer("allas_upstream_outage",
                "From the loss of the upstream connection to the next one", OUTAGE_BUCKETS);
        // Counters of rare events, at 0 for every label value they can take: a series that appears
        // only with its first event is invisible to dashboards and to alerts on its rate until then.
        for (String protocol : ServerTlsContext.protocols()) {
            registered.add(tlsConnections(protocol));
        }
        for (String reason : HANDSHAKE_FAILURE_REASONS) {
            registered.add(tlsHandshakeFailures(reason));
        }
        for (String reason : DROP_REASONS) {
            registered.add(notificationsDropped(reason));
        }
        for (String reason : List.of(Gap.UPSTREAM_LOST, Gap.SLOW_CLIENT)) {
            registered.add(gapNotices(reason));
        }
        for (String sqlState : SqlState.STATEMENT_ERRORS) {
            registered.add(statementsRefused(sqlState));
        }
    }

    /**
     * Exports {@code allas_authentication_failures_total} at 0 for the reasons each method declares.
     *
     * @param reasonsByMethod the configured methods, each with its provider's failure reasons
     */
    public void registerAuthenticationFailures(Map<String, Set<String>> reasonsByMethod) {
        reasonsByMethod.forEach((method, reasons) -> reasons.forEach(
                reason -> registered.add(authenticationFailures(method, reason))));
    }

    private void gauge(String name, String description, Supplier<? extends Number> value) {
        registered.add(registry.getOrCreate(Gauge.builder(name, () -> value.get().doubleValue()).description(description)));
    }

    private Timer timer(String name, String description, Duration[] buckets) {
        Timer timer = registry.getOrCreate(Timer.builder(name).description(description).buckets(buckets));
        registered.add(timer);
        return timer;
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
    public void upstreamWaitStarted() {
        clientsWaiting.incrementAndGet();
    }

    @Override
    public void upstreamWaitEnded() {
        clientsWaiting.decrementAndGet();
    }

    @Override
    public void authenticationFailed(String database, String method, String reason) {
        authenticationFailures(method, reason).increment();
    }

    @Override
    public void tlsEstablished(String protocol) {
        tlsConnections(protocol).increment();
    }

    @Override
    public void tlsHandshakeFailed(String reason) {
        tlsHandshakeFailures(handshakeFailureReason(reason)).increment();
    }

    private Counter authenticationFailures(String method, String reason) {
        return labelled(AUTHENTICATION_FAILURES, "Failed client authentications, by method and reason",
                Metrics.tag("method", method), Metrics.tag("reason", reason));
    }

    private Counter tlsConnections(String protocol) {
        return labelled(TLS_CONNECTIONS, "Client connections that completed a TLS handshake, by TLS version",
                Metrics.tag("protocol", protocol));
    }

    private Counter tlsHandshakeFailures(String reason) {
        return labelled(TLS_HANDSHAKE_FAILURES, "Failed TLS handshakes with clients, by reason", Metrics.tag("reason", reason));
    }

    private Counter statementsRefused(String sqlState) {
        return labelled(STATEMENTS_REFUSED, "Client statements answered with an ERROR, by SQLSTATE",
                Metrics.tag("sqlstate", sqlState));
    }

    private Counter gapNotices(String reason) {
        return labelled(GAP_NOTICES, "Clients told that they may have missed notifications, by reason",
                Metrics.tag("reason", reason));
    }

    private Counter notificationsDropped(String reason) {
        return labelled(NOTIFICATIONS_DROPPED, "Notifications queued for a client and never written, by reason",
                Metrics.tag("reason", reason));
    }

    /** One series of a counter with labels: the same series each time for the same label values. */
    private Counter labelled(String name, String description, Tag... tags) {
        return registry.getOrCreate(Counter.builder(name).description(description).tags(List.of(tags)));
    }

    /**
     * The JDK's messages vary endlessly; a metric label needs a handful of values.
     */
    private static String handshakeFailureReason(String message) {
        String text = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (text.contains("protocol") || text.contains("version")) {
            return PROTOCOL_VERSION;
        }
        if (text.contains("certificate") || text.contains("unknown_ca") || text.contains("path")) {
            return CERTIFICATE;
        }
        if (text.contains("cipher")) {
            return CIPHER;
        }
        if (text.contains("alert")) {
            return CLIENT_ALERT;
        }
        return OTHER;
    }

    @Override
    public void statementRefused(String sqlState) {
        statementsRefused(sqlState).increment();
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
    public void upstreamLost(String reason, boolean clientsKept) {
        upstreamConnected.set(0);
    }

    @Override
    public void outageEnded(long nanos) {
        upstreamOutage.record(Duration.ofNanos(nanos));
    }

    @Override
    public void gapReported(String reason, int clients) {
        gapNotices(reason).increment(clients);
    }

    @Override
    public void notificationsReceived(int count) {
        notificationsReceived.increment(count);
    }

    @Override
    public void notificationsDispatched(long count) {
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

    @Override
    public void notificationsSent(int count) {
        notificationsSent.increment(count);
    }

    @Override
    public void listenRoundTrip(long nanos) {
        listenRoundTrip.record(Duration.ofNanos(nanos));
    }

    @Override
    public void notificationsWritten(long oldestReceivedNanos) {
        deliveryLatency.record(Duration.ofNanos(System.nanoTime() - oldestReceivedNanos));
    }

    @Override
    public void notificationsDropped(String reason, int count) {
        notificationsDropped(reason).increment(count);
    }
}
