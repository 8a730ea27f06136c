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
     */
    default void upstreamLost(String reason) {
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
