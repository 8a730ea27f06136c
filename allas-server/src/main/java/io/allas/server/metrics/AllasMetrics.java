package io.allas.server.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.StreamSupport;

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
import io.allas.server.upstream.UpstreamRelay;
import io.allas.server.upstream.UpstreamRelays;
import io.allas.server.session.SessionEvents;
import io.allas.server.session.SessionRegistry;
import io.allas.server.tls.ServerTlsContext;

/**
 * allas's meters, under the names the original allas exported so that existing dashboards keep
 * working. Registered in Helidon's global registry when the server starts and removed when it
 * stops, so that each server instance reports its own values.
 */
public final class AllasMetrics implements SessionEvents {

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
    /** What {@link #configReloaded} counts. */
    public static final List<String> RELOAD_RESULTS = List.of("success", "failure");

    /** Added to by reloads while scrapes and a stop may read it. */
    private final List<Meter> registered = new CopyOnWriteArrayList<>();
    private volatile SessionRegistry sessions;
    private final AtomicInteger clientConnections = new AtomicInteger();
    private final AtomicInteger clientsWaiting = new AtomicInteger();
    private final long startTimeSeconds = System.currentTimeMillis() / 1000;
    private Counter notificationsDispatched;
    private Counter notificationsSent;
    private Counter slowClientsTerminated;
    private Timer deliveryLatency;
    private Timer listenRoundTrip;

    /**
     * Registers the meters.
     *
     * @param upstreams the upstreams whose state the gauges read
     * @param sessions  the sessions whose state the gauges read
     * @param databases the configured databases
     */
    public void register(UpstreamRelays upstreams, SessionRegistry sessions, Collection<String> databases) {
        gauge("allas_client_connections", "Client connections currently open", clientConnections::get);
        gauge("allas_start_time", "When allas started, in seconds since the Unix epoch", () -> startTimeSeconds);
        gauge("allas_clients_waiting", "Authenticated clients waiting for the upstream connection",
                clientsWaiting::get);
        for (UpstreamRelay upstream : upstreams.all()) {
            List<Tag> tags = List.of(Metrics.tag("upstream", upstream.name()));
            RelayService relay = upstream.relay();
            registered.add(registry.getOrCreate(Gauge.builder("allas_upstream_connected",
                            () -> relay.isConnected() ? 1.0 : 0.0)
                    .description("1 while the upstream connection is up, else 0, by upstream").tags(tags)));
            registered.add(registry.getOrCreate(Gauge.builder("allas_active_channels",
                            () -> (double) relay.activeChannels())
                    .description("Channels the upstream connection listens on, by upstream").tags(tags)));
        }
        notificationsDispatched = counter("allas_notifications_dispatched", "Notifications handed to clients");
        notificationsSent = counter("allas_notifications_sent",
                "Notifications that clients sent through allas (NOTIFY, pg_notify), committed upstream");
        slowClientsTerminated = counter("allas_slow_clients_terminated", "Clients terminated for not keeping up");
        gauge("allas_client_queue_saturation_max", "How full the fullest client notification queue is, 0 to 1",
                sessions::fullestQueueRatio);
        this.sessions = sessions;
        registerDatabases(databases);
        for (String result : RELOAD_RESULTS) {
            registered.add(configReloads(result));
        }
        deliveryLatency = timer("allas_notification_delivery_latency",
                "From receipt from upstream to the write to the client (the oldest notification of each write)", BUCKETS);
        listenRoundTrip = timer("allas_listen_roundtrip",
                "Round trips of LISTEN / UNLISTEN statements to the upstream server", BUCKETS);
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
     * Exports the series of databases, at startup and for those a reload adds. Those a reload
     * removes keep their series: counters that vanish would look like resets to Prometheus.
     *
     * @param databases the configured databases
     */
    public void registerDatabases(Collection<String> databases) {
        for (String database : databases) {
            for (String operation : List.of("listen", "notify")) {
                registered.add(channelDenials(database, operation));
            }
            registered.add(registry.getOrCreate(Gauge.builder("allas_database_clients",
                            () -> sessions.clientsPerDatabase().getOrDefault(database, 0).doubleValue())
                    .description("Authenticated clients, by database")
                    .tags(List.of(Metrics.tag("database", database)))));
        }
    }

    private Counter configReloads(String result) {
        return labelled("allas_config_reloads", "Configuration reloads (SIGHUP, a changed file, RELOAD), by result",
                Metrics.tag("result", result));
    }

    /**
     * @param result {@code success} or {@code failure}
     */
    public void configReloaded(String result) {
        configReloads(result).increment();
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
     * @return allas's counters and gauges now, as the admin console's SHOW STATS lists them, by
     *         name and labels: the values the metrics endpoint serves
     */
    public List<Stat> stats() {
        List<Stat> stats = new ArrayList<>();
        for (Meter meter : registry.meters()) {
            String name = meter.id().name();
            if (!name.startsWith("allas_")) {
                continue;
            }
            String labels = String.join(",", StreamSupport.stream(meter.id().tags().spliterator(), false)
                    .map(tag -> tag.key() + "=" + tag.value()).sorted().toList());
            switch (meter) {
                case Counter counter -> stats.add(new Stat(name, labels, Long.toString(counter.count())));
                case Gauge<?> gauge -> stats.add(new Stat(name, labels, gauge.value().toString()));
                default -> {
                    // Histograms have a series per bucket: the metrics endpoint is the place for them.
                }
            }
        }
        stats.sort(Comparator.comparing(Stat::name).thenComparing(Stat::labels));
        return stats;
    }

    /**
     * One counter or gauge.
     *
     * @param name   its name
     * @param labels its labels, {@code key=value} joined by commas
     * @param value  its value now
     */
    public record Stat(String name, String labels, String value) {
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

    private Counter channelDenials(String database, String operation) {
        return labelled("allas_channel_denials", "Channels refused to clients by their permissions (42501), by database and operation",
                Metrics.tag("database", database), Metrics.tag("operation", operation));
    }

    @Override
    public void channelDenied(String database, String operation) {
        channelDenials(database, operation).increment();
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

    /**
     * @param upstream the upstream's name, the {@code upstream} label of its series
     * @return the events of that upstream, counted under its name
     */
    public RelayEvents upstream(String upstream) {
        return new UpstreamMetrics(this, upstream);
    }

    /** Registers a counter of one upstream. */
    Counter upstreamCounter(String name, String description, String upstream) {
        Counter counter = registry.getOrCreate(Counter.builder(name).description(description)
                .tags(List.of(Metrics.tag("upstream", upstream))));
        registered.add(counter);
        return counter;
    }

    /** Registers a timer of one upstream. */
    Timer upstreamTimer(String name, String description, String upstream) {
        Timer timer = registry.getOrCreate(Timer.builder(name).description(description).buckets(OUTAGE_BUCKETS)
                .tags(List.of(Metrics.tag("upstream", upstream))));
        registered.add(timer);
        return timer;
    }

    @Override
    public void gapReported(String reason, int clients) {
        gapNotices(reason).increment(clients);
    }

    void notificationsDispatched(long count) {
        notificationsDispatched.increment(count);
    }

    void notificationsSent(int count) {
        notificationsSent.increment(count);
    }

    void listenRoundTrip(long nanos) {
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
