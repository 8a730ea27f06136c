package io.allas.server;

import io.allas.server.config.ListenAddress;

/**
 * How the start line names a listener: where clients reach it now.
 */
final class ListenerDescription {

    private ListenerDescription() {
    }

    /**
     * @param configured the configured address
     * @param boundPort  the port it is bound to, which differs from the configured one when that is 0
     * @return {@code host:port}, or the socket file's path
     */
    static String of(ListenAddress configured, int boundPort) {
        return switch (configured) {
            case ListenAddress.Tcp tcp -> (tcp.host() == null ? "*" : tcp.host()) + ":" + boundPort;
            // The path as the configuration wrote it may hold "..": show the file the operator will look for.
            case ListenAddress.Unix unix -> unix.path().normalize().toString();
        };
    }
}
