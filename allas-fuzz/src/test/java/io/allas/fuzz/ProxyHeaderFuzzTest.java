package io.allas.fuzz;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Tag;

import io.allas.server.protocol.ClientStream;
import io.allas.server.protocol.MessageReader;
import io.allas.server.protocol.ProtocolException;
import io.allas.server.protocol.ProxyHeaderReader;

/**
 * The bytes a load balancer sends first, as they arrive (in pieces of any size): read as a PROXY
 * protocol header, or refused with a {@link ProtocolException} (08P01), or the stream ends; never
 * anything else, and never a DNS lookup of an address that is not a literal.
 */
@Tag("fuzz")
class ProxyHeaderFuzzTest {

    @FuzzTest
    void proxyHeadersAreReadOrRefused(FuzzedDataProvider data) throws IOException {
        MessageReader reader = new MessageReader(new PiecesOf(data));
        try {
            ProxyHeaderReader.read(reader);
        } catch (ProtocolException | EOFException refusedOrEnded) {
            // What a load balancer gets for a broken header, or one that left.
        }
    }

    /** The fuzzer's bytes in pieces of sizes the fuzzer chooses, then the end. */
    private static final class PiecesOf implements ClientStream {
        private final FuzzedDataProvider data;

        PiecesOf(FuzzedDataProvider data) {
            this.data = data;
        }

        @Override
        public byte[] read() throws IOException {
            if (data.remainingBytes() == 0) {
                throw new EOFException("the client closed the connection");
            }
            return data.consumeBytes(data.consumeInt(1, 4096));
        }

        @Override
        public void write(ByteBuffer bytes) {
            bytes.position(bytes.limit());
        }

        @Override
        public void close() {
        }
    }
}
