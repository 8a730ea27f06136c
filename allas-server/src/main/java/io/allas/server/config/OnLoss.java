package io.allas.server.config;

/** {@code upstream.on_loss}: what clients are told when the upstream connection is lost. */
public enum OnLoss {
    /** Every client is terminated with 57A02, as the original allas did. */
    TERMINATE,
    /**
     * Clients stay connected while allas reconnects; once it listens again, every client that
     * listened is told that notifications may have been missed.
     */
    KEEP
}
