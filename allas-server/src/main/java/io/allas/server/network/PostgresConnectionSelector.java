package io.allas.server.network;

import java.util.Set;
import java.util.function.Function;

import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import io.allas.server.session.ClientConnection;

/**
 * Claims every connection of the PostgreSQL listener. As the listener's only selector it is
 * handed each connection before any byte is read, so the session reads the SSLRequest or
 * StartupMessage itself.
 */
final class PostgresConnectionSelector implements ServerConnectionSelector {

    private final Function<ClientConnection, Runnable> sessions;

    /**
     * @param sessions makes the session that serves a connection
     */
    PostgresConnectionSelector(Function<ClientConnection, Runnable> sessions) {
        this.sessions = sessions;
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData data) {
        return Support.SUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return Set.of();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        return new PostgresServerConnection(ctx, sessions);
    }
}
