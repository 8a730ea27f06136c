package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * ParameterStatus ('S').
 *
 * @param name  the parameter
 * @param value its value
 */
public record ParameterStatus(String name, String value) implements BackendMessage {
    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.PARAMETER_STATUS).writeCString(name).writeCString(value).endMessage();
    }
}
