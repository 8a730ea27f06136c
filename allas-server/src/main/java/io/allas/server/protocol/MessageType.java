package io.allas.server.protocol;

/**
 * The type bytes of PostgreSQL's typed messages, in one place. The two directions reuse letters
 * with different meanings ('E' is Execute from a client and ErrorResponse from a server), so each
 * direction has its own set.
 */
public final class MessageType {

    /** Messages a client sends after the startup phase. */
    public static final class Frontend {
        public static final char QUERY = 'Q';
        public static final char PARSE = 'P';
        public static final char BIND = 'B';
        public static final char DESCRIBE = 'D';
        public static final char EXECUTE = 'E';
        public static final char CLOSE = 'C';
        public static final char SYNC = 'S';
        public static final char FLUSH = 'H';
        public static final char TERMINATE = 'X';
        public static final char COPY_DATA = 'd';
        public static final char COPY_DONE = 'c';
        public static final char COPY_FAIL = 'f';
        /** PasswordMessage, SASLInitialResponse and SASLResponse share one type. */
        public static final char AUTHENTICATION_RESPONSE = 'p';

        private Frontend() {
        }
    }

    /** Messages a server sends. */
    public static final class Backend {
        public static final char AUTHENTICATION = 'R';
        public static final char BACKEND_KEY_DATA = 'K';
        public static final char BIND_COMPLETE = '2';
        public static final char CLOSE_COMPLETE = '3';
        public static final char COMMAND_COMPLETE = 'C';
        public static final char DATA_ROW = 'D';
        public static final char EMPTY_QUERY_RESPONSE = 'I';
        public static final char ERROR_RESPONSE = 'E';
        public static final char NEGOTIATE_PROTOCOL_VERSION = 'v';
        public static final char NO_DATA = 'n';
        public static final char NOTICE_RESPONSE = 'N';
        public static final char NOTIFICATION_RESPONSE = 'A';
        public static final char PARAMETER_DESCRIPTION = 't';
        public static final char PARAMETER_STATUS = 'S';
        public static final char PARSE_COMPLETE = '1';
        public static final char READY_FOR_QUERY = 'Z';
        public static final char ROW_DESCRIPTION = 'T';

        private Backend() {
        }
    }

    private MessageType() {
    }

    /**
     * @return the type as an error message should show it: {@code 'Q'} when printable, else {@code 0x1b}
     */
    public static String describe(byte type) {
        return type >= 0x20 && type < 0x7F ? "'" + (char) type + "'" : "0x" + Integer.toHexString(type & 0xFF);
    }
}
