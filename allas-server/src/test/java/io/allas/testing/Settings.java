package io.allas.testing;

import java.util.Optional;

/**
 * The knobs the PostgreSQL fixture reads. Each can be given as an environment variable or,
 * with the same name, as a JVM system property (handy in surefire's systemPropertyVariables);
 * the system property wins so a single test run can override the environment.
 */
final class Settings {

    /** URL of an existing server to use instead of a throwaway cluster. */
    static final String PG_URL = "ALLAS_TEST_PG_URL";
    /** Directory holding initdb, pg_ctl and postgres. */
    static final String PG_BIN = "ALLAS_TEST_PG_BIN";
    /** When "1"/"true", ignore PostgreSQL installed on the system (forces the bundled binaries). */
    static final String PG_NO_SYSTEM = "ALLAS_TEST_PG_NO_SYSTEM";
    /** OS account that runs the server when the tests run as root; defaults to "postgres". */
    static final String PG_OS_USER = "ALLAS_TEST_PG_OS_USER";

    private Settings() {
    }

    static Optional<String> get(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            value = System.getenv(name);
        }
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    static boolean flag(String name) {
        return get(name).map(v -> v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes"))
                .orElse(false);
    }
}
