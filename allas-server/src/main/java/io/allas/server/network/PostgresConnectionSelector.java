package io.allas.server.network;

import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import io.allas.server.config.ProxyProtocol;
import io.allas.server.session.ClientConnection;

/**
 * Claims every connection of the PostgreSQL listener. As the listener's only selector it is
 * handed each connection before any byte is read, so the session reads the SSLRequest or
 * StartupMessage itself (and, from a trusted load balancer, the PROXY header before them).
 *
 * <p>Helidon's own PROXY protocol support (the listener's {@code enableProxyProtocol}) does not
 * fit: it expects a header on every connection of the listener or none, has no notion of trusted
 * peers, answers a bad header in HTTP's terms rather than with a PostgreSQL ErrorResponse, and
 * reads through the NIO channel that this listener turns off to save memory per connection.
 */
final class PostgresConnectionSelector implements ServerConnectionSelector {

    private final Function<ClientConnection, Runnable> sessions;
    private final Optional<ProxyProtocol> proxyProtocol;

    /**
     * @param sessions      makes the session that serves a connection
     * @param proxyProtocol the load balancers whose connections begin with a PROXY header
     */
    PostgresConnectionSelector(Function<ClientConnection, Runnable> sessions, Optional<ProxyProtocol> proxyProtocol) {
        this.sessions = sessions;
        this.proxyProtocol = proxyProtocol;
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
        return new PostgresServerConnection(ctx, sessions, proxyProtocol);
    }
}
