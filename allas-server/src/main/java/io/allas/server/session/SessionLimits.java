package io.allas.server.session;

import java.time.Duration;

/**
 * Bounds on what clients may take.
 *
 * @param maxStartupPacketBytes the largest startup packet (PostgreSQL: 10000)
 * @param maxMessageBytes       the largest message after startup
 * @param maxClients            client connections at once; the next one gets FATAL 53300
 * @param maxChannelsPerClient  channels one client may listen on
 * @param startupTimeout        time from connecting to finishing authentication
 */
public record SessionLimits(int maxStartupPacketBytes, int maxMessageBytes, int maxClients,
                            int maxChannelsPerClient, Duration startupTimeout) {

    /** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
    public static final int POSTGRES_MAX_STARTUP_PACKET = 10_000;

    /** The defaults. */
    public static final SessionLimits DEFAULTS = new SessionLimits(POSTGRES_MAX_STARTUP_PACKET, 1 << 20, 10_000,
            10_000, Duration.ofSeconds(60));
}
