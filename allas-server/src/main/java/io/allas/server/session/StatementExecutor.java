package io.allas.server.session;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.allas.server.protocol.MessageWriter;
import io.allas.server.protocol.backend.CommandComplete;
import io.allas.server.protocol.backend.DataRow;
import io.allas.server.protocol.backend.NoData;
import io.allas.server.protocol.backend.NoticeResponse;
import io.allas.server.protocol.backend.ParameterStatus;
import io.allas.server.protocol.backend.ReadyForQuery.TransactionStatus;
import io.allas.server.protocol.backend.RowDescription;
import io.allas.server.sql.SqlError;
import io.allas.server.sql.Statement;

/**
 * Executes the statements allas understands, keeping the transaction state that ReadyForQuery
 * reports: {@code I} idle, {@code T} in a transaction block, {@code E} in a failed one.
 */
final class StatementExecutor {

    private static final int INT4_OID = 23;
    private static final int BINARY = 1;
    private static final byte[] ONE_TEXT = "1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ONE_BINARY = {0, 0, 0, 1};

    private final MessageWriter out;
    private final SessionChannels channels;
    private final SessionParameters parameters;
    private TransactionStatus status = TransactionStatus.IDLE;
    private boolean implicitTransaction;

    StatementExecutor(MessageWriter out, SessionChannels channels, SessionParameters parameters) {
        this.out = out;
        this.channels = channels;
        this.parameters = parameters;
    }

    TransactionStatus status() {
        return status;
    }

    /**
     * Several statements in one simple query run as one implicit transaction, as in PostgreSQL:
     * their LISTENs take effect together at the end, or not at all after an error.
     */
    void beginImplicitTransaction() {
        if (status == TransactionStatus.IDLE) {
            implicitTransaction = true;
            channels.beginTransaction();
        }
    }

    /**
     * Ends the implicit transaction of a multi-statement query.
     *
     * @param succeeded whether every statement succeeded
     */
    void endImplicitTransaction(boolean succeeded) throws SqlError {
        if (!implicitTransaction) {
            return;
        }
        implicitTransaction = false;
        if (succeeded && status == TransactionStatus.IDLE) {
            channels.commit();
        } else if (status == TransactionStatus.IDLE) {
            channels.rollback();
        }
    }

    /**
     * A statement failed: inside a transaction block, the block is now failed.
     */
    void failed() {
        if (status == TransactionStatus.IN_TRANSACTION) {
            status = TransactionStatus.FAILED;
        }
    }

    /**
     * Executes one statement and sends its response.
     *
     * @param statement     the statement
     * @param resultFormats the result column formats (extended protocol)
     * @param describeFirst whether to send RowDescription first (simple protocol)
     */
    void execute(Statement statement, List<Short> resultFormats, boolean describeFirst) throws SqlError {
        if (status == TransactionStatus.FAILED
                && !(statement instanceof Statement.Commit || statement instanceof Statement.Rollback)) {
            throw new SqlError("25P02", "current transaction is aborted, commands ignored until end of transaction block");
        }
        switch (statement) {
            case Statement.SelectOne selectOne -> {
                if (describeFirst) {
                    describe(statement, resultFormats);
                }
                out.send(new DataRow(List.of(format(resultFormats, 0) == BINARY ? ONE_BINARY : ONE_TEXT)));
            }
            case Statement.Listen listen -> channels.listen(listen.channel());
            case Statement.Unlisten unlisten -> channels.unlisten(unlisten.channel());
            case Statement.Set set -> {
                // Accepted for drivers' connect-time settings; a reported parameter is reported back.
                parameters.set(set.name(), set.value())
                        .ifPresent(p -> out.send(new ParameterStatus(p.getKey(), p.getValue())));
            }
            case Statement.Begin begin -> {
                if (status != TransactionStatus.IDLE || implicitTransaction) {
                    out.send(new NoticeResponse("WARNING", "25001", "there is already a transaction in progress"));
                } else {
                    status = TransactionStatus.IN_TRANSACTION;
                    channels.beginTransaction();
                }
            }
            case Statement.Commit commit -> {
                if (status == TransactionStatus.IDLE && !implicitTransaction) {
                    out.send(new NoticeResponse("WARNING", "25P01", "there is no transaction in progress"));
                } else if (status == TransactionStatus.FAILED) {
                    status = TransactionStatus.IDLE;
                    channels.rollback();
                    out.send(new CommandComplete("ROLLBACK"));
                    return;
                } else if (status == TransactionStatus.IN_TRANSACTION) {
                    status = TransactionStatus.IDLE;
                    channels.commit();
                }
            }
            case Statement.Rollback rollback -> {
                if (status == TransactionStatus.IDLE && !implicitTransaction) {
                    out.send(new NoticeResponse("WARNING", "25P01", "there is no transaction in progress"));
                } else {
                    status = TransactionStatus.IDLE;
                    channels.rollback();
                }
            }
        }
        out.send(new CommandComplete(statement.commandTag()));
    }

    /**
     * Sends RowDescription for a statement that returns rows, NoData for one that does not.
     */
    void describe(Statement statement, List<Short> resultFormats) {
        if (statement instanceof Statement.SelectOne) {
            out.send(new RowDescription(List.of(new RowDescription.Field("?column?", INT4_OID, 4, format(resultFormats, 0)))));
        } else {
            out.send(NoData.INSTANCE);
        }
    }

    private static int format(List<Short> resultFormats, int column) {
        if (resultFormats.isEmpty()) {
            return 0;
        }
        return resultFormats.size() == 1 ? resultFormats.getFirst() : resultFormats.get(column);
    }
}
