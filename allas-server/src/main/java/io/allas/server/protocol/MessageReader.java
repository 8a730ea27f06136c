package io.allas.server.protocol;

import java.io.IOException;
import java.util.Arrays;

/**
 * Cuts the client's byte stream into packets: the untyped, length-prefixed packets of the
 * startup phase, then typed messages. Lengths are checked before anything is allocated, and a
 * message's buffer grows as its bytes arrive, so a client announcing a huge message costs nothing. Holds no buffer of its own between reads,
 * only the unread rest of the last chunk received, so an idle connection costs little.
 */
public final class MessageReader {

    private static final byte[] EMPTY = new byte[0];

    private ClientStream stream;
    private byte[] chunk = EMPTY;
    private int position;

    /**
     * @param stream where the bytes come from
     */
    public MessageReader(ClientStream stream) {
        this.stream = stream;
    }

    /**
     * Reads one startup-phase packet: Int32 length (itself included), then the body.
     *
     * @param maxLength the largest length accepted
     * @return the body
     * @throws ProtocolException when the length is out of bounds
     * @throws IOException       when the connection fails or closes
     */
    public byte[] readStartupPacket(int maxLength) throws IOException {
        int length = readInt();
        if (length < 8 || length > maxLength) {
            throw new ProtocolException("invalid length of startup packet");
        }
        return readExactly(length - 4);
    }

    /**
     * Reads one typed message: Byte1 type, Int32 length (itself included), then the body.
     *
     * @param maxLength the largest length accepted
     * @return the message's type and body
     * @throws ProtocolException when the length is out of bounds
     * @throws IOException       when the connection fails or closes
     */
    public RawMessage readMessage(int maxLength) throws IOException {
        // Waits here rather than in a helper: an idle client's session parks in this read for days,
        // and every frame of its stack is kept on the heap meanwhile.
        while (position >= chunk.length) {
            chunk = stream.read();
            position = 0;
        }
        byte type = chunk[position++];
        int length = readInt();
        if (length < 4) {
            throw new ProtocolException("invalid message length");
        }
        if (length > maxLength) {
            throw new ProtocolException("message of type \"" + (char) type + "\" is " + length
                    + " bytes long, more than the " + maxLength + " bytes allowed");
        }
        return new RawMessage(type, readExactly(length - 4));
    }

    /**
     * Looks at the next byte without consuming it, waiting for it if need be: a TLS ClientHello
     * (0x16) at the start of a connection means PostgreSQL 17's direct TLS.
     */
    public byte peekByte() throws IOException {
        ensureChunk();
        return chunk[position];
    }

    /**
     * Reads one byte, as a PROXY protocol v1 line is read up to its CRLF.
     */
    public byte readByte() throws IOException {
        ensureChunk();
        return chunk[position++];
    }

    /**
     * Hands over the bytes received but not yet read, as when they begin a TLS handshake.
     */
    public byte[] takeBuffered() {
        byte[] rest = Arrays.copyOfRange(chunk, position, chunk.length);
        chunk = EMPTY;
        position = 0;
        return rest;
    }

    /**
     * @return whether bytes the client sent are waiting here unread
     */
    public boolean hasBufferedBytes() {
        return position < chunk.length;
    }

    /**
     * Replaces the stream under this reader, as when TLS starts after an SSLRequest. The caller
     * must first make sure no bytes are buffered: they were sent in clear text.
     *
     * @param replacement the new stream
     */
    public void switchStream(ClientStream replacement) {
        if (hasBufferedBytes()) {
            throw new IllegalStateException("clear-text bytes are buffered");
        }
        this.stream = replacement;
    }

    private int readInt() throws IOException {
        if (chunk.length - position >= 4) {
            int value = PacketParser.int32(chunk, position);
            position += 4;
            return value;
        }
        // Cut between two chunks: rare, so the four bytes are gathered rather than kept in a field.
        return PacketParser.int32(readExactly(4), 0);
    }

    /**
     * Reads exactly {@code count} bytes: a packet's body, a PROXY protocol v2 header's parts. A
     * length is only the client's claim: the result grows with the bytes that actually arrive
     * (doubling, so a large message is copied a few times at most), so that a header announcing a
     * megabyte with nothing behind it costs no megabyte, however many clients send one.
     */
    public byte[] readExactly(int count) throws IOException {
        if (count == 0) {
            return EMPTY;
        }
        ensureChunk();
        byte[] result = new byte[Math.min(count, chunk.length - position)];
        int filled = 0;
        while (filled < count) {
            ensureChunk();
            int take = Math.min(count - filled, chunk.length - position);
            if (filled + take > result.length) {
                result = Arrays.copyOf(result, (int) Math.min(count, Math.max(filled + take, 2L * result.length)));
            }
            System.arraycopy(chunk, position, result, filled, take);
            position += take;
            filled += take;
        }
        return result;
    }

    private void ensureChunk() throws IOException {
        while (position >= chunk.length) {
            chunk = stream.read();
            position = 0;
        }
    }
}
