package io.allas.server.protocol;

import java.net.InetSocketAddress;

/**
 * What a load balancer says, in its PROXY protocol header (v1 text or v2 binary), about the
 * connection it forwards. See HAProxy's proxy-protocol.txt.
 */
public sealed interface ProxyHeader {

    /**
     * A forwarded TCP connection.
     *
     * @param source      the client's address: the one that logs and authentication see
     * @param destination the address the client connected to, at the load balancer
     */
    record Forwarded(InetSocketAddress source, InetSocketAddress destination) implements ProxyHeader {
    }

    /**
     * A connection the load balancer made itself (v2 {@code LOCAL}, such as a health check) or one
     * whose origin it cannot express ({@code PROXY UNKNOWN}, v2 {@code UNSPEC} or a UNIX-domain
     * client): the connection's own addresses stay in force, as the protocol specifies.
     */
    record Unknown() implements ProxyHeader {
    }
}
