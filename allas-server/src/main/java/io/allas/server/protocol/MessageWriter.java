package io.allas.server.protocol;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

import io.allas.server.protocol.backend.BackendMessage;

/**
 * The one way bytes go to a client. Messages are encoded into a buffer and written together on
 * {@link #flush()}, so a burst of messages costs one write. Thread-safe: the session's own thread
 * and the relay's fan-out both write here, and the stream under it is not thread-safe.
 */
public final class MessageWriter {

    private static final int INITIAL_CAPACITY = 256;
    private static final int RETAINED_CAPACITY = 8192;

    private final ReentrantLock lock = new ReentrantLock();
    private final PacketBuilder buffer = new PacketBuilder(INITIAL_CAPACITY);
    private ClientStream stream;

    /**
     * @param stream where the bytes go
     */
    public MessageWriter(ClientStream stream) {
        this.stream = stream;
    }

    /**
     * Queues a message; nothing is written until {@link #flush()}.
     */
    public void send(BackendMessage message) {
        lock.lock();
        try {
            message.encode(buffer);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues a message and writes everything queued.
     */
    public void sendAndFlush(BackendMessage message) throws IOException {
        lock.lock();
        try {
            message.encode(buffer);
            flush();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes everything queued in one write.
     */
    public void flush() throws IOException {
        lock.lock();
        try {
            if (!buffer.isEmpty()) {
                try {
                    stream.write(buffer.view());
                } finally {
                    buffer.clear(RETAINED_CAPACITY);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes one byte at once: the answer to SSLRequest and GSSENCRequest, which is not a message.
     */
    public void writeSingleByte(char answer) throws IOException {
        lock.lock();
        try {
            flush();
            buffer.writeByte(answer);
            flush();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replaces the stream, as when TLS starts.
     */
    public void switchStream(ClientStream replacement) {
        lock.lock();
        try {
            this.stream = replacement;
        } finally {
            lock.unlock();
        }
    }
}
