package io.allas.server.protocol.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.allas.server.protocol.PacketBuilder;
import io.allas.server.protocol.ProtocolException;

/**
 * ErrorResponse both ways: what allas sends a client, and what it reads from a server.
 */
@Tag("unit")
class ErrorResponseTest {

    private static byte[] body(ErrorResponse error) {
        PacketBuilder out = new PacketBuilder(64);
        error.encode(out);
        ByteBuffer view = out.view();
        byte[] message = new byte[view.remaining()];
        view.get(message);
        assertEquals('E', message[0]);
        return Arrays.copyOfRange(message, 5, message.length);
    }

    @Test
    void whatAllasSendsReadsBackFieldForField() throws ProtocolException {
        ErrorResponse sent = new ErrorResponse(ErrorResponse.Severity.FATAL, "28P01",
                "password authentication failed for user \"app\"", "Connection matched no rule.");
        assertEquals(sent, ErrorResponse.decode(body(sent)));
    }

    @Test
    void describedAsDriversShowIt() {
        assertEquals("ERROR: channel name cannot be empty (22023)",
                ErrorResponse.error("22023", "channel name cannot be empty").describe());
    }

    @Test
    void theNonLocalisedSeverityWins() throws ProtocolException {
        // A German server: S is localised, V is not.
        byte[] body = "SSCHWERWIEGEND\0VFATAL\0C57P01\0Mbeendet\0\0".getBytes(StandardCharsets.UTF_8);
        ErrorResponse error = ErrorResponse.decode(body);
        assertEquals(ErrorResponse.Severity.FATAL, error.severity());
        assertEquals("57P01", error.sqlState());
        assertEquals("beendet", error.message());
    }

    @Test
    void aFieldWithoutItsTerminatorIsAProtocolViolation() {
        byte[] body = "SERROR\0Mno end".getBytes(StandardCharsets.UTF_8);
        assertThrows(ProtocolException.class, () -> ErrorResponse.decode(body));
    }
}
