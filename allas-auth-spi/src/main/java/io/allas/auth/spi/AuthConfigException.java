package io.allas.auth.spi;

/**
 * A database's {@code auth} object is not acceptable to its method. The message is shown to the
 * operator as the one line allas prints before it exits, so it should name the key.
 */
public class AuthConfigException extends Exception {

    /**
     * @param message what is wrong, naming the key
     */
    public AuthConfigException(String message) {
        super(message);
    }
}
