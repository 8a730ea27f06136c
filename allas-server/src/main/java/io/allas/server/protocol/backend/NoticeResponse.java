package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * NoticeResponse ('N'), as PostgreSQL sends a WARNING such as "there is no transaction in progress".
 *
 * @param severity WARNING, NOTICE ...
 * @param sqlState the SQLSTATE
 * @param message  the message
 */
public record NoticeResponse(String severity, String sqlState, String message) implements BackendMessage {
    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.NOTICE_RESPONSE)
                .writeByte('S').writeCString(severity)
                .writeByte('V').writeCString(severity)
                .writeByte('C').writeCString(sqlState)
                .writeByte('M').writeCString(message)
                .writeByte(0).endMessage();
    }
}
