package io.allas.server.listener;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.allas.server.protocol.ClientStream;

/**
 * A client's plain socket as Helidon hands it over. Reads take whatever bytes the socket
 * delivered, never asking for a fixed count (a zero-length read on Helidon's DataReader blocks).
 */
final class HelidonClientStream implements ClientStream {

    private final DataReader reader;
    private final DataWriter writer;
    private final Runnable closer;

    HelidonClientStream(DataReader reader, DataWriter writer, Runnable closer) {
        this.reader = reader;
        this.writer = writer;
        this.closer = closer;
    }

    @Override
    public void close() {
        try {
            closer.run();
        } catch (RuntimeException e) {
            // Already closed.
        }
    }

    @Override
    public byte[] read() throws IOException {
        try {
            BufferData data = reader.readBuffer();
            byte[] bytes = new byte[data.available()];
            data.read(bytes);
            return bytes;
        } catch (DataReader.InsufficientDataAvailableException e) {
            throw new EOFException("the client closed the connection");
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        // writeNow writes before it returns, so the caller's array can be handed over without a copy.
        BufferData data;
        if (bytes.hasArray()) {
            data = BufferData.create(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        } else {
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            data = BufferData.create(copy);
        }
        try {
            writer.writeNow(data);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            // Helidon reports a closed socket as an unchecked exception of its own.
            throw new IOException("write to client failed: " + e.getMessage(), e);
        }
    }
}
