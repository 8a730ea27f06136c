package io.allas.server.admin;

import java.io.IOException;
import java.util.List;

import io.allas.server.log.LogText;
import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.MessageWriter;
import io.allas.server.protocol.ProtocolException;
import io.allas.server.protocol.SqlState;
import io.allas.server.protocol.backend.CommandComplete;
import io.allas.server.protocol.backend.EmptyQueryResponse;
import io.allas.server.protocol.backend.ErrorResponse;
import io.allas.server.protocol.backend.ReadyForQuery;
import io.allas.server.protocol.frontend.FrontendMessage;
import io.allas.server.protocol.frontend.FrontendMessageDecoder;
import io.allas.server.session.AdminEntrance;
import io.allas.server.session.ClientConnection;
import io.allas.server.session.SessionRegistry;
import io.allas.server.session.Termination;
import io.allas.server.sql.SqlError;

/**
 * An operator's session on the admin console: the simple query protocol, as pgbouncer's console,
 * each command answered as rows of text.
 */
public final class AdminConsoleService implements AdminEntrance.Console {

    private static final System.Logger LOG = System.getLogger(AdminConsoleService.class.getName());
    private static final int MAX_LOGGED_CHARS = 200;

    private final AdminTables tables;
    private final SessionRegistry registry;
    private final ReloadCommand reload;
    private final int maxMessageBytes;

    /**
     * @param tables          what SHOW answers
     * @param registry        the sessions KILL CLIENT ends
     * @param reload          what RELOAD does
     * @param maxMessageBytes {@code limits.max_message_bytes}
     */
    public AdminConsoleService(AdminTables tables, SessionRegistry registry, ReloadCommand reload, int maxMessageBytes) {
        this.tables = tables;
        this.registry = registry;
        this.reload = reload;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public void serve(ClientConnection connection, String user) throws IOException {
        MessageWriter out = connection.writer();
        out.sendAndFlush(new ReadyForQuery(ReadyForQuery.TransactionStatus.IDLE));
        boolean skippingToSync = false;
        while (true) {
            FrontendMessage message = FrontendMessageDecoder.decode(connection.reader().readMessage(maxMessageBytes));
            switch (message) {
                case FrontendMessage.Terminate terminate -> {
                    return;
                }
                case FrontendMessage.Query query -> {
                    if (!skippingToSync) {
                        answer(query.sql(), user, out);
                        out.sendAndFlush(new ReadyForQuery(ReadyForQuery.TransactionStatus.IDLE));
                    }
                }
                case FrontendMessage.Sync sync -> {
                    skippingToSync = false;
                    out.sendAndFlush(new ReadyForQuery(ReadyForQuery.TransactionStatus.IDLE));
                }
                case FrontendMessage.Flush flush -> out.flush();
                case FrontendMessage.CopyOutsideCopy copy -> {
                    // Ignored without an answer, as PostgreSQL does.
                }
                case FrontendMessage.InvalidText invalid -> {
                    if (invalid.type() != MessageType.Frontend.QUERY) {
                        skippingToSync = refuseExtended(out, skippingToSync);
                    } else if (!skippingToSync) {
                        out.send(ErrorResponse.error(SqlState.CHARACTER_NOT_IN_REPERTOIRE, invalid.message()));
                        out.sendAndFlush(new ReadyForQuery(ReadyForQuery.TransactionStatus.IDLE));
                    }
                }
                case FrontendMessage.Parse parse -> skippingToSync = refuseExtended(out, skippingToSync);
                case FrontendMessage.Bind bind -> skippingToSync = refuseExtended(out, skippingToSync);
                case FrontendMessage.Describe describe -> skippingToSync = refuseExtended(out, skippingToSync);
                case FrontendMessage.Execute execute -> skippingToSync = refuseExtended(out, skippingToSync);
                case FrontendMessage.Close close -> skippingToSync = refuseExtended(out, skippingToSync);
                case FrontendMessage.AuthenticationResponse response ->
                        throw new ProtocolException("unexpected password response outside authentication");
                case FrontendMessage.Unsupported unsupported -> throw new ProtocolException(
                        "invalid frontend message type " + (unsupported.type() & 0xFF));
            }
        }
    }

    /**
     * As pgbouncer's console: the extended protocol is refused (once per sequence, which then
     * runs to its Sync) rather than half served.
     *
     * @return that the session now skips to Sync
     */
    private static boolean refuseExtended(MessageWriter out, boolean skippingToSync) throws IOException {
        if (!skippingToSync) {
            out.sendAndFlush(ErrorResponse.error(SqlState.FEATURE_NOT_SUPPORTED,
                    "the admin console takes the simple query protocol only (psql does; pgjdbc with preferQueryMode=simple)"));
        }
        return true;
    }

    /**
     * Answers each command of a query string in turn, as PostgreSQL does; the first error ends it.
     */
    private void answer(String sql, String user, MessageWriter out) {
        try {
            List<AdminCommand> commands = AdminCommand.parseAll(sql);
            if (commands.isEmpty()) {
                out.send(EmptyQueryResponse.INSTANCE);
            }
            for (AdminCommand command : commands) {
                execute(command, user, out);
            }
        } catch (SqlError e) {
            out.send(ErrorResponse.error(e.sqlState(), e.getMessage()));
        }
    }

    private void execute(AdminCommand command, String user, MessageWriter out) throws SqlError {
        switch (command) {
            case AdminCommand.Show show -> tables.show(show.topic()).writeTo(out);
            case AdminCommand.Reload ignored -> {
                LOG.log(System.Logger.Level.INFO, "admin console: RELOAD by {0}", LogText.escape(user, MAX_LOGGED_CHARS));
                reload.reload();
                out.send(new CommandComplete("RELOAD"));
            }
            case AdminCommand.SetAtConnect ignored -> out.send(new CommandComplete("SET"));
            case AdminCommand.KillClient kill -> {
                if (!registry.terminate(kill.id(), Termination.ADMIN_SHUTDOWN)) {
                    throw new SqlError(SqlState.UNDEFINED_OBJECT, "no client with id " + kill.id());
                }
                LOG.log(System.Logger.Level.INFO, "admin console: client {0} killed by {1}",
                        String.valueOf(kill.id()), LogText.escape(user, MAX_LOGGED_CHARS));
                out.send(new CommandComplete("KILL"));
            }
        }
    }
}
