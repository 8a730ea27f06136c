package io.allas.server.session;

import java.io.IOException;
import java.util.ArrayDeque;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import io.allas.server.config.NotificationQueue;
import io.allas.server.config.OnOverflow;
import io.allas.server.protocol.PacketBuilder;
import io.allas.server.protocol.backend.NotificationRun;
import io.allas.server.relay.Gap;
import io.allas.server.relay.Subscriber;

/**
 * One client's queue of notifications on their way out. The relay's thread only appends (it never
 * waits for this client); a virtual thread started on demand writes the queue out in batches
 * while the client's state accepts notifications, and exits when the queue is empty or the state
 * does not, so an idle client holds no thread. A client that lets too much pile up, or stops
 * reading for too long, is terminated with 57A03 without slowing anyone else.
 */
public final class NotificationOutbox implements Subscriber, ClientStateMachine.NotificationsWaiting {

    private static final System.Logger LOG = System.getLogger(NotificationOutbox.class.getName());
    /** About this many bytes per write (whole runs): few system calls for a busy listener. */
    private static final int BATCH_BYTES = 64 * 1024;
    /** Starts the drains: one per client and burst, so no builder is made per start. */
    private static final ThreadFactory DRAINS = Thread.ofVirtual().name("allas-notify").factory();

    /** Whether a drain runs. */
    private enum Delivery {
        /** No drain runs: the queue is empty, or the client does not accept notifications now. */
        WAITING,
        /** A drain writes the queue out. */
        DRAINING,
        /** The session is over or was terminated: nothing more is queued or written. */
        CLOSED
    }

    private final ClientConnection connection;
    private final ClientStateMachine states;
    private final NotificationQueue limits;
    private final Runnable onSlowClient;
    private final SessionEvents events;
    private final ReentrantLock lock = new ReentrantLock();
    /** Runs of notifications on one channel, as the upstream sent them. */
    private final ArrayDeque<NotificationRun> queue = new ArrayDeque<>();
    private int queuedCount;
    private long queuedBytes;
    private Delivery delivery = Delivery.WAITING;
    /** Whether the session still listens on a channel; notifications for others are not written. */
    private volatile Predicate<String> listening = channel -> true;
    /** How the client is told of a gap; set with the session's channels. */
    private volatile GapReport gapReport;
    /** The slow-client gap report waiting in the queue, and what it reports; null when none waits. */
    private NotificationRun queuedReport;
    private Gap queuedGap;
    private long lastProgressNanos = System.nanoTime();

    NotificationOutbox(ClientConnection connection, ClientStateMachine states, NotificationQueue limits,
                       SessionEvents events, Runnable onSlowClient) {
        this.connection = connection;
        this.states = states;
        this.limits = limits;
        this.events = events;
        this.onSlowClient = onSlowClient;
    }

    @Override
    public void deliver(List<NotificationRun> runs) {
        boolean startDrain;
        boolean tooSlow = false;
        int dropped = 0;
        int gapDropped = 0;
        boolean newReport = false;
        lock.lock();
        try {
            if (delivery == Delivery.CLOSED) {
                return;
            }
            for (NotificationRun run : runs) {
                queue.addLast(run);
                queuedCount += run.count();
                queuedBytes += run.messages().length;
            }
            // A drain blocked in a write this long means the client stopped reading; notifications
            // merely held back by a transaction block do not count as a stall.
            boolean stalled = delivery == Delivery.DRAINING
                    && System.nanoTime() - lastProgressNanos > limits.stallTimeout().toNanos();
            boolean overflowing = queuedCount > limits.maxNotifications() || queuedBytes > limits.maxBytes();
            if (stalled || overflowing && (limits.onOverflow() == OnOverflow.TERMINATE || gapReport == null)) {
                tooSlow = true;
                dropped = closeLocked();
            } else if (overflowing) {
                // a report still waiting absorbs this one: the client is told once
                newReport = queuedGap == null;
                gapDropped = dropForGapLocked();
            }
            startDrain = !tooSlow && startDraining();
        } finally {
            lock.unlock();
        }
        if (gapDropped > 0) {
            events.notificationsDropped("slow_client", gapDropped);
        }
        if (newReport) {
            events.gapReported(Gap.SLOW_CLIENT, 1);
        }
        if (tooSlow) {
            events.notificationsDropped("slow_client", dropped);
            onSlowClient.run();
            connection.terminate(Termination.CLIENT_TOO_SLOW, Termination.CLIENT_TOO_SLOW.grace(limits.stallTimeout()));
        } else if (startDrain) {
            DRAINS.newThread(this::drain).start();
        }
    }

