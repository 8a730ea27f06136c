package io.allas.server.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.allas.server.protocol.backend.BackendMessage;

/**
 * The one way bytes go to a client. Messages are encoded into a buffer and written together on
 * {@link #flush()}, so a burst of messages costs one write. Thread-safe: the session's own thread
 * and the notification delivery both write here, and the stream under it is not thread-safe.
 *
 * <p>Notifications go out through {@link #writeNotifications}, never through the response
 * buffer, so that a response half-built in the buffer is never flushed early. When they may go is
 * the session's to decide, not the writer's.
 */
public final class MessageWriter {

    private static final int INITIAL_CAPACITY = 256;
    /**
     * What the buffer keeps between responses. An idle listener's last response was a few bytes
     * (LISTEN's), but its first burst (the ParameterStatus list) grows the buffer past this: keeping
     * that for the life of each of thousands of idle connections costs more than a rare re-growth.
     */
    private static final int RETAINED_CAPACITY = INITIAL_CAPACITY;
    /** A client that pipelines without Sync and does not read must not make the buffer grow without end. */
    private static final int FLUSH_THRESHOLD = 64 * 1024;
    /** What a batch of notifications may keep of its scratch buffer between writes. */
    private static final int NOTIFICATION_BATCH_CAPACITY = 128 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final PacketBuilder buffer = new PacketBuilder(INITIAL_CAPACITY);
    private ClientStream stream;
    private IOException deferredFailure;

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
            if (buffer.size() >= FLUSH_THRESHOLD && deferredFailure == null) {
                // Safe mid-response: the session writes no notifications while it builds a response.
                try {
                    flush();
                } catch (IOException e) {
                    // Reported by the next flush, where the caller expects I/O to fail.
                    deferredFailure = e;
                }
            }
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
            if (deferredFailure != null) {
                throw deferredFailure;
            }
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
     * Writes notifications in one write. The caller has made sure they may go now: the client is
     * idle outside a transaction block, and stays so until this returns.
     *
     * @param items    the notifications, in order
     * @param encoding each one's complete encoded message
     * @param wanted   whether each one is still for this client, judged here, while the session
     *                 cannot change what it listens on
     * @param scratch  a buffer to gather them in (the caller's, reused across calls)
     */
    public <T> void writeNotifications(List<T> items, Function<T, byte[]> encoding, Predicate<T> wanted,
                                       PacketBuilder scratch) throws IOException {
        lock.lock();
        try {
            byte[] only = null;
            for (T item : items) {
                if (wanted.test(item)) {
                    byte[] bytes = encoding.apply(item);
                    if (only == null && scratch.isEmpty()) {
                        // A single array (as a burst's one run usually is) is written as it is, not copied.
                        only = bytes;
                    } else {
                        if (only != null) {
                            scratch.writeBytes(only);
                            only = null;
                        }
                        scratch.writeBytes(bytes);
                    }
                }
            }
            if (only != null) {
                stream.write(ByteBuffer.wrap(only));
            } else if (!scratch.isEmpty()) {
                try {
                    stream.write(scratch.view());
                } finally {
                    // The caller's buffer, reused for its next batch: keep room for a whole one.
                    scratch.clear(NOTIFICATION_BATCH_CAPACITY);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends a last message once a write under way has ended, if that happens within the timeout.
     *
     * @return whether the message was written
     */
    public boolean trySendLast(BackendMessage message, long timeoutMillis) {
        try {
            if (!lock.tryLock(timeoutMillis, TimeUnit.MILLISECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            buffer.clear(RETAINED_CAPACITY);
            message.encode(buffer);
            flush();
            return true;
        } catch (IOException e) {
            return false;
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
