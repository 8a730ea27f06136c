package io.allas.server.session;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;

import io.allas.server.protocol.ProtocolException;
import io.allas.server.protocol.ProxyHeader;
import io.allas.server.protocol.ProxyHeaderReader;
import io.allas.server.protocol.SqlState;
import io.allas.server.protocol.backend.NegotiateProtocolVersion;
import io.allas.server.protocol.frontend.StartupRequest;
import io.allas.server.protocol.frontend.StartupRequestDecoder;
import io.allas.server.config.TlsSettings;
import io.allas.server.tls.ServerTlsContext;
import io.allas.server.tls.TlsClientStream;

/**
 * The packets before authentication, handled as PostgreSQL handles them (after the PROXY header
 * of a trusted load balancer, which PostgreSQL does not know): encryption requests
 * refused with {@code N} (once each), CancelRequest accepted and the connection closed, the
 * StartupMessage's protocol version and parameters checked.
 */
final class StartupPhase {

    /** How the packets before authentication ended. */
    sealed interface Outcome {
        /** A valid StartupMessage: authentication follows. */
        record Proceed(StartupRequest.StartupMessage startup) implements Outcome {
        }

        /**
         * The client is to be refused with FATAL.
         *
         * @param startup its StartupMessage, when the refusal is about one
         */
        record Refuse(String sqlState, String message, Optional<StartupRequest.StartupMessage> startup)
                implements Outcome {
        }

        /** Nothing to answer: a CancelRequest, or TLS that allas does not offer. */
        record Close() implements Outcome {
        }
    }

    /** The newest minor version of protocol 3 that allas speaks. */
    static final int NEWEST_MINOR_VERSION = 0;

    /** The first byte of a TLS handshake record: a ClientHello where a startup packet would be. */
    private static final byte TLS_HANDSHAKE_RECORD = 0x16;
    /** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
    private static final int MAX_STARTUP_PACKET_BYTES = 10_000;

    private final ClientConnection connection;
    private final Optional<ServerTlsContext> tls;

    StartupPhase(ClientConnection connection, Optional<ServerTlsContext> tls) {
        this.connection = connection;
        this.tls = tls.filter(t -> t.mode() != TlsSettings.Mode.DISABLE);
    }

    /**
     * @return the validated StartupMessage, a refusal for the session to send, or a close without a word
     */
    Outcome run() throws IOException {
        readProxyHeader();
        boolean sslDone = false;
        boolean gssDone = false;
        if (connection.reader().peekByte() == TLS_HANDSHAKE_RECORD) {
            if (tls.isEmpty()) {
                // Not a startup packet, and allas has no TLS to offer: nothing to answer.
                return new Outcome.Close();
            }
            TlsClientStream stream = TlsClientStream.handshake(connection.stream(), tls.get().newEngine(),
                    connection.reader().takeBuffered());
            connection.upgradeToTls(stream);
            if (!stream.applicationProtocol().equals(ServerTlsContext.ALPN_POSTGRESQL)) {
                throw new ProtocolException("received direct SSL connection request without ALPN protocol negotiation extension");
            }
            sslDone = true;
        }
        while (true) {
            StartupRequest request = StartupRequestDecoder.decode(
                    connection.reader().readStartupPacket(MAX_STARTUP_PACKET_BYTES));
            switch (request) {
                case StartupRequest.SslRequest ssl -> {
                    // A second request after a refusal is answered as PostgreSQL does: as an unknown version.
                    if (sslDone) {
                        throw unsupportedProtocol(1234, 5679);
                    }
                    sslDone = true;
                    if (tls.isEmpty()) {
                        connection.writer().writeSingleByte('N');
                    } else {
                        startTls();
                    }
                }
                case StartupRequest.GssEncRequest gss -> {
                    if (gssDone) {
                        throw unsupportedProtocol(1234, 5680);
                    }
                    gssDone = true;
                    connection.writer().writeSingleByte('N');
                }
                case StartupRequest.CancelRequest cancel -> {
                    // allas runs no query that could be cancelled: accept the request and close.
                    return new Outcome.Close();
                }
                case StartupRequest.StartupMessage startup -> {
                    return validate(startup);
                }
            }
        }
    }

    /**
     * A trusted load balancer's connection begins with a PROXY header naming the client; nobody
     * else may send one, or anyone could claim any address.
     */
    private void readProxyHeader() throws IOException {
        boolean header = ProxyHeaderReader.startsWithHeader(connection.reader());
        if (!connection.fromLoadBalancer()) {
            if (header) {
                throw new ProtocolException("PROXY protocol header from " + host()
                        + ", which is not in listen.proxy_protocol.trusted");
            }
            return;
        }
        if (!header) {
            throw new ProtocolException("expected a PROXY protocol header from " + host()
                    + ", a trusted load balancer (listen.proxy_protocol.trusted)");
        }
        if (ProxyHeaderReader.read(connection.reader()) instanceof ProxyHeader.Forwarded forwarded) {
            connection.forwardedFor(forwarded.source());
        }
    }

    /** The client's host as PostgreSQL's messages name it. */
    private String host() {
        return connection.peer().map(p -> p instanceof InetSocketAddress inet
                ? inet.getAddress().getHostAddress() : p.toString()).orElse("[local]");
    }

    private void startTls() throws IOException {
        // Bytes sent before our answer were sent in clear text and would be taken as if encrypted
        // (CVE-2021-23214): refuse, as PostgreSQL does.
        if (connection.reader().hasBufferedBytes()) {
            throw new ProtocolException("received unencrypted data after SSL request");
        }
        connection.writer().writeSingleByte('S');
        connection.upgradeToTls(TlsClientStream.handshake(connection.stream(), tls.get().newEngine(), new byte[0]));
    }

    private Outcome validate(StartupRequest.StartupMessage startup) throws IOException {
        if (startup.majorVersion() != 3) {
            throw unsupportedProtocol(startup.majorVersion(), startup.minorVersion());
        }
        String user = startup.parameters().get("user");
        if (user == null || user.isEmpty()) {
            return new Outcome.Refuse(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "no PostgreSQL user name specified in startup packet", Optional.of(startup));
        }
        if (tls.isPresent() && tls.get().mode() == TlsSettings.Mode.REQUIRE && connection.tlsSession().isEmpty()) {
            return new Outcome.Refuse(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "no pg_hba.conf entry for host \""
                    + host() + "\", user \"" + user + "\", database \""
                    + startup.parameters().getOrDefault("database", user) + "\", no encryption", Optional.of(startup));
        }
        if (startup.minorVersion() > NEWEST_MINOR_VERSION || !startup.protocolOptions().isEmpty()) {
            // Sent with the first authentication request, as PostgreSQL does.
            connection.writer().send(new NegotiateProtocolVersion(
                    Math.min(startup.minorVersion(), NEWEST_MINOR_VERSION), startup.protocolOptions()));
        }
        return new Outcome.Proceed(startup);
    }

    private static ProtocolException unsupportedProtocol(int major, int minor) {
        // PostgreSQL reports an unsupported version as 0A000, not as a protocol violation.
        return new ProtocolException(SqlState.FEATURE_NOT_SUPPORTED, "unsupported frontend protocol " + major + "."
                + minor + ": server supports 3.0 to 3." + NEWEST_MINOR_VERSION);
    }
}
