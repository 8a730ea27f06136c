package io.allas.server.relay;

import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLSocket;

/**
 * A connection that pgjdbc opened and authenticated, with the sockets beneath it handed over: the
 * plain one, a {@link SocketChannel} ({@link UpstreamSocketFactory}), and the TLS socket over it
 * when the connection is encrypted ({@link CapturingSslFactory}). Once pgjdbc has connected, allas
 * speaks the protocol on them itself; pgjdbc keeps the connection only to say goodbye.
 */
public final class CapturedConnection {

    private final Connection driver;
    private final SocketChannel channel;
    private final SSLSocket tls;

    private CapturedConnection(Connection driver, SocketChannel channel, SSLSocket tls) {
        this.driver = driver;
        this.channel = channel;
        this.tls = tls;
    }

    /**
     * Connects with pgjdbc.
     *
     * @param properties the connection's properties; the socket factories are added to them
     */
    public static CapturedConnection open(UpstreamTarget target, Properties properties) throws SQLException {
        String key = UUID.randomUUID().toString();
        AtomicReference<SocketChannel> plain = new AtomicReference<>();
        AtomicReference<SSLSocket> encrypted = new AtomicReference<>();
        UpstreamSocketFactory.register(key, channel -> {
            // A new attempt (the next host, or sslmode=prefer trying again without TLS) begins with
            // a new socket: a TLS socket of an earlier attempt is not this connection's.
            plain.set(channel);
            encrypted.set(null);
        });
        CapturingSslFactory.register(key, encrypted::set);
        try {
            properties.setProperty("socketFactory", UpstreamSocketFactory.class.getName());
            properties.setProperty("socketFactoryArg", key);
            properties.setProperty("sslfactory", CapturingSslFactory.class.getName());
            properties.setProperty(CapturingSslFactory.KEY_PROPERTY, key);
            Connection driver = DriverManager.getConnection(target.url(), properties);
            return new CapturedConnection(driver, plain.get(), encrypted.get());
        } finally {
            UpstreamSocketFactory.unregister(key);
            CapturingSslFactory.unregister(key);
        }
    }

    /**
     * @return pgjdbc's connection: for statements at connect, and to close
     */
    public Connection driver() {
        return driver;
    }

    /**
     * @return the plain socket, beneath TLS when there is TLS
     */
    public SocketChannel channel() {
        return channel;
    }

    /**
     * @return the TLS socket, when the connection is encrypted
     */
    public Optional<SSLSocket> tls() {
        return Optional.ofNullable(tls);
    }

    /**
     * @return the socket the protocol's messages travel on: the TLS socket when there is one
     */
    public Socket socket() {
        return tls != null ? tls : channel.socket();
    }
}
