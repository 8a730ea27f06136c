package io.allas.server.protocol.backend;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * ReadyForQuery ('Z') with the transaction status.
 *
 * @param status the transaction status
 */
public record ReadyForQuery(TransactionStatus status) implements BackendMessage {

    /** The transaction status a ReadyForQuery reports. */
    public enum TransactionStatus {
        /** Not in a transaction block. */
        IDLE('I'),
        /** In a transaction block. */
        IN_TRANSACTION('T'),
        /** In a failed transaction block. */
        FAILED('E');

        private final char code;

        TransactionStatus(char code) {
            this.code = code;
        }

        public char code() {
            return code;
        }
    }

    @Override
    public void encode(PacketBuilder out) {
        out.beginMessage(MessageType.Backend.READY_FOR_QUERY).writeByte(status.code()).endMessage();
    }
}
