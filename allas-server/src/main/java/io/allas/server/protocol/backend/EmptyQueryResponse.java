package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * EmptyQueryResponse ('I'), a message without a body.
 */
public enum EmptyQueryResponse implements BackendMessage {
    /** The only instance. */
    INSTANCE;

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.EMPTY_QUERY_RESPONSE).endMessage();
    }
}
