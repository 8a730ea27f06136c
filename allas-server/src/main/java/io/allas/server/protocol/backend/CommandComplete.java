package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * CommandComplete ('C').
 *
 * @param tag the command tag, such as {@code LISTEN} or {@code SELECT 1}
 */
public record CommandComplete(String tag) implements BackendMessage {
    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.COMMAND_COMPLETE).writeCString(tag).endMessage();
    }
}
