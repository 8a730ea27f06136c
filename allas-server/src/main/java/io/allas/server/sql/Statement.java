package io.allas.server.sql;

import java.util.Arrays;
import java.util.List;

/**
 * A statement allas understands.
 */
public sealed interface Statement {

    /**
     * @return the command tag PostgreSQL answers with
     */
    String commandTag();

    /** {@code SELECT 1}, the ping that clients and pools send. */
    record SelectOne() implements Statement {
        @Override
        public String commandTag() {
            return "SELECT 1";
        }
    }

    /**
     * {@code LISTEN channel}.
     *
     * @param channel the channel as PostgreSQL keys it
     */
    record Listen(String channel) implements Statement {
        @Override
        public String commandTag() {
            return "LISTEN";
        }
    }

    /**
     * {@code UNLISTEN channel} or {@code UNLISTEN *}.
     *
     * @param channel the channel, or null for all
     */
    record Unlisten(String channel) implements Statement {
        @Override
        public String commandTag() {
            return "UNLISTEN";
        }
    }

    /**
     * {@code SET [SESSION | LOCAL] name {= | TO} value [, ...]}, {@code SET name TO DEFAULT} and the
     * SQL-standard forms {@code SET TIME ZONE}, {@code SET SCHEMA}, {@code SET NAMES}.
     *
     * @param name   the parameter, lower case unless quoted
     * @param values the values as written, quotes removed; empty for DEFAULT
     * @param local  SET LOCAL: until the end of the transaction
     */
    record Set(String name, List<String> values, boolean local) implements Statement {
        public Set {
            values = List.copyOf(values);
        }

        @Override
        public String commandTag() {
            return "SET";
        }
    }

    /** {@code BEGIN} or {@code START TRANSACTION}, with any transaction modes. */
    record Begin(String commandTag) implements Statement {
    }

    /** {@code COMMIT} or {@code END}. */
    record Commit() implements Statement {
        @Override
        public String commandTag() {
            return "COMMIT";
        }
    }

    /** {@code ROLLBACK} or {@code ABORT}. */
    record Rollback() implements Statement {
        @Override
        public String commandTag() {
            return "ROLLBACK";
        }
    }

    /**
     * {@code SHOW name}.
     *
     * @param name the parameter, lower case unless quoted
     */
    record Show(String name) implements Statement {
        @Override
        public String commandTag() {
            return "SHOW";
        }
    }

    /** {@code SHOW ALL}: every parameter with its value and description. */
    record ShowAll() implements Statement {
        @Override
        public String commandTag() {
            return "SHOW";
        }
    }

    /**
     * {@code RESET name} or {@code RESET ALL}.
     *
     * @param name the parameter, or null for all
     */
    record Reset(String name) implements Statement {
        @Override
        public String commandTag() {
            return "RESET";
        }
    }

    /** {@code DISCARD ALL}: what connection pools send to reset a connection. */
    record DiscardAll() implements Statement {
        @Override
        public String commandTag() {
            return "DISCARD ALL";
        }
    }

    /** {@code CLOSE ALL}: closes every portal. */
    record CloseAll() implements Statement {
        @Override
        public String commandTag() {
            return "CLOSE CURSOR ALL";
        }
    }

    /**
     * {@code DEALLOCATE [PREPARE] name} or {@code DEALLOCATE ALL}.
     *
     * @param name the prepared statement, or null for all
     */
    record Deallocate(String name) implements Statement {
        @Override
        public String commandTag() {
            return name == null ? "DEALLOCATE ALL" : "DEALLOCATE";
        }
    }

    /** {@code SELECT pg_advisory_unlock_all()}: pools send it on reset; allas holds no locks. */
    record AdvisoryUnlockAll() implements Statement {
        @Override
        public String commandTag() {
            return "SELECT 1";
        }
    }

    /**
     * A read-only query of the system catalogs (drivers build their type maps with these), passed
     * to PostgreSQL on allas's catalog connection and answered with PostgreSQL's result unchanged.
     * Its command tag is PostgreSQL's.
     *
     * @param sql            the query text, as the client sent it
     * @param parameterTypes the parameter type OIDs the client declared in Parse (0 = unspecified)
     */
    record CatalogQuery(String sql, List<Integer> parameterTypes) implements Statement {

        public CatalogQuery(String sql) {
            this(sql, List.of());
        }

        public CatalogQuery {
            parameterTypes = List.copyOf(parameterTypes);
        }

        @Override
        public String commandTag() {
            return "SELECT";
        }
    }

    /**
     * A SELECT of functions and values that describe the client's own session, which allas
     * answers for the client rather than for its one upstream connection
     * ({@code SELECT current_user, version()}, {@code SELECT * FROM pg_listening_channels()} ...).
     * Its command tag counts the rows, which only the executor knows: {@code SELECT n}.
     *
     * @param columns        the result columns, in order
     * @param parameterCount the highest {@code $n} it refers to
     */
    record SessionQuery(List<SessionExpression> columns, int parameterCount) implements Statement {
        public SessionQuery {
            columns = List.copyOf(columns);
        }

        /**
         * @return the type of each parameter {@code $1 ... $n} as the function it is passed to
         *         takes it, as PostgreSQL infers an undeclared parameter's type
         */
        public List<SqlType> parameterTypes() {
            SqlType[] types = new SqlType[parameterCount];
            Arrays.fill(types, SqlType.TEXT);
            for (SessionExpression column : columns) {
                for (int i = 0; i < column.arguments().size(); i++) {
                    if (column.arguments().get(i) instanceof SessionExpression.Argument.Parameter parameter) {
                        types[parameter.number() - 1] = column.function().parameterTypes().get(i);
                    }
                }
            }
            return List.of(types);
        }

        @Override
        public String commandTag() {
            return "SELECT";
        }
    }

    /**
     * {@code NOTIFY channel [, 'payload']}: sent upstream, at COMMIT inside a transaction.
     *
     * @param channel the channel as PostgreSQL keys it
     * @param payload the payload; empty when none was given
     */
    record Notify(String channel, String payload) implements Statement {
        @Override
        public String commandTag() {
            return "NOTIFY";
        }
    }
}
