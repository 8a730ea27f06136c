package io.allas.server.relay;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.allas.server.config.OnLoss;
import io.allas.server.config.Upstream;
import io.allas.server.log.LogText;
import io.allas.server.protocol.backend.NotificationRun;
import io.allas.server.sql.Identifiers;

/**
 * Owns the connection to one upstream database: connects and reconnects with backoff, executes the
 * LISTEN / UNLISTEN statements that the clients' subscriptions call for (batched: many clients'
 * requests share one round trip), pings a silent connection, and fans every notification out
 * to the channel's listeners. All upstream work happens on one thread of its own. The clients'
 * own notifications go out through the {@link NotifyPublisher}, on a connection of its own, and
 * come back here crediting their senders ({@link SenderAttribution}).
 */
public final class RelayService implements Relay, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RelayService.class.getName());

    /** ParameterStatus names that describe a session of the client's own, not the upstream's. */
    private static final Set<String> PER_SESSION_PARAMETERS = Set.of("application_name", "session_authorization",
            "is_superuser");

    /** The first pause before reconnecting: a server back up is served again within about half a second. */
    private static final long RECONNECT_INITIAL_MILLIS = 50;
    /** The longest pause between reconnection attempts. */
    private static final long RECONNECT_MAX_MILLIS = 500;
    /** The most LISTEN/UNLISTEN statements sent in one round trip. */
    private static final int MAX_BATCH = 1000;

    private final UpstreamTarget target;
    private final Upstream settings;
    private volatile Map<String, String> parameterOverrides;
    /** The upstream's own ParameterStatus values, from the latest connection, for {@link #overrideParameters}. */
    private volatile Map<String, String> upstreamParameters = Map.of();
    private final RelayEvents events;
    private final ChannelRegistry channels;
    private final SenderAttribution attribution = new SenderAttribution();
    private final NotifyPublisher publisher;
    /** One per {@code channel_prefix} of this upstream's databases: its clients share the renamed runs. */
    private final Map<String, PrefixRenames> prefixes = new ConcurrentHashMap<>();
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition wakeWhileDown = stateLock.newCondition();
    private final Thread thread;
    private volatile UpstreamConnection upstream;
    /** Completed while {@link #upstream} is up; replaced by an incomplete one when it goes. */
    private volatile CompletableFuture<Void> connected = new CompletableFuture<>();
    private volatile Map<String, String> parameterStatus;
    private volatile ServerSettings serverSettings = ServerSettings.NONE;
    private volatile boolean running = true;
    /** When the ping in flight was sent; 0 while none is. */
    private volatile long pingSentNanos;
    /** Since the upstream connection was lost, until listening resumed on a new one; relay thread only. */
    private Outage outage;
    /** The gap channel listened on at an upstream allas; null when the upstream is PostgreSQL. Relay thread only. */
    private String upstreamGapChannel;

    /**
     * @param name               the upstream's name, for its thread
     * @param target             the upstream server
     * @param settings           how the connection is watched
     * @param maxChannels        {@code limits.max_channels}: the most channels listened on upstream
     * @param parameterOverrides {@code startup_parameters}: reported to clients in place of the upstream's values
     * @param events             hears of upstream events
     */
    public RelayService(String name, UpstreamTarget target, Upstream settings, int maxChannels,
                        Map<String, String> parameterOverrides,
                        RelayEvents events) {
        this.target = target;
        this.channels = new ChannelRegistry(maxChannels);
        this.settings = settings;
        this.parameterOverrides = Map.copyOf(parameterOverrides);
        this.events = events;
        this.parameterStatus = this.parameterOverrides;
        this.thread = Thread.ofPlatform().name("allas-relay " + name).daemon(true).unstarted(this::run);
        // Idle no longer than the LISTEN connection may be silent unchecked: a connection that died
        // quietly is seldom the one a notification is sent on.
        this.publisher = new NotifyPublisher(target, settings.pingTimeout(), settings.pingInterval(), attribution,
                channels::deliverable, events);
    }

    /**
     * Replaces {@code startup_parameters} on a reload: clients that connect afterwards are sent the
     * new values; those connected already keep what they were told.
     *
     * @param overrides the new {@code startup_parameters}
     */
    public void overrideParameters(Map<String, String> overrides) {
        parameterOverrides = Map.copyOf(overrides);
        parameterStatus = mergeParameters(upstreamParameters, serverSettings);
    }

    /**
     * Starts connecting; returns at once. Clients wait until the connection is up ({@link #whenConnected()}).
     */
    public void start() {
        thread.start();
        publisher.start();
    }

    @Override
    public boolean isConnected() {
        return upstream != null;
    }

    /**
     * @return whether the upstream connection is up and answers: false as soon as a ping has gone
     *         unanswered for {@code upstream.ping_interval_ms}, long before {@code ping_timeout_ms}
     *         declares the connection dead, so that a load balancer sends new clients elsewhere
     */
    public boolean isResponsive() {
        long sent = pingSentNanos;
        return isConnected() && (sent == 0 || System.nanoTime() - sent < settings.pingInterval().toNanos());
    }

    @Override
    public CompletableFuture<Void> whenConnected() {
        return connected;
    }

    @Override
    public Map<String, String> parameterStatus() {
        return parameterStatus;
    }

    @Override
    public ServerSettings serverSettings() {
        return serverSettings;
    }

    @Override
    public CompletableFuture<Void> listen(Subscriber subscriber, String channel) {
        CompletableFuture<Void> ready = channels.subscribe(subscriber, channel);
        if (!ready.isDone()) {
            wake();
        }
        return ready;
    }

    @Override
    public Subscriber behindPrefix(String prefix, Subscriber client) {
        return new PrefixedSubscriber(client, prefixes.computeIfAbsent(prefix, PrefixRenames::new));
    }

    @Override
    public void unlisten(Subscriber subscriber, String channel) {
        channels.unsubscribe(subscriber, channel);
        wake();
    }

    @Override
    public CompletableFuture<Void> notify(int clientPid, List<Notification> notifications) {
        return publisher.send(clientPid, notifications);
    }

    /**
     * @return each channel with listeners now, by name as the upstream knows it
     */
    public List<ChannelUsage> channelUsage() {
        return channels.usage();
    }

    /**
     * @return how many channels the upstream connection listens on
     */
    public int activeChannels() {
        return channels.upstreamChannelCount();
    }

    private void wake() {
        UpstreamConnection connection = upstream;
        if (connection != null) {
            connection.wake();
        }
    }

    private void run() {
        long pause = RECONNECT_INITIAL_MILLIS;
        OutageLog outage = new OutageLog(target.toString());
        while (running) {
            UpstreamConnection connection;
            try {
                connection = UpstreamConnection.open(target, settings.pingTimeout());
            } catch (SQLException | IOException | RuntimeException e) {
                outage.attemptFailed(e.getMessage(), System.nanoTime())
                        .ifPresent(line -> LOG.log(System.Logger.Level.WARNING, line));
                sleepWhileDown(pause);
                pause = Math.min(pause * 2, RECONNECT_MAX_MILLIS);
                continue;
            }
            pause = RECONNECT_INITIAL_MILLIS;
            outage.connected(System.nanoTime()).ifPresent(line -> LOG.log(System.Logger.Level.INFO, line));
            serve(connection);
        }
    }

    private void serve(UpstreamConnection connection) {
        serverSettings = connection.settings();
        upstreamParameters = connection.parameterStatuses();
        parameterStatus = mergeParameters(upstreamParameters, serverSettings);
        upstream = connection;
        // Clients that authenticated while the upstream was down are waiting for this.
        connected.complete(null);
        events.upstreamConnected(target.toString(), connection.backendPid());
        LOG.log(System.Logger.Level.INFO, "connected to the upstream server {0} (backend PID {1}, {2})",
                target, String.valueOf(connection.backendPid()), connection.tls() ? "TLS" : "no TLS");
        String reason;
        try {
            // An upstream allas that keeps this relay through its own loss reports the gap on its
            // gap channel; this relay's listeners are told in turn (passOnGaps).
            upstreamGapChannel = connection.upstreamIsAllas() ? settings.gapChannel() : null;
            if (upstreamGapChannel != null) {
                connection.execute("LISTEN " + Identifiers.quote(upstreamGapChannel));
            }
            if (outage != null) {
                Outage ended = outage;
                events.outageEnded(System.nanoTime() - ended.fromNanos());
                if (!ended.affected().isEmpty()) {
                    reportGap(connection, ended);
                }
                outage = null;
            }
            long lastActivity = System.nanoTime();
            while (running) {
                boolean changes = channels.hasChanges();
                if (changes) {
                    reconcile(connection);
                    lastActivity = System.nanoTime();
                }
                List<NotificationRun> notifications = connection.pendingNotifications();
                // After a batch, more changes may wait (at most MAX_BATCH go at once): no sleep then.
                if (notifications.isEmpty() && !(changes && channels.hasChanges())) {
                    long silentMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastActivity);
                    long untilPing = settings.pingInterval().toMillis() - silentMillis;
                    if (untilPing <= 0) {
                        ping(connection);
                        lastActivity = System.nanoTime();
                        continue;
                    }
                    notifications = connection.awaitNotifications(untilPing);
                }
                if (!notifications.isEmpty()) {
                    lastActivity = System.nanoTime();
                    dispatch(notifications);
                }
            }
            reason = "allas is shutting down";
        } catch (SQLException | IOException | RuntimeException e) {
            reason = e.getMessage();
            deliverWhatCameBefore(connection);
        }
        // A client that looks now finds the upstream down and waits for the next connection.
        connected = new CompletableFuture<>();
        upstream = null;
        connection.close();
        if (running && settings.onLoss() == OnLoss.KEEP) {
            // The clients stay; what the connection listened on is listened on again by the next
            // one, and then its listeners are told of the gap (reportGap). LISTENs waiting go on waiting.
            Set<String> affected = channels.connectionLost();
            outage = outage == null ? new Outage(Instant.now(), System.nanoTime(), affected) : outage.alsoAffecting(affected);
            LOG.log(System.Logger.Level.WARNING, "lost the upstream connection to {0}: {1}; keeping the clients",
                    target, reason);
            events.upstreamLost(reason, true);
            return;
        }
        if (running) {
            // First, so that a client whose LISTEN was waiting hears the FATAL, not an ERROR before it.
            LOG.log(System.Logger.Level.WARNING, "lost the upstream connection to {0}: {1}", target, reason);
            outage = new Outage(Instant.now(), System.nanoTime(), Set.of());
            events.upstreamLost(reason, false);
        }
        // Whatever the clients listened on died with the connection: LISTENs waiting for it fail.
        channels.clear(new IOException("the server connection was lost"));
    }

    /**
     * The notifications the server sent before the connection broke (read with a FATAL, or during
     * a statement that then failed) were committed before the loss: no gap report covers them,
     * so they are delivered.
     */
    private void deliverWhatCameBefore(UpstreamConnection connection) {
        try {
            List<NotificationRun> delivered = connection.heldNotifications();
            if (!delivered.isEmpty()) {
                dispatch(delivered);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not deliver the notifications read before the upstream connection"
                    + " to {0} broke: {1}", target, e.toString());
        }
    }

    private void ping(UpstreamConnection connection) throws SQLException, IOException {
        long sent = System.nanoTime();
        pingSentNanos = sent;
        try {
            connection.execute("SELECT 1");
        } catch (SocketTimeoutException e) {
            throw pingTimedOut(sent, e);
        } catch (SQLException e) {
            // Over TLS pgjdbc runs the ping, and reports its read timeout as an I/O error "while sending to the backend".
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof SocketTimeoutException) {
                    throw pingTimedOut(sent, e);
                }
            }
            throw e;
        } finally {
            pingSentNanos = 0;
        }
    }

    private static IOException pingTimedOut(long sentNanos, Exception cause) {
        return new IOException("ping timed out after "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentNanos) + " ms", cause);
    }

    /**
     * @return the runs that are not an upstream allas's gap reports, which go to every listener here
     */
    private List<NotificationRun> passOnGaps(List<NotificationRun> runs) {
        // Almost every round has no gap report: it is handed on as it came, without a copy.
        if (runs.stream().noneMatch(run -> run.channel().equals(upstreamGapChannel))) {
            return runs;
        }
        List<NotificationRun> rest = new ArrayList<>(runs.size());
        for (NotificationRun run : runs) {
            if (!run.channel().equals(upstreamGapChannel)) {
                rest.add(run);
                continue;
            }
            Instant now = Instant.now();
            UpstreamGap.Stretch stretch = UpstreamGap.stretch(run).orElse(new UpstreamGap.Stretch(now, now));
            int told = tellOfGap(channels.listenersOfAll(), stretch.from(), stretch.to());
            LOG.log(System.Logger.Level.INFO, "the upstream allas {0} reported a gap from {1} to {2}; {3} clients told",
                    target, stretch.from(), stretch.to(), String.valueOf(told));
        }
        return rest;
    }

    /**
     * Tells each listener which of its channels may have missed notifications, and when.
     *
     * @return how many were told
     */
    private int tellOfGap(Map<Subscriber, List<String>> listeners, Instant from, Instant to) {
        for (Map.Entry<Subscriber, List<String>> listener : listeners.entrySet()) {
            listener.getKey().missed(new Gap(Gap.UPSTREAM_LOST, from, to, listener.getValue(), 0));
        }
        events.gapReported(Gap.UPSTREAM_LOST, listeners.size());
        return listeners.size();
    }

    /**
     * After a loss with the clients kept: once the new connection listens on every channel it
     * must, each client that listened on one of the affected channels is told which, and from
     * when to when notifications on them may have been missed. Those committed before the loss
     * were delivered; those committed after the new LISTEN will be.
     */
    private void reportGap(UpstreamConnection connection, Outage ended) throws SQLException, IOException {
        while (channels.hasChanges()) {
            reconcile(connection);
        }
        Instant resumed = Instant.now();
        int told = tellOfGap(channels.listenersOf(ended.affected()), ended.from(), resumed);
        LOG.log(System.Logger.Level.INFO, "listening again on {0} channels {1} ms after the upstream connection was lost;"
                        + " {2} clients told they may have missed notifications",
                String.valueOf(ended.affected().size()),
                String.valueOf(Duration.between(ended.from(), resumed).toMillis()), String.valueOf(told));
    }

    /**
     * An upstream connection lost and not yet made good.
     *
     * @param from      when the loss was found
     * @param fromNanos the same, for measuring it
     * @param affected  the channels listened on when it was lost (kept clients only)
     */
    private record Outage(Instant from, long fromNanos, Set<String> affected) {
        Outage alsoAffecting(Set<String> more) {
            Set<String> all = new LinkedHashSet<>(affected);
            all.addAll(more);
            return new Outage(from, fromNanos, all);
        }
    }

    private void reconcile(UpstreamConnection connection) throws SQLException, IOException {
        ChannelRegistry.Changes changes = channels.takeChanges(MAX_BATCH);
        if (changes.isEmpty()) {
            return;
        }
        StringBuilder sql = new StringBuilder();
        changes.listen().forEach(name -> sql.append("LISTEN ").append(Identifiers.quote(name)).append(';'));
        changes.unlisten().forEach(name -> sql.append("UNLISTEN ").append(Identifiers.quote(name)).append(';'));
        long started = System.nanoTime();
        try {
            connection.execute(sql.toString());
            events.listenRoundTrip(System.nanoTime() - started);
        } catch (SQLException e) {
            if (connection.isClosed() || e.getSQLState() == null || e.getSQLState().startsWith("08")) {
                channels.interrupted(changes);
                throw e;
            }
            // The statements name the clients' channels, and the server's message quotes them.
            LOG.log(System.Logger.Level.WARNING, "upstream refused {0}: {1}", LogText.escape(sql.toString(), 500),
                    LogText.escape(String.valueOf(e.getMessage()), 500));
            channels.failed(changes, e);
            return;
        } catch (IOException e) {
            channels.interrupted(changes);
            throw e;
        }
        channels.applied(changes);
        events.listensExecuted(changes.listen().size());
        events.unlistensExecuted(changes.unlisten().size());
    }

    /**
     * Hands each subscriber all of its notifications from this round at once: one queue
     * operation per client per round, not per notification. When the whole round is on one
     * channel, as in a burst, every subscriber shares one list.
     */
    private void dispatch(List<NotificationRun> runs) {
        if (upstreamGapChannel != null) {
            runs = passOnGaps(runs);
            if (runs.isEmpty()) {
                return;
            }
        }
        int received = 0;
        String onlyChannel = runs.getFirst().channel();
        for (NotificationRun run : runs) {
            received += run.count();
            if (onlyChannel != null && !run.channel().equals(onlyChannel)) {
                onlyChannel = null;
            }
        }
        events.notificationsReceived(received);
        attribution.attribute(runs);
        long dispatched = 0;
        if (onlyChannel != null) {
            Subscriber[] subscribers = channels.subscribers(onlyChannel);
            for (Subscriber subscriber : subscribers) {
                subscriber.deliver(runs);
            }
            dispatched = (long) subscribers.length * received;
            channels.delivered(onlyChannel, dispatched);
        } else {
            Map<Subscriber, List<NotificationRun>> rounds = new IdentityHashMap<>();
            String previousChannel = null;
            Subscriber[] subscribers = null;
            for (NotificationRun run : runs) {
                // The upstream reader shares one String per channel while it keeps coming: most lookups are skipped.
                if (run.channel() != previousChannel) {
                    previousChannel = run.channel();
                    subscribers = channels.subscribers(previousChannel);
                }
                for (Subscriber subscriber : subscribers) {
                    rounds.computeIfAbsent(subscriber, s -> new ArrayList<>()).add(run);
                }
                long deliveries = (long) subscribers.length * run.count();
                channels.delivered(run.channel(), deliveries);
                dispatched += deliveries;
            }
            rounds.forEach(Subscriber::deliver);
        }
        events.notificationsDispatched(dispatched);
    }

    /**
     * The reported parameters with the values a fresh session gets (those pgjdbc chose for allas's
     * own session, such as its TimeZone, are not the clients'), except client_encoding: allas
     * speaks UTF8 to every client.
     */
    private Map<String, String> mergeParameters(Map<String, String> upstreamParameters, ServerSettings settings) {
        Map<String, String> merged = new LinkedHashMap<>();
        upstreamParameters.forEach((name, value) -> {
            if (!PER_SESSION_PARAMETERS.contains(name)) {
                merged.put(name, name.equals("client_encoding") ? value
                        : settings.find(name).map(ServerSettings.Setting::value).orElse(value));
            }
        });
        merged.putAll(parameterOverrides);
        return Map.copyOf(merged);
    }

    private void sleepWhileDown(long millis) {
        stateLock.lock();
        try {
            if (running) {
                wakeWhileDown.await(millis, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            stateLock.unlock();
        }
    }

    /**
     * Closes the upstream connection cleanly and stops the relay thread.
     */
    @Override
    public void close() {
        publisher.close();
        running = false;
        stateLock.lock();
        try {
            wakeWhileDown.signalAll();
        } finally {
            stateLock.unlock();
        }
        wake();
        connected.completeExceptionally(new IllegalStateException("allas is shutting down"));
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
