package io.allas.server.relay;

/**
 * One channel as the admin console shows it.
 *
 * @param channel   its name upstream
 * @param listeners the clients listening on it now
 * @param delivered notifications handed to its listeners (one per listener) since it was first listened on
 */
public record ChannelUsage(String channel, int listeners, long delivered) {
}
