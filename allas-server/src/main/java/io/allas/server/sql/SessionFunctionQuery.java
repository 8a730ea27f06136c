package io.allas.server.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Queries of the functions that describe the client's own session ({@link SessionFunction}),
 * which allas answers for the client rather than for its one upstream connection. Two forms, as
 * PostgreSQL takes them: a SELECT list of such functions ({@code SELECT current_database(),
 * current_user AS who, version()::text}), each with its optional cast ({@code ::type} or {@code
 * CAST(... AS type)}) and {@code [AS] alias}; and {@code SELECT * FROM f(...) [[AS] alias]}.
 * Arguments are constants or parameters ({@code $1}). Anything more (other expressions, WHERE
 * ...) is not one of these queries.
 */
final class SessionFunctionQuery {

    /**
     * Words that begin a clause: PostgreSQL does not take them for an alias without AS, so
     * {@code SELECT pg_backend_pid() WHERE} stays an error rather than a column named "where".
     */
    private static final Set<String> CLAUSE_KEYWORDS = Set.of("from", "where", "group", "having", "window", "order",
            "limit", "offset", "fetch", "for", "union", "intersect", "except", "into", "as");

    /** A function and its arguments, before its column is named. */
    private record Call(SessionFunction function, List<SessionExpression.Argument> arguments) {
    }

    private final List<Token> tokens;
    private int index = 1;
    private int parameterCount;

    private SessionFunctionQuery(List<Token> tokens) {
        this.tokens = tokens;
    }

    /**
     * @param tokens a statement's tokens, {@code SELECT} first
     * @return the statement, or empty when the query is not one of these
     */
    static Optional<Statement> parse(List<Token> tokens) {
        return Optional.ofNullable(new SessionFunctionQuery(tokens).query());
    }

    private Statement query() {
        List<SessionExpression> columns = new ArrayList<>();
        if (symbol("*")) {
            Call call = keyword("from") ? call() : null;
            String column = call == null ? null : alias(call.function().sqlName());
            if (column == null) {
                return null;
            }
            columns.add(new SessionExpression(call.function(), call.arguments(), column, null));
        } else {
            do {
                SessionExpression column = column();
                if (column == null) {
                    return null;
                }
                columns.add(column);
            } while (symbol(","));
        }
        return index == tokens.size() ? new Statement.SessionQuery(columns, parameterCount) : null;
    }

    private SessionExpression column() {
        Call call;
        SqlType cast = null;
        if (peekKeyword(index, "cast") && peekSymbol(index + 1, "(")) {
            index += 2;
            call = call();
            if (call == null || !keyword("as") || (cast = typeName()) == null || !symbol(")")) {
                return null;
            }
        } else {
            call = call();
            if (call == null) {
                return null;
            }
        }
        while (peekSymbol(index, ":") && peekSymbol(index + 1, ":")) {
            index += 2;
            if ((cast = typeName()) == null) {
                return null;
            }
        }
        String column = alias(call.function().sqlName());
        return column == null ? null : new SessionExpression(call.function(), call.arguments(), column, cast);
    }

    /**
     * @return the alias that follows, if any, else {@code otherwise}; null when what follows is no alias
     */
    private String alias(String otherwise) {
        boolean as = keyword("as");
        if (index < tokens.size() && tokens.get(index).isName()
                && (as || !CLAUSE_KEYWORDS.stream().anyMatch(tokens.get(index)::isKeyword))) {
            return tokens.get(index++).text();
        }
        return as ? null : otherwise;
    }

    private Call call() {
        int start = index;
        boolean qualified = keyword("pg_catalog") && symbol(".");
        if (!qualified) {
            index = start;
        }
        if (index >= tokens.size() || !tokens.get(index).isName()) {
            return null;
        }
        Token name = tokens.get(index);
        if (!peekSymbol(index + 1, "(")) {
            Optional<SessionFunction> keyword = name.kind() == Token.Kind.IDENTIFIER && !qualified
                    ? SessionFunction.keyword(name.text()) : Optional.empty();
            keyword.ifPresent(f -> index++);
            return keyword.map(f -> new Call(f, List.of())).orElse(null);
        }
        Optional<SessionFunction> function = SessionFunction.called(name.text());
        if (function.isEmpty()) {
            return null;
        }
        index += 2;
        List<SqlType> parameterTypes = function.get().parameterTypes();
        List<SessionExpression.Argument> arguments = new ArrayList<>();
        if (!symbol(")")) {
            do {
                SessionExpression.Argument argument = argument(
                        arguments.size() < parameterTypes.size() ? parameterTypes.get(arguments.size()) : null);
                if (argument == null) {
                    return null;
                }
                arguments.add(argument);
            } while (symbol(","));
            if (!symbol(")")) {
                return null;
            }
        }
        int most = parameterTypes.size();
        if (arguments.size() < function.get().minimumArguments() || arguments.size() > most) {
            return null;
        }
        return new Call(function.get(), arguments);
    }

