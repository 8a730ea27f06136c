package io.allas.server.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import org.postgresql.ssl.LibPQFactory;
import org.postgresql.util.PSQLException;

/**
 * pgjdbc's own TLS socket factory for the {@code sslmode} given (LibPQFactory, what pgjdbc uses
 * when none is named), which also hands the TLS socket it makes to allas ({@link CapturedConnection}):
 * after pgjdbc has authenticated, allas speaks the protocol on that socket itself. pgjdbc
 * instantiates this class by name with the connection's properties; {@link #KEY_PROPERTY} says
 * whom to hand the socket to.
 */
public final class CapturingSslFactory extends SSLSocketFactory {

    /** The connection property naming the registration. */
    static final String KEY_PROPERTY = "allasSocketKey";

    private static final Map<String, Consumer<SSLSocket>> CALLBACKS = new ConcurrentHashMap<>();

    private final SSLSocketFactory delegate;
    private final Consumer<SSLSocket> callback;

    /**
     * Called by pgjdbc.
     *
     * @param info the connection's properties
     */
    public CapturingSslFactory(Properties info) throws PSQLException {
        this.delegate = new LibPQFactory(info);
        this.callback = CALLBACKS.getOrDefault(info.getProperty(KEY_PROPERTY, ""), socket -> { });
    }

    static void register(String key, Consumer<SSLSocket> callback) {
        CALLBACKS.put(key, callback);
    }

    static void unregister(String key) {
        CALLBACKS.remove(key);
    }

    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
        Socket created = delegate.createSocket(socket, host, port, autoClose);
        if (created instanceof SSLSocket tls) {
            callback.accept(tls);
        }
        return created;
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        throw new UnsupportedOperationException("pgjdbc layers TLS over its own socket");
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        throw new UnsupportedOperationException("pgjdbc layers TLS over its own socket");
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        throw new UnsupportedOperationException("pgjdbc layers TLS over its own socket");
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        throw new UnsupportedOperationException("pgjdbc layers TLS over its own socket");
    }
}
