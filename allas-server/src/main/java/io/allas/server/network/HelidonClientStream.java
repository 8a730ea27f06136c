package io.allas.server.network;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.allas.server.protocol.ClientStream;

/**
 * A client's plain socket as Helidon hands it over. Reads take whatever bytes the socket
 * delivered, never asking for a fixed count.
 *
 * <p>Reads go to the socket itself, not through the connection's DataReader: an idle listener's
 * virtual thread stays parked in its read for days, and its stack is kept on the heap for all
 * that time, so each frame less between the session and the socket is memory saved on every idle
 * connection. Nothing reads through the DataReader before us (the connection is handed over
 * without Helidon reading a byte), so no bytes wait there.
 */
final class HelidonClientStream implements ClientStream {

    private final HelidonSocket socket;
    private final DataWriter writer;

    HelidonClientStream(HelidonSocket socket, DataWriter writer) {
        this.socket = socket;
        this.writer = writer;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (RuntimeException e) {
            // Already closed.
        }
    }

    @Override
    public byte[] read() throws IOException {
        byte[] bytes;
        try {
            // The bytes one read of the socket delivered, copied out of the socket's own buffer.
            bytes = socket.get();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (bytes == null) {
            throw new EOFException("the client closed the connection");
        }
        return bytes;
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
