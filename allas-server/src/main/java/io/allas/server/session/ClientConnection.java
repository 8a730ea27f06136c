package io.allas.server.session;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SSLSession;

import io.allas.server.protocol.ClientStream;
import io.allas.server.protocol.MessageReader;
import io.allas.server.protocol.MessageWriter;
import io.allas.server.protocol.backend.ErrorResponse;
import io.allas.server.tls.TlsClientStream;

/**
 * One client's connection: its message reader and writer and where it comes from.
 */
public final class ClientConnection {

    private volatile ClientStream stream;
    private final AtomicBoolean terminating = new AtomicBoolean();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile SSLSession tlsSession;
    private final MessageReader reader;
    private final MessageWriter writer;
    private volatile Optional<SocketAddress> peer;
    private final boolean fromLoadBalancer;

    /**
     * A connection straight from a client.
     *
     * @param stream the client's byte stream
     * @param peer   the client's address; empty on a UNIX-domain socket
     */
    public ClientConnection(ClientStream stream, Optional<SocketAddress> peer) {
        this(stream, peer, false);
    }

    /**
     * @param stream           the client's byte stream
     * @param peer             the address of the connection's other end; empty on a UNIX-domain socket
     * @param fromLoadBalancer whether that end is a trusted load balancer, which must announce the
     *                         client with a PROXY protocol header
     */
    public ClientConnection(ClientStream stream, Optional<SocketAddress> peer, boolean fromLoadBalancer) {
        this.stream = stream;
        this.reader = new MessageReader(stream);
        this.writer = new MessageWriter(stream);
        this.peer = peer;
        this.fromLoadBalancer = fromLoadBalancer;
    }

    public MessageReader reader() {
        return reader;
    }

    public MessageWriter writer() {
        return writer;
    }

    /**
     * @return the client's address: the one a load balancer announced, once its header is read
     */
    public Optional<SocketAddress> peer() {
        return peer;
    }

    /**
     * @return whether the connection comes from a trusted load balancer
     */
    boolean fromLoadBalancer() {
        return fromLoadBalancer;
    }

    /**
     * From now on the client is known by the address its load balancer announced.
     */
    void forwardedFor(SocketAddress client) {
        peer = Optional.of(client);
    }

    /**
     * @return the stream messages currently travel on
     */
    ClientStream stream() {
        return stream;
    }

    /**
     * @return the TLS session, once the connection runs over TLS
     */
    public Optional<SSLSession> tlsSession() {
        return Optional.ofNullable(tlsSession);
    }

    /**
     * From now on, messages travel over TLS.
     */
    void upgradeToTls(TlsClientStream tls) {
        reader.switchStream(tls);
        writer.switchStream(tls);
        stream = tls;
        tlsSession = tls.session();
    }

    /**
     * Sends a FATAL error; the caller then ends the session.
     */
    public void sendFatal(String sqlState, String message) {
        sendFatal(sqlState, message, null);
    }

    /**
     * Sends a FATAL error with a DETAIL line; the caller then ends the session.
     */
    public void sendFatal(String sqlState, String message, String detail) {
        try {
            writer.sendAndFlush(new ErrorResponse(ErrorResponse.Severity.FATAL, sqlState, message, detail));
        } catch (IOException e) {
            // The client is gone already; nothing more to tell it.
        }
    }

    /**
     * Ends the session from another thread: sends FATAL once the client has taken what is under way,
     * then closes the socket, which ends the session's blocked read. Never blocks the caller.
     *
     * @param grace how long the client may take for it; the socket is closed then regardless
     */
    public void terminate(Termination reason, Duration grace) {
        if (!terminating.compareAndSet(false, true)) {
            return;
        }
        Thread.ofVirtual().name("allas-terminate").start(() -> {
            // A client that takes no bytes at all would block the writes for ever.
            Thread deadline = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(grace);
                    stream.close();
                } catch (InterruptedException e) {
                    // The last words went out in time.
                }
            });
            // Waits for a write under way (whole messages) to end, so that the FATAL follows a message
            // boundary: closing in the middle of it would leave the client half a message.
            writer.trySendLast(ErrorResponse.fatal(reason.sqlState(), reason.message()), grace.toMillis());
            deadline.interrupt();
            stream.close();
            terminated.complete(null);
        });
    }

    /**
     * @return completes once {@link #terminate} has sent its FATAL (or given up) and closed the socket
     */
    CompletableFuture<Void> terminated() {
        return terminated;
    }

    /**
     * Closes the socket at once.
     */
    public void close() {
        stream.close();
    }
}
