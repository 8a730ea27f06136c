package io.allas.server.relay;

/**
 * A LISTEN on a new channel refused because the upstream connection already listens on
 * {@code limits.max_channels} channels: PostgreSQL checks each new LISTEN, and (before version 19)
 * each notification it delivers, against all of them.
 */
public final class ChannelLimitException extends Exception {

    ChannelLimitException(int channels) {
        super("too many channels: allas already listens on " + channels
                + " channels upstream, the most allowed (limits.max_channels)");
    }
}
