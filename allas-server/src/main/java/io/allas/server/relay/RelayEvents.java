package io.allas.server.relay;

/**
 * What the rest of allas hears from the relay: metrics and logs.
 */
public interface RelayEvents {

    /** The upstream connection is up. */
    default void upstreamConnected(String target, int backendPid) {
    }

    /**
     * The upstream connection was lost, and with it every upstream LISTEN: the clients may have
     * missed notifications. Not called when the relay is closed.
     *
     * @param reason      why, as the driver said it
     * @param clientsKept whether the clients stay ({@code upstream.on_loss} {@code keep}: the relay
     *                    tells them of the gap itself) or must be terminated
     */
    default void upstreamLost(String reason, boolean clientsKept) {
    }

    /**
     * A new upstream connection is up after one was lost.
     *
     * @param nanos how long there was none
     */
    default void outageEnded(long nanos) {
    }

    /**
     * Clients were told that they may have missed notifications.
     *
     * @param reason  {@link Gap#UPSTREAM_LOST} or {@link Gap#SLOW_CLIENT}
     * @param clients how many were told
     */
    default void gapReported(String reason, int clients) {
    }

    /** Notifications arrived from upstream. */
    default void notificationsReceived(int count) {
    }

    /** Notifications were handed to listening clients. */
    default void notificationsDispatched(long count) {
    }

    /** LISTEN statements were executed upstream. */
    default void listensExecuted(int count) {
    }

    /** UNLISTEN statements were executed upstream. */
    default void unlistensExecuted(int count) {
    }

    /**
     * One round trip of LISTEN / UNLISTEN statements to upstream completed.
     *
     * @param nanos how long it took
     */
    default void listenRoundTrip(long nanos) {
    }

    /** Notifications that clients sent through allas were committed upstream. */
    default void notificationsSent(int count) {
    }
}
