package io.allas.server.sql;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The PostgreSQL types of the values allas computes itself, with PostgreSQL's OIDs and sizes, as
 * RowDescription reports them.
 */
public enum SqlType {
    BOOL(16, 1),
    NAME(19, 64),
    INT8(20, 8),
    INT4(23, 4),
    TEXT(25, -1),
    VARCHAR(1043, -1),
    NAME_ARRAY(1003, -1),
    /** What pg_notify() returns: empty in both formats; no cast names it. */
    VOID(2278, 4);

    /** Type names a cast may use, as PostgreSQL resolves them. */
    private static final Map<String, SqlType> NAMES = Map.ofEntries(Map.entry("bool", BOOL), Map.entry("boolean", BOOL),
            Map.entry("name", NAME), Map.entry("int8", INT8), Map.entry("bigint", INT8), Map.entry("int4", INT4),
            Map.entry("int", INT4), Map.entry("integer", INT4), Map.entry("text", TEXT), Map.entry("varchar", VARCHAR),
            Map.entry("character varying", VARCHAR), Map.entry("name[]", NAME_ARRAY), Map.entry("text[]", NAME_ARRAY));

    private final int oid;
    private final int size;

    SqlType(int oid, int size) {
        this.oid = oid;
        this.size = size;
    }

    public int oid() {
        return oid;
    }

    /** @return the size RowDescription reports: -1 for variable-length types */
    public int size() {
        return size;
    }

    /**
     * @param name a type name as written in a cast, lower case
     * @return the type, when allas can cast to it
     */
    static Optional<SqlType> named(String name) {
        return Optional.ofNullable(NAMES.get(name.toLowerCase(Locale.ROOT)));
    }
}
