package io.allas.server.session;

import java.io.IOException;
import java.util.Optional;

import io.allas.server.protocol.ProtocolException;
import io.allas.server.protocol.SqlState;
import io.allas.server.protocol.backend.NegotiateProtocolVersion;
import io.allas.server.protocol.frontend.StartupRequest;
import io.allas.server.protocol.frontend.StartupRequestDecoder;

/**
 * The packets before authentication, handled as PostgreSQL handles them: encryption requests
 * refused with {@code N} (once each), CancelRequest accepted and the connection closed, the
 * StartupMessage's protocol version and parameters checked.
 */
final class StartupPhase {

    /** The newest minor version of protocol 3 that allas speaks. */
    static final int NEWEST_MINOR_VERSION = 0;

    private final ClientConnection connection;
    private final SessionLimits limits;

    StartupPhase(ClientConnection connection, SessionLimits limits) {
        this.connection = connection;
        this.limits = limits;
    }

    /**
     * @return the validated StartupMessage, or empty when the connection is to be closed (its
     *         answer, if any, has been sent)
     */
    Optional<StartupRequest.StartupMessage> run() throws IOException {
        boolean sslDone = false;
        boolean gssDone = false;
        while (true) {
            StartupRequest request = StartupRequestDecoder.decode(
                    connection.reader().readStartupPacket(limits.maxStartupPacketBytes()));
            switch (request) {
                case StartupRequest.SslRequest ssl -> {
                    // A second request after a refusal is answered as PostgreSQL does: as an unknown version.
                    if (sslDone) {
                        throw unsupportedProtocol(1234, 5679);
                    }
                    sslDone = true;
                    connection.writer().writeSingleByte('N');
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
                    return Optional.empty();
                }
                case StartupRequest.StartupMessage startup -> {
                    return validate(startup);
                }
            }
        }
    }

    private Optional<StartupRequest.StartupMessage> validate(StartupRequest.StartupMessage startup) throws IOException {
        if (startup.majorVersion() != 3) {
            throw unsupportedProtocol(startup.majorVersion(), startup.minorVersion());
        }
        String user = startup.parameters().get("user");
        if (user == null || user.isEmpty()) {
            connection.sendFatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "no PostgreSQL user name specified in startup packet");
            return Optional.empty();
        }
        if (startup.minorVersion() > NEWEST_MINOR_VERSION || !startup.protocolOptions().isEmpty()) {
            // Sent with the first authentication request, as PostgreSQL does.
            connection.writer().send(new NegotiateProtocolVersion(
                    Math.min(startup.minorVersion(), NEWEST_MINOR_VERSION), startup.protocolOptions()));
        }
        return Optional.of(startup);
    }

    private static ProtocolException unsupportedProtocol(int major, int minor) {
        // PostgreSQL reports an unsupported version as 0A000, not as a protocol violation.
        return new ProtocolException(SqlState.FEATURE_NOT_SUPPORTED, "unsupported frontend protocol " + major + "."
                + minor + ": server supports 3.0 to 3." + NEWEST_MINOR_VERSION);
    }
}
