package io.allas.server.protocol;

import java.io.IOException;

/**
 * The client broke the wire protocol (a bad length, a truncated field, an unsupported version).
 * The session answers with FATAL and this SQLSTATE, then closes the connection, as PostgreSQL does.
 */
public final class ProtocolException extends IOException {

    private final String sqlState;

    /**
     * A protocol violation, 08P01.
     *
     * @param message what was wrong, in PostgreSQL's words where it has them
     */
    public ProtocolException(String message) {
        this(SqlState.PROTOCOL_VIOLATION, message);
    }

    /**
     * @param sqlState the SQLSTATE to report
     * @param message  what was wrong
     */
    public ProtocolException(String sqlState, String message) {
        super(message);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
