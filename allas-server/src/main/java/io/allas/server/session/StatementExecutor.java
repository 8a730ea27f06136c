package io.allas.server.session;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.allas.server.catalog.CatalogQueries;
import io.allas.server.catalog.Execution;
import io.allas.server.catalog.RowDescriptions;
import io.allas.server.protocol.MessageWriter;
import io.allas.server.protocol.SqlState;
import io.allas.server.protocol.backend.CommandComplete;
import io.allas.server.protocol.backend.DataRow;
import io.allas.server.protocol.backend.NoData;
import io.allas.server.protocol.backend.NoticeResponse;
import io.allas.server.protocol.backend.ParameterStatus;
import io.allas.server.protocol.backend.ReadyForQuery.TransactionStatus;
import io.allas.server.protocol.backend.RowDescription;
import io.allas.server.protocol.backend.UpstreamMessages;
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
    record Column(String name, int typeOid, int typeSize) {
    }

    /** One value in both wire formats; null for NULL. */
    record Value(byte[] text, byte[] binary) {
        static Value of(byte[] bytes) {
            return new Value(bytes, bytes);
        }
    }

    /** What a statement returns: its columns, and its rows of one value per column. */
    record Result(List<Column> columns, List<List<Value>> rows) {
        static Result single(Column column, Value value) {
            return new Result(List.of(column), List.of(List.of(value)));
        }
    }

    /**
     * The parameters a Bind gave a portal, in the formats it gave them.
     *
     * @param formats as Bind sends them: none (all text), one for all, or one each
     * @param values  the values, null for NULL
     */
    record Bound(List<Short> formats, List<byte[]> values) {
        static final Bound NONE = new Bound(List.of(), List.of());

        byte[] value(int index) {
            return values.get(index);
        }

        boolean binary(int index) {
            return format(formats, index) == BINARY;
        }
    }

    private final MessageWriter out;
    private final SessionChannels channels;
    private final SessionParameters parameters;
    private final PreparedStatements prepared;
    private final SessionNotifications notifications;
    private final SessionFunctions functions;
    private final CatalogQueries catalog;
    private TransactionState transaction = TransactionState.NONE;

    StatementExecutor(MessageWriter out, SessionChannels channels, SessionParameters parameters,
                      PreparedStatements prepared, SessionNotifications notifications, int backendPid,
                      CatalogQueries catalog) {
        this.out = out;
        this.channels = channels;
        this.parameters = parameters;
        this.prepared = prepared;
        this.notifications = notifications;
        this.functions = new SessionFunctions(parameters, channels, notifications, backendPid);
        this.catalog = catalog;
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
            parameters.beginTransaction();
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
        Map<String, String> reported = parameters.reported();
        try {
            if (succeeded) {
                commit();
            } else {
                rollback();
            }
        } finally {
            report(reported); // a failed commit undoes the SETs too
        }
    }

    /**
     * What a transaction did takes effect: its LISTENs first, so that it hears its own
     * notifications, as in PostgreSQL; its parameters; then its notifications are sent. Nothing is
     * sent if the LISTENs fail.
     */
    private void commit() throws SqlError {
        try {
            channels.commit();
        } catch (SqlError e) {
            parameters.rollback();
            notifications.rollback();
            throw e;
        }
        parameters.commit();
        notifications.commit();
    }

    private void rollback() {
        channels.rollback();
        parameters.rollback();
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
        execute(statement, resultFormats, describeFirst, Bound.NONE);
    }

    /**
     * Executes one statement of a portal and sends its response.
     *
     * @param bound the parameters bound to it
     */
    void execute(Statement statement, List<Short> resultFormats, boolean describeFirst, Bound bound) throws SqlError {
        if (transaction == TransactionState.FAILED_BLOCK
                && !(statement instanceof Statement.Commit || statement instanceof Statement.Rollback)) {
            throw new SqlError(SqlState.IN_FAILED_SQL_TRANSACTION, "current transaction is aborted, commands ignored until end of transaction block");
        }
        switch (statement) {
            case Statement.SelectOne selectOne -> sendRows(statement, resultFormats, describeFirst);
            case Statement.Show show -> sendRows(statement, resultFormats, describeFirst);
            case Statement.ShowAll showAll -> sendRows(statement, resultFormats, describeFirst);
            case Statement.AdvisoryUnlockAll unlock -> sendRows(statement, resultFormats, describeFirst);
            case Statement.CatalogQuery query -> {
                Execution result = catalog.execute(forSession(query), bound.formats(), bound.values(), resultFormats);
                if (describeFirst && result.rowDescription() != null) {
                    out.send(new UpstreamMessages(result.rowDescription()));
                }
                out.send(new UpstreamMessages(result.dataRows()));
                out.send(new CommandComplete(result.commandTag()));
                return;
            }
            case Statement.SessionQuery query -> {
                Map<String, String> reported = parameters.reported();
                // The extended protocol's statements outside a block commit together at Sync, as in PostgreSQL.
                Result result = functions.evaluate(query, bound, transaction != TransactionState.NONE || !describeFirst);
                report(reported);
                int rows = sendRows(result, resultFormats, describeFirst);
                out.send(new CommandComplete(query.commandTag() + " " + rows));
                return;
            }
            case Statement.Reset reset -> {
                Map<String, String> reported = parameters.reported();
                if (reset.name() == null) {
                    parameters.resetAll();
                } else {
                    parameters.reset(reset.name());
                }
                report(reported);
            }
            case Statement.DiscardAll discard -> {
                if (transaction != TransactionState.NONE) {
                    throw new SqlError(SqlState.ACTIVE_SQL_TRANSACTION, "DISCARD ALL cannot run inside a transaction block");
                }
                channels.unlistenAll();
                Map<String, String> reported = parameters.reported();
                parameters.resetAll();
                report(reported);
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
            case Statement.Notify notify -> notifications.notify(List.of(new Notification(notify.channel(), notify.payload())),
                    transaction != TransactionState.NONE || !describeFirst);
            case Statement.Listen listen -> channels.listen(listen.channel());
            case Statement.Unlisten unlisten -> channels.unlisten(unlisten.channel());
            case Statement.Set set -> {
                if (set.local() && transaction == TransactionState.NONE) {
                    out.send(new NoticeResponse("WARNING", "25P01", "SET LOCAL can only be used in transaction blocks"));
                }
                Map<String, String> reported = parameters.reported();
                parameters.set(set.name(), set.values(), set.local());
                report(reported);
            }
            case Statement.SetTransaction set -> {
                if (!set.session() && transaction == TransactionState.NONE) {
                    out.send(new NoticeResponse("WARNING", "25P01", "SET TRANSACTION can only be used in transaction blocks"));
                }
                Map<String, String> reported = parameters.reported();
                for (Map.Entry<String, String> mode : set.modes().entrySet()) {
                    if (set.session()) {
                        parameters.set("default_" + mode.getKey(), List.of(mode.getValue()), false);
                    } else {
                        parameters.set(mode.getKey(), List.of(mode.getValue()), true);
                    }
                }
                report(reported);
            }
            case Statement.Begin begin -> {
                switch (transaction) {
                    case NONE -> {
                        transaction = TransactionState.BLOCK;
                        channels.beginTransaction();
                        parameters.beginTransaction();
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
                        Map<String, String> reported = parameters.reported();
                        try {
                            commit();
                        } finally {
                            report(reported); // a failed commit undoes the SETs too
                        }
                    }
                    case FAILED_BLOCK -> {
                        transaction = TransactionState.NONE;
                        Map<String, String> reported = parameters.reported();
                        rollback();
                        report(reported);
                        out.send(new CommandComplete("ROLLBACK"));
                        return;
                    }
                }
            }
            case Statement.Rollback rollback -> {
                switch (transaction) {
                    case NONE -> out.send(new NoticeResponse("WARNING", "25P01", "there is no transaction in progress"));
                    // What the query did so far is undone; the implicit transaction goes on.
                    case IMPLICIT -> {
                        Map<String, String> reported = parameters.reported();
                        rollback();
                        parameters.beginTransaction();
                        report(reported);
                    }
                    case BLOCK, FAILED_BLOCK -> {
                        transaction = TransactionState.NONE;
                        Map<String, String> reported = parameters.reported();
                        rollback();
                        report(reported);
                    }
                }
            }
        }
        out.send(new CommandComplete(statement.commandTag()));
    }

    /**
     * As PostgreSQL, reports the reported parameters that a statement changed.
     *
     * @param before {@link SessionParameters#reported()} before it
     */
    private void report(Map<String, String> before) {
        parameters.reportedChanges(before).forEach(p -> out.send(new ParameterStatus(p.getKey(), p.getValue())));
    }

    /**
     * @param statement a catalog query, with the parameter types its Parse declared
     * @return its parameters' types, as PostgreSQL infers them
     */
    List<Integer> parameterTypes(Statement.CatalogQuery statement) throws SqlError {
        return catalog.describe(forSession(statement)).parameterTypes();
    }

    private Statement.CatalogQuery forSession(Statement.CatalogQuery query) {
        return query.forSession(functions::schemas);
    }

    /**
     * Sends RowDescription for a statement that returns rows, NoData for one that does not.
     */
    void describe(Statement statement, List<Short> resultFormats) throws SqlError {
        if (statement instanceof Statement.CatalogQuery query) {
            byte[] columns = catalog.describe(forSession(query)).rowDescription();
            out.send(columns == null ? NoData.INSTANCE : new UpstreamMessages(RowDescriptions.withFormats(columns, resultFormats)));
            return;
        }
        if (statement instanceof Statement.SessionQuery query) {
            // Described without being run: set_config() takes effect only when executed.
            describe(new Result(SessionFunctions.columns(query), List.of()), resultFormats);
            return;
        }
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
        return sendRows(result(statement), resultFormats, describeFirst);
    }

    private int sendRows(Result result, List<Short> resultFormats, boolean describeFirst) {
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
            case Statement.Show show -> {
                var parameter = parameters.show(show.name()).orElseThrow(() -> new SqlError(SqlState.UNDEFINED_OBJECT,
                        "unrecognized configuration parameter \"" + show.name() + "\""));
                return Result.single(new Column(parameter.getKey(), TEXT_OID, -1),
                        Value.of(parameter.getValue().getBytes(StandardCharsets.UTF_8)));
            }
            case Statement.ShowAll showAll -> {
                return new Result(List.of(new Column("name", TEXT_OID, -1), new Column("setting", TEXT_OID, -1),
                        new Column("description", TEXT_OID, -1)), parameters.showAll().stream()
                        .map(row -> row.stream().map(v -> v == null ? new Value(null, null)
                                : Value.of(v.getBytes(StandardCharsets.UTF_8))).toList())
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
