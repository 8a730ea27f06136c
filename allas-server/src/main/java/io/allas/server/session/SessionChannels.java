package io.allas.server.session;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.allas.server.protocol.SqlState;
import io.allas.server.relay.ChannelLimitException;
import io.allas.server.relay.Relay;
import io.allas.server.relay.Subscriber;
import io.allas.server.sql.SqlError;

/**
 * The channels one client listens on. As in PostgreSQL, LISTEN and UNLISTEN inside a
 * transaction block take effect at COMMIT and are forgotten at ROLLBACK.
 */
final class SessionChannels {

    private final Relay relay;
    private final ChannelAccess access;
    private final Subscriber subscriber;
    private final int maxChannels;
    private final Duration listenTimeout;
    /** allas's own channel for gap reports: listened on here, never upstream. */
    private final String gapChannel;
    /**
     * Each channel with when it was first listened on, since PostgreSQL lists a client's channels
     * in that order. Read by the notification drain while the session is idle, so concurrent.
     */
    private final Map<String, Long> listening = new ConcurrentHashMap<>();
    private long nextListenOrder;
    /** The set as the open transaction would leave it; null outside a transaction. */
    private Set<String> pending;

    /**
     * @param access        what the client may do with channels, and their names upstream
     * @param maxChannels   {@code limits.max_channels_per_client}
     * @param listenTimeout {@code limits.listen_timeout_ms}
     * @param gapChannel    {@code upstream.gap_channel}
     */
    SessionChannels(Relay relay, ChannelAccess access, Subscriber subscriber, int maxChannels, Duration listenTimeout,
                    String gapChannel) {
        this.relay = relay;
        this.access = access;
        this.subscriber = access.namespaced() ? relay.behindPrefix(access.prefix(), subscriber) : subscriber;
        this.maxChannels = maxChannels;
        this.listenTimeout = listenTimeout;
        this.gapChannel = gapChannel;
    }

    /**
     * @return whether the session listens on the channel now (committed, not pending)
     */
    boolean isListening(String channel) {
        return listening.containsKey(channel);
    }

    /**
     * @return the channels the session listens on now, committed only, in the order they were
     *         first listened on: what PostgreSQL's {@code pg_listening_channels()} answers
     */
    List<String> listeningChannels() {
        return listening.entrySet().stream()
                .sorted(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .toList();
    }

    /** Starts deferring changes until {@link #commit()} or {@link #rollback()}. */
    void beginTransaction() {
        // Their order does not matter: only the channels the transaction adds are numbered, at COMMIT.
        pending = new LinkedHashSet<>(listening.keySet());
    }

    void listen(String channel) throws SqlError {
        checkAccess(channel);
        Set<String> target = pending != null ? pending : listening.keySet();
        if (!target.contains(channel) && target.size() >= maxChannels) {
            throw new SqlError(SqlState.CONFIGURATION_LIMIT_EXCEEDED, "too many channels: this client already listens on " + target.size()
                    + " channels, the most allowed (limits.max_channels_per_client)");
        }
        if (pending != null) {
            pending.add(channel);
        } else if (!listening.containsKey(channel)) {
            awaitListening(List.of(channel));
        }
    }

    /**
     * @param channel the channel, or null for all
     */
    void unlisten(String channel) throws SqlError {
        if (channel != null) {
            checkAccess(channel);
        }
        if (pending != null) {
            if (channel == null) {
                pending.clear();
            } else {
                pending.remove(channel);
            }
        } else if (channel == null) {
            unlistenAll();
        } else {
            forget(channel);
        }
    }

    /**
     * allas's own gap channel is every client's; the others are as the client's permissions say,
     * and must fit PostgreSQL's identifier limit behind the database's prefix.
     */
    private void checkAccess(String channel) throws SqlError {
        if (!channel.equals(gapChannel)) {
            access.check(ChannelAccess.Operation.LISTEN, channel);
            access.upstreamName(channel);
        }
    }

    /**
     * Applies what the transaction did: new channels are listened on before COMMIT is answered.
     */
    void commit() throws SqlError {
        Set<String> target = pending;
        pending = null;
        if (target == null) {
            return;
        }
        for (String channel : new ArrayList<>(listening.keySet())) {
            if (!target.contains(channel)) {
                forget(channel);
            }
        }
        List<String> added = target.stream().filter(c -> !listening.containsKey(c)).toList();
        if (!added.isEmpty()) {
            awaitListening(added);
        }
    }

    void rollback() {
        pending = null;
    }

    /** Releases every channel, as when the client leaves. */
    void unlistenAll() {
        pending = null;
        for (String channel : listening.keySet()) {
            if (!channel.equals(gapChannel)) {
                relay.unlisten(subscriber, upstreamName(channel));
            }
        }
        listening.clear();
    }

    private void awaitListening(List<String> channels) throws SqlError {
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        for (String channel : channels) {
            listening.putIfAbsent(channel, nextListenOrder++);
            ready.add(channel.equals(gapChannel) ? CompletableFuture.completedFuture(null)
                    : relay.listen(subscriber, upstreamName(channel)));
        }
        boolean listened = false;
        try {
            CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(listenTimeout.toNanos(), TimeUnit.NANOSECONDS);
            listened = true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ChannelLimitException limit) {
                throw new SqlError(SqlState.CONFIGURATION_LIMIT_EXCEEDED, limit.getMessage());
            }
            if (e.getCause() instanceof SQLException refused && refused.getSQLState() != null
                    && !refused.getSQLState().startsWith("08")) {
                // The server refused the LISTEN itself (a hot standby does): its SQLSTATE says why.
                throw new SqlError(refused.getSQLState(), "could not LISTEN upstream: " + refused.getMessage());
            }
            throw new SqlError(SqlState.SERVER_CONNECTION_LOST, "could not LISTEN upstream: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            // The upstream connection is up (a dead one fails the LISTEN with 57A02) but busy: the
            // client's statement is cancelled for taking too long, as statement_timeout cancels one.
            throw new SqlError(SqlState.QUERY_CANCELED, "canceling LISTEN: the upstream server did not confirm it within "
                    + listenTimeout.toMillis() + " ms (limits.listen_timeout_ms)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SqlError(Termination.ADMIN_SHUTDOWN.sqlState(), Termination.ADMIN_SHUTDOWN.message());
        } finally {
            if (!listened) {
                channels.forEach(this::forget);
            }
        }
    }

    private void forget(String channel) {
        if (listening.remove(channel) != null && !channel.equals(gapChannel)) {
            relay.unlisten(subscriber, upstreamName(channel));
        }
    }

    /** A channel listened on was checked when it was: its name fits. */
    private String upstreamName(String channel) {
        try {
            return access.upstreamName(channel);
        } catch (SqlError e) {
            throw new IllegalStateException("a channel listened on has no upstream name: " + channel, e);
        }
    }
}
