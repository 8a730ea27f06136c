package io.allas.server.session;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.Optional;

import io.allas.server.protocol.ClientStream;
import io.allas.server.protocol.MessageReader;
import io.allas.server.protocol.MessageWriter;
import io.allas.server.protocol.backend.ErrorResponse;

/**
 * One client's connection: its message reader and writer and where it comes from.
 */
public final class ClientConnection {

    private final MessageReader reader;
    private final MessageWriter writer;
    private final Optional<SocketAddress> peer;

    /**
     * @param stream the client's byte stream
     * @param peer   the client's address; empty on a UNIX-domain socket
     */
    public ClientConnection(ClientStream stream, Optional<SocketAddress> peer) {
        this.reader = new MessageReader(stream);
        this.writer = new MessageWriter(stream);
        this.peer = peer;
    }

    public MessageReader reader() {
        return reader;
    }

    public MessageWriter writer() {
        return writer;
    }

    public Optional<SocketAddress> peer() {
        return peer;
    }

    /**
     * Sends a FATAL error; the caller then ends the session.
     */
    public void sendFatal(String sqlState, String message) {
        try {
            writer.sendAndFlush(ErrorResponse.fatal(sqlState, message));
        } catch (IOException e) {
            // The client is gone already; nothing more to tell it.
        }
    }
}
