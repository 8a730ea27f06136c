package io.allas.server.session;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.allas.server.catalog.CatalogQueries;
import io.allas.server.protocol.MessageWriter;
import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.ProtocolException;
import io.allas.server.protocol.SqlState;
import io.allas.server.protocol.backend.BindComplete;
import io.allas.server.protocol.backend.CloseComplete;
import io.allas.server.protocol.backend.EmptyQueryResponse;
import io.allas.server.protocol.backend.ErrorResponse;
import io.allas.server.protocol.backend.ParameterDescription;
import io.allas.server.protocol.backend.ParseComplete;
import io.allas.server.protocol.backend.ReadyForQuery;
import io.allas.server.protocol.frontend.FrontendMessage;
import io.allas.server.protocol.frontend.Target;
import io.allas.server.sql.SqlError;
import io.allas.server.sql.SqlType;
import io.allas.server.sql.Statement;
import io.allas.server.sql.StatementParser;

/**
 * Answers queries in the simple and the extended protocol, keeping the extended protocol's
 * prepared statements and portals, and PostgreSQL's rule that after an error everything up to
 * the next Sync is discarded. It moves the client's {@link ClientState} as the protocol goes:
 * busy from a message until ReadyForQuery, then idle (in or outside a transaction block).
 */
final class QueryProcessor implements StatementExecutor.PreparedStatements {

    private static final int TEXT_OID = 25;

    /** A parsed statement: empty for the empty query, else exactly one statement; and its text. */
    private record Prepared(List<Statement> statements, List<Integer> parameterTypes, String sql) {
        Statement single() {
            return statements.isEmpty() ? null : statements.getFirst();
        }
    }

    /** A bound portal: the statement, its parameters and the result format of each column. */
    private record Portal(Prepared prepared, StatementExecutor.Bound bound, List<Short> resultFormats) {
    }

    private final MessageWriter out;
    private final StatementExecutor executor;
    private final ClientStateMachine states;
    private final RefusedStatementLog refusals;
    private final Map<String, Prepared> statements = new HashMap<>();
    private final Map<String, Portal> portals = new HashMap<>();

    /**
     * @param backendPid the process ID the client was given in BackendKeyData
     * @param catalog    runs the client's catalog queries
     */
    QueryProcessor(MessageWriter out, SessionChannels channels, SessionParameters parameters, ClientStateMachine states,
                   SessionNotifications notifications, int backendPid, RefusedStatementLog refusals,
                   CatalogQueries catalog) {
        this.out = out;
        this.executor = new StatementExecutor(out, channels, parameters, this, notifications, backendPid, catalog);
        this.states = states;
        this.refusals = refusals;
    }

    @Override
    public boolean deallocate(String name) {
        return statements.remove(name) != null;
    }

    @Override
    public void deallocateAll() {
        statements.clear();
    }

    @Override
    public void closeAllPortals() {
        portals.clear();
    }

    /**
     * Sends ReadyForQuery; the client is idle until its next message.
     */
    void readyForQuery() throws IOException {
        out.send(new ReadyForQuery(executor.status()));
        out.flush();
        states.transition(executor.status() == ReadyForQuery.TransactionStatus.IDLE
                ? ClientState.IDLE : ClientState.IDLE_IN_TRANSACTION);
    }

