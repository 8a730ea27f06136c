package io.allas.server.relay;

import java.util.List;

/**
 * A client listening on channels, as the relay sees it. Both methods are called from the
 * relay's thread and must not block.
 */
public interface Subscriber {

    /**
     * Queues notifications for the client, in order.
     *
     * @param runs the notifications, already encoded; the list may be shared with other
     *             subscribers and must not be changed
     */
    void deliver(List<NotificationRun> runs);

    /**
     * Ends the client's session with a FATAL error (the upstream connection was lost).
     *
     * @param sqlState the SQLSTATE
     * @param message  the message
     */
    void terminate(String sqlState, String message);
}
