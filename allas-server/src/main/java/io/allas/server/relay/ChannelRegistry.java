package io.allas.server.relay;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which clients listen on which channel, and which channels the upstream connection must
 * LISTEN on. Sessions change subscriptions from their own threads; the relay thread reconciles
 * the upstream state in batches ({@link #takeChanges(int)}) and reads the subscribers of a channel
 * without locking for every notification.
 */
final class ChannelRegistry {

    private static final Subscriber[] NONE = new Subscriber[0];

    /** Where a channel stands on the upstream connection. */
    enum UpstreamState {
        UNLISTENED,
        LISTEN_IN_FLIGHT,
        LISTENED,
        UNLISTEN_IN_FLIGHT;

        /** @return whether the server would deliver the channel's notifications now */
        boolean listened() {
            return this == LISTENED || this == UNLISTEN_IN_FLIGHT;
        }
    }

    /** The statement a channel needs upstream to match its listeners. */
    enum UpstreamStatement { NONE, LISTEN, UNLISTEN }

    /**
     * One channel. Its listeners change under the registry lock in O(1); the array the fan-out
     * reads without locking is rebuilt only when the fan-out next needs it, so ten thousand
     * clients subscribing at once cost O(N), not O(N²).
     */
    private static final class Channel {
        final Set<Subscriber> members = new LinkedHashSet<>();
        volatile Subscriber[] snapshot = NONE;
        volatile boolean snapshotStale;
        UpstreamState upstream = UpstreamState.UNLISTENED;
        /** Completes for the listeners waiting for the upstream LISTEN; null while none waits. */
        CompletableFuture<Void> ready;
        /** Notifications handed to its listeners, one per listener, since the channel came to be. */
        final LongAdder delivered = new LongAdder();

        /**
         * The one transition of the upstream state: decides the statement that makes the upstream
         * match the listeners, and marks it in flight. A channel with a statement in flight is
         * settled when it returns ({@link #settle}).
         */
        UpstreamStatement nextStatement() {
            boolean wanted = !members.isEmpty();
            if (wanted && upstream == UpstreamState.UNLISTENED) {
                upstream = UpstreamState.LISTEN_IN_FLIGHT;
                return UpstreamStatement.LISTEN;
            }
            if (!wanted && upstream == UpstreamState.LISTENED) {
                upstream = UpstreamState.UNLISTEN_IN_FLIGHT;
                return UpstreamStatement.UNLISTEN;
            }
            return UpstreamStatement.NONE;
        }

        /** The statement in flight returned: the upstream is now as it made it, or as before if it failed. */
        void settle(boolean succeeded) {
            upstream = switch (upstream) {
                case LISTEN_IN_FLIGHT -> succeeded ? UpstreamState.LISTENED : UpstreamState.UNLISTENED;
                case UNLISTEN_IN_FLIGHT -> succeeded ? UpstreamState.UNLISTENED : UpstreamState.LISTENED;
                default -> throw new IllegalStateException("no statement in flight for the channel (" + upstream + ")");
            };
        }

        void completeReady() {
            CompletableFuture<Void> waiting = ready;
            ready = null;
            if (waiting != null) {
                waiting.complete(null);
            }
        }

        void failReady(Exception cause) {
            CompletableFuture<Void> waiting = ready;
            ready = null;
            if (waiting != null) {
                waiting.completeExceptionally(cause);
            }
        }
    }

    /**
     * The upstream statements needed to match the subscriptions.
     *
     * @param listen   channels to LISTEN on
     * @param unlisten channels to UNLISTEN
     */
    record Changes(List<String> listen, List<String> unlisten) {
        boolean isEmpty() {
            return listen.isEmpty() && unlisten.isEmpty();
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    private final Set<String> dirty = new LinkedHashSet<>();
    private final int maxChannels;

    /**
     * @param maxChannels the most channels listened on, or about to be, at once
     */
    ChannelRegistry(int maxChannels) {
        this.maxChannels = maxChannels;
    }

    /**
     * Adds a listener.
     *
     * @return completes once the upstream LISTEN is in effect (at once when it already is); fails
     *         with {@link ChannelLimitException} for a new channel when there are enough already
     */
    CompletableFuture<Void> subscribe(Subscriber subscriber, String name) {
        lock.lock();
        try {
            // Channels on their way out count until they are gone: the upstream still listens on them.
            if (!channels.containsKey(name) && channels.size() >= maxChannels) {
                return CompletableFuture.failedFuture(new ChannelLimitException(channels.size()));
            }
            Channel channel = channels.computeIfAbsent(name, n -> new Channel());
            if (channel.members.add(subscriber)) {
                channel.snapshotStale = true;
            }
            if (channel.upstream == UpstreamState.LISTENED) {
                return CompletableFuture.completedFuture(null);
            }
            if (channel.ready == null) {
                channel.ready = new CompletableFuture<>();
            }
            dirty.add(name);
            return channel.ready;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes a listener; the last one to leave a channel causes an upstream UNLISTEN.
     */
    void unsubscribe(Subscriber subscriber, String name) {
        lock.lock();
        try {
            Channel channel = channels.get(name);
            if (channel == null || !channel.members.remove(subscriber)) {
                return;
            }
            channel.snapshotStale = true;
            if (channel.members.isEmpty()) {
                dirty.add(name);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return the current listeners of a channel; never null
     */
    Subscriber[] subscribers(String name) {
        Channel channel = channels.get(name);
        if (channel == null) {
            return NONE;
        }
        if (channel.snapshotStale) {
            lock.lock();
            try {
                channel.snapshotStale = false;
                channel.snapshot = channel.members.toArray(NONE);
            } finally {
                lock.unlock();
            }
        }
        return channel.snapshot;
    }

    /**
     * Counts notifications handed to a channel's listeners, for the admin console.
     *
     * @param count notifications times listeners
     */
    void delivered(String name, long count) {
        Channel channel = channels.get(name);
        if (channel != null && count > 0) {
            channel.delivered.add(count);
        }
    }

    /**
     * @return each channel with listeners now, by name: how many, and what they were handed
     */
    List<ChannelUsage> usage() {
        List<ChannelUsage> usage = new ArrayList<>();
        lock.lock();
        try {
            channels.forEach((name, channel) -> {
                if (!channel.members.isEmpty()) {
                    usage.add(new ChannelUsage(name, channel.members.size(), channel.delivered.sum()));
                }
            });
        } finally {
            lock.unlock();
        }
        usage.sort(Comparator.comparing(ChannelUsage::channel));
        return usage;
    }

    /**
     * @param names channels about to be notified
     * @return those the upstream connection listens on, or is about to: a notification on them
     *         committed now may be delivered to the relay. One look under the lock for a whole batch.
     */
    Set<String> deliverable(Set<String> names) {
        Set<String> deliverable = new HashSet<>();
        lock.lock();
        try {
            for (String name : names) {
                Channel channel = channels.get(name);
                if (channel != null && (!channel.members.isEmpty() || channel.upstream != UpstreamState.UNLISTENED)) {
                    deliverable.add(name);
                }
            }
        } finally {
            lock.unlock();
        }
        return deliverable;
    }

    /**
     * @return whether a reconciliation is due
     */
    boolean hasChanges() {
        lock.lock();
        try {
            return !dirty.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes up to {@code max} channels whose upstream state differs from what their listeners want.
     */
    Changes takeChanges(int max) {
        lock.lock();
        try {
            List<String> listen = new ArrayList<>();
            List<String> unlisten = new ArrayList<>();
            var iterator = dirty.iterator();
            while (iterator.hasNext() && listen.size() + unlisten.size() < max) {
                String name = iterator.next();
                iterator.remove();
                Channel channel = channels.get(name);
                if (channel == null) {
                    continue;
                }
                switch (channel.nextStatement()) {
                    case LISTEN -> listen.add(name);
                    case UNLISTEN -> unlisten.add(name);
                    case NONE -> {
                        // Already as wanted: listeners who came back before the batch are served now,
                        // and a channel nobody wants and the upstream does not listen on is forgotten.
                        if (channel.upstream == UpstreamState.LISTENED) {
                            channel.completeReady();
                        } else if (channel.members.isEmpty() && channel.upstream == UpstreamState.UNLISTENED) {
                            channels.remove(name);
                            channel.completeReady();
                        }
                    }
                }
            }
            return new Changes(listen, unlisten);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records that the upstream executed the changes.
     */
    void applied(Changes changes) {
        lock.lock();
        try {
            // Listeners that came or went while a statement was in flight left the channel dirty,
            // so the next batch settles it.
            for (String name : changes.listen()) {
                Channel channel = channels.get(name);
                channel.settle(true);
                channel.completeReady();
            }
            for (String name : changes.unlisten()) {
                Channel channel = channels.get(name);
                channel.settle(true);
                if (channel.members.isEmpty() && !dirty.contains(name)) {
                    channels.remove(name);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The upstream failed to execute the changes, its connection still up: the waiting
     * listeners are told so, and the channels are left to be tried again by the next listener.
     */
    void failed(Changes changes, Exception cause) {
        lock.lock();
        try {
            for (String name : changes.listen()) {
                Channel channel = channels.get(name);
                channel.settle(false);
                channel.failReady(cause);
            }
            for (String name : changes.unlisten()) {
                channels.get(name).settle(false);
                dirty.add(name);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The connection broke while the changes were in flight: whether they took effect died with it.
     * The channels are left as they were before, to be settled on the next connection (or cleared);
     * their listeners keep waiting.
     */
    void interrupted(Changes changes) {
        lock.lock();
        try {
            for (String name : changes.listen()) {
                channels.get(name).settle(false);
                dirty.add(name);
            }
            for (String name : changes.unlisten()) {
                channels.get(name).settle(false);
                dirty.add(name);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The upstream connection was lost and the clients are kept: every channel with listeners is
     * to be LISTENed again on the next connection, and listeners waiting for a LISTEN wait for
     * that one. Channels nobody listens on any more are forgotten.
     *
     * @return the channels the lost connection listened on: their notifications may have been missed
     */
    Set<String> connectionLost() {
        lock.lock();
        try {
            Set<String> affected = new LinkedHashSet<>();
            var iterator = channels.entrySet().iterator();
            while (iterator.hasNext()) {
                var entry = iterator.next();
                Channel channel = entry.getValue();
                if (channel.upstream.listened()) {
                    affected.add(entry.getKey());
                }
                channel.upstream = UpstreamState.UNLISTENED;
                if (channel.members.isEmpty()) {
                    iterator.remove();
                    channel.completeReady();
                    dirty.remove(entry.getKey());
                } else {
                    dirty.add(entry.getKey());
                }
            }
            return affected;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return each current listener of the channels the upstream listens on now, with its channels
     */
    Map<Subscriber, List<String>> listenersOfAll() {
        lock.lock();
        try {
            return listenersOf(Set.copyOf(channels.keySet()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * @param names channels
     * @return each current listener of those of the channels the upstream listens on now, with
     *         its channels among them
     */
    Map<Subscriber, List<String>> listenersOf(Set<String> names) {
        lock.lock();
        try {
            Map<Subscriber, List<String>> listeners = new HashMap<>();
            for (String name : names) {
                Channel channel = channels.get(name);
                if (channel == null || channel.upstream != UpstreamState.LISTENED) {
                    continue;
                }
                for (Subscriber member : channel.members) {
                    listeners.computeIfAbsent(member, m -> new ArrayList<>()).add(name);
                }
            }
            return listeners;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets everything, as when the upstream connection is lost: the upstream LISTENs died with it,
     * and subscriptions waiting for one fail with the cause.
     */
    void clear(Exception cause) {
        lock.lock();
        try {
            for (Channel channel : channels.values()) {
                channel.failReady(cause);
            }
            channels.clear();
            dirty.clear();
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return the number of channels the upstream listens on
     */
    int upstreamChannelCount() {
        lock.lock();
        try {
            return (int) channels.values().stream().filter(c -> c.upstream.listened()).count();
        } finally {
            lock.unlock();
        }
    }
}
