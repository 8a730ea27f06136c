package io.allas.server.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.allas.server.protocol.PacketParser;
import io.allas.server.protocol.ProtocolException;

/**
 * Reads the upstream connection's messages between statements, in place of pgjdbc, on a plain
 * TCP connection. A NotificationResponse is forwarded as the very bytes the server sent, which
 * are byte for byte what every client needs: only the channel name is decoded, and a run of
 * notifications on one channel decodes it once. pgjdbc would turn each one into Strings that the
 * relay then encodes back, which bounded the delivery rate to one listener.
 *
 * <p>Between statements the server sends only NotificationResponse, ParameterStatus (a setting
 * changed by a reload), NoticeResponse and a FATAL ErrorResponse before it closes.
 */
final class UpstreamMessageReader {

    private static final System.Logger LOG = System.getLogger(UpstreamMessageReader.class.getName());
    private static final int INITIAL_BUFFER = 128 * 1024;
    /** Larger than any message the server sends between statements (a notification is at most ~8 KB). */
    private static final int MAX_MESSAGE = 1024 * 1024;
    private static final int HEADER = 5;

    /** In write mode between calls: position is the end of the bytes read and not yet consumed. */
    private ByteBuffer buffer = ByteBuffer.allocateDirect(INITIAL_BUFFER);
    private byte[] lastChannelBytes = new byte[0];
    private String lastChannel = "";

    /**
     * Reads what the socket holds without waiting, and completes a message that the read left
     * unfinished, so that pgjdbc can take the connection over after any call.
     *
     * @param channel    the upstream socket, non-blocking
     * @param completion waits for the socket to become readable again, or throws when the server
     *                   stops in the middle of a message
     * @param out        receives the notifications read
     * @return the number of bytes read
     * @throws IOException when the connection ends, the server sends an error, or its bytes make no sense
     */
    int read(SocketChannel channel, ReadinessWait completion, List<Notification> out) throws IOException {
        int total = fill(channel);
        long receivedNanos = System.nanoTime();
        consume(out, receivedNanos);
        int missing;
        while ((missing = missingBytes()) > 0) {
            completion.await();
            // Only the rest of this message: a busy stream would otherwise never end at a boundary.
            int limit = buffer.limit();
            buffer.limit(buffer.position() + missing);
            int read = channel.read(buffer);
            buffer.limit(limit);
            if (read < 0) {
                throw closed();
            }
            total += read;
            consume(out, receivedNanos);
        }
        return total;
    }

    /** Waits until the socket has bytes. */
    @FunctionalInterface
    interface ReadinessWait {
        void await() throws IOException;
    }

    private int fill(SocketChannel channel) throws IOException {
        int read = channel.read(buffer);
        if (read < 0) {
            throw closed();
        }
        return read;
    }

    /** @return how many bytes the partial message at the start of the buffer still lacks; 0 at a boundary */
    private int missingBytes() throws IOException {
        int available = buffer.position();
        if (available == 0) {
            return 0;
        }
        if (available < HEADER) {
            return HEADER - available;
        }
        int length = messageLength(0);
        return 1 + length - available;
    }

    private void consume(List<Notification> out, long receivedNanos) throws IOException {
        buffer.flip();
        try {
            while (buffer.remaining() >= HEADER) {
                int start = buffer.position();
                int length = messageLength(start);
                int size = 1 + length;
                if (buffer.remaining() < size) {
                    ensureCapacity(size);
                    break;
                }
                handle(buffer.get(start), start, size, out, receivedNanos);
                buffer.position(start + size);
            }
        } finally {
            buffer.compact();
        }
    }

    private int messageLength(int start) throws IOException {
        int length = buffer.getInt(start + 1);
        if (length < 4 || length > MAX_MESSAGE) {
            throw new IOException("the upstream server sent a malformed message (type "
                    + describeType(buffer.get(start)) + ", length " + length + ")");
        }
        return length;
    }

    private void ensureCapacity(int size) {
        if (size <= buffer.capacity()) {
            return;
        }
        // Called in read mode: the unread bytes start at position.
        ByteBuffer larger = ByteBuffer.allocateDirect(Math.max(size, buffer.capacity() * 2));
        larger.put(buffer);
        larger.flip();
        buffer = larger;
    }

    private void handle(byte type, int start, int size, List<Notification> out, long receivedNanos) throws IOException {
        switch (type) {
            case 'A' -> out.add(notification(start, size, receivedNanos));
            case 'S', 'N' -> LOG.log(System.Logger.Level.DEBUG, "upstream {0} message between statements ignored",
                    type == 'S' ? "ParameterStatus" : "NoticeResponse");
            case 'E' -> throw new IOException(errorText(body(start, size)));
            default -> throw new IOException("the upstream server sent an unexpected message between statements (type "
                    + describeType(type) + ")");
        }
    }

    private Notification notification(int start, int size, long receivedNanos) throws IOException {
        int nameStart = start + HEADER + 4;
        int end = start + size;
        int nameEnd = nameStart;
        while (nameEnd < end && buffer.get(nameEnd) != 0) {
            nameEnd++;
        }
        if (nameEnd >= end - 1 || buffer.get(end - 1) != 0) {
            throw new IOException("the upstream server sent a malformed NotificationResponse");
        }
        byte[] message = new byte[size];
        buffer.get(start, message);
        return new Notification(channelName(message, nameStart - start, nameEnd - start), message, receivedNanos);
    }

    private String channelName(byte[] message, int from, int to) {
        int length = to - from;
        if (length != lastChannelBytes.length
                || !java.util.Arrays.equals(message, from, to, lastChannelBytes, 0, length)) {
            lastChannelBytes = java.util.Arrays.copyOfRange(message, from, to);
            lastChannel = new String(lastChannelBytes, StandardCharsets.UTF_8);
        }
        return lastChannel;
    }

    private byte[] body(int start, int size) {
        byte[] body = new byte[size - HEADER];
        buffer.get(start + HEADER, body);
        return body;
    }

    /** The server's own words, as pgjdbc would put them: "FATAL: terminating connection ... (57P01)". */
    static String errorText(byte[] body) {
        PacketParser fields = new PacketParser(body, "ErrorResponse");
        String severity = "ERROR";
        String sqlState = null;
        String message = "the upstream server sent an error";
        try {
            byte field;
            while ((field = fields.readByte()) != 0) {
                String value = fields.readCString();
                switch (field) {
                    case 'V' -> severity = value;
                    case 'C' -> sqlState = value;
                    case 'M' -> message = value;
                    default -> { }
                }
            }
        } catch (ProtocolException e) {
            return "the upstream server sent a malformed ErrorResponse";
        }
        return severity + ": " + message + (sqlState == null ? "" : " (" + sqlState + ")");
    }

    private static String describeType(byte type) {
        return type >= 0x20 && type < 0x7F ? "'" + (char) type + "'" : "0x" + Integer.toHexString(type & 0xFF);
    }

    private static IOException closed() {
        return new IOException("the upstream server closed the connection");
    }
}
