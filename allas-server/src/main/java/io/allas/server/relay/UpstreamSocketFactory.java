package io.allas.server.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import javax.net.SocketFactory;

/**
 * Gives pgjdbc sockets that are backed by a {@link SocketChannel}, so that the relay can wait for
 * the upstream connection to become readable with a {@link java.nio.channels.Selector} that other
 * threads can wake, instead of polling pgjdbc with a timeout. pgjdbc instantiates this class by
 * name, passing {@code socketFactoryArg}: the key under which the relay registered the callback
 * that receives each channel created.
 */
public final class UpstreamSocketFactory extends SocketFactory {

    private static final Map<String, Consumer<SocketChannel>> CALLBACKS = new ConcurrentHashMap<>();

    private final Consumer<SocketChannel> callback;

    /**
     * Called by pgjdbc.
     *
     * @param key the registration key
     */
    public UpstreamSocketFactory(String key) {
        this.callback = CALLBACKS.getOrDefault(key, channel -> { });
    }

    public static void register(String key, Consumer<SocketChannel> callback) {
        CALLBACKS.put(key, callback);
    }

    public static void unregister(String key) {
        CALLBACKS.remove(key);
    }

    @Override
    public Socket createSocket() throws IOException {
        SocketChannel channel = SocketChannel.open();
        callback.accept(channel);
        return channel.socket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        throw new UnsupportedOperationException("pgjdbc connects unconnected sockets itself");
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        throw new UnsupportedOperationException("pgjdbc connects unconnected sockets itself");
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        throw new UnsupportedOperationException("pgjdbc connects unconnected sockets itself");
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        throw new UnsupportedOperationException("pgjdbc connects unconnected sockets itself");
    }
}
