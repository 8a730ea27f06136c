package io.allas.server.relay;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A notification from upstream, as the NotificationResponse ('A') message every listener
 * receives: the upstream's own bytes, or encoded once when pgjdbc read it.
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
     * @param receivedNanos when allas read it
     * @return the notification
     */
    public static Notification of(int processId, String channel, String payload, long receivedNanos) {
        // Encoded once for every listener, straight into an array of the exact size.
        byte[] name = channel.getBytes(StandardCharsets.UTF_8);
        byte[] text = payload.getBytes(StandardCharsets.UTF_8);
        ByteBuffer message = ByteBuffer.allocate(1 + 4 + 4 + name.length + 1 + text.length + 1);
        message.put((byte) 'A').putInt(message.capacity() - 1).putInt(processId)
                .put(name).put((byte) 0).put(text).put((byte) 0);
        return new Notification(channel, message.array(), receivedNanos);
    }
}
