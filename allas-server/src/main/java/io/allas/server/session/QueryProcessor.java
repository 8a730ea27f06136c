package io.allas.server.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.allas.server.protocol.MessageWriter;
import io.allas.server.protocol.ProtocolException;
import io.allas.server.protocol.SqlState;
import io.allas.server.protocol.backend.BindComplete;
import io.allas.server.protocol.backend.CloseComplete;
import io.allas.server.protocol.backend.CommandComplete;
import io.allas.server.protocol.backend.DataRow;
import io.allas.server.protocol.backend.EmptyQueryResponse;
import io.allas.server.protocol.backend.ErrorResponse;
import io.allas.server.protocol.backend.NoData;
import io.allas.server.protocol.backend.ParameterDescription;
import io.allas.server.protocol.backend.ParseComplete;
import io.allas.server.protocol.backend.ReadyForQuery;
import io.allas.server.protocol.backend.RowDescription;
import io.allas.server.protocol.frontend.FrontendMessage;
import io.allas.server.sql.SqlSyntaxException;
import io.allas.server.sql.Statement;
import io.allas.server.sql.StatementParser;

/**
 * Answers queries in the simple and the extended protocol, keeping the extended protocol's
 * prepared statements and portals, and PostgreSQL's rule that after an error everything up to
 * the next Sync is discarded.
 */
final class QueryProcessor {

    private static final int INT4_OID = 23;
    private static final int TEXT_OID = 25;
    private static final int BINARY = 1;
    private static final byte[] ONE_TEXT = "1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ONE_BINARY = {0, 0, 0, 1};

    /** A parsed statement: empty for the empty query, else exactly one statement. */
    private record Prepared(List<Statement> statements, List<Integer> parameterTypes) {
        Statement single() {
            return statements.isEmpty() ? null : statements.getFirst();
        }
    }

    /** A bound portal: the statement and the result format of each column. */
    private record Portal(Prepared prepared, List<Short> resultFormats) {
    }

    private final MessageWriter out;
    private final Map<String, Prepared> statements = new HashMap<>();
    private final Map<String, Portal> portals = new HashMap<>();
    private boolean discardUntilSync;

    QueryProcessor(MessageWriter out) {
        this.out = out;
    }

    /**
     * @return false when the client asked to end the session
     */
    boolean handle(FrontendMessage message) throws IOException {
        if (message instanceof FrontendMessage.Terminate) {
            return false;
        }
        if (message instanceof FrontendMessage.Query query) {
            simpleQuery(query.sql());
            return true;
        }
        if (message instanceof FrontendMessage.Sync) {
            discardUntilSync = false;
            portals.clear(); // portals end with the implicit transaction
            out.send(new ReadyForQuery(ReadyForQuery.TransactionStatus.IDLE));
            out.flush();
            return true;
        }
        if (message instanceof FrontendMessage.Flush) {
            out.flush();
            return true;
        }
        if (discardUntilSync) {
            return true;
        }
        try {
            switch (message) {
                case FrontendMessage.Parse parse -> parse(parse);
                case FrontendMessage.Bind bind -> bind(bind);
                case FrontendMessage.Describe describe -> describe(describe);
                case FrontendMessage.Execute execute -> execute(execute);
                case FrontendMessage.Close close -> close(close);
                case FrontendMessage.AuthenticationResponse response ->
                        throw new ProtocolException("unexpected password response outside authentication");
                case FrontendMessage.Unsupported unsupported -> throw new ProtocolException(
                        "invalid frontend message type " + (int) unsupported.type());
                default -> throw new IllegalStateException("unhandled message " + message);
            }
        } catch (SqlSyntaxException e) {
            out.send(ErrorResponse.error(e.sqlState(), e.getMessage()));
            discardUntilSync = true;
        }
        return true;
    }

    private void simpleQuery(String sql) throws IOException {
        statements.remove("");
        portals.remove("");
        try {
            List<Statement> parsed = StatementParser.parse(sql);
            if (parsed.isEmpty()) {
                out.send(EmptyQueryResponse.INSTANCE);
            }
            for (Statement statement : parsed) {
                execute(statement, List.of(), true);
            }
        } catch (SqlSyntaxException e) {
            out.send(ErrorResponse.error(e.sqlState(), e.getMessage()));
        }
        out.send(new ReadyForQuery(ReadyForQuery.TransactionStatus.IDLE));
        out.flush();
    }