    @Override
    public void missed(Gap gap) {
        GapReport report = gapReport;
        if (report != null) {
            deliver(List.of(report.messageFor(gap)));
        }
    }

    /**
     * @param report how the client is told that it may have missed notifications
     */
    void reportGapsWith(GapReport report) {
        this.gapReport = report;
    }

    /**
     * @param listening whether the session still listens on a channel: PostgreSQL checks that when
     *                  it delivers, so nothing queued before an UNLISTEN or DISCARD ALL arrives after it
     */
    void filterBy(Predicate<String> listening) {
        this.listening = listening;
    }

    /**
     * The client accepts notifications again (idle, outside a transaction): write what waited.
     */
    @Override
    public void clientAcceptsNotifications() {
        boolean startDrain;
        lock.lock();
        try {
            startDrain = !queue.isEmpty() && startDraining();
        } finally {
            lock.unlock();
        }
        if (startDrain) {
            DRAINS.newThread(this::drain).start();
        }
    }

    /**
     * @return the notifications queued for the client now
     */
    int queued() {
        lock.lock();
        try {
            return queuedCount;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return how full the queue is, from 0 to 1, by count or bytes, whichever is fuller
     */
    double fillRatio() {
        lock.lock();
        try {
            return Math.max((double) queuedCount / limits.maxNotifications(), (double) queuedBytes / limits.maxBytes());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Drops what is queued, without a word to the client: the session is over.
     */
    void discard() {
        close();
    }

    /**
     * Ends the session with a FATAL error; what is queued is dropped and counted.
     */
    void terminate(Termination reason) {
        int dropped = close();
        if (dropped > 0) {
            events.notificationsDropped("client_terminated", dropped);
        }
        connection.terminate(reason, reason.grace(limits.stallTimeout()));
    }

    private void drain() {
        // Grows to the batches it gathers; a lone run (most bursts) is written without it, so it starts empty.
        PacketBuilder scratch = new PacketBuilder(0);
        List<NotificationRun> batch = new ArrayList<>();
        try {
            // An empty queue ends the drain without the gate: a delivery meanwhile finds it stopped
            // under the outbox's lock and starts another. Only a stop for the client's state needs the gate.
            while (!drained() && states.underNotificationGate(
                    accepting -> accepting ? writeNextBatch(batch, scratch) : stopDraining())) {
                events.notificationsWritten(batch.getFirst().receivedNanos());
                batch.clear();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "notification delivery failed: {0}", e.toString());
            events.notificationsDropped("client_gone", close());
            connection.close();
        }
    }

    /**
     * Writes one batch; the client's state cannot change meanwhile.
     *
     * @return false when there was nothing left to write, and the drain ends
     */
    private boolean writeNextBatch(List<NotificationRun> batch, PacketBuilder scratch) throws IOException {
        int count = 0;
        int bytes = 0;
        lock.lock();
        try {
            if (delivery == Delivery.CLOSED || queue.isEmpty()) {
                return stopDrainingLocked();
            }
            while (bytes < BATCH_BYTES && !queue.isEmpty()) {
                NotificationRun next = queue.pollFirst();
                if (next == queuedReport) {
                    // On its way: a later overflow reports a gap of its own.
                    queuedReport = null;
                    queuedGap = null;
                }
                batch.add(next);
                count += next.count();
                bytes += next.messages().length;
            }
        } finally {
            lock.unlock();
        }
        connection.writer().writeNotifications(batch, NotificationRun::messages, new ListeningFilter(listening), scratch);
        lock.lock();
        try {
            // A termination meanwhile has already zeroed the counts, this batch included.
            if (delivery != Delivery.CLOSED) {
                queuedCount -= count;
                queuedBytes -= bytes;
            }
            lastProgressNanos = System.nanoTime();
        } finally {
            lock.unlock();
        }
        return true;
    }

    /** @return true, with the drain stopped, when nothing is left to write */
    private boolean drained() {
        lock.lock();
        try {
            if (delivery == Delivery.CLOSED || queue.isEmpty()) {
                stopDrainingLocked();
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** The client does not accept notifications now: they wait until its state says it does. */
    private boolean stopDraining() {
        lock.lock();
        try {
            return stopDrainingLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Called with the lock held. */
    private boolean stopDrainingLocked() {
        if (delivery == Delivery.DRAINING) {
            delivery = Delivery.WAITING;
        }
        return false;
    }

    /**
     * Called with the lock held.
     *
     * @return whether the caller must start a drain
     */
    private boolean startDraining() {
        if (delivery != Delivery.WAITING) {
            return false;
        }
        delivery = Delivery.DRAINING;
        lastProgressNanos = System.nanoTime();
        return true;
    }

    /**
     * {@code notification_queue.on_overflow: gap}: drops what waits in the queue (a batch being
     * written goes on) and queues in its place the report of what was dropped, so that the client,
     * once it reads again, learns what it missed and then receives what comes after. Called with
     * the lock held.
     *
     * @return how many notifications were dropped
     */
    private int dropForGapLocked() {
        int dropped = 0;
        long droppedBytes = 0;
        long oldestNanos = System.nanoTime();
        Set<String> channels = new LinkedHashSet<>();
        Gap earlier = queuedGap;
        for (NotificationRun run : queue) {
            if (run == queuedReport) {
                // A report not yet written: the new one covers it too.
                droppedBytes += run.messages().length;
                queuedCount -= run.count();
                continue;
            }
            dropped += run.count();
            droppedBytes += run.messages().length;
            oldestNanos = Math.min(oldestNanos, run.receivedNanos());
            if (run.channel() != null) {
                channels.add(run.channel());
            }
        }
        queue.clear();
        queuedCount -= dropped;
        queuedBytes -= droppedBytes;
        long nowNanos = System.nanoTime();
        Instant now = Instant.now();
        Instant from = now.minusNanos(nowNanos - oldestNanos);
        long droppedInAll = dropped;
        if (earlier != null) {
            from = earlier.from().isBefore(from) ? earlier.from() : from;
            Set<String> all = new LinkedHashSet<>(earlier.channels());
            all.addAll(channels);
            channels = all;
            droppedInAll += earlier.dropped();
        }
        queuedGap = new Gap(Gap.SLOW_CLIENT, from, now, List.copyOf(channels), droppedInAll);
        NotificationRun report = gapReport.messageFor(queuedGap);
        queuedReport = report;
        queue.addLast(report);
        queuedCount += report.count();
        queuedBytes += report.messages().length;
        return dropped;
    }

    /**
     * Ends delivery for good and drops what is queued.
     *
     * @return how many notifications were dropped
     */
    private int close() {
        lock.lock();
        try {
            return closeLocked();
        } finally {
            lock.unlock();
        }
    }

    /** {@link #close()} with the lock held. */
    private int closeLocked() {
        int dropped = queuedCount;
        delivery = Delivery.CLOSED;
        queue.clear();
        queuedCount = 0;
        queuedBytes = 0;
        return dropped;
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
            if (run.channel() == null) {
                // A gap notice: for the client whatever it listens on.
                return true;
            }
            if (run.channel() != lastChannel) {
                lastChannel = run.channel();
                lastAnswer = listening.test(lastChannel);
            }
            return lastAnswer;
        }
    }
}
