package io.allas.server.sql;

import java.util.List;

/**
 * {@code NOTIFY channel [, 'payload']}, with PostgreSQL's syntax errors. The other way to send a
 * notification, {@code SELECT pg_notify(channel, payload)}, is a session function
 * ({@link SessionFunction#PG_NOTIFY}) read with the others by {@link SessionFunctionQuery}.
 */
final class NotifyStatements {

    private NotifyStatements() {
    }

    /**
     * @param tokens a statement's tokens, {@code NOTIFY} first
     */
    static Statement.Notify parseNotify(List<Token> tokens) throws SqlError {
        if (tokens.size() < 2) {
            throw new SqlError("syntax error at end of input");
        }
        if (!tokens.get(1).isName()) {
            throw syntaxErrorAt(tokens.get(1));
        }
        String channel = tokens.get(1).text();
        if (tokens.size() == 2) {
            return new Statement.Notify(channel, "");
        }
        if (!isSymbol(tokens.get(2), ",")) {
            throw syntaxErrorAt(tokens.get(2));
        }
        if (tokens.size() == 3) {
            throw new SqlError("syntax error at end of input");
        }
        if (tokens.get(3).kind() != Token.Kind.STRING) {
            throw syntaxErrorAt(tokens.get(3));
        }
        if (tokens.size() > 4) {
            throw syntaxErrorAt(tokens.get(4));
        }
        return new Statement.Notify(channel, tokens.get(3).text());
    }

    private static boolean isSymbol(Token token, String symbol) {
        return token.kind() == Token.Kind.SYMBOL && token.source().equals(symbol);
    }

    private static SqlError syntaxErrorAt(Token token) {
        return new SqlError("syntax error at or near \"" + token.source() + "\"");
    }
}
