package io.allas.server.protocol.frontend;

import java.util.List;
import java.util.Map;

/**
 * The first packet of a connection (and the one after a refused SSLRequest or GSSENCRequest).
 */
public sealed interface StartupRequest {

    /** SSLRequest: the client asks for TLS. */
    record SslRequest() implements StartupRequest {
    }

    /** GSSENCRequest: the client asks for GSSAPI encryption. */
    record GssEncRequest() implements StartupRequest {
    }

    /**
     * CancelRequest.
     *
     * @param processId the process ID from BackendKeyData
     * @param secretKey the secret key from BackendKeyData
     */
    record CancelRequest(int processId, int secretKey) implements StartupRequest {
    }

    /**
     * StartupMessage.
     *
     * @param majorVersion      protocol major version
     * @param minorVersion      protocol minor version
     * @param parameters        the parameters, in order, {@code _pq_.} options excluded
     * @param protocolOptions   the {@code _pq_.} options the client asked for
     */
    record StartupMessage(int majorVersion, int minorVersion, Map<String, String> parameters,
                          List<String> protocolOptions) implements StartupRequest {
    }
}
