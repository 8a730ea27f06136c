package io.allas.server.protocol;

import java.util.List;

/**
 * The SQLSTATE codes allas reports, named as in PostgreSQL's errcodes.txt.
 */
public final class SqlState {
    public static final String SYNTAX_ERROR = "42601";
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    public static final String PROTOCOL_VIOLATION = "08P01";
    public static final String INVALID_AUTHORIZATION_SPECIFICATION = "28000";
    public static final String INVALID_CATALOG_NAME = "3D000";
    public static final String TOO_MANY_CONNECTIONS = "53300";
    public static final String OUT_OF_MEMORY = "53200";
    public static final String ADMIN_SHUTDOWN = "57P01";
    public static final String NO_SERVER_CONNECTION = "57A01";
    public static final String SERVER_CONNECTION_LOST = "57A02";
    public static final String CLIENT_TOO_SLOW = "57A03";
    /** allas's own warning, in class 01 with allas's subclass A as its 57A0x: notifications may have been missed. */
    public static final String NOTIFICATIONS_MAY_HAVE_BEEN_MISSED = "01A01";
    public static final String INVALID_SQL_STATEMENT_NAME = "26000";
    public static final String INVALID_CURSOR_NAME = "34000";
    public static final String DUPLICATE_PREPARED_STATEMENT = "42P05";
    public static final String DUPLICATE_CURSOR = "42P03";
    public static final String UNDEFINED_OBJECT = "42704";
    public static final String INTERNAL_ERROR = "XX000";
    public static final String ACTIVE_SQL_TRANSACTION = "25001";
    public static final String IN_FAILED_SQL_TRANSACTION = "25P02";
    public static final String CONFIGURATION_LIMIT_EXCEEDED = "53400";
    public static final String QUERY_CANCELED = "57014";
    public static final String CANNOT_CONNECT_NOW = "57P03";
    public static final String CONFIG_FILE_ERROR = "F0000";
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    public static final String NAME_TOO_LONG = "42622";
    public static final String INVALID_PARAMETER_VALUE = "22023";
    /** Text that is not in the server's encoding (UTF-8). */
    public static final String CHARACTER_NOT_IN_REPERTOIRE = "22021";
    public static final String INVALID_ESCAPE_SEQUENCE = "22025";
    public static final String UNDEFINED_PARAMETER = "42P02";

    /**
     * The SQLSTATEs with which a client's statement can be refused (each statement, parser and
     * extended-query check raises one of these), so that a metric by SQLSTATE can start at 0.
     */
    public static final List<String> STATEMENT_ERRORS = List.of(SYNTAX_ERROR, FEATURE_NOT_SUPPORTED,
            PROTOCOL_VIOLATION, INVALID_SQL_STATEMENT_NAME, INVALID_CURSOR_NAME, DUPLICATE_PREPARED_STATEMENT,
            DUPLICATE_CURSOR, UNDEFINED_OBJECT, ACTIVE_SQL_TRANSACTION, IN_FAILED_SQL_TRANSACTION,
            CONFIGURATION_LIMIT_EXCEEDED, QUERY_CANCELED, NO_SERVER_CONNECTION, SERVER_CONNECTION_LOST, ADMIN_SHUTDOWN,
            INVALID_PARAMETER_VALUE, UNDEFINED_PARAMETER, INSUFFICIENT_PRIVILEGE, NAME_TOO_LONG);

    private SqlState() {
    }
}
