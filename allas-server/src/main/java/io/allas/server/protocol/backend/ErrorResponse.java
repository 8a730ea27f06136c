package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;
import io.allas.server.protocol.PacketParser;
import io.allas.server.protocol.ProtocolException;

/**
 * ErrorResponse ('E') with the fields clients read: severity (localised and not), SQLSTATE,
 * message and an optional detail. allas sends it to clients and reads it from the upstream server.
 *
 * @param severity ERROR, FATAL or PANIC
 * @param sqlState the SQLSTATE, or null when a server sent none
 * @param message  the primary message
 * @param detail   the detail, or null
 */
public record ErrorResponse(Severity severity, String sqlState, String message, String detail)
        implements BackendMessage {

    /** The severities of an ErrorResponse; a NoticeResponse carries the others. */
    public enum Severity { ERROR, FATAL, PANIC }

    public static ErrorResponse error(String sqlState, String message) {
        return new ErrorResponse(Severity.ERROR, sqlState, message, null);
    }

    public static ErrorResponse fatal(String sqlState, String message) {
        return new ErrorResponse(Severity.FATAL, sqlState, message, null);
    }

    /**
     * Reads a server's ErrorResponse body (the bytes after type and length). Fields allas does not
     * use are skipped; the non-localised severity ('V') wins over the localised one ('S').
     *
     * @throws ProtocolException when the body is not a list of NUL-terminated fields
     */
    public static ErrorResponse decode(byte[] body) throws ProtocolException {
        PacketParser fields = new PacketParser(body, "ErrorResponse");
        Severity severity = Severity.ERROR;
        String sqlState = null;
        String message = "the server sent an error without a message";
        String detail = null;
        byte field;
        while ((field = fields.readByte()) != 0) {
            String value = fields.readCString();
            switch (field) {
                case 'S', 'V' -> severity = switch (value) {
                    case "FATAL" -> Severity.FATAL;
                    case "PANIC" -> Severity.PANIC;
                    default -> field == 'V' ? Severity.ERROR : severity;
                };
                case 'C' -> sqlState = value;
                case 'M' -> message = value;
                case 'D' -> detail = value;
                default -> { }
            }
        }
        return new ErrorResponse(severity, sqlState, message, detail);
    }

    /**
     * @return the error as pgjdbc and logs put it: {@code FATAL: terminating connection ... (57P01)}
     */
    public String describe() {
        return severity + ": " + message + (sqlState == null ? "" : " (" + sqlState + ")");
    }

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.ERROR_RESPONSE)
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
