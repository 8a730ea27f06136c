package io.allas.auth.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of an authentication exchange.
 */
public sealed interface AuthResult {

    /**
     * @return success: allas sends AuthenticationOk and continues the startup
     */
    static AuthResult success() {
        return Success.INSTANCE;
    }

    /**
     * Success for a client that may use only some channels: the narrower of these and the
     * database's own {@code channels} applies to it.
     *
     * @param channels the channels this client may LISTEN on and NOTIFY
     * @return success, with the client's channel permissions
     */
    static AuthResult success(ChannelPermissions channels) {
        return new Success(Objects.requireNonNull(channels, "channels"));
    }

    /**
     * The failure PostgreSQL reports for a wrong password: FATAL 28P01
     * {@code password authentication failed for user "..."}. Use it for a wrong user name too,
     * so that the answer does not reveal which of the two was wrong.
     *
     * @param user   the user name the client gave
     * @param reason a short label for logs and metrics, such as {@code wrong_password}; never a secret
     * @return the failure
     */
    static AuthResult passwordFailed(String user, String reason) {
        return new Failure("28P01", "password authentication failed for user \"" + user + "\"", reason);
    }

    /**
     * A client that broke the protocol of the exchange (a malformed response): FATAL 08P01.
     *
     * @param message what was wrong, in PostgreSQL's style (lower case, no trailing period)
     * @return the failure
     */
    static AuthResult protocolViolation(String message) {
        return new Failure("08P01", message, "protocol_violation");
    }

    /**
     * Authentication succeeded.
     */
    final class Success implements AuthResult {
        private static final Success INSTANCE = new Success(null);

        private final ChannelPermissions channels;

        private Success(ChannelPermissions channels) {
            this.channels = channels;
        }

        /**
         * @return the channels the plugin granted this client; empty when it restricts none
         */
        public Optional<ChannelPermissions> channels() {
            return Optional.ofNullable(channels);
        }

        @Override
        public String toString() {
            return channels == null ? "Success" : "Success" + channels;
        }
    }

    /**
     * Authentication failed; the client receives FATAL with this SQLSTATE, message and detail.
     * Plugins may build failures with any SQLSTATE of PostgreSQL's class 28 (authorization), 08
     * (protocol) or 0A (feature not supported), as PostgreSQL's own methods do.
     *
     * @param sqlState the SQLSTATE, five characters (28P01, 28000, 08P01 ...)
     * @param message  the message the client sees
     * @param detail   a DETAIL line for the client, or null; never a secret
     * @param reason   a short label for logs and metrics; never a secret
     */
    record Failure(String sqlState, String message, String detail, String reason) implements AuthResult {
        /**
         * @param sqlState the SQLSTATE
         * @param message  the message
         * @param detail   the detail, or null
         * @param reason   the label
         */
        public Failure {
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(reason, "reason");
            if (sqlState == null || sqlState.length() != 5) {
                throw new IllegalArgumentException("a SQLSTATE has five characters: " + sqlState);
            }
        }

        /**
         * A failure without a detail line.
         *
         * @param sqlState the SQLSTATE
         * @param message  the message
         * @param reason   the label
         */
        public Failure(String sqlState, String message, String reason) {
            this(sqlState, message, null, reason);
        }

        /**
         * @param detail the DETAIL line
         * @return this failure with that detail
         */
        public Failure withDetail(String detail) {
            return new Failure(sqlState, message, detail, reason);
        }
    }
}
