package io.allas.server.protocol;

/**
 * A typed frontend message before decoding.
 *
 * @param type the message type byte
 * @param body the bytes after the length
 */
public record RawMessage(byte type, byte[] body) {
}