    /**
     * @param type the type of the function's parameter it is passed to; null for one too many
     */
    private SessionExpression.Argument argument(SqlType type) {
        if (index >= tokens.size()) {
            return null;
        }
        Token token = tokens.get(index);
        SessionExpression.Argument argument;
        if (symbol("(")) {
            // pgjdbc's simple mode writes a parameter as ('value'::type).
            argument = argument(type);
            if (argument == null || !symbol(")")) {
                return null;
            }
        } else if (token.kind() == Token.Kind.STRING || token.kind() == Token.Kind.NUMBER) {
            argument = new SessionExpression.Argument.Constant(token.text());
            index++;
        } else if (token.isKeyword("true") || token.isKeyword("false")) {
            argument = new SessionExpression.Argument.Constant(token.text());
            index++;
        } else if (token.isKeyword("null")) {
            argument = new SessionExpression.Argument.Constant(null);
            index++;
        } else if (peekSymbol(index, "$") && index + 1 < tokens.size() && tokens.get(index + 1).kind() == Token.Kind.NUMBER
                && tokens.get(index + 1).text().chars().allMatch(Character::isDigit)) {
            int number = Integer.parseInt(tokens.get(index + 1).text());
            if (number < 1) {
                return null;
            }
            parameterCount = Math.max(parameterCount, number);
            argument = new SessionExpression.Argument.Parameter(number);
            index += 2;
        } else {
            return null;
        }
        SqlType cast = null;
        while (peekSymbol(index, ":") && peekSymbol(index + 1, ":")) {
            index += 2;
            if ((cast = typeName()) == null) {
                return null;
            }
        }
        return cast == null || type == null || passes(cast, type) ? argument : null;
    }

    /**
     * @return whether PostgreSQL passes a value of type {@code from} to a parameter of type
     *         {@code to} (it finds no function for {@code pg_notify('a', 'b'::int)})
     */
    private static boolean passes(SqlType from, SqlType to) {
        return switch (to) {
            case TEXT -> from == SqlType.TEXT || from == SqlType.VARCHAR || from == SqlType.NAME;
            default -> from == to;
        };
    }

    /**
     * @return the type a cast names ({@code text}, {@code pg_catalog.name}, {@code varchar(60)},
     *         {@code character varying} ...), or null when allas does not cast to it
     */
    private SqlType typeName() {
        int start = index;
        if (!(keyword("pg_catalog") && symbol("."))) {
            index = start;
        }
        if (index >= tokens.size() || !tokens.get(index).isName()) {
            return null;
        }
        String name = tokens.get(index++).text();
        if (name.equals("character") && keyword("varying")) {
            name = "character varying";
        }
        if (peekSymbol(index, "(") && index + 2 < tokens.size() && tokens.get(index + 1).kind() == Token.Kind.NUMBER
                && peekSymbol(index + 2, ")")) {
            index += 3;
        }
        if (peekSymbol(index, "[") && peekSymbol(index + 1, "]")) {
            index += 2;
            name += "[]";
        }
        return SqlType.named(name).orElse(null);
    }

    private boolean keyword(String keyword) {
        if (peekKeyword(index, keyword)) {
            index++;
            return true;
        }
        return false;
    }

    private boolean symbol(String symbol) {
        if (peekSymbol(index, symbol)) {
            index++;
            return true;
        }
        return false;
    }

    private boolean peekKeyword(int at, String keyword) {
        return at < tokens.size() && tokens.get(at).isKeyword(keyword);
    }

    private boolean peekSymbol(int at, String symbol) {
        return at < tokens.size() && tokens.get(at).kind() == Token.Kind.SYMBOL && tokens.get(at).source().equals(symbol);
    }
}
