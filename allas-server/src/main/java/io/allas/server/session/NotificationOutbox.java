package io.allas.server.session;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import io.allas.server.protocol.PacketBuilder;
import io.allas.server.protocol.backend.NotificationRun;
import io.allas.server.relay.Subscriber;

/**
 * One client's queue of notifications on their way out. The relay's thread only appends (it never
 * waits for this client); a virtual thread started on demand writes the queue out in batches
 * whenever the session allows it, and exits when the queue is empty, so an idle client holds no
 * thread. A client that lets too much pile up, or stops reading for too long, is terminated with
 * 57A03 without slowing anyone else.
 */
public final class NotificationOutbox implements Subscriber {

    private static final System.Logger LOG = System.getLogger(NotificationOutbox.class.getName());
    /** About this many bytes per write (whole runs): few system calls for a busy listener. */
    private static final int BATCH_BYTES = 64 * 1024;
    /** Starts the drains: one per client and burst, so no builder is made per start. */
    private static final ThreadFactory DRAINS = Thread.ofVirtual().name("allas-notify").factory();

    private final ClientConnection connection;
    private final NotificationLimits limits;
    private final Runnable onSlowClient;
    private final SessionListener listener;
    private final ReentrantLock lock = new ReentrantLock();
    /** Runs of notifications on one channel, as the upstream sent them. */
    private final ArrayDeque<NotificationRun> queue = new ArrayDeque<>();
    private int queuedCount;
    private long queuedBytes;
    private boolean draining;
    /** The session became idle while a drain was giving up: the drain must go on. */
    private boolean resumeRequested;
    /** Whether the session still listens on a channel; notifications for others are not written. */
    private volatile Predicate<String> listening = channel -> true;
    private boolean terminated;
    private long lastProgressNanos = System.nanoTime();

    NotificationOutbox(ClientConnection connection, NotificationLimits limits, SessionListener listener,
                       Runnable onSlowClient) {
        this.connection = connection;
        this.limits = limits;
        this.listener = listener;
        this.onSlowClient = onSlowClient;
    }

    @Override
    public void deliver(List<NotificationRun> runs) {
        boolean startDrain;
        boolean tooSlow = false;
        int dropped = 0;
        lock.lock();
        try {
            if (terminated) {
                return;
            }
            for (NotificationRun run : runs) {
                queue.addLast(run);
                queuedCount += run.count();
                queuedBytes += run.messages().length;
            }
            // A drain blocked in a write this long means the client stopped reading; notifications
            // merely held back by a transaction block do not count as a stall.
            boolean stalled = draining && System.nanoTime() - lastProgressNanos > limits.stallTimeout().toNanos();
            if (queuedCount > limits.maxQueued() || queuedBytes > limits.maxQueuedBytes() || stalled) {
                tooSlow = true;
                terminated = true;
                dropped = queuedCount;
                clearQueue();
            }
            startDrain = !tooSlow && !draining;
            if (startDrain) {
                draining = true;
                lastProgressNanos = System.nanoTime();
            }
        } finally {
            lock.unlock();
        }
        if (tooSlow) {
            listener.notificationsDropped("slow_client", dropped);
            onSlowClient.run();
            terminate(Termination.CLIENT_TOO_SLOW);
        } else if (startDrain) {
            DRAINS.newThread(this::drain).start();
        }
    }

    /**
     * @param listening whether the session still listens on a channel: PostgreSQL checks that when
     *                  it delivers, so nothing queued before an UNLISTEN or DISCARD ALL arrives after it
     */
    void filterBy(Predicate<String> listening) {
        this.listening = listening;
    }

    /**
     * The session allows notifications again (idle, outside a transaction): write what waited.
     */
    void resume() {
        boolean startDrain = false;
        lock.lock();
        try {
            if (draining) {
                resumeRequested = true;
            } else if (!terminated && !queue.isEmpty()) {
                draining = true;
                startDrain = true;
                lastProgressNanos = System.nanoTime();
            }
        } finally {
            lock.unlock();
        }
        if (startDrain) {
            DRAINS.newThread(this::drain).start();
        }
    }

