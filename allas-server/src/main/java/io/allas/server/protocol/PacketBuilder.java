package io.allas.server.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable buffer that backend messages encode themselves into. One builder is reused for all
 * the messages of a batch; {@link #beginMessage} and {@link #endMessage} frame each one.
 */
public final class PacketBuilder {

    private byte[] bytes;
    private int size;
    private int messageStart = -1;

    /**
     * @param initialCapacity bytes to allocate up front
     */
    public PacketBuilder(int initialCapacity) {
        this.bytes = new byte[initialCapacity];
    }

    /**
     * Starts a typed message: writes the type and a placeholder for the length.
     */
    public PacketBuilder beginMessage(char type) {
        ensure(5);
        bytes[size++] = (byte) type;
        messageStart = size;
        size += 4;
        return this;
    }

    /**
     * Fills in the length of the message begun last.
     */
    public PacketBuilder endMessage() {
        int length = size - messageStart;
        bytes[messageStart] = (byte) (length >>> 24);
        bytes[messageStart + 1] = (byte) (length >>> 16);
        bytes[messageStart + 2] = (byte) (length >>> 8);
        bytes[messageStart + 3] = (byte) length;
        messageStart = -1;
        return this;
    }

    public PacketBuilder writeByte(int value) {
        ensure(1);
        bytes[size++] = (byte) value;
        return this;
    }

    public PacketBuilder writeInt16(int value) {
        ensure(2);
        bytes[size++] = (byte) (value >>> 8);
        bytes[size++] = (byte) value;
        return this;
    }

    public PacketBuilder writeInt32(int value) {
        ensure(4);
        bytes[size++] = (byte) (value >>> 24);
        bytes[size++] = (byte) (value >>> 16);
        bytes[size++] = (byte) (value >>> 8);
        bytes[size++] = (byte) value;
        return this;
    }

    public PacketBuilder writeBytes(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, bytes, size, value.length);
        size += value.length;
        return this;
    }

    /**
     * Writes the string as UTF-8 followed by NUL.
     */
    public PacketBuilder writeCString(String value) {
        writeBytes(value.getBytes(StandardCharsets.UTF_8));
        return writeByte(0);
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * @return a view of the bytes written so far; valid until the next write or {@link #clear}
     */
    public ByteBuffer view() {
        return ByteBuffer.wrap(bytes, 0, size);
    }


    /**
     * Forgets the content; keeps the array unless it grew beyond {@code retainCapacity}, so that
     * one burst does not pin a large buffer to an idle connection.
     */
    public void clear(int retainCapacity) {
        size = 0;
        if (bytes.length > retainCapacity) {
            bytes = new byte[retainCapacity];
        }
    }

    private void ensure(int extra) {
        if (size + extra > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + extra));
        }
    }
}
