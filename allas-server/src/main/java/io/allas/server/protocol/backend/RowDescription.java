package io.allas.server.protocol.backend;

import java.util.List;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * RowDescription ('T').
 *
 * @param fields the columns
 */
public record RowDescription(List<Field> fields) implements BackendMessage {

    /**
     * One column, as a result column not taken from a table.
     *
     * @param name       the column name
     * @param typeOid    the type OID
     * @param typeSize   the type's size (negative for variable length)
     * @param formatCode 0 text, 1 binary
     */
    public record Field(String name, int typeOid, int typeSize, int formatCode) {
    }

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.ROW_DESCRIPTION).writeInt16(fields.size());
        for (Field field : fields) {
            out.writeCString(field.name()).writeInt32(0).writeInt16(0)
                    .writeInt32(field.typeOid()).writeInt16(field.typeSize()).writeInt32(-1)
                    .writeInt16(field.formatCode());
        }
        out.endMessage();
    }
}
