package io.allas.server.protocol.backend;

import java.util.List;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * NegotiateProtocolVersion ('v'): the newest minor version allas speaks and the protocol
 * options it did not recognise.
 *
 * @param newestMinorVersion  the newest minor version of protocol 3 supported
 * @param unrecognisedOptions the {@code _pq_.} options the client asked for
 */
public record NegotiateProtocolVersion(int newestMinorVersion, List<String> unrecognisedOptions)
        implements BackendMessage {
    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.NEGOTIATE_PROTOCOL_VERSION).writeInt32((3 << 16) | newestMinorVersion).writeInt32(unrecognisedOptions.size());
        unrecognisedOptions.forEach(out::writeCString);
        out.endMessage();
    }
}
