package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * CloseComplete ('3'), a message without a body.
 */
public enum CloseComplete implements BackendMessage {
    /** The only instance. */
    INSTANCE;

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.CLOSE_COMPLETE).endMessage();
    }
}
