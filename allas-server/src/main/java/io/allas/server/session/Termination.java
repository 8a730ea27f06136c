package io.allas.server.session;

import java.time.Duration;

import io.allas.server.protocol.SqlState;

/**
 * Why allas ends a client's session from outside it, and the FATAL error the client is told: each
 * reason once, with PostgreSQL's wording where PostgreSQL has the same reason.
 */
public enum Termination {
    /** allas is shutting down. */
    ADMIN_SHUTDOWN(SqlState.ADMIN_SHUTDOWN, "terminating connection due to administrator command", false),
    /** The upstream connection was lost: the client may have missed notifications and must resynchronise. */
    SERVER_CONNECTION_LOST(SqlState.SERVER_CONNECTION_LOST, "terminating connection because the server connection was lost", true),
    /** The client let its notifications pile up, or stopped reading. */
    CLIENT_TOO_SLOW(SqlState.CLIENT_TOO_SLOW, "terminating connection because the client could not keep up", true),
    /** The client did not finish connecting within {@code limits.startup_timeout_ms}. */
    AUTHENTICATION_TIMEOUT(SqlState.QUERY_CANCELED, "canceling authentication due to timeout", false);

    /** What a termination that must be quick (shutdown, a connection slot to free) waits for a client to take its FATAL. */
    private static final Duration QUICK_GRACE = Duration.ofSeconds(2);

    private final String sqlState;
    private final String message;
    private final boolean waitsForSlowClient;

    Termination(String sqlState, String message, boolean waitsForSlowClient) {
        this.sqlState = sqlState;
        this.message = message;
        this.waitsForSlowClient = waitsForSlowClient;
    }

    public String sqlState() {
        return sqlState;
    }

    public String message() {
        return message;
    }

    /**
     * How long the client may take to receive what is under way and then the FATAL before its socket
     * is closed regardless. Closing while a write is blocked would leave the client half a message, so a
     * client merely slow gets as long as it may stall anyway; shutdown and the startup timeout, which
     * exist to be quick, wait less.
     *
     * @param stallTimeout {@code notification_queue.stall_timeout_ms}
     */
    public Duration grace(Duration stallTimeout) {
        return waitsForSlowClient ? stallTimeout : QUICK_GRACE;
    }
}
