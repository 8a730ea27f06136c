package io.allas.server.config;

/**
 * A value does not fit its option's type. The message is the reason only; the loader adds which
 * option, and which environment variable if one set it.
 */
final class InvalidValueException extends Exception {

    InvalidValueException(String reason) {
        super(reason);
    }
}
