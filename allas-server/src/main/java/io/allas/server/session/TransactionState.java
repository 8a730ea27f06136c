package io.allas.server.session;

import io.allas.server.protocol.backend.ReadyForQuery.TransactionStatus;

/**
 * A session's transaction, as PostgreSQL keeps it for the statements allas serves. LISTEN and
 * UNLISTEN inside a transaction take effect when it commits.
 */
enum TransactionState {
    /** No transaction: each statement takes effect at once. */
    NONE(TransactionStatus.IDLE),
    /** The statements of one multi-statement simple query, which take effect together at its end. */
    IMPLICIT(TransactionStatus.IDLE),
    /** Inside BEGIN ... COMMIT. */
    BLOCK(TransactionStatus.IN_TRANSACTION),
    /** A statement failed inside the block: all but COMMIT and ROLLBACK is refused until it ends. */
    FAILED_BLOCK(TransactionStatus.FAILED);

    private final TransactionStatus status;

    TransactionState(TransactionStatus status) {
        this.status = status;
    }

    /**
     * @return what ReadyForQuery reports: an implicit transaction ends before it is sent
     */
    TransactionStatus readyForQueryStatus() {
        return status;
    }
}
