package io.allas.server.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The two ways to send a notification: {@code NOTIFY channel [, 'payload']} and
 * {@code SELECT [pg_catalog.]pg_notify(channel, payload) [[AS] alias]}, whose arguments are string
 * literals, {@code NULL} or parameters ({@code $1}, bound in the extended protocol), each
 * optionally cast {@code ::text} or {@code ::varchar} and in parentheses.
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

    /**
     * @param tokens a statement's tokens, {@code SELECT} first
     * @return the call, or empty when the query is not one
     */
    static Optional<Statement.PgNotify> parsePgNotify(List<Token> tokens) {
        int index = 1;
        if (index + 1 < tokens.size() && tokens.get(index).isKeyword("pg_catalog") && isSymbol(tokens.get(index + 1), ".")) {
            index += 2;
        }
        if (index + 1 >= tokens.size() || !tokens.get(index).isKeyword("pg_notify") || !isSymbol(tokens.get(index + 1), "(")) {
            return Optional.empty();
        }
        index += 2;
        List<Statement.PgNotify.Argument> arguments = new ArrayList<>();
        while (arguments.size() < 2) {
            int[] next = {index};
            Optional<Statement.PgNotify.Argument> argument = argument(tokens, next);
            if (argument.isEmpty() || next[0] >= tokens.size()) {
                return Optional.empty();
            }
            arguments.add(argument.get());
            index = next[0];
            String expected = arguments.size() == 1 ? "," : ")";
            if (!isSymbol(tokens.get(index), expected)) {
                return Optional.empty();
            }
            index++;
        }
        return SessionFunctionQuery.columnName("pg_notify", tokens.subList(index, tokens.size()))
                .map(column -> new Statement.PgNotify(arguments.get(0), arguments.get(1), column));
    }

    /** One argument from {@code at[0]} on, which is moved past it. */
    private static Optional<Statement.PgNotify.Argument> argument(List<Token> tokens, int[] at) {
        int index = at[0];
        if (index >= tokens.size()) {
            return Optional.empty();
        }
        Token first = tokens.get(index);
        Statement.PgNotify.Argument argument;
        if (isSymbol(first, "(")) {
            // pgjdbc's simple mode writes its parameters so: ('value'::varchar)
            at[0] = index + 1;
            Optional<Statement.PgNotify.Argument> inner = argument(tokens, at);
            if (inner.isEmpty() || at[0] >= tokens.size() || !isSymbol(tokens.get(at[0]), ")")) {
                return Optional.empty();
            }
            argument = inner.get();
            index = at[0] + 1;
        } else if (first.kind() == Token.Kind.STRING) {
            argument = Statement.PgNotify.Argument.literal(first.text());
            index++;
        } else if (first.isKeyword("null")) {
            argument = Statement.PgNotify.Argument.literal(null);
            index++;
        } else if (isSymbol(first, "$") && index + 1 < tokens.size() && tokens.get(index + 1).kind() == Token.Kind.NUMBER
                && tokens.get(index + 1).text().matches("[1-9][0-9]{0,4}")) {
            argument = Statement.PgNotify.Argument.parameter(Integer.parseInt(tokens.get(index + 1).text()));
            index += 2;
        } else {
            return Optional.empty();
        }
        if (index + 2 < tokens.size() && isSymbol(tokens.get(index), ":") && isSymbol(tokens.get(index + 1), ":")) {
            Token type = tokens.get(index + 2);
            if (!(type.isKeyword("text") || type.isKeyword("varchar"))) {
                return Optional.empty();
            }
            index += 3;
        }
        at[0] = index;
        return Optional.of(argument);
    }

    private static boolean isSymbol(Token token, String symbol) {
        return token.kind() == Token.Kind.SYMBOL && token.source().equals(symbol);
    }

    private static SqlError syntaxErrorAt(Token token) {
        return new SqlError("syntax error at or near \"" + token.source() + "\"");
    }
}
