package io.allas.server.protocol.backend;

import java.util.List;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * DataRow ('D').
 *
 * @param values each column's value in its wire format; null for SQL NULL
 */
public record DataRow(List<byte[]> values) implements BackendMessage {
    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.DATA_ROW).writeInt16(values.size());
        for (byte[] value : values) {
            if (value == null) {
                out.writeInt32(-1);
            } else {
                out.writeInt32(value.length).writeBytes(value);
            }
        }
        out.endMessage();
    }
}
