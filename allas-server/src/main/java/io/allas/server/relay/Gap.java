package io.allas.server.relay;

import java.time.Instant;
import java.util.List;

/**
 * A stretch of time in which a client may have missed notifications on some of its channels,
 * as allas tells the client once it delivers again.
 *
 * @param reason   {@link #UPSTREAM_LOST} or {@link #SLOW_CLIENT}
 * @param from     when the loss began (the upstream connection was found lost, or the client's queue was dropped)
 * @param to       when delivery resumed: the upstream LISTEN was in effect again
 * @param channels the client's channels that were affected, in no particular order
 * @param dropped  notifications known to be lost (queued for the client and dropped); 0 when unknown
 */
public record Gap(String reason, Instant from, Instant to, List<String> channels, long dropped) {

    /** The upstream connection was lost; notifications committed until it listened again can be missing. */
    public static final String UPSTREAM_LOST = "upstream_lost";
    /** The client could not keep up and its queued notifications were dropped. */
    public static final String SLOW_CLIENT = "slow_client";

    public Gap {
        channels = List.copyOf(channels);
    }
}
