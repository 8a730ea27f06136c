package io.allas.server.sql;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The functions allas answers for the client's own session: those that drivers, pools and
 * frameworks call when they connect (pgjdbc, SQLAlchemy, Django, ActiveRecord, r2dbc ...), the
 * ones that only make sense per client (its channels, its process ID), and pg_notify(), which
 * sends the client's notification (held to COMMIT in a transaction, as NOTIFY) and returns void.
 */
public enum SessionFunction {
    PG_LISTENING_CHANNELS("pg_listening_channels", SqlType.TEXT, false),
    PG_BACKEND_PID("pg_backend_pid", SqlType.INT4, false),
    VERSION("version", SqlType.TEXT, false),
    CURRENT_DATABASE("current_database", SqlType.NAME, false),
    CURRENT_SCHEMA("current_schema", SqlType.NAME, false),
    CURRENT_SCHEMAS("current_schemas", SqlType.NAME_ARRAY, false, SqlType.BOOL),
    CURRENT_SETTING("current_setting", SqlType.TEXT, false, SqlType.TEXT, SqlType.BOOL),
    SET_CONFIG("set_config", SqlType.TEXT, false, SqlType.TEXT, SqlType.TEXT, SqlType.BOOL),
    PG_IS_IN_RECOVERY("pg_is_in_recovery", SqlType.BOOL, false),
    PG_NOTIFY("pg_notify", SqlType.VOID, false, SqlType.TEXT, SqlType.TEXT),
    // SQL's functions without parentheses.
    CURRENT_USER("current_user", SqlType.NAME, true),
    SESSION_USER("session_user", SqlType.NAME, true),
    CURRENT_ROLE("current_role", SqlType.NAME, true),
    USER("user", SqlType.NAME, true),
    CURRENT_CATALOG("current_catalog", SqlType.NAME, true);

    private static final Map<String, SessionFunction> CALLED = Stream.of(values()).filter(f -> !f.keyword)
            .collect(Collectors.toMap(SessionFunction::sqlName, Function.identity()));
    private static final Map<String, SessionFunction> KEYWORDS = Stream.of(values())
            .filter(f -> f.keyword || f == CURRENT_SCHEMA)
            .collect(Collectors.toMap(SessionFunction::sqlName, Function.identity()));

    private final String sqlName;
    private final SqlType type;
    private final boolean keyword;
    private final List<SqlType> parameters;

    SessionFunction(String sqlName, SqlType type, boolean keyword, SqlType... parameters) {
        this.sqlName = sqlName;
        this.type = type;
        this.keyword = keyword;
        this.parameters = List.of(parameters);
    }

    /** @return the name in SQL, which is also the result column's name */
    public String sqlName() {
        return sqlName;
    }

    public SqlType type() {
        return type;
    }

    /** @return the types of its arguments, the optional ones included */
    public List<SqlType> parameterTypes() {
        return parameters;
    }

    /** @return whether it returns a set of rows rather than one value */
    public boolean returnsSet() {
        return this == PG_LISTENING_CHANNELS;
    }

    /**
     * @return the fewest arguments it takes: current_setting's missing_ok is optional
     */
    int minimumArguments() {
        return this == CURRENT_SETTING ? 1 : parameters.size();
    }

    static Optional<SessionFunction> called(String name) {
        return Optional.ofNullable(CALLED.get(name));
    }

    static Optional<SessionFunction> keyword(String name) {
        return Optional.ofNullable(KEYWORDS.get(name));
    }
}
