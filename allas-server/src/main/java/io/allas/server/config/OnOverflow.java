package io.allas.server.config;

/** {@code notification_queue.on_overflow}: what happens to a client whose queue overflows. */
public enum OnOverflow {
    /** The client is terminated with 57A03, as the original allas did. */
    TERMINATE,
    /**
     * The client's queued notifications are dropped and it is told so with a gap report; it keeps
     * its connection and its channels.
     */
    GAP
}
