package io.allas.server.session;

/**
 * Bounds on what one client may send.
 *
 * @param maxStartupPacketBytes the largest startup packet (PostgreSQL: 10000)
 * @param maxMessageBytes       the largest message after startup
 */
public record SessionLimits(int maxStartupPacketBytes, int maxMessageBytes) {

    /** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
    public static final int POSTGRES_MAX_STARTUP_PACKET = 10_000;

    /** The defaults: PostgreSQL's startup bound, and 1 MiB for other messages. */
    public static final SessionLimits DEFAULTS = new SessionLimits(POSTGRES_MAX_STARTUP_PACKET, 1 << 20);
}
