package io.allas.server.tls;

import javax.net.ssl.SSLException;

/**
 * A client began a TLS renegotiation, which allas refuses as PostgreSQL 14 and later do: it
 * lets a client make the server redo the costly handshake as often as it likes, and it has a
 * history of attacks. The session ends.
 */
public final class RenegotiationRefusedException extends SSLException {

    RenegotiationRefusedException() {
        super("client-initiated TLS renegotiation refused");
    }
}
