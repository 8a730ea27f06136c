package io.allas.server.protocol.frontend;

import io.allas.server.protocol.ProtocolException;

/**
 * What a Describe or Close message names: a prepared statement or a portal.
 */
public enum Target {
    STATEMENT('S'),
    PORTAL('P');

    private final char code;

    Target(char code) {
        this.code = code;
    }

    /**
     * @param code        the byte on the wire
     * @param messageName {@code DESCRIBE} or {@code CLOSE}, as PostgreSQL names them in this error
     * @throws ProtocolException for any other byte, as PostgreSQL rejects it
     */
    static Target decode(byte code, String messageName) throws ProtocolException {
        for (Target target : values()) {
            if (target.code == code) {
                return target;
            }
        }
        throw new ProtocolException("invalid " + messageName + " message subtype " + (code & 0xFF));
    }
}
