package io.allas.server.config;

import java.nio.file.Path;

/**
 * Where a listener binds: {@code listen} and {@code prometheus.listen}.
 */
public sealed interface ListenAddress {

    /**
     * A TCP listener.
     *
     * @param host      the host name or address; null for every interface ({@code "*"})
     * @param port      the port; 0 picks a free one
     * @param keepalive whether TCP keepalive is on for accepted sockets
     */
    record Tcp(String host, int port, boolean keepalive) implements ListenAddress {
        @Override
        public String toString() {
            return (host == null ? "*" : host) + ":" + port;
        }
    }

    /**
     * A UNIX-domain socket.
     *
     * @param path the socket file
     */
    record Unix(Path path) implements ListenAddress {
        @Override
        public String toString() {
            return path.toString();
        }
    }
}
