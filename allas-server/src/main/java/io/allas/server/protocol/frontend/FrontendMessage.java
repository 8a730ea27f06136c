package io.allas.server.protocol.frontend;

import java.util.List;

import io.allas.server.protocol.MessageType;
import io.allas.server.protocol.PacketBuilder;

/**
 * A typed message from a client after the startup phase.
 */
public sealed interface FrontendMessage {

    /**
     * Query ('Q'): a simple-protocol query string. allas also sends one upstream (the relay's
     * LISTEN, UNLISTEN and ping).
     *
     * @param sql the query text
     */
    record Query(String sql) implements FrontendMessage {
        public void encode(PacketBuilder out) {
            out.beginMessage(MessageType.Frontend.QUERY).writeCString(sql).endMessage();
        }
    }

    /**
     * Parse ('P').
     *
     * @param statementName  the prepared statement's name; empty for the unnamed one
     * @param sql            the query text
     * @param parameterTypes the parameter type OIDs the client specified (0 = unspecified)
     */
    record Parse(String statementName, String sql, List<Integer> parameterTypes) implements FrontendMessage {
    }

    /**
     * Bind ('B').
     *
     * @param portalName        the portal; empty for the unnamed one
     * @param statementName     the prepared statement
     * @param parameterFormats  the parameter format codes
     * @param parameters        the parameter values (null for NULL)
     * @param resultFormats     the result column format codes
     */
    record Bind(String portalName, String statementName, List<Short> parameterFormats,
                List<byte[]> parameters, List<Short> resultFormats) implements FrontendMessage {
    }

    /**
     * Describe ('D').
     *
     * @param target a statement or a portal
     * @param name   its name
     */
    record Describe(Target target, String name) implements FrontendMessage {
    }

    /**
     * Execute ('E').
     *
     * @param portalName the portal
     * @param maxRows    the row limit, 0 for none
     */
    record Execute(String portalName, int maxRows) implements FrontendMessage {
    }

    /**
     * Close ('C').
     *
     * @param target a statement or a portal
     * @param name   its name
     */
    record Close(Target target, String name) implements FrontendMessage {
    }

    /** Sync ('S'). */
    record Sync() implements FrontendMessage {
    }

    /** Flush ('H'). */
    record Flush() implements FrontendMessage {
    }

    /** Terminate ('X'). */
    record Terminate() implements FrontendMessage {
    }

    /**
     * An authentication response ('p'): PasswordMessage, SASLInitialResponse or SASLResponse;
     * which one depends on the request before it.
     *
     * @param body the raw body
     */
    record AuthenticationResponse(byte[] body) implements FrontendMessage {
    }

    /**
     * CopyData ('d'), CopyDone ('c') or CopyFail ('f'). allas runs no COPY, so these come only from a
     * client still sending for a COPY that failed; PostgreSQL ignores them then, as the protocol says.
     *
     * @param type the type byte
     */
    record CopyOutsideCopy(byte type) implements FrontendMessage {
    }

    /**
     * A Query or Parse whose text is not UTF-8: answered with 22021, as PostgreSQL answers it.
     *
     * @param type    the message's type byte
     * @param message PostgreSQL's words, naming the bytes
     */
    record InvalidText(byte type, String message) implements FrontendMessage {
    }

    /**
     * A message type allas does not serve (FunctionCall ...).
     *
     * @param type the type byte
     */
    record Unsupported(byte type) implements FrontendMessage {
    }
}
