package io.allas.server.protocol.backend;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.allas.server.protocol.PacketBuilder;

/**
 * Consecutive notifications on one channel, as the NotificationResponse ('A') messages every
 * listener of the channel receives: the upstream's own bytes, copied once per run, so that a
 * burst costs one queue entry and one write per client rather than one per notification.
 *
 * @param channel       the channel
 * @param messages      {@code count} whole NotificationResponse messages, back to back
 * @param count         how many notifications
 * @param receivedNanos when allas read them from upstream ({@link System#nanoTime()}), for the delivery latency
 */
public record NotificationRun(String channel, byte[] messages, int count, long receivedNanos) {

    /**
     * One notification that pgjdbc read and decoded, encoded back.
     *
     * @param processId     the notifying backend's process ID
     * @param channel       the channel
     * @param payload       the payload
     * @param receivedNanos when allas read it
     * @return a run of one
     */
    public static NotificationRun of(int processId, String channel, String payload, long receivedNanos) {
        PacketBuilder message = new PacketBuilder(64 + payload.length());
        new NotificationResponse(processId, channel, payload).encode(message);
        ByteBuffer encoded = message.view();
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return new NotificationRun(channel, bytes, 1, receivedNanos);
    }

    /**
     * The same notifications on a channel of another name, as a client whose channels are
     * namespaced calls it: each message rebuilt with the new name, the process ID and the payload
     * kept byte for byte.
     *
     * @param renamed the channel's name for the client
     * @return the renamed run
     */
    public NotificationRun withChannel(String renamed) {
        byte[] name = renamed.getBytes(StandardCharsets.UTF_8);
        int oldName = channel.getBytes(StandardCharsets.UTF_8).length;
        ByteBuffer in = ByteBuffer.wrap(messages);
        ByteBuffer out = ByteBuffer.allocate(messages.length + count * (name.length - oldName));
        while (in.hasRemaining()) {
            byte type = in.get();
            int length = in.getInt();
            int end = in.position() + length - 4;
            int processId = in.getInt();
            in.position(in.position() + oldName + 1);
            out.put(type).putInt(length + name.length - oldName).putInt(processId).put(name).put((byte) 0);
            out.put(messages, in.position(), end - in.position());
            in.position(end);
        }
        return new NotificationRun(renamed, out.array(), count, receivedNanos);
    }
}
