package io.allas.server.session;

import io.allas.server.protocol.SqlState;

/**
 * Why allas ends a client's session from outside it, and the FATAL error the client is told: each
 * reason once, with PostgreSQL's wording where PostgreSQL has the same reason.
 */
public enum Termination {
    /** allas is shutting down. */
    ADMIN_SHUTDOWN(SqlState.ADMIN_SHUTDOWN, "terminating connection due to administrator command"),
    /** The upstream connection was lost: the client may have missed notifications and must resynchronise. */
    SERVER_CONNECTION_LOST(SqlState.SERVER_CONNECTION_LOST, "terminating connection because the server connection was lost"),
    /** The client let its notifications pile up, or stopped reading. */
    CLIENT_TOO_SLOW(SqlState.CLIENT_TOO_SLOW, "terminating connection because the client could not keep up"),
    /** The client did not finish connecting within {@code limits.startup_timeout_ms}. */
    AUTHENTICATION_TIMEOUT(SqlState.QUERY_CANCELED, "canceling authentication due to timeout");

    private final String sqlState;
    private final String message;

    Termination(String sqlState, String message) {
        this.sqlState = sqlState;
        this.message = message;
    }

    public String sqlState() {
        return sqlState;
    }

    public String message() {
        return message;
    }
}
