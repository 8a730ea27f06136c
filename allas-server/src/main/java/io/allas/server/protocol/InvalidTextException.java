package io.allas.server.protocol;

/**
 * A client's text (query text) is not UTF-8: PostgreSQL refuses it with 22021 and the session goes on.
 */
public final class InvalidTextException extends Exception {

    /**
     * @param message PostgreSQL's words: {@code invalid byte sequence for encoding "UTF8": 0xe9 0x22 0x3b}
     */
    public InvalidTextException(String message) {
        super(message, null, false, false);
    }
}
