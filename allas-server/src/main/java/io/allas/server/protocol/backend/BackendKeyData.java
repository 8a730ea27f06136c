package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * BackendKeyData ('K'): the key a client would use to cancel a query.
 *
 * @param processId the process ID the client is told
 * @param secretKey the secret
 */
public record BackendKeyData(int processId, int secretKey) implements BackendMessage {
    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.BACKEND_KEY_DATA).writeInt32(processId).writeInt32(secretKey).endMessage();
    }
}
