package io.allas.server.session;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.Optional;

import javax.net.ssl.SSLSession;

import io.allas.auth.spi.AuthExchange;
import io.allas.auth.spi.AuthRequest;
import io.allas.server.protocol.ProtocolException;
import io.allas.server.protocol.RawMessage;
import io.allas.server.protocol.backend.Authentication;
import io.allas.server.protocol.frontend.FrontendMessage;
import io.allas.server.protocol.frontend.FrontendMessageDecoder;

/**
 * The plugin's view of a connecting client.
 */
final class ClientAuthExchange implements AuthExchange {

    /** PostgreSQL's PQ_SMALL_MESSAGE_LIMIT bounds authentication responses alike. */
    private static final int MAX_RESPONSE_BYTES = 10_000;

    private final ClientConnection connection;
    private final String user;
    private final String database;

    ClientAuthExchange(ClientConnection connection, String user, String database) {
        this.connection = connection;
        this.user = user;
        this.database = database;
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public String database() {
        return database;
    }

    @Override
    public Optional<SocketAddress> peer() {
        return connection.peer();
    }

    @Override
    public Optional<SSLSession> tls() {
        return connection.tlsSession();
    }

    @Override
    public void send(AuthRequest request) throws IOException {
        connection.writer().sendAndFlush(new Authentication(request.code(), request.data()));
    }

    @Override
    public byte[] receive() throws IOException {
        RawMessage raw = connection.reader().readMessage(MAX_RESPONSE_BYTES);
        return switch (FrontendMessageDecoder.decode(raw)) {
            case FrontendMessage.AuthenticationResponse response -> response.body();
            case FrontendMessage.Terminate terminate -> throw new EOFException("the client terminated during authentication");
            default -> throw new ProtocolException("expected password response, got message type " + (raw.type() & 0xFF));
        };
    }
}
