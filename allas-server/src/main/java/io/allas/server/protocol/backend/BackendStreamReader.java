package io.allas.server.protocol.backend;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketParser;
import io.allas.server.protocol.ProtocolException;

/**
 * Cuts a server's byte stream between statements into messages, in place of a driver. A
 * NotificationResponse is kept as the very bytes the server sent, which are byte for byte what
 * every client needs: only the channel name is decoded, and a run of notifications on one channel
 * decodes it once. Decoding each one into Strings and encoding it back would bound the delivery
 * rate to one listener.
 *
 * <p>Between statements a server sends only NotificationResponse, ParameterStatus (a setting
 * changed by a reload), NoticeResponse and a FATAL ErrorResponse before it closes. The answer to a
 * simple Query that allas sent itself is read here too ({@link #readStatementAnswer}), so that
 * no driver reads the stream after the connection is made: notifications that arrive during a
 * statement are kept in order with the rest.
 */
public final class BackendStreamReader {

    private static final System.Logger LOG = System.getLogger(BackendStreamReader.class.getName());
    private static final int INITIAL_BUFFER = 128 * 1024;
    /** Larger than any message the server sends between statements (a notification is at most ~8 KB). */
    private static final int MAX_MESSAGE = 1024 * 1024;
    private static final int HEADER = 5;
    /** Type, length and the notifying backend's PID precede the channel name. */
    private static final int CHANNEL_OFFSET = HEADER + 4;

    /** Bytes read and not yet consumed are {@code data[0, filled)}. */
    private byte[] data = new byte[INITIAL_BUFFER];
    private int filled;
    private byte[] lastChannelBytes = new byte[0];
    private String lastChannel = "";
    /** Whether a Query's answer is being read and its ReadyForQuery has not come yet. */
    private boolean statementOpen;
    /** The ErrorResponse that failed the statement being read; null while none has. */
    private ErrorResponse statementError;

    /**
     * Reads what the channel holds without waiting, and completes a message that the read left
     * unfinished, so that a driver can take the connection over after any call.
     *
     * @param channel    the server's stream, non-blocking
     * @param completion waits for the channel to become readable again, or throws when the server
     *                   stops in the middle of a message
     * @param out        receives the notifications read, in runs on one channel
     * @return the number of bytes read
     * @throws IOException when the stream ends, the server sends an error, or its bytes make no sense
     */
    public int read(ReadableByteChannel channel, ReadinessWait completion, List<NotificationRun> out) throws IOException {
        int total = fill(channel, data.length - filled);
        long receivedNanos = System.nanoTime();
        consume(out, receivedNanos);
        int missing;
        while ((missing = missingBytes()) > 0) {
            completion.await();
            // Only the rest of this message: a busy stream would otherwise never end at a boundary.
            total += fill(channel, missing);
            consume(out, receivedNanos);
        }
        return total;
    }

    /**
     * Reads the server's answer to a simple Query (allas sent it on the channel) up to its
     * ReadyForQuery, and whatever complete messages follow in the same read.
     *
     * @param channel  the server's stream, non-blocking
     * @param readable waits until the channel has bytes, or throws when the answer takes too long
     * @param out      receives the notifications that arrive meanwhile, in order
     * @return the ErrorResponse that failed the statement; empty when it succeeded
     * @throws IOException when the stream ends, the server ends the session (FATAL), or its bytes make no sense
     */
    public Optional<ErrorResponse> readStatementAnswer(ReadableByteChannel channel, ReadinessWait readable,
                                                       List<NotificationRun> out) throws IOException {
        statementOpen = true;
        statementError = null;
        fill(channel, data.length - filled);
        consume(out, System.nanoTime());
        while (statementOpen) {
            readable.await();
            fill(channel, data.length - filled);
            consume(out, System.nanoTime());
        }
        return Optional.ofNullable(statementError);
    }

    /** Waits until the channel has bytes. */
    @FunctionalInterface
    public interface ReadinessWait {
        void await() throws IOException;
    }

    private int fill(ReadableByteChannel channel, int atMost) throws IOException {
        int read = channel.read(ByteBuffer.wrap(data, filled, atMost));
        if (read < 0) {
            throw new IOException("the upstream server closed the connection");
        }
        filled += read;
        return read;
    }

    /** @return how many bytes the partial message at the start of the buffer still lacks; 0 at a boundary */
    private int missingBytes() throws IOException {
        if (filled == 0) {
            return 0;
        }
        if (filled < HEADER) {
            return HEADER - filled;
        }
        return 1 + messageLength(0) - filled;
    }

