package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * NotificationResponse ('A').
 *
 * @param processId the notifying backend's process ID
 * @param channel   the channel
 * @param payload   the payload
 */
public record NotificationResponse(int processId, String channel, String payload) implements BackendMessage {
    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.NOTIFICATION_RESPONSE).writeInt32(processId).writeCString(channel).writeCString(payload).endMessage();
    }
}