    /**
     * @return how full the queue is, from 0 to 1, by count or bytes, whichever is fuller
     */
    double fillRatio() {
        lock.lock();
        try {
            return Math.max((double) queuedCount / limits.maxQueued(), (double) queuedBytes / limits.maxQueuedBytes());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Drops what is queued, without a word to the client: the session is over.
     */
    void discard() {
        lock.lock();
        try {
            terminated = true;
            clearQueue();
        } finally {
            lock.unlock();
        }
    }

    private void drain() {
        // Grows to the batches it gathers; a lone run (most bursts) is written without it, so it starts empty.
        PacketBuilder scratch = new PacketBuilder(0);
        List<NotificationRun> batch = new ArrayList<>();
        try {
            while (true) {
                lock.lock();
                try {
                    if (terminated || queue.isEmpty()) {
                        draining = false;
                        resumeRequested = false;
                        return;
                    }
                    int bytes = 0;
                    while (bytes < BATCH_BYTES && !queue.isEmpty()) {
                        NotificationRun next = queue.pollFirst();
                        batch.add(next);
                        bytes += next.messages().length;
                    }
                } finally {
                    lock.unlock();
                }
                if (!connection.writer().writeNotifications(batch, NotificationRun::messages, new ListeningFilter(listening),
                        scratch)) {
                    // The session is answering a query or is in a transaction block: put the batch
                    // back in front; the session resumes delivery when it is idle again.
                    lock.lock();
                    try {
                        for (int i = batch.size() - 1; i >= 0; i--) {
                            queue.addFirst(batch.get(i));
                        }
                        batch.clear();
                        if (!resumeRequested) {
                            draining = false;
                            return;
                        }
                        // The session went idle meanwhile and found us draining: go on, or nobody will.
                        resumeRequested = false;
                    } finally {
                        lock.unlock();
                    }
                    continue;
                }
                lock.lock();
                try {
                    // A termination meanwhile has already zeroed the counts, this batch included.
                    for (NotificationRun sent : terminated ? List.<NotificationRun>of() : batch) {
                        queuedCount -= sent.count();
                        queuedBytes -= sent.messages().length;
                    }
                    lastProgressNanos = System.nanoTime();
                } finally {
                    lock.unlock();
                }
                listener.notificationsWritten(batch.getFirst().receivedNanos());
                batch.clear();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "notification delivery failed: {0}", e.toString());
            int dropped;
            lock.lock();
            try {
                terminated = true;
                draining = false;
                dropped = queuedCount;
                clearQueue();
            } finally {
                lock.unlock();
            }
            listener.notificationsDropped("client_gone", dropped);
            connection.close();
        }
    }

    /** Called with the lock held. */
    private void clearQueue() {
        queue.clear();
        queuedCount = 0;
        queuedBytes = 0;
    }

    /**
     * Asks the session once per run of notifications on one channel (they share one channel String
     * when read from upstream), not once per notification. One per batch: the answer may change
     * between batches, never during one, as the session writes no notification while it executes.
     */
    private static final class ListeningFilter implements Predicate<NotificationRun> {
        private final Predicate<String> listening;
        private String lastChannel;
        private boolean lastAnswer;

        ListeningFilter(Predicate<String> listening) {
            this.listening = listening;
        }

        @Override
        public boolean test(NotificationRun run) {
            if (run.channel() != lastChannel) {
                lastChannel = run.channel();
                lastAnswer = listening.test(lastChannel);
            }
            return lastAnswer;
        }
    }

    /**
     * Ends the session with a FATAL error; what is queued is dropped and counted.
     */
    void terminate(Termination reason) {
        int dropped;
        lock.lock();
        try {
            terminated = true;
            dropped = queuedCount;
            clearQueue();
        } finally {
            lock.unlock();
        }
        if (dropped > 0) {
            listener.notificationsDropped("client_terminated", dropped);
        }
        connection.terminate(reason);
    }

    /**
     * When a client counts as unable to keep up.
     *
     * @param maxQueued      notifications waiting
     * @param maxQueuedBytes their bytes
     * @param stallTimeout   time without writing any while some wait
     */
    public record NotificationLimits(int maxQueued, long maxQueuedBytes, Duration stallTimeout) {
    }
}
