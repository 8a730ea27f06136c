package io.allas.server.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The byte stream between allas and one client. The message code sits on top of it and does not
 * know what carries the bytes: the plain socket, or a TLS session slid under it after an
 * SSLRequest.
 */
public interface ClientStream {

    /**
     * Blocks until bytes arrive.
     *
     * @return the next bytes received, never empty
     * @throws java.io.EOFException when the client has closed the connection
     * @throws IOException          when the connection fails
     */
    byte[] read() throws IOException;

    /**
     * Writes the buffer's remaining bytes in full. Callers serialise writes; implementations need
     * not be thread-safe.
     *
     * @param bytes the bytes to send
     * @throws IOException when the connection fails
     */
    void write(ByteBuffer bytes) throws IOException;

    /**
     * Closes the connection at once, from any thread: a blocked read or write then fails.
     */
    void close();
}
