package io.allas.server.session;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One client's {@link ClientState} and its one transition method, which owns the side effects of a
 * change: entering {@link ClientState#IDLE} sets the client's waiting notifications going; leaving
 * it waits for a notification write under way, so that the response that follows never
 * interleaves with one. Only the session's own thread changes the state; notification delivery
 * reads it through {@link #underNotificationGate}.
 */
final class ClientStateMachine {

    /** Whoever has notifications waiting for the client: told when they may go. */
    interface NotificationsWaiting {
        void clientAcceptsNotifications();
    }

    /** Delivery work done while the state cannot change. */
    @FunctionalInterface
    interface GatedWork {
        /**
         * @param accepting whether notifications may be written now
         * @return whether delivery goes on
         */
        boolean run(boolean accepting) throws IOException;
    }

    private final ReentrantLock gate = new ReentrantLock();
    private volatile ClientState state = ClientState.STARTUP;
    private NotificationsWaiting waiting = () -> { };

    /**
     * @param waiting told each time the client starts accepting notifications
     */
    void deliverTo(NotificationsWaiting waiting) {
        this.waiting = waiting;
    }

    ClientState current() {
        return state;
    }

    /**
     * Moves to {@code next}, as the protocol allows.
     *
     * @throws IllegalStateException for a move the protocol does not allow: a bug in allas
     */
    void transition(ClientState next) {
        if (next == ClientState.CLOSED) {
            // Without the gate: a write under way to a client that stopped reading must not hold
            // up the end of its session. Whatever delivery does next finds the gate shut.
            state = next;
            return;
        }
        gate.lock();
        try {
            if (!state.canBecome(next)) {
                throw new IllegalStateException("a client cannot go from " + state + " to " + next);
            }
            state = next;
            if (next.acceptsNotifications()) {
                waiting.clientAcceptsNotifications();
            }
        } finally {
            gate.unlock();
        }
    }

    /**
     * Runs notification delivery work with the state held still: the session's next transition
     * waits until the work is done. This is the only place that answers whether notifications may
     * be written to the client now.
     *
     * <p>Not while the session waits for the gate: the only move it can be waiting to make from
     * {@link ClientState#IDLE} is to {@link ClientState#BUSY}, so its client's message is answered
     * first, and a steady stream of notifications cannot keep the gate from it batch after batch.
     */
    boolean underNotificationGate(GatedWork work) throws IOException {
        gate.lock();
        try {
            return work.run(state.acceptsNotifications() && !gate.hasQueuedThreads());
        } finally {
            gate.unlock();
        }
    }
}
