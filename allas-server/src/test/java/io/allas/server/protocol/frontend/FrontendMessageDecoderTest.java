package io.allas.server.protocol.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.allas.server.protocol.ProtocolException;
import io.allas.server.protocol.RawMessage;

/**
 * How a client's typed messages are read, and which malformed ones are refused as PostgreSQL
 * refuses them.
 */
@Tag("unit")
class FrontendMessageDecoderTest {

    /** A message body written field by field, as a client library writes it. */
    private static final class Body {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Body cstring(String value) {
            bytes.writeBytes(value.getBytes(StandardCharsets.UTF_8));
            bytes.write(0);
            return this;
        }

        Body byte1(int value) {
            bytes.write(value);
            return this;
        }

        Body int16(int value) {
            bytes.write(value >>> 8);
            bytes.write(value);
            return this;
        }

        Body int32(int value) {
            int16(value >>> 16);
            return int16(value);
        }

        Body raw(byte[] value) {
            bytes.writeBytes(value);
            return this;
        }

        FrontendMessage decodeAs(char type) throws ProtocolException {
            return FrontendMessageDecoder.decode(new RawMessage((byte) type, bytes.toByteArray()));
        }
    }

    @Test
    void aSimpleQuery() throws ProtocolException {
        assertEquals(new FrontendMessage.Query("LISTEN jobs"), new Body().cstring("LISTEN jobs").decodeAs('Q'));
    }

    @Test
    void parseKeepsTheParameterTypes() throws ProtocolException {
        FrontendMessage parse = new Body().cstring("s1").cstring("SELECT $1").int16(2).int32(25).int32(0).decodeAs('P');
        assertEquals(new FrontendMessage.Parse("s1", "SELECT $1", List.of(25, 0)), parse);
    }

    @Test
    void bindKeepsNullParametersApartFromEmptyOnes() throws ProtocolException {
        FrontendMessage.Bind bind = (FrontendMessage.Bind) new Body().cstring("").cstring("s1")
                .int16(1).int16(0)
                .int16(2).int32(-1).int32(0)
                .int16(1).int16(1)
                .decodeAs('B');
        assertNull(bind.parameters().get(0));
        assertArrayEquals(new byte[0], bind.parameters().get(1));
        assertEquals(List.of((short) 1), bind.resultFormats());
    }

    @Test
    void describeAndCloseNameAStatementOrAPortal() throws ProtocolException {
        assertEquals(new FrontendMessage.Describe(Target.STATEMENT, "s1"), new Body().byte1('S').cstring("s1").decodeAs('D'));
        assertEquals(new FrontendMessage.Describe(Target.PORTAL, ""), new Body().byte1('P').cstring("").decodeAs('D'));
        assertEquals(new FrontendMessage.Close(Target.PORTAL, "p"), new Body().byte1('P').cstring("p").decodeAs('C'));
    }

    @Test
    void anyOtherTargetIsRefusedWithPostgresWords() {
        ProtocolException describe = assertThrows(ProtocolException.class,
                () -> new Body().byte1('X').cstring("s1").decodeAs('D'));
        assertEquals("invalid DESCRIBE message subtype 88", describe.getMessage());
        ProtocolException close = assertThrows(ProtocolException.class,
                () -> new Body().byte1(0xC8).cstring("s1").decodeAs('C'));
        assertEquals("invalid CLOSE message subtype 200", close.getMessage());
    }

    @Test
    void trailingBytesAfterTheLastFieldAreRefused() {
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> new Body().cstring("SELECT 1").raw(new byte[] {1}).decodeAs('Q'));
        assertEquals("invalid message format", e.getMessage());
    }

    @Test
    void aStringWithoutItsTerminatorIsRefused() {
        assertThrows(ProtocolException.class, () -> new Body().raw("SELECT 1".getBytes(StandardCharsets.UTF_8)).decodeAs('Q'));
    }

    @Test
    void messagesWithoutABodyAndUnservedTypes() throws ProtocolException {
        assertInstanceOf(FrontendMessage.Sync.class, new Body().decodeAs('S'));
        assertInstanceOf(FrontendMessage.Flush.class, new Body().decodeAs('H'));
        assertInstanceOf(FrontendMessage.Terminate.class, new Body().decodeAs('X'));
        assertEquals(new FrontendMessage.Unsupported((byte) 'F'), new Body().int32(1).decodeAs('F'));
    }
}
