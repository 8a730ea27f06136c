package io.allas.server.sql;

import java.util.ArrayList;
import java.util.Collections;
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
     * {@code SET [SESSION | LOCAL] name {= | TO} value}: accepted so that drivers' connect-time
     * settings succeed; allas keeps the value only for what it reports itself.
     *
     * @param name  the parameter, lower case
     * @param value the value as written, quotes removed from a single literal
     */
    record Set(String name, String value) implements Statement {
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
     * @param sql              the query text, as the client sent it
     * @param parameterTypes   the parameter type OIDs the client declared in Parse (0 = unspecified)
     * @param parameterFormats the parameters' format codes, as bound (empty until Bind)
     * @param parameters       the parameter values, as bound (null for NULL; empty until Bind)
     */
    record CatalogQuery(String sql, List<Integer> parameterTypes, List<Short> parameterFormats,
                        List<byte[]> parameters) implements Statement {

        public CatalogQuery(String sql) {
            this(sql, List.of(), List.of(), List.of());
        }

        public CatalogQuery {
            parameterTypes = List.copyOf(parameterTypes);
            parameterFormats = List.copyOf(parameterFormats);
            // SQL NULLs are nulls: List.copyOf would refuse them.
            parameters = Collections.unmodifiableList(new ArrayList<>(parameters));
        }

        /** @return this query with the parameter types a Parse declared */
        public CatalogQuery declaring(List<Integer> types) {
            return new CatalogQuery(sql, types, List.of(), List.of());
        }

        /** @return this query with the values a Bind gave */
        public CatalogQuery bound(List<Short> formats, List<byte[]> values) {
            return new CatalogQuery(sql, parameterTypes, formats, values);
        }

        @Override
        public String commandTag() {
            return "SELECT";
        }
    }

    /**
     * {@code SELECT pg_listening_channels()} or {@code SELECT * FROM pg_listening_channels()}:
     * the channels this client listens on, one row each. Its command tag counts the rows, which
     * only the executor knows: {@code SELECT n}.
     *
     * @param column the result column's name: the function's, or the alias given
     */
    record ListeningChannels(String column) implements Statement {
        @Override
        public String commandTag() {
            return "SELECT";
        }
    }

    /**
     * {@code SELECT pg_backend_pid()} or {@code SELECT * FROM pg_backend_pid()}: the process ID
     * this client was given in its BackendKeyData.
     *
     * @param column the result column's name: the function's, or the alias given
     */
    record BackendPid(String column) implements Statement {
        @Override
        public String commandTag() {
            return "SELECT 1";
        }
    }
}