    /**
     * @return false when the client asked to end the session
     */
    boolean handle(FrontendMessage message) throws IOException {
        if (message instanceof FrontendMessage.CopyOutsideCopy) {
            // Ignored without an answer, as PostgreSQL does: the client stays as it was (idle, it
            // may still receive notifications).
            return true;
        }
        if (message instanceof FrontendMessage.Flush && states.current().awaitsClient()) {
            // A Flush alone begins nothing: as in PostgreSQL the client stays idle, and its
            // notifications keep coming (BUSY only while the writer is the session's).
            ClientState awaiting = states.current();
            states.transition(ClientState.BUSY);
            out.flush();
            states.transition(awaiting);
            return true;
        }
        if (states.current().awaitsClient()) {
            states.transition(ClientState.BUSY);
        }
        if (message instanceof FrontendMessage.Terminate) {
            return false;
        }
        if (message instanceof FrontendMessage.Sync) {
            try {
                executor.sync(states.current() == ClientState.SKIPPING_TO_SYNC);
            } catch (SqlError e) {
                refusals.refused(e, "");
                out.send(ErrorResponse.error(e.sqlState(), e.getMessage()));
            }
            if (executor.status() == ReadyForQuery.TransactionStatus.IDLE) {
                portals.clear(); // portals end with the implicit transaction
            }
            readyForQuery();
            return true;
        }
        if (states.current() == ClientState.SKIPPING_TO_SYNC) {
            // As PostgreSQL: after an error in an extended-query sequence, everything up to Sync,
            // a simple Query included, is ignored.
            return true;
        }
        if (message instanceof FrontendMessage.Query query) {
            simpleQuery(query.sql());
            return true;
        }
        if (message instanceof FrontendMessage.InvalidText invalid && invalid.type() == MessageType.Frontend.QUERY) {
            SqlError refused = new SqlError(SqlState.CHARACTER_NOT_IN_REPERTOIRE, invalid.message());
            refusals.refused(refused, "");
            out.send(ErrorResponse.error(refused.sqlState(), refused.getMessage()));
            executor.failed();
            readyForQuery();
            return true;
        }
        if (message instanceof FrontendMessage.Flush) {
            out.flush();
            return true;
        }
        try {
            switch (message) {
                case FrontendMessage.Parse parse -> parse(parse);
                case FrontendMessage.InvalidText invalid -> throw new SqlError(SqlState.CHARACTER_NOT_IN_REPERTOIRE, invalid.message());
                case FrontendMessage.Bind bind -> bind(bind);
                case FrontendMessage.Describe describe -> describe(describe);
                case FrontendMessage.Execute execute -> execute(execute);
                case FrontendMessage.Close close -> close(close);
                case FrontendMessage.AuthenticationResponse response ->
                        throw new ProtocolException("unexpected password response outside authentication");
                case FrontendMessage.Unsupported unsupported -> throw new ProtocolException(
                        "invalid frontend message type " + (unsupported.type() & 0xFF));
                default -> throw new IllegalStateException("unhandled message " + message);
            }
        } catch (SqlError e) {
            refusals.refused(e, statementText(message));
            out.send(ErrorResponse.error(e.sqlState(), e.getMessage()));
            executor.failed();
            states.transition(ClientState.SKIPPING_TO_SYNC);
        }
        return true;
    }

    private void simpleQuery(String sql) throws IOException {
        statements.remove("");
        portals.remove("");
        boolean succeeded = false;
        try {
            List<Statement> parsed = StatementParser.parse(sql);
            if (parsed.isEmpty()) {
                out.send(EmptyQueryResponse.INSTANCE);
            }
            if (parsed.size() > 1) {
                executor.beginImplicitTransaction();
            }
            try {
                for (Statement statement : parsed) {
                    executor.execute(statement, List.of(), true);
                }
                succeeded = true;
            } finally {
                executor.endImplicitTransaction(succeeded);
            }
        } catch (SqlError e) {
            refusals.refused(e, sql);
            out.send(ErrorResponse.error(e.sqlState(), e.getMessage()));
            executor.failed();
        }
        readyForQuery();
    }

    private void parse(FrontendMessage.Parse parse) throws SqlError {
        if (!parse.statementName().isEmpty() && statements.containsKey(parse.statementName())) {
            throw new SqlError(SqlState.DUPLICATE_PREPARED_STATEMENT,
                    "prepared statement \"" + parse.statementName() + "\" already exists");
        }
        List<Statement> parsed = StatementParser.parse(parse.sql());
        if (parsed.size() > 1) {
            throw new SqlError("cannot insert multiple commands into a prepared statement");
        }
        if (parsed.size() == 1 && parsed.getFirst() instanceof Statement.CatalogQuery query) {
            // PostgreSQL infers the parameters the client left unspecified: Bind must supply them all.
            Statement.CatalogQuery declared = query.withParameterTypes(parse.parameterTypes());
            statements.put(parse.statementName(), new Prepared(List.of(declared), executor.parameterTypes(declared),
                    parse.sql()));
        } else {
            statements.put(parse.statementName(), new Prepared(parsed, parameterTypes(parse, parsed), parse.sql()));
        }
        out.send(ParseComplete.INSTANCE);
    }

