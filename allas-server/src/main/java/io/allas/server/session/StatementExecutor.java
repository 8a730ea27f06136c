package io.allas.server.session;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.allas.server.protocol.MessageWriter;
import io.allas.server.protocol.SqlState;
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
 * Executes the statements allas understands, keeping the session's {@link TransactionState}, which
 * ReadyForQuery reports: {@code I} idle, {@code T} in a transaction block, {@code E} in a failed one.
 */
final class StatementExecutor {

    private static final int INT4_OID = 23;
    private static final int TEXT_OID = 25;
    private static final int VOID_OID = 2278;
    private static final int OID_OID = 26;
    private static final int BINARY = 1;
    private static final byte[] ONE_TEXT = "1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ONE_BINARY = {0, 0, 0, 1};

    /**
     * The session's prepared statements and portals, which DISCARD ALL, DEALLOCATE and CLOSE ALL reach.
     */
    interface PreparedStatements {
        /** @return false when there is no such statement */
        boolean deallocate(String name);

        void deallocateAll();

        void closeAllPortals();
    }

    /** A statement's single result row: its column and its value in text form. */
    private record Row(String column, int typeOid, int typeSize, byte[] text, byte[] binary) {
    }

    private final MessageWriter out;
    private final SessionChannels channels;
    private final SessionParameters parameters;
    private final PreparedStatements prepared;
    private TransactionState transaction = TransactionState.NONE;

    StatementExecutor(MessageWriter out, SessionChannels channels, SessionParameters parameters,
                      PreparedStatements prepared) {
        this.out = out;
        this.channels = channels;
        this.parameters = parameters;
        this.prepared = prepared;
    }

    TransactionStatus status() {
        return transaction.readyForQueryStatus();
    }

    /**
     * Several statements in one simple query run as one implicit transaction, as in PostgreSQL:
     * their LISTENs take effect together at the end, or not at all after an error.
     */
    void beginImplicitTransaction() {
        if (transaction == TransactionState.NONE) {
            transaction = TransactionState.IMPLICIT;
            channels.beginTransaction();
        }
    }

    /**
     * Ends the implicit transaction of a multi-statement query.
     *
     * @param succeeded whether every statement succeeded
     */
    void endImplicitTransaction(boolean succeeded) throws SqlError {
        if (transaction != TransactionState.IMPLICIT) {
            return;
        }
        transaction = TransactionState.NONE;
        if (succeeded) {
            channels.commit();
        } else {
            channels.rollback();
        }
    }

