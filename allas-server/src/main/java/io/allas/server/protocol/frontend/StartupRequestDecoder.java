package io.allas.server.protocol.frontend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.allas.server.protocol.PacketParser;
import io.allas.server.protocol.ProtocolException;

/**
 * Decodes startup packets, telling them apart by the code PostgreSQL puts where a protocol
 * version would be.
 */
public final class StartupRequestDecoder {

    private static final int CANCEL_REQUEST_CODE = (1234 << 16) | 5678;
    private static final int SSL_REQUEST_CODE = (1234 << 16) | 5679;
    private static final int GSSENC_REQUEST_CODE = (1234 << 16) | 5680;

    private StartupRequestDecoder() {
    }

    /**
     * @param body the packet after its length
     * @return the request
     * @throws ProtocolException when the packet is malformed
     */
    public static StartupRequest decode(byte[] body) throws ProtocolException {
        PacketParser parser = new PacketParser(body, "startup");
        int code = parser.readInt32();
        if (code == SSL_REQUEST_CODE) {
            parser.expectEnd();
            return new StartupRequest.SslRequest();
        }
        if (code == GSSENC_REQUEST_CODE) {
            parser.expectEnd();
            return new StartupRequest.GssEncRequest();
        }
        if (code == CANCEL_REQUEST_CODE) {
            return new StartupRequest.CancelRequest(parser.readInt32(), parser.readInt32());
        }
        int major = code >>> 16;
        int minor = code & 0xFFFF;
        Map<String, String> parameters = new LinkedHashMap<>();
        List<String> options = new ArrayList<>();
        if (major == 3) {
            // Name/value pairs until an empty name; PostgreSQL reports a missing terminator thus.
            while (true) {
                if (parser.remaining() == 0) {
                    throw new ProtocolException("invalid startup packet layout: expected terminator as last byte");
                }
                String name = parser.readCString();
                if (name.isEmpty()) {
                    break;
                }
                String value = parser.readCString();
                if (name.startsWith("_pq_.")) {
                    options.add(name);
                } else {
                    parameters.put(name, value);
                }
            }
            if (parser.remaining() != 0) {
                throw new ProtocolException("invalid startup packet layout: expected terminator as last byte");
            }
        }
        return new StartupRequest.StartupMessage(major, minor, parameters, List.copyOf(options));
    }
}
