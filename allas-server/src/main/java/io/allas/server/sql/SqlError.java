package io.allas.server.sql;

/**
 * A statement failed: the client is told with ERROR, this SQLSTATE (42601, a syntax error,
 * unless another is given) and the message, and the session goes on.
 */
public final class SqlError extends Exception {

    private final String sqlState;

    public SqlError(String message) {
        this("42601", message);
    }

    public SqlError(String sqlState, String message) {
        super(message);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