    /**
     * A statement failed: inside a transaction block, the block is now failed.
     */
    void failed() {
        if (transaction == TransactionState.BLOCK) {
            transaction = TransactionState.FAILED_BLOCK;
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
        if (transaction == TransactionState.FAILED_BLOCK
                && !(statement instanceof Statement.Commit || statement instanceof Statement.Rollback)) {
            throw new SqlError(SqlState.IN_FAILED_SQL_TRANSACTION, "current transaction is aborted, commands ignored until end of transaction block");
        }
        switch (statement) {
            case Statement.SelectOne selectOne -> sendRow(statement, resultFormats, describeFirst);
            case Statement.Show show -> sendRow(statement, resultFormats, describeFirst);
            case Statement.AdvisoryUnlockAll unlock -> sendRow(statement, resultFormats, describeFirst);
            case Statement.ArrayTypesQuery arrayTypes -> {
                if (describeFirst) {
                    describe(statement, resultFormats);
                }
            }
            case Statement.Reset reset -> {
                if (reset.name() == null) {
                    parameters.resetAll().forEach(p -> out.send(new ParameterStatus(p.getKey(), p.getValue())));
                } else {
                    parameters.reset(reset.name()).ifPresent(p -> out.send(new ParameterStatus(p.getKey(), p.getValue())));
                }
            }
            case Statement.DiscardAll discard -> {
                if (transaction != TransactionState.NONE) {
                    throw new SqlError(SqlState.ACTIVE_SQL_TRANSACTION, "DISCARD ALL cannot run inside a transaction block");
                }
                channels.unlistenAll();
                parameters.resetAll().forEach(p -> out.send(new ParameterStatus(p.getKey(), p.getValue())));
                prepared.deallocateAll();
                prepared.closeAllPortals();
            }
            case Statement.CloseAll close -> prepared.closeAllPortals();
            case Statement.Deallocate deallocate -> {
                if (deallocate.name() == null) {
                    prepared.deallocateAll();
                } else if (!prepared.deallocate(deallocate.name())) {
                    throw new SqlError(SqlState.INVALID_SQL_STATEMENT_NAME, "prepared statement \"" + deallocate.name() + "\" does not exist");
                }
            }
            case Statement.Listen listen -> channels.listen(listen.channel());
            case Statement.Unlisten unlisten -> channels.unlisten(unlisten.channel());
            case Statement.Set set -> {
                // Accepted for drivers' connect-time settings; a reported parameter is reported back.
                parameters.set(set.name(), set.value())
                        .ifPresent(p -> out.send(new ParameterStatus(p.getKey(), p.getValue())));
            }
            case Statement.Begin begin -> {
                switch (transaction) {
                    case NONE -> {
                        transaction = TransactionState.BLOCK;
                        channels.beginTransaction();
                    }
                    // As in PostgreSQL, BEGIN inside a multi-statement query turns its implicit
                    // transaction, and what it did so far, into an explicit one.
                    case IMPLICIT -> transaction = TransactionState.BLOCK;
                    case BLOCK, FAILED_BLOCK ->
                            out.send(new NoticeResponse("WARNING", "25001", "there is already a transaction in progress"));
                }
            }
            case Statement.Commit commit -> {
                switch (transaction) {
                    case NONE -> out.send(new NoticeResponse("WARNING", "25P01", "there is no transaction in progress"));
                    // Ends with the query, as the rest of it.
                    case IMPLICIT -> { }
                    case BLOCK -> {
                        transaction = TransactionState.NONE;
                        channels.commit();
                    }
                    case FAILED_BLOCK -> {
                        transaction = TransactionState.NONE;
                        channels.rollback();
                        out.send(new CommandComplete("ROLLBACK"));
                        return;
                    }
                }
            }
            case Statement.Rollback rollback -> {
                switch (transaction) {
                    case NONE -> out.send(new NoticeResponse("WARNING", "25P01", "there is no transaction in progress"));
                    // What the query did so far is undone; the implicit transaction goes on.
                    case IMPLICIT -> channels.rollback();
                    case BLOCK, FAILED_BLOCK -> {
                        transaction = TransactionState.NONE;
                        channels.rollback();
                    }
                }
            }
        }
        out.send(new CommandComplete(statement.commandTag()));
    }

    /**
     * Sends RowDescription for a statement that returns rows, NoData for one that does not.
     */
    void describe(Statement statement, List<Short> resultFormats) throws SqlError {
        if (statement == null) {
            // The empty query: PostgreSQL describes it as returning no rows.
            out.send(NoData.INSTANCE);
            return;
        }
        if (statement instanceof Statement.ArrayTypesQuery) {
            out.send(new RowDescription(List.of(
                    new RowDescription.Field("oid", OID_OID, 4, format(resultFormats, 0)),
                    new RowDescription.Field("typarray", OID_OID, 4, format(resultFormats, 1)))));
            return;
        }
        Row row = row(statement);
        if (row == null) {
            out.send(NoData.INSTANCE);
        } else {
            out.send(new RowDescription(List.of(new RowDescription.Field(row.column(), row.typeOid(), row.typeSize(),
                    format(resultFormats, 0)))));
        }
    }

    private void sendRow(Statement statement, List<Short> resultFormats, boolean describeFirst) throws SqlError {
        if (describeFirst) {
            describe(statement, resultFormats);
        }
        Row row = row(statement);
        out.send(new DataRow(List.of(format(resultFormats, 0) == BINARY ? row.binary() : row.text())));
    }

    /**
     * @return the one row a statement returns, or null for a statement without rows
     */
    private Row row(Statement statement) throws SqlError {
        switch (statement) {
            case Statement.SelectOne selectOne -> {
                return new Row("?column?", INT4_OID, 4, ONE_TEXT, ONE_BINARY);
            }
            case Statement.AdvisoryUnlockAll unlock -> {
                return new Row("pg_advisory_unlock_all", VOID_OID, 4, new byte[0], new byte[0]);
            }
            case Statement.Show show -> {
                var parameter = parameters.show(show.name()).orElseThrow(() -> new SqlError(SqlState.UNDEFINED_OBJECT,
                        "unrecognized configuration parameter \"" + show.name()
                                + "\" (allas shows only the parameters it reports)"));
                byte[] value = parameter.getValue().getBytes(StandardCharsets.UTF_8);
                return new Row(parameter.getKey(), TEXT_OID, -1, value, value);
            }
            default -> {
                return null;
            }
        }
    }

    private static int format(List<Short> resultFormats, int column) {
        if (resultFormats.isEmpty()) {
            return 0;
        }
        return resultFormats.size() == 1 ? resultFormats.getFirst() : resultFormats.get(column);
    }
}
