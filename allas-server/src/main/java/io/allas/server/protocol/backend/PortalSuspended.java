package io.allas.server.protocol.backend;

import io.allas.server.protocol.PacketBuilder;

/**
 * PortalSuspended ('s'), a message without a body.
 */
public enum PortalSuspended implements BackendMessage {
    /** The only instance. */
    INSTANCE;

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage('s').endMessage();
    }
}
