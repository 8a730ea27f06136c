package io.allas.testing;

import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The knobs the PostgreSQL fixture reads. Each can be given as an environment variable or,
 * with the same name, as a JVM system property (handy in surefire's systemPropertyVariables);
 * the system property wins so a single test run can override the environment.
 */
final class Settings {

    /** Which source to take, instead of the first one at hand: one of {@link PostgresSource}'s setting values. */
    static final String PG_SOURCE = "ALLAS_TEST_PG_SOURCE";
    /** URL of an existing server to use instead of a throwaway cluster. */
    static final String PG_URL = "ALLAS_TEST_PG_URL";
    /** Directory holding initdb, pg_ctl and postgres. */
    static final String PG_BIN = "ALLAS_TEST_PG_BIN";
    /** When "1"/"true", ignore PostgreSQL installed on the system (forces the bundled binaries). */
    static final String PG_NO_SYSTEM = "ALLAS_TEST_PG_NO_SYSTEM";
    /** OS account that runs the server when the tests run as root; defaults to "postgres". */
    static final String PG_OS_USER = "ALLAS_TEST_PG_OS_USER";
    /** The Docker image of the container source; an official postgres image or one compatible with it. */
    static final String PG_IMAGE = "ALLAS_TEST_PG_IMAGE";

    private final UnaryOperator<String> lookup;

    private Settings(UnaryOperator<String> lookup) {
        this.lookup = lookup;
    }

    /** The settings of this JVM: system properties, else environment variables. */
    static Settings current() {
        return new Settings(name -> {
            String property = System.getProperty(name);
            return property == null || property.isBlank() ? System.getenv(name) : property;
        });
    }

    /** Fixed settings, so that tests can feed the fixture's decisions without touching the environment. */
    static Settings of(Map<String, String> values) {
        return new Settings(values::get);
    }

    Optional<String> get(String name) {
        String value = lookup.apply(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    boolean flag(String name) {
        return get(name).map(v -> v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes"))
                .orElse(false);
    }
}
