package io.allas.server.relay;

import io.allas.server.protocol.PacketBuilder;
import io.allas.server.protocol.backend.NotificationResponse;

/**
 * A notification from upstream, encoded once as the NotificationResponse every listener receives.
 *
 * @param channel      the channel
 * @param encoded      the NotificationResponse message, type and length included
 * @param receivedNanos when allas read it from upstream ({@link System#nanoTime()}), for the delivery latency
 */
public record Notification(String channel, byte[] encoded, long receivedNanos) {

    /**
     * @param processId the notifying backend's process ID
     * @param channel   the channel
     * @param payload   the payload
     * @return the notification
     */
    public static Notification of(int processId, String channel, String payload) {
        PacketBuilder builder = new PacketBuilder(16 + channel.length() + payload.length() * 3 / 2);
        new NotificationResponse(processId, channel, payload).encode(builder);
        return new Notification(channel, builder.toByteArray(), System.nanoTime());
    }
}
