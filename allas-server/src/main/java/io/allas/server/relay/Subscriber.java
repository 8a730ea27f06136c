package io.allas.server.relay;

/**
 * A client listening on channels, as the relay sees it. Both methods are called from the
 * relay's thread and must not block.
 */
public interface Subscriber {

    /**
     * Queues a notification for the client.
     *
     * @param notification the notification, already encoded
     */
    void deliver(Notification notification);

    /**
     * Ends the client's session with a FATAL error (the upstream connection was lost).
     *
     * @param sqlState the SQLSTATE
     * @param message  the message
     */
    void terminate(String sqlState, String message);
}
