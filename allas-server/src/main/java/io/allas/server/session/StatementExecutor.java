package io.allas.server.session;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
import io.allas.server.relay.Notification;
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

    /** A result column. */
    private record Column(String name, int typeOid, int typeSize) {
    }

    /** One value in both wire formats. */
    private record Value(byte[] text, byte[] binary) {
        static Value of(byte[] bytes) {
            return new Value(bytes, bytes);
        }
    }

    /** What a statement returns: its columns, and its rows of one value per column. */
    private record Result(List<Column> columns, List<List<Value>> rows) {
        static Result single(Column column, Value value) {
            return new Result(List.of(column), List.of(List.of(value)));
        }
    }

    private final MessageWriter out;
    private final SessionChannels channels;
    private final SessionParameters parameters;
    private final PreparedStatements prepared;
    private final SessionNotifications notifications;
    private final int backendPid;
    private TransactionState transaction = TransactionState.NONE;

    StatementExecutor(MessageWriter out, SessionChannels channels, SessionParameters parameters,
                      PreparedStatements prepared, SessionNotifications notifications, int backendPid) {
        this.out = out;
        this.channels = channels;
        this.parameters = parameters;
        this.prepared = prepared;
        this.notifications = notifications;
        this.backendPid = backendPid;
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
            commit();
        } else {
            rollback();
        }
    }

    /**
     * What a transaction did takes effect: its LISTENs first, so that it hears its own
     * notifications, as in PostgreSQL; then its notifications are sent. Nothing is sent if the
     * LISTENs fail.
     */
    private void commit() throws SqlError {
        try {
            channels.commit();
        } catch (SqlError e) {
            notifications.rollback();
            throw e;
        }
        notifications.commit();
    }

    private void rollback() {
        channels.rollback();
        notifications.rollback();
    }

    /**
     * Sync in the extended protocol ends its implicit transaction, as in PostgreSQL: outside a
     * block, the notifications its statements sent are sent now, or dropped after an error.
     *
     * @param failed whether a message since the last Sync failed
     */
    void sync(boolean failed) throws SqlError {
        if (transaction != TransactionState.NONE) {
            return;
        }
        if (failed) {
            notifications.rollback();
        } else {
            notifications.commit();
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
            case Statement.SelectOne selectOne -> sendRows(statement, resultFormats, describeFirst);
            case Statement.Show show -> sendRows(statement, resultFormats, describeFirst);
            case Statement.AdvisoryUnlockAll unlock -> sendRows(statement, resultFormats, describeFirst);
            case Statement.ArrayTypesQuery arrayTypes -> sendRows(statement, resultFormats, describeFirst);
            case Statement.BackendPid pid -> sendRows(statement, resultFormats, describeFirst);
            case Statement.ListeningChannels listing -> {
                int rows = sendRows(statement, resultFormats, describeFirst);
                out.send(new CommandComplete(listing.commandTag() + " " + rows));
                return;
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
            // The extended protocol's statements outside a block commit together at Sync, as in PostgreSQL.
            case Statement.Notify notify -> notifications.notify(new Notification(notify.channel(), notify.payload()),
                    transaction != TransactionState.NONE || !describeFirst);
            case Statement.PgNotify call -> {
                Statement.PgNotify bound = call.bind(List.of());
                notifications.notify(new Notification(bound.channel().value(), bound.payload().value()),
                        transaction != TransactionState.NONE || !describeFirst);
                sendRows(statement, resultFormats, describeFirst);
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
                        commit();
                    }
                    case FAILED_BLOCK -> {
                        transaction = TransactionState.NONE;
                        rollback();
                        out.send(new CommandComplete("ROLLBACK"));
                        return;
                    }
                }
            }
            case Statement.Rollback rollback -> {
                switch (transaction) {
                    case NONE -> out.send(new NoticeResponse("WARNING", "25P01", "there is no transaction in progress"));
                    // What the query did so far is undone; the implicit transaction goes on.
                    case IMPLICIT -> rollback();
                    case BLOCK, FAILED_BLOCK -> {
                        transaction = TransactionState.NONE;
                        rollback();
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
        // The empty query (null): PostgreSQL describes it as returning no rows.
        describe(statement == null ? null : result(statement), resultFormats);
    }

    private void describe(Result result, List<Short> resultFormats) {
        if (result == null) {
            out.send(NoData.INSTANCE);
            return;
        }
        List<RowDescription.Field> fields = new ArrayList<>();
        for (int i = 0; i < result.columns().size(); i++) {
            Column column = result.columns().get(i);
            fields.add(new RowDescription.Field(column.name(), column.typeOid(), column.typeSize(), format(resultFormats, i)));
        }
        out.send(new RowDescription(fields));
    }

    /**
     * @return how many rows were sent
     */
    private int sendRows(Statement statement, List<Short> resultFormats, boolean describeFirst) throws SqlError {
        Result result = result(statement);
        if (describeFirst) {
            describe(result, resultFormats);
        }
        for (List<Value> row : result.rows()) {
            List<byte[]> values = new ArrayList<>(row.size());
            for (int i = 0; i < row.size(); i++) {
                values.add(format(resultFormats, i) == BINARY ? row.get(i).binary() : row.get(i).text());
            }
            out.send(new DataRow(values));
        }
        return result.rows().size();
    }

    /**
     * @return what a statement returns, or null for a statement without rows
     */
    private Result result(Statement statement) throws SqlError {
        switch (statement) {
            case Statement.SelectOne selectOne -> {
                return Result.single(new Column("?column?", INT4_OID, 4), new Value(ONE_TEXT, ONE_BINARY));
            }
            case Statement.AdvisoryUnlockAll unlock -> {
                return Result.single(new Column("pg_advisory_unlock_all", VOID_OID, 4), Value.of(new byte[0]));
            }
            case Statement.PgNotify call -> {
                return Result.single(new Column(call.column(), VOID_OID, 4), Value.of(new byte[0]));
            }
            case Statement.ArrayTypesQuery arrayTypes -> {
                return new Result(List.of(new Column("oid", OID_OID, 4), new Column("typarray", OID_OID, 4)), List.of());
            }
            case Statement.Show show -> {
                var parameter = parameters.show(show.name()).orElseThrow(() -> new SqlError(SqlState.UNDEFINED_OBJECT,
                        "unrecognized configuration parameter \"" + show.name()
                                + "\" (allas shows only the parameters it reports)"));
                return Result.single(new Column(parameter.getKey(), TEXT_OID, -1),
                        Value.of(parameter.getValue().getBytes(StandardCharsets.UTF_8)));
            }
            case Statement.BackendPid pid -> {
                return Result.single(new Column(pid.column(), INT4_OID, 4), new Value(
                        Integer.toString(backendPid).getBytes(StandardCharsets.US_ASCII),
                        ByteBuffer.allocate(Integer.BYTES).putInt(backendPid).array()));
            }
            case Statement.ListeningChannels listing -> {
                return new Result(List.of(new Column(listing.column(), TEXT_OID, -1)), channels.listeningChannels().stream()
                        .map(channel -> List.of(Value.of(channel.getBytes(StandardCharsets.UTF_8))))
                        .toList());
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
