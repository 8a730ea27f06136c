package io.allas.server.sql;

import java.util.List;

/**
 * One column of a {@link Statement.SessionQuery}: a session function, its arguments, the name
 * of the column and the type it is cast to.
 *
 * @param function  the function
 * @param arguments its arguments, in order
 * @param column    the column's name: the alias given, else the function's, as PostgreSQL names it
 * @param cast      the type of a {@code ::type} or {@code CAST(... AS type)}, or null
 */
public record SessionExpression(SessionFunction function, List<Argument> arguments, String column, SqlType cast) {

    public SessionExpression {
        arguments = List.copyOf(arguments);
    }

    /** @return the type of the column: the cast's, else the function's */
    public SqlType type() {
        return cast == null ? function.type() : cast;
    }

    /** An argument: a constant written in the query, or a parameter bound to it. */
    public sealed interface Argument {
        /**
         * @param value the constant as text ({@code true}, {@code 'x'} without quotes, {@code 12}), null for NULL
         */
        record Constant(String value) implements Argument {
        }

        /**
         * @param number {@code $n}'s n, from 1
         */
        record Parameter(int number) implements Argument {
        }
    }
}
