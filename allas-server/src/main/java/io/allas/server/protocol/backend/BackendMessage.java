package io.allas.server.protocol.backend;

import io.allas.server.protocol.PacketBuilder;

/**
 * A message from allas to a client, as PostgreSQL's protocol defines it.
 */
public sealed interface BackendMessage permits Authentication, BackendKeyData, BindComplete, CloseComplete,
        CommandComplete, DataRow, EmptyQueryResponse, ErrorResponse, NegotiateProtocolVersion, NoData, NoticeResponse,
        NotificationResponse, ParameterDescription, ParameterStatus, ParseComplete,
        ReadyForQuery, RowDescription, UpstreamMessages {

    /**
     * Appends the whole message, type and length included.
     *
     * @param out the buffer
     */
    void encode(PacketBuilder out);
}
