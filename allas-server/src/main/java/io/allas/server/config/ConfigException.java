package io.allas.server.config;

/**
 * The configuration cannot be used. The message is the one line allas prints before it exits
 * non-zero, and names the offending key.
 */
public final class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
