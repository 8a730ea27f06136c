package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * BindComplete ('2'), a message without a body.
 */
public enum BindComplete implements BackendMessage {
    /** The only instance. */
    INSTANCE;

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.BIND_COMPLETE).endMessage();
    }
}
