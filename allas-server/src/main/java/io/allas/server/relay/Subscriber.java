package io.allas.server.relay;

import java.util.List;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * A client listening on channels, as the relay sees it. Called from the relay's thread: must not
 * block. The relay never ends a client itself: it reports a lost upstream connection to its
 * {@link RelayEvents}, whose owner decides what the clients are told.
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
     * Tells the client, in order with its notifications, that it may have missed some: queued
     * after everything delivered before the gap, before anything delivered after it.
     */
    void missed(Gap gap);
}
