package io.allas.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.allas.server.protocol.ClientStream;

/**
 * A client's byte stream held in memory, for unit tests of what a session writes: the messages
 * written can be awaited, and writes can be held back as a client that stops reading holds them.
 * Nothing is ever read from it (the session's reading side is not what these tests exercise).
 */
public final class MemoryClientStream implements ClientStream {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private boolean writesHeld;
    private int writesWaiting;
    private boolean closed;

    @Override
    public byte[] read() throws IOException {
        lock.lock();
        try {
            while (!closed) {
                changed.awaitUninterruptibly();
            }
            throw new EOFException("the stream is closed");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        lock.lock();
        try {
            writesWaiting++;
            changed.signalAll();
            while (writesHeld && !closed) {
                changed.awaitUninterruptibly();
            }
            writesWaiting--;
            if (closed) {
                throw new IOException("the stream is closed");
            }
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            written.writeBytes(copy);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** From now on writes block, as on a socket whose peer stopped reading. */
    public void holdWrites() {
        setWritesHeld(true);
    }

    /** Lets blocked and later writes through. */
    public void releaseWrites() {
        setWritesHeld(false);
    }

    private void setWritesHeld(boolean held) {
        lock.lock();
        try {
            writesHeld = held;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until a write is blocked by {@link #holdWrites()}. */
    public void awaitBlockedWrite(Duration timeout) throws InterruptedException {
        await(() -> writesWaiting > 0 && writesHeld, timeout, "no write blocked");
    }

    /** Waits until the stream is closed. */
    public void awaitClosed(Duration timeout) throws InterruptedException {
        await(() -> closed, timeout, "the stream was not closed");
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until at least {@code count} whole messages have been written.
     *
     * @return every message written so far
     */
    public List<WireClient.Message> awaitMessages(int count, Duration timeout) throws InterruptedException {
        await(() -> messages().size() >= count, timeout, "fewer than " + count + " messages written");
        return messagesNow();
    }

    /**
     * @return the whole messages written so far
     */
    public List<WireClient.Message> messagesNow() {
        lock.lock();
        try {
            return messages();
        } finally {
            lock.unlock();
        }
    }

    private List<WireClient.Message> messages() {
        byte[] bytes = written.toByteArray();
        List<WireClient.Message> messages = new ArrayList<>();
        int position = 0;
        while (bytes.length - position >= 5) {
            int length = ByteBuffer.wrap(bytes, position + 1, 4).getInt();
            if (bytes.length - position < 1 + length) {
                break;
            }
            messages.add(new WireClient.Message((char) bytes[position], Arrays.copyOfRange(bytes, position + 5, position + 1 + length)));
            position += 1 + length;
        }
        return messages;
    }

    private void await(BooleanSupplier condition, Duration timeout, String failure) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (!condition.getAsBoolean()) {
                if (remaining <= 0) {
                    throw new AssertionError(failure + " within " + timeout);
                }
                remaining = changed.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }
}
