package io.allas.server.protocol.backend;

import io.allas.server.protocol.PacketBuilder;

/**
 * ErrorResponse ('E') with the fields clients read: severity (localised and not), SQLSTATE,
 * message and an optional detail.
 *
 * @param severity ERROR or FATAL
 * @param sqlState the SQLSTATE
 * @param message  the primary message
 * @param detail   the detail, or null
 */
public record ErrorResponse(Severity severity, String sqlState, String message, String detail)
        implements BackendMessage {

    /** The severities allas reports. */
    public enum Severity { ERROR, FATAL }

    public static ErrorResponse error(String sqlState, String message) {
        return new ErrorResponse(Severity.ERROR, sqlState, message, null);
    }

    public static ErrorResponse fatal(String sqlState, String message) {
        return new ErrorResponse(Severity.FATAL, sqlState, message, null);
    }

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage('E')
                .writeByte('S').writeCString(severity.name())
                .writeByte('V').writeCString(severity.name())
                .writeByte('C').writeCString(sqlState)
                .writeByte('M').writeCString(message);
        if (detail != null) {
            out.writeByte('D').writeCString(detail);
        }
        out.writeByte(0).endMessage();
    }
}