    /** Consumes the complete messages, gathering consecutive notifications on one channel into one run. */
    private void consume(List<NotificationRun> out, long receivedNanos) throws IOException {
        int position = 0;
        int runStart = -1;
        int runCount = 0;
        int runName = 0;
        int runNameLength = 0;
        while (filled - position >= HEADER) {
            int size = 1 + messageLength(position);
            if (filled - position < size) {
                break;
            }
            byte type = data[position];
            if (type == MessageType.Backend.NOTIFICATION_RESPONSE) {
                int name = position + CHANNEL_OFFSET;
                int nameLength = channelNameLength(position, size);
                if (runStart >= 0 && !Arrays.equals(data, name, name + nameLength, data, runName, runName + runNameLength)) {
                    out.add(run(runStart, position, runName, runNameLength, runCount, receivedNanos));
                    runStart = -1;
                }
                if (runStart < 0) {
                    runStart = position;
                    runName = name;
                    runNameLength = nameLength;
                    runCount = 0;
                }
                runCount++;
            } else {
                if (runStart >= 0) {
                    out.add(run(runStart, position, runName, runNameLength, runCount, receivedNanos));
                    runStart = -1;
                }
                handleOther(type, position, size);
            }
            position += size;
        }
        if (runStart >= 0) {
            out.add(run(runStart, position, runName, runNameLength, runCount, receivedNanos));
        }
        System.arraycopy(data, position, data, 0, filled - position);
        filled -= position;
        if (filled >= HEADER) {
            ensureCapacity(1 + messageLength(0));
        }
    }

    private int messageLength(int start) throws IOException {
        int length = PacketParser.int32(data, start + 1);
        if (length < 4 || length > MAX_MESSAGE) {
            throw new IOException("the upstream server sent a malformed message (type "
                    + MessageType.describe(data[start]) + ", length " + length + ")");
        }
        return length;
    }

    /** Checks the NotificationResponse's two strings and returns the length of its channel name. */
    private int channelNameLength(int start, int size) throws IOException {
        int end = start + size;
        int name = start + CHANNEL_OFFSET;
        int nameEnd = name;
        while (nameEnd < end && data[nameEnd] != 0) {
            nameEnd++;
        }
        if (nameEnd >= end - 1 || data[end - 1] != 0) {
            throw new IOException("the upstream server sent a malformed NotificationResponse");
        }
        return nameEnd - name;
    }

    private void ensureCapacity(int size) {
        if (size > data.length) {
            data = Arrays.copyOf(data, Math.max(size, data.length * 2));
        }
    }

    private NotificationRun run(int from, int to, int name, int nameLength, int count, long receivedNanos) {
        return new NotificationRun(channelName(name, nameLength), Arrays.copyOfRange(data, from, to), count,
                receivedNanos);
    }

    /** One String per channel while its notifications keep coming, so that later lookups compare references. */
    private String channelName(int from, int length) {
        if (!Arrays.equals(data, from, from + length, lastChannelBytes, 0, lastChannelBytes.length)) {
            lastChannelBytes = Arrays.copyOfRange(data, from, from + length);
            lastChannel = new String(lastChannelBytes, StandardCharsets.UTF_8);
        }
        return lastChannel;
    }

    private void handleOther(byte type, int start, int size) throws IOException {
        if (statementOpen) {
            handleStatementAnswer(type, start, size);
            return;
        }
        switch (type) {
            case MessageType.Backend.PARAMETER_STATUS, MessageType.Backend.NOTICE_RESPONSE ->
                    LOG.log(System.Logger.Level.DEBUG, "upstream {0} message between statements ignored",
                            type == MessageType.Backend.PARAMETER_STATUS ? "ParameterStatus" : "NoticeResponse");
            case MessageType.Backend.ERROR_RESPONSE -> throw new IOException(decodeError(start, size).describe());
            default -> throw new IOException("the upstream server sent an unexpected message between statements (type "
                    + MessageType.describe(type) + ")");
        }
    }

    /** Rows and results are not wanted (the statements are LISTEN, UNLISTEN and a ping); an error is kept. */
    private void handleStatementAnswer(byte type, int start, int size) throws IOException {
        switch (type) {
            case MessageType.Backend.READY_FOR_QUERY -> statementOpen = false;
            case MessageType.Backend.ERROR_RESPONSE -> {
                ErrorResponse error = decodeError(start, size);
                if (error.severity() != ErrorResponse.Severity.ERROR) {
                    throw new IOException(error.describe());
                }
                if (statementError == null) {
                    statementError = error;
                }
            }
            case MessageType.Backend.COMMAND_COMPLETE, MessageType.Backend.EMPTY_QUERY_RESPONSE,
                 MessageType.Backend.ROW_DESCRIPTION, MessageType.Backend.DATA_ROW,
                 MessageType.Backend.NOTICE_RESPONSE, MessageType.Backend.PARAMETER_STATUS -> { }
            default -> throw new IOException("the upstream server answered a statement with an unexpected message (type "
                    + MessageType.describe(type) + ")");
        }
    }

    private ErrorResponse decodeError(int start, int size) throws IOException {
        try {
            return ErrorResponse.decode(Arrays.copyOfRange(data, start + HEADER, start + size));
        } catch (ProtocolException e) {
            throw new IOException("the upstream server sent a malformed ErrorResponse", e);
        }
    }
}
