package io.allas.server.sql;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * {@code SET [SESSION | LOCAL] TRANSACTION modes}, for the transaction under way, and
     * {@code SET SESSION CHARACTERISTICS AS TRANSACTION modes}, for the session's later ones (as
     * pgjdbc's setTransactionIsolation sends it, and pools when they reset a returned connection).
     *
     * @param modes   {@code transaction_isolation}, {@code transaction_read_only} and
     *                {@code transaction_deferrable} to their values, in the order written
     * @param session SESSION CHARACTERISTICS: the {@code default_} parameters are set instead
     */
    record SetTransaction(Map<String, String> modes, boolean session) implements Statement {
        public SetTransaction {
            modes = Collections.unmodifiableMap(new LinkedHashMap<>(modes));
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
     * @param currentSchemas where the text calls {@code current_schemas(true | false)}, in order
     */
    record CatalogQuery(String sql, List<Integer> parameterTypes, List<CurrentSchemas> currentSchemas) implements Statement {

        public CatalogQuery(String sql) {
            this(sql, List.of(), List.of());
        }

        public CatalogQuery {
            parameterTypes = List.copyOf(parameterTypes);
            currentSchemas = List.copyOf(currentSchemas);
        }

        /** The same query, with the parameter types a Parse declared. */
        public CatalogQuery withParameterTypes(List<Integer> types) {
            return new CatalogQuery(sql, types, currentSchemas);
        }

        /**
         * The query PostgreSQL runs for a client: each {@code current_schemas(...)} call replaced by
         * the client's own schemas as a constant, since the catalog connection's would be allas's
         * (pgjdbc's type lookups ask {@code n.nspname = ANY(current_schemas(true))}). A scalar
         * subquery keeps the column name PostgreSQL gives the call; the cast after it keeps
         * {@code ANY(...)} comparing with the array's elements, not with a subquery's rows.
         *
         * @param schemas the client's schemas, with ({@code true}) or without the implicit ones
         */
        public CatalogQuery forSession(java.util.function.Function<Boolean, List<String>> schemas) {
            if (currentSchemas.isEmpty()) {
                return this;
            }
            StringBuilder text = new StringBuilder();
            int from = 0;
            for (CurrentSchemas call : currentSchemas) {
                text.append(sql, from, call.start()).append("(SELECT '{");
                List<String> names = schemas.apply(call.includeImplicit());
                for (int i = 0; i < names.size(); i++) {
                    // An array element in double quotes (backslash-escaped), in a string constant ('' for ').
                    String element = names.get(i).replace("\\", "\\\\").replace("\"", "\\\"").replace("'", "''");
                    text.append(i == 0 ? "" : ",").append('"').append(element).append('"');
                }
                text.append("}'::pg_catalog.name[] AS current_schemas)::pg_catalog.name[]");
                from = call.end();
            }
            text.append(sql, from, sql.length());
            return new CatalogQuery(text.toString(), parameterTypes, List.of());
        }

        @Override
        public String commandTag() {
            return "SELECT";
        }
    }

    /**
     * A call of {@code current_schemas(true)} or {@code current_schemas(false)} in a catalog query.
     *
     * @param start           where it begins in the query text (its {@code pg_catalog.} if written)
     * @param end             just after its closing parenthesis
     * @param includeImplicit its argument
     */
    record CurrentSchemas(int start, int end, boolean includeImplicit) {
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
