package io.allas.server.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * How a client's bytes are cut into messages: whatever pieces they arrive in, and whatever length
 * a header claims before its bytes are there.
 */
@Tag("unit")
class MessageReaderTest {

    private static final int ONE_MIB = 1 << 20;

    /**
     * Hands out the given pieces one read at a time, then blocks (a client that sent no more) until
     * closed.
     */
    private static final class PiecesStream implements ClientStream {
        private final Deque<byte[]> pieces = new ArrayDeque<>();
        private final CountDownLatch waiting = new CountDownLatch(1);
        private final CountDownLatch closed = new CountDownLatch(1);

        PiecesStream(byte[] bytes, int pieceLength) {
            for (int i = 0; i < bytes.length; i += pieceLength) {
                pieces.add(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + pieceLength)));
            }
        }

        @Override
        public byte[] read() throws IOException {
            if (!pieces.isEmpty()) {
                return pieces.poll();
            }
            waiting.countDown();
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new EOFException("closed");
        }

        @Override
        public void write(ByteBuffer bytes) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    private static byte[] message(char type, int declaredLength, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(declaredLength).put(body).array();
    }

    @Test
    void aHeaderClaimingAMegabyteWithTenBytesBehindItDoesNotAllocateTheMegabyte() throws Exception {
        PiecesStream stream = new PiecesStream(message('Q', 4 + ONE_MIB, "SELECT 1; ".getBytes()), 1 << 16);
        MessageReader reader = new MessageReader(stream);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // A platform thread: the JVM counts allocation per platform thread only.
        Thread reading = Thread.ofPlatform().start(() -> {
            try {
                reader.readMessage(2 * ONE_MIB);
            } catch (IOException e) {
                // Closed at the end of the test.
            }
        });
        assertTrue(stream.waiting.await(10, TimeUnit.SECONDS), "the reader waits for the rest of the message");
        long allocated = threads.getThreadAllocatedBytes(reading.threadId());
        stream.close();
        reading.join();
        assertTrue(allocated < ONE_MIB / 4, "allocated " + allocated + " bytes for 10 bytes received");
    }

    @Test
    void aMessageArrivingInPiecesIsReadWhole() throws Exception {
        byte[] body = new byte[300_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        byte[] first = message('Q', 4 + body.length, body);
        byte[] second = message('S', 4, new byte[0]);
        byte[] both = ByteBuffer.allocate(first.length + second.length).put(first).put(second).array();
        for (int pieceLength : new int[] {1, 3, 1000, 8192, both.length}) {
            MessageReader reader = new MessageReader(new PiecesStream(both, pieceLength));
            RawMessage query = reader.readMessage(ONE_MIB);
            assertEquals('Q', query.type());
            assertArrayEquals(body, query.body(), "pieces of " + pieceLength);
            RawMessage sync = reader.readMessage(ONE_MIB);
            assertEquals('S', sync.type());
            assertEquals(0, sync.body().length);
        }
    }
}
