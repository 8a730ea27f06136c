package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * An AuthenticationXXX message ('R'): a request code and the bytes that follow it.
 *
 * @param code 0 for AuthenticationOk, else the request a plugin makes
 * @param data the bytes after the code
 */
public record Authentication(int code, byte[] data) implements BackendMessage {

    /** AuthenticationOk. */
    public static final Authentication OK = new Authentication(0, new byte[0]);

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.AUTHENTICATION).writeInt32(code).writeBytes(data).endMessage();
    }
}
