package io.allas.server.session;

/**
 * What the rest of allas hears of client sessions: metrics and logs.
 */
public interface SessionEvents {

    /** A client connection was accepted. */
    default void connected() {
    }

    /** An authenticated client began waiting for the upstream connection. */
    default void upstreamWaitStarted() {
    }

    /** A client stopped waiting for the upstream connection, served or not. */
    default void upstreamWaitEnded() {
    }

    /** A client connection ended, whatever the reason. */
    default void disconnected() {
    }

    /**
     * A client failed to authenticate.
     *
     * @param database the database it asked for
     * @param method   the method
     * @param reason   the plugin's reason label
     */
    default void authenticationFailed(String database, String method, String reason) {
    }

    /**
     * A client's statement was refused with an ERROR: allas does not support it, or it failed.
     *
     * @param sqlState the SQLSTATE the client was told
     */
    default void statementRefused(String sqlState) {
    }

    /** A client that could not keep up with its notifications was terminated. */
    default void slowClientTerminated() {
    }

    /**
     * Notifications were written to a client.
     *
     * @param oldestReceivedNanos when the oldest of them arrived from upstream
     */
    default void notificationsWritten(long oldestReceivedNanos) {
    }

    /**
     * Notifications queued for a client were dropped.
     *
     * @param reason why: {@code slow_client}, {@code client_terminated}, {@code client_gone}
     * @param count  how many
     */
    default void notificationsDropped(String reason, int count) {
    }

    /**
     * A TLS handshake with a client failed.
     *
     * @param reason the JDK's message
     */
    default void tlsHandshakeFailed(String reason) {
    }

    /**
     * A client completed a TLS handshake.
     *
     * @param protocol the TLS version, such as {@code TLSv1.3}
     */
    default void tlsEstablished(String protocol) {
    }
}
