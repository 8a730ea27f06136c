package io.allas.server.relay;

import java.time.Duration;

/**
 * How the relay treats its upstream connection.
 *
 * @param pingInterval     how long the connection may sit silent before a ping checks it
 * @param pingTimeout      how long a ping (or any statement) may take before the connection counts as dead
 * @param reconnectInitial the first pause before reconnecting
 * @param reconnectMax     the longest pause between reconnection attempts
 * @param maxBatch         the most LISTEN/UNLISTEN statements sent in one round trip
 */
public record RelaySettings(Duration pingInterval, Duration pingTimeout, Duration reconnectInitial,
                            Duration reconnectMax, int maxBatch) {

    /** Defaults: a server back up is served again within about half a second. */
    public static final RelaySettings DEFAULTS = new RelaySettings(
            Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofMillis(50), Duration.ofMillis(500), 1000);
}
