package io.allas.server.sql;

/**
 * A query allas cannot take: the message is what the client is told, with SQLSTATE 42601
 * unless another one is given.
 */
public final class SqlSyntaxException extends Exception {

    private final String sqlState;

    public SqlSyntaxException(String message) {
        this("42601", message);
    }

    public SqlSyntaxException(String sqlState, String message) {
        super(message);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
