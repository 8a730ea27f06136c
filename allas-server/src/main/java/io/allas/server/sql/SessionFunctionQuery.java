package io.allas.server.sql;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Queries of the functions that describe the client's own session, which allas answers for the
 * client rather than for its one upstream connection: {@code pg_listening_channels()} and
 * {@code pg_backend_pid()}. Two forms, each with an optional {@code [AS] alias} that names the
 * result column, as in PostgreSQL: {@code SELECT f()} and {@code SELECT * FROM f()}. Anything
 * more (other columns, WHERE, several functions) is not one of these queries.
 */
final class SessionFunctionQuery {

    /**
     * Words that begin a clause: PostgreSQL does not take them for an alias without AS, so
     * {@code SELECT pg_backend_pid() WHERE} stays an error rather than a column named "where".
     */
    private static final Set<String> CLAUSE_KEYWORDS = Set.of("from", "where", "group", "having", "window", "order",
            "limit", "offset", "fetch", "for", "union", "intersect", "except", "into");

    private SessionFunctionQuery() {
    }

    /**
     * @param tokens a statement's tokens, {@code SELECT} first
     * @return the statement, or empty when the query is not one of these
     */
    static Optional<Statement> parse(List<Token> tokens) {
        int index = 1;
        if (index + 2 < tokens.size() && isSymbol(tokens.get(index), "*") && tokens.get(index + 1).isKeyword("from")) {
            index += 2;
        }
        if (index + 2 < tokens.size() && tokens.get(index).isKeyword("pg_catalog") && isSymbol(tokens.get(index + 1), ".")) {
            index += 2;
        }
        if (index + 2 >= tokens.size() || !isSymbol(tokens.get(index + 1), "(") || !isSymbol(tokens.get(index + 2), ")")) {
            return Optional.empty();
        }
        Function<String, Statement> statement = switch (tokens.get(index).isName() ? tokens.get(index).text() : "") {
            case "pg_listening_channels" -> Statement.ListeningChannels::new;
            case "pg_backend_pid" -> Statement.BackendPid::new;
            default -> null;
        };
        if (statement == null) {
            return Optional.empty();
        }
        return columnName(tokens.get(index).text(), tokens.subList(index + 3, tokens.size())).map(statement);
    }

    /**
     * The name of a function call's result column.
     *
     * @param function the function's name, the column's name without an alias
     * @param alias    the tokens after the call: nothing, or {@code [AS] alias}
     * @return the column's name, or empty when the tokens are not an alias
     */
    static Optional<String> columnName(String function, List<Token> alias) {
        boolean bare = alias.isEmpty() || !alias.getFirst().isKeyword("as");
        if (!bare) {
            alias = alias.subList(1, alias.size());
            if (alias.isEmpty()) {
                return Optional.empty();
            }
        }
        if (alias.isEmpty()) {
            return Optional.of(function);
        }
        Token name = alias.getFirst();
        if (alias.size() == 1 && name.isName() && !(bare && CLAUSE_KEYWORDS.stream().anyMatch(name::isKeyword))) {
            return Optional.of(name.text());
        }
        return Optional.empty();
    }

    private static boolean isSymbol(Token token, String symbol) {
        return token.kind() == Token.Kind.SYMBOL && token.source().equals(symbol);
    }
}