    private void parse(FrontendMessage.Parse parse) throws SqlSyntaxException {
        if (!parse.statementName().isEmpty() && statements.containsKey(parse.statementName())) {
            throw new SqlSyntaxException(SqlState.DUPLICATE_PREPARED_STATEMENT,
                    "prepared statement \"" + parse.statementName() + "\" already exists");
        }
        List<Statement> parsed = StatementParser.parse(parse.sql());
        if (parsed.size() > 1) {
            throw new SqlSyntaxException("cannot insert multiple commands into a prepared statement");
        }
        statements.put(parse.statementName(), new Prepared(parsed, parse.parameterTypes()));
        out.send(ParseComplete.INSTANCE);
    }

    private void bind(FrontendMessage.Bind bind) throws SqlSyntaxException {
        Prepared prepared = statement(bind.statementName());
        if (bind.parameters().size() != prepared.parameterTypes().size()) {
            throw new SqlSyntaxException(SqlState.PROTOCOL_VIOLATION, "bind message supplies " + bind.parameters().size()
                    + " parameters, but prepared statement \"" + bind.statementName() + "\" requires "
                    + prepared.parameterTypes().size());
        }
        if (!bind.portalName().isEmpty() && portals.containsKey(bind.portalName())) {
            throw new SqlSyntaxException(SqlState.DUPLICATE_CURSOR, "portal \"" + bind.portalName() + "\" already exists");
        }
        portals.put(bind.portalName(), new Portal(prepared, bind.resultFormats()));
        out.send(BindComplete.INSTANCE);
    }

    private void describe(FrontendMessage.Describe describe) throws SqlSyntaxException, ProtocolException {
        switch (describe.target()) {
            case 'S' -> {
                Prepared prepared = statement(describe.name());
                out.send(new ParameterDescription(prepared.parameterTypes().stream()
                        .map(oid -> oid == 0 ? TEXT_OID : oid).toList()));
                describeRows(prepared.single(), List.of());
            }
            case 'P' -> {
                Portal portal = portal(describe.name());
                describeRows(portal.prepared().single(), portal.resultFormats());
            }
            default -> throw new ProtocolException("invalid DESCRIBE message subtype " + (int) describe.target());
        }
    }

    private void execute(FrontendMessage.Execute execute) throws SqlSyntaxException {
        Portal portal = portal(execute.portalName());
        Statement statement = portal.prepared().single();
        if (statement == null) {
            out.send(EmptyQueryResponse.INSTANCE);
        } else {
            execute(statement, portal.resultFormats(), false);
        }
    }

    private void close(FrontendMessage.Close close) throws ProtocolException {
        switch (close.target()) {
            case 'S' -> statements.remove(close.name());
            case 'P' -> portals.remove(close.name());
            default -> throw new ProtocolException("invalid CLOSE message subtype " + (int) close.target());
        }
        out.send(CloseComplete.INSTANCE);
    }

    private void execute(Statement statement, List<Short> resultFormats, boolean describeFirst) throws SqlSyntaxException {
        switch (statement) {
            case Statement.SelectOne selectOne -> {
                if (describeFirst) {
                    describeRows(statement, resultFormats);
                }
                out.send(new DataRow(List.of(format(resultFormats, 0) == BINARY ? ONE_BINARY : ONE_TEXT)));
                out.send(new CommandComplete(statement.commandTag()));
            }
            case Statement.Set set -> out.send(new CommandComplete(set.commandTag()));
            case Statement.Listen listen -> throw new SqlSyntaxException(SqlState.FEATURE_NOT_SUPPORTED,
                    "LISTEN is not available: this allas has no relay service yet");
            case Statement.Unlisten unlisten -> throw new SqlSyntaxException(SqlState.FEATURE_NOT_SUPPORTED,
                    "UNLISTEN is not available: this allas has no relay service yet");
        }
    }

    private void describeRows(Statement statement, List<Short> resultFormats) {
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

    private Prepared statement(String name) throws SqlSyntaxException {
        Prepared prepared = statements.get(name);
        if (prepared == null) {
            throw new SqlSyntaxException(SqlState.INVALID_SQL_STATEMENT_NAME,
                    name.isEmpty() ? "unnamed prepared statement does not exist" : "prepared statement \"" + name + "\" does not exist");
        }
        return prepared;
    }

    private Portal portal(String name) throws SqlSyntaxException {
        Portal portal = portals.get(name);
        if (portal == null) {
            throw new SqlSyntaxException(SqlState.INVALID_CURSOR_NAME,
                    name.isEmpty() ? "unnamed portal does not exist" : "portal \"" + name + "\" does not exist");
        }
        return portal;
    }
}
