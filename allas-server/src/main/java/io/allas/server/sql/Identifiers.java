package io.allas.server.sql;

/**
 * Writes names into SQL the way PostgreSQL reads them back unchanged.
 */
public final class Identifiers {

    private Identifiers() {
    }

    /**
     * @return the name as a quoted identifier: case kept, any character allowed, {@code "} doubled
     */
    public static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
