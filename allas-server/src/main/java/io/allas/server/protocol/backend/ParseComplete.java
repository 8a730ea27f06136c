package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * ParseComplete ('1'), a message without a body.
 */
public enum ParseComplete implements BackendMessage {
    /** The only instance. */
    INSTANCE;

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.PARSE_COMPLETE).endMessage();
    }
}
