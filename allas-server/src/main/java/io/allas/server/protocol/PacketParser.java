package io.allas.server.protocol;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the fields of one message body. Every read is bounds-checked: a field that runs past
 * the body is a protocol violation, never an exception escaping to the session.
 */
public final class PacketParser {

    private final byte[] body;
    private final String messageName;
    private int position;

    /**
     * @param body        the message body
     * @param messageName used in error messages, such as {@code "Bind"}
     */
    public PacketParser(byte[] body, String messageName) {
        this.body = body;
        this.messageName = messageName;
    }

    public byte readByte() throws ProtocolException {
        require(1);
        return body[position++];
    }

    public short readInt16() throws ProtocolException {
        require(2);
        short value = (short) (((body[position] & 0xFF) << 8) | (body[position + 1] & 0xFF));
        position += 2;
        return value;
    }

    public int readInt32() throws ProtocolException {
        require(4);
        int value = int32(body, position);
        position += 4;
        return value;
    }

    /**
     * @return the big-endian Int32 at {@code offset}, as every length and integer on the wire is written
     */
    public static int int32(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xFF) << 24) | ((bytes[offset + 1] & 0xFF) << 16)
                | ((bytes[offset + 2] & 0xFF) << 8) | (bytes[offset + 3] & 0xFF);
    }

    /**
     * @return a NUL-terminated string, decoded as UTF-8
     */
    public String readCString() throws ProtocolException {
        int end = position;
        while (end < body.length && body[end] != 0) {
            end++;
        }
        if (end == body.length) {
            throw new ProtocolException("invalid string in message");
        }
        String value = new String(body, position, end - position, StandardCharsets.UTF_8);
        position = end + 1;
        return value;
    }

    /**
     * @return a NUL-terminated string that must be UTF-8, as PostgreSQL requires of query text
     * @throws InvalidTextException when it is not: the session answers 22021 and goes on
     */
    public String readUtf8CString() throws ProtocolException, InvalidTextException {
        int start = position;
        int end = start;
        while (end < body.length && body[end] != 0) {
            end++;
        }
        if (end == body.length) {
            throw new ProtocolException("invalid string in message");
        }
        position = end + 1;
        ByteBuffer bytes = ByteBuffer.wrap(body, start, end - start);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidTextException(invalidSequence(firstInvalid(start, end), end));
        }
    }

    private int firstInvalid(int start, int end) {
        ByteBuffer in = ByteBuffer.wrap(body, start, end - start);
        CharBuffer out = CharBuffer.allocate(end - start);
        StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(in, out, true);
        return in.position();
    }

    /** PostgreSQL's words: the bytes of the character that begins there, as long as its first byte says. */
    private String invalidSequence(int at, int end) {
        int lead = body[at] & 0xFF;
        int length = (lead & 0x80) == 0 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3
                : (lead & 0xF8) == 0xF0 ? 4 : 1;
        StringBuilder text = new StringBuilder("invalid byte sequence for encoding \"UTF8\":");
        for (int i = at; i < Math.min(at + length, end); i++) {
            text.append(String.format(" 0x%02x", body[i] & 0xFF));
        }
        return text.toString();
    }

    public byte[] readBytes(int count) throws ProtocolException {
        if (count < 0) {
            throw new ProtocolException("invalid length in " + messageName + " message");
        }
        require(count);
        byte[] value = new byte[count];
        System.arraycopy(body, position, value, 0, count);
        position += count;
        return value;
    }

    public int remaining() {
        return body.length - position;
    }

    /**
     * PostgreSQL rejects trailing garbage after the last field; so do we.
     */
    public void expectEnd() throws ProtocolException {
        if (position != body.length) {
            throw new ProtocolException("invalid message format");
        }
    }

    private void require(int count) throws ProtocolException {
        if (body.length - position < count) {
            throw new ProtocolException("invalid message format");
        }
    }
}
