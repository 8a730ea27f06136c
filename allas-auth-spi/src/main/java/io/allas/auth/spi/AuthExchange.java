package io.allas.auth.spi;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.Optional;

import javax.net.ssl.SSLSession;

/**
 * What a plugin sees of one connecting client, and the channel through which it talks to it.
 * Not thread-safe: use it from the thread that called {@link AuthMethod#authenticate}.
 */
public interface AuthExchange {

    /**
     * @return the {@code user} of the client's StartupMessage
     */
    String user();

    /**
     * @return the database the client asked for (the {@code database} startup parameter, or the user name)
     */
    String database();

    /**
     * @return the client's address; empty on a UNIX-domain socket
     */
    Optional<SocketAddress> peer();

    /**
     * The TLS session when the client connected over TLS. Channel binding needs it: for
     * {@code tls-server-end-point} hash {@code getLocalCertificates()[0]}.
     *
     * @return the TLS session, or empty on a clear-text connection
     */
    Optional<SSLSession> tls();

    /**
     * Sends one authentication request (an {@code AuthenticationXXX} message) and flushes it.
     *
     * @param request the request
     * @throws IOException when the connection fails
     */
    void send(AuthRequest request) throws IOException;

    /**
     * Waits for the client's next authentication response (PasswordMessage, SASLInitialResponse
     * or SASLResponse: all are message type {@code 'p'}) and returns its body. The body's layout
     * depends on the request that preceded it and is for the plugin to parse.
     *
     * @return the response body
     * @throws IOException when the connection fails, the client leaves, or it sends something
     *                     that is not an authentication response (allas has then answered it)
     */
    byte[] receive() throws IOException;
}