    /**
     * The parameters' types as Parse declared them; those it leaves unspecified (0), or does not
     * give at all, as the query uses them, as PostgreSQL infers them.
     */
    private static List<Integer> parameterTypes(FrontendMessage.Parse parse, List<Statement> parsed) {
        if (!(parsed.size() == 1 && parsed.getFirst() instanceof Statement.SessionQuery query)) {
            return parse.parameterTypes();
        }
        List<Integer> types = new ArrayList<>(parse.parameterTypes());
        List<SqlType> inferred = query.parameterTypes();
        for (int i = 0; i < inferred.size(); i++) {
            if (i == types.size()) {
                types.add(inferred.get(i).oid());
            } else if (types.get(i) == 0) {
                types.set(i, inferred.get(i).oid());
            }
        }
        return List.copyOf(types);
    }

    private void bind(FrontendMessage.Bind bind) throws SqlError {
        Prepared prepared = statement(bind.statementName());
        if (bind.parameters().size() != prepared.parameterTypes().size()) {
            throw new SqlError(SqlState.PROTOCOL_VIOLATION, "bind message supplies " + bind.parameters().size()
                    + " parameters, but prepared statement \"" + bind.statementName() + "\" requires "
                    + prepared.parameterTypes().size());
        }
        if (!bind.portalName().isEmpty() && portals.containsKey(bind.portalName())) {
            throw new SqlError(SqlState.DUPLICATE_CURSOR, "portal \"" + bind.portalName() + "\" already exists");
        }
        portals.put(bind.portalName(), new Portal(prepared,
                new StatementExecutor.Bound(bind.parameterFormats(), bind.parameters()), bind.resultFormats()));
        out.send(BindComplete.INSTANCE);
    }

    private void describe(FrontendMessage.Describe describe) throws SqlError {
        switch (describe.target()) {
            case STATEMENT -> {
                Prepared prepared = statement(describe.name());
                out.send(new ParameterDescription(prepared.parameterTypes().stream()
                        .map(oid -> oid == 0 ? TEXT_OID : oid).toList()));
                executor.describe(prepared.single(), List.of());
            }
            case PORTAL -> {
                Portal portal = portal(describe.name());
                executor.describe(portal.prepared().single(), portal.resultFormats());
            }
        }
    }

    private void execute(FrontendMessage.Execute execute) throws SqlError {
        Portal portal = portal(execute.portalName());
        Statement statement = portal.prepared().single();
        if (statement == null) {
            out.send(EmptyQueryResponse.INSTANCE);
        } else {
            executor.execute(statement, portal.resultFormats(), false, portal.bound());
        }
    }

    private void close(FrontendMessage.Close close) {
        switch (close.target()) {
            case STATEMENT -> statements.remove(close.name());
            case PORTAL -> portals.remove(close.name());
        }
        out.send(CloseComplete.INSTANCE);
    }

    /**
     * @return the text of the statement an extended-query message is about, for the log; empty
     *         when it names none that exists
     */
    private String statementText(FrontendMessage message) {
        if (message instanceof FrontendMessage.Parse parse) {
            return parse.sql();
        }
        Prepared prepared = switch (message) {
            case FrontendMessage.Bind bind -> statements.get(bind.statementName());
            case FrontendMessage.Describe describe when describe.target() == Target.STATEMENT -> statements.get(describe.name());
            case FrontendMessage.Describe describe -> portalStatement(describe.name());
            case FrontendMessage.Execute execute -> portalStatement(execute.portalName());
            default -> null;
        };
        return prepared == null ? "" : prepared.sql();
    }

    private Prepared portalStatement(String portalName) {
        Portal portal = portals.get(portalName);
        return portal == null ? null : portal.prepared();
    }

    private Prepared statement(String name) throws SqlError {
        Prepared prepared = statements.get(name);
        if (prepared == null) {
            throw new SqlError(SqlState.INVALID_SQL_STATEMENT_NAME,
                    name.isEmpty() ? "unnamed prepared statement does not exist" : "prepared statement \"" + name + "\" does not exist");
        }
        return prepared;
    }

    private Portal portal(String name) throws SqlError {
        Portal portal = portals.get(name);
        if (portal == null) {
            throw new SqlError(SqlState.INVALID_CURSOR_NAME,
                    name.isEmpty() ? "unnamed portal does not exist" : "portal \"" + name + "\" does not exist");
        }
        return portal;
    }
}
