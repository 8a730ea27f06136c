package io.allas.fuzz;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

import io.allas.server.protocol.ClientStream;

/**
 * A peer's byte stream made of the fuzzer's input: the bytes arrive in pieces of sizes the fuzzer
 * chooses (as TCP may cut them anywhere), then the stream ends. What allas writes is dropped.
 */
final class FuzzedClientStream implements ClientStream {

    private final FuzzedDataProvider data;

    FuzzedClientStream(FuzzedDataProvider data) {
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
