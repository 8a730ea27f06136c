package io.allas.server.sql;

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
}
