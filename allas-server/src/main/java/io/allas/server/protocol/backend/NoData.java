package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * NoData ('n'), a message without a body.
 */
public enum NoData implements BackendMessage {
    /** The only instance. */
    INSTANCE;

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.NO_DATA).endMessage();
    }
}
