package io.allas.server.protocol.backend;

import io.allas.server.protocol.PacketBuilder;

/**
 * EmptyQueryResponse ('I'), a message without a body.
 */
public enum EmptyQueryResponse implements BackendMessage {
    /** The only instance. */
    INSTANCE;

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage('I').endMessage();
    }
}
