package io.allas.fuzz;

import java.io.EOFException;
import java.io.IOException;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Tag;

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
        MessageReader reader = new MessageReader(new FuzzedClientStream(data));
        try {
            ProxyHeaderReader.read(reader);
        } catch (ProtocolException | EOFException refusedOrEnded) {
            // What a load balancer gets for a broken header, or one that left.
        }
    }
}
