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
 * @param maxUnauthenticated    connections that have not finished authenticating, at once
 * @param authFailureDelay      how long a failed authentication waits before it is answered
 */
public record SessionLimits(int maxStartupPacketBytes, int maxMessageBytes, int maxClients,
                            int maxChannelsPerClient, Duration startupTimeout, int maxUnauthenticated,
                            Duration authFailureDelay) {

    /** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
    public static final int POSTGRES_MAX_STARTUP_PACKET = 10_000;

}
