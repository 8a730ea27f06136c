package io.allas.server.protocol.backend;

import io.allas.server.protocol.PacketBuilder;

/**
 * Messages the upstream server sent (a catalog query's RowDescription, its DataRows), passed on
 * to the client as PostgreSQL encoded them.
 *
 * @param bytes whole messages, type and length included, one after the other
 */
public record UpstreamMessages(byte[] bytes) implements BackendMessage {
    @Override
    public void encode(PacketBuilder out) {
        out.writeBytes(bytes);
    }
}
