package io.allas.server.relay;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which clients listen on which channel, and which channels the upstream connection must
 * LISTEN on. Sessions change subscriptions from their own threads; the relay thread reconciles
 * the upstream state in batches ({@link #takeChanges()}) and reads the subscribers of a channel
 * without locking for every notification.
 */
final class ChannelRegistry {

    private static final Subscriber[] NONE = new Subscriber[0];

    /**
     * One channel. Its listeners change under the registry lock in O(1); the array the fan-out
     * reads without locking is rebuilt only when the fan-out next needs it, so ten thousand
     * clients subscribing at once cost O(N), not O(N²).
     */
    private static final class Channel {
        final Set<Subscriber> members = new LinkedHashSet<>();
        volatile Subscriber[] snapshot = NONE;
        volatile boolean snapshotStale;
        boolean listeningUpstream;
        /** A LISTEN or UNLISTEN for it is being executed upstream right now. */
        boolean inFlight;
        CompletableFuture<Void> ready;
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

    /**
     * Adds a listener.
     *
     * @return completes once the upstream LISTEN is in effect (at once when it already is)
     */
    CompletableFuture<Void> subscribe(Subscriber subscriber, String name) {
        lock.lock();
        try {
            Channel channel = channels.computeIfAbsent(name, n -> new Channel());
            if (channel.members.add(subscriber)) {
                channel.snapshotStale = true;
            }
            if (channel.listeningUpstream && !channel.inFlight && !dirty.contains(name)) {
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
                boolean wanted = !channel.members.isEmpty();
                if (wanted && !channel.listeningUpstream) {
                    listen.add(name);
                    channel.inFlight = true;
                } else if (!wanted && channel.listeningUpstream) {
                    unlisten.add(name);
                    channel.inFlight = true;
                } else if (!wanted) {
                    channels.remove(name);
                    completeReady(channel);
                } else {
                    completeReady(channel);
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
                channel.listeningUpstream = true;
                channel.inFlight = false;
                completeReady(channel);
            }
            for (String name : changes.unlisten()) {
                Channel channel = channels.get(name);
                channel.listeningUpstream = false;
                channel.inFlight = false;
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
                channel.inFlight = false;
                CompletableFuture<Void> ready = channel.ready;
                channel.ready = null;
                if (ready != null) {
                    ready.completeExceptionally(cause);
                }
            }
            for (String name : changes.unlisten()) {
                channels.get(name).inFlight = false;
                dirty.add(name);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets everything, as when the upstream connection is lost: the upstream LISTENs died with it.
     *
     * @return every subscriber there was, each once
     */
    Set<Subscriber> clear(Exception cause) {
        lock.lock();
        try {
            Set<Subscriber> all = new LinkedHashSet<>();
            for (Channel channel : channels.values()) {
                all.addAll(channel.members);
                CompletableFuture<Void> ready = channel.ready;
                if (ready != null) {
                    ready.completeExceptionally(cause);
                }
            }
            channels.clear();
            dirty.clear();
            return all;
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
            return (int) channels.values().stream().filter(c -> c.listeningUpstream).count();
        } finally {
            lock.unlock();
        }
    }

    private static void completeReady(Channel channel) {
        CompletableFuture<Void> ready = channel.ready;
        channel.ready = null;
        if (ready != null) {
            ready.complete(null);
        }
    }
}
