package io.allas.server.sql;

import java.util.List;

import io.allas.server.protocol.SqlState;

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
     * The catalog query with which postgres.js (its {@code fetch_types} option, on by default)
     * discovers array types before its first query. allas returns no arrays, so the answer is
     * the query's columns with no rows; without an answer the driver fails its first query.
     */
    record ArrayTypesQuery() implements Statement {
        @Override
        public String commandTag() {
            return "SELECT 0";
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

    /**
     * {@code SELECT pg_notify(channel, payload)}: as NOTIFY, and returns one {@code void} row.
     *
     * @param channel the channel argument
     * @param payload the payload argument
     * @param column  the result column's name: the function's, or the alias given
     */
    record PgNotify(Argument channel, Argument payload, String column) implements Statement {

        /**
         * A literal (its value; null for NULL) or a parameter ({@code $n}, n from 1; 0 for a literal).
         */
        public record Argument(String value, int parameter) {
            static Argument literal(String value) {
                return new Argument(value, 0);
            }

            static Argument parameter(int number) {
                return new Argument(null, number);
            }

            Argument bind(List<String> values) throws SqlError {
                if (parameter == 0) {
                    return this;
                }
                if (parameter > values.size()) {
                    throw new SqlError(SqlState.UNDEFINED_PARAMETER, "there is no parameter $" + parameter);
                }
                return literal(values.get(parameter - 1));
            }
        }

        /**
         * @return the highest parameter number the call uses; 0 when it uses none
         */
        public int parameterCount() {
            return Math.max(channel.parameter(), payload.parameter());
        }

        /**
         * @param values the bound parameters' values as text (null for NULL); none in the simple protocol
         * @return the call with its parameters replaced by their values
         * @throws SqlError 42P02 for a parameter without a value
         */
        public PgNotify bind(List<String> values) throws SqlError {
            return new PgNotify(channel.bind(values), payload.bind(values), column);
        }

        @Override
        public String commandTag() {
            return "SELECT 1";
        }
    }
}
