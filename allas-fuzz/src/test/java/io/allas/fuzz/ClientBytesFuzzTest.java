package io.allas.fuzz;

import java.io.EOFException;
import java.io.IOException;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Tag;

import io.allas.server.protocol.MessageReader;
import io.allas.server.protocol.ProtocolException;
import io.allas.server.protocol.RawMessage;
import io.allas.server.protocol.frontend.FrontendMessageDecoder;
import io.allas.server.protocol.frontend.StartupRequestDecoder;

/**
 * The bytes a client sends before and after it logs in, as they arrive (in pieces of any size):
 * read into messages and decoded, or refused with a {@link ProtocolException} (the client hears
 * 08P01 and is disconnected), or the stream ends; never anything else.
 */
@Tag("fuzz")
class ClientBytesFuzzTest {

    /** The limits a relay runs with by default. */
    private static final int MAX_STARTUP_PACKET = 10_000;
    private static final int MAX_MESSAGE = 1 << 20;

    @FuzzTest
    void startupPacketsAreDecodedOrRefused(FuzzedDataProvider data) throws IOException {
        MessageReader reader = new MessageReader(new FuzzedClientStream(data));
        try {
            StartupRequestDecoder.decode(reader.readStartupPacket(MAX_STARTUP_PACKET));
        } catch (ProtocolException | EOFException refusedOrEnded) {
            // What a client gets for a broken startup packet, or a client that left.
        }
    }

    @FuzzTest
    void messagesAfterLoginAreDecodedOrRefused(FuzzedDataProvider data) throws IOException {
        MessageReader reader = new MessageReader(new FuzzedClientStream(data));
        try {
            while (true) {
                RawMessage raw = reader.readMessage(MAX_MESSAGE);
                FrontendMessageDecoder.decode(raw);
            }
        } catch (ProtocolException | EOFException refusedOrEnded) {
            // A protocol violation ends the session with 08P01; the end of the stream ends it quietly.
        }
    }
}
