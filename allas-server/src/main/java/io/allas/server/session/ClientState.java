package io.allas.server.session;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Where one client's session stands, as PostgreSQL's protocol sees it. Whether notifications may
 * be written to the client is a property of the state, and of nothing else.
 */
public enum ClientState {
    /** Connected, not yet authenticated: startup packets, TLS, authentication. */
    STARTUP,
    /** Answering the client: everything written belongs to the response. */
    BUSY,
    /** An extended-protocol message failed: everything up to the next Sync is ignored. */
    SKIPPING_TO_SYNC,
    /** ReadyForQuery sent outside a transaction block: waiting for the client's next message. */
    IDLE,
    /** ReadyForQuery sent inside a transaction block: PostgreSQL holds notifications until it ends. */
    IDLE_IN_TRANSACTION,
    /** The session is over. */
    CLOSED;

    /**
     * @return whether notifications may be written now: only between ReadyForQuery and the
     *         client's next message, outside a transaction block, so that they never land inside a
     *         response or a transaction
     */
    public boolean acceptsNotifications() {
        return this == IDLE;
    }

    /**
     * @return whether the client has had its ReadyForQuery and the session waits for it
     */
    public boolean awaitsClient() {
        return this == IDLE || this == IDLE_IN_TRANSACTION;
    }

    /**
     * @return whether the protocol allows going from this state to {@code next}
     */
    public boolean canBecome(ClientState next) {
        return next == CLOSED || successors().contains(next);
    }

    private Set<ClientState> successors() {
        return switch (this) {
            case STARTUP -> AFTER_STARTUP;
            case BUSY -> AFTER_BUSY;
            case SKIPPING_TO_SYNC -> AFTER_SKIPPING;
            case IDLE, IDLE_IN_TRANSACTION -> AFTER_IDLE;
            case CLOSED -> Set.of();
        };
    }

    // Made once: a client moves twice per query.
    private static final Set<ClientState> AFTER_STARTUP = Collections.unmodifiableSet(EnumSet.of(IDLE));
    private static final Set<ClientState> AFTER_BUSY =
            Collections.unmodifiableSet(EnumSet.of(SKIPPING_TO_SYNC, IDLE, IDLE_IN_TRANSACTION));
    private static final Set<ClientState> AFTER_SKIPPING = Collections.unmodifiableSet(EnumSet.of(IDLE, IDLE_IN_TRANSACTION));
    private static final Set<ClientState> AFTER_IDLE = Collections.unmodifiableSet(EnumSet.of(BUSY));
}
