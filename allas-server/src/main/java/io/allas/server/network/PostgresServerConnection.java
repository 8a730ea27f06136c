package io.allas.server.network;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

import io.helidon.common.concurrency.limits.Limit;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.allas.server.config.ProxyProtocol;
import io.allas.server.session.ClientConnection;

/**
 * One client connection inside Helidon: runs its session on the connection's virtual thread;
 * Helidon closes the socket when {@link #handle} returns.
 */
final class PostgresServerConnection implements ServerConnection {

    private final ConnectionContext context;
    private final Function<ClientConnection, Runnable> sessions;
    private final Optional<ProxyProtocol> proxyProtocol;
    private volatile Thread thread;

    PostgresServerConnection(ConnectionContext context, Function<ClientConnection, Runnable> sessions,
                             Optional<ProxyProtocol> proxyProtocol) {
        this.context = context;
        this.sessions = sessions;
        this.proxyProtocol = proxyProtocol;
    }

    @Override
    public void handle(Limit limit) {
        thread = Thread.currentThread();
        Optional<SocketAddress> peer = peer();
        ClientConnection connection = new ClientConnection(
                new HelidonClientStream(context.serverSocket(), context.dataWriter()), peer, fromLoadBalancer(peer));
        sessions.apply(connection).run();
    }

    private boolean fromLoadBalancer(Optional<SocketAddress> peer) {
        return proxyProtocol.isPresent() && peer.isPresent()
                && peer.get() instanceof InetSocketAddress inet
                && proxyProtocol.get().trusts(inet.getAddress());
    }

    private Optional<SocketAddress> peer() {
        SocketAddress address = context.remotePeer().address();
        // A UNIX-domain socket's peer has no address worth reporting.
        return address instanceof InetSocketAddress ? Optional.of(address) : Optional.empty();
    }

    /**
     * A LISTEN connection is idle by design, for days: Helidon's idle timer must never close it.
     */
    @Override
    public Duration idleTime() {
        return Duration.ZERO;
    }

    @Override
    public void close(boolean interrupt) {
        Thread running = thread;
        if (interrupt && running != null) {
            running.interrupt();
        }
    }
}
