package io.allas.server.protocol.backend;

import java.util.List;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * ParameterDescription ('t').
 *
 * @param typeOids the type OID of each parameter
 */
public record ParameterDescription(List<Integer> typeOids) implements BackendMessage {
    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.PARAMETER_DESCRIPTION).writeInt16(typeOids.size());
        typeOids.forEach(out::writeInt32);
        out.endMessage();
    }
}
