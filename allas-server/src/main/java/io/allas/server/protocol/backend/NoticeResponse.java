package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * NoticeResponse ('N'), as PostgreSQL sends a WARNING such as "there is no transaction in progress".
 *
 * @param severity WARNING, NOTICE ...
 * @param sqlState the SQLSTATE
 * @param message  the message
 * @param detail   the DETAIL line; null for none
 */
public record NoticeResponse(String severity, String sqlState, String message, String detail) implements BackendMessage {

    public NoticeResponse(String severity, String sqlState, String message) {
        this(severity, sqlState, message, null);
    }

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.NOTICE_RESPONSE)
                .writeByte('S').writeCString(severity)
                .writeByte('V').writeCString(severity)
                .writeByte('C').writeCString(sqlState)
                .writeByte('M').writeCString(message);
        if (detail != null) {
            out.writeByte('D').writeCString(detail);
        }
        out.writeByte(0).endMessage();
    }
}
