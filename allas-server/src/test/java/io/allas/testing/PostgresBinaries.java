package io.allas.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** A directory with the PostgreSQL server programs (initdb, pg_ctl, postgres) and where it came from. */
record PostgresBinaries(Path binDir, String origin) {

    private static final List<String> SERVER_PROGRAMS = List.of("initdb", "pg_ctl", "postgres");
    private static final Path DEBIAN_VERSIONS = Path.of("/usr/lib/postgresql");

    PostgresBinaries {
        binDir = binDir.toAbsolutePath().normalize();
    }

    /** The binaries in the directory {@code ALLAS_TEST_PG_BIN} names. */
    static PostgresBinaries in(Path dir) {
        if (!hasServerPrograms(dir)) {
            // A wrong explicit setting must not silently fall through to other binaries.
            throw new IllegalStateException(Settings.PG_BIN + "=" + dir + " does not contain " + SERVER_PROGRAMS);
        }
        return new PostgresBinaries(dir, Settings.PG_BIN);
    }

    /** The newest Debian-style install under /usr/lib/postgresql, else whatever pg_config names. */
    static Optional<PostgresBinaries> system() {
        if (Files.isDirectory(DEBIAN_VERSIONS)) {
            try (Stream<Path> versions = Files.list(DEBIAN_VERSIONS)) {
                Optional<Path> newest = versions
                        .filter(v -> hasServerPrograms(v.resolve("bin")))
                        .max(Comparator.comparing(v -> versionKey(v.getFileName().toString())));
                if (newest.isPresent()) {
                    return Optional.of(new PostgresBinaries(newest.get().resolve("bin"), "system"));
                }
            } catch (IOException e) {
                // unreadable: fall through to pg_config
            }
        }
        return Exec.onPath("pg_config").flatMap(pgConfig -> {
            Exec.Result r = Exec.run(List.of(pgConfig.toString(), "--bindir"), Path.of("/"), Duration.ofSeconds(20));
            if (!r.ok()) {
                return Optional.empty();
            }
            Path dir = Path.of(r.output().strip());
            return hasServerPrograms(dir) ? Optional.of(new PostgresBinaries(dir, "system (pg_config)")) : Optional.empty();
        });
    }

    static boolean hasServerPrograms(Path dir) {
        return SERVER_PROGRAMS.stream().allMatch(p -> Files.isExecutable(dir.resolve(p)));
    }

    /** "9.6" -> 9006, "15" -> 15000: orders Debian's version directories numerically. */
    private static long versionKey(String name) {
        String[] parts = name.split("\\.");
        try {
            long major = Long.parseLong(parts[0]);
            long minor = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
            return major * 1000 + minor;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    Path program(String name) {
        return binDir.resolve(name);
    }

    /** A psql next to the server, if this distribution ships one (the zonky bundle does not). */
    Optional<Path> psql() {
        Path psql = program("psql");
        return Files.isExecutable(psql) ? Optional.of(psql) : Optional.empty();
    }

    /** pg_basebackup, which makes a standby, if this distribution ships one (the zonky bundle does not). */
    Optional<Path> pgBasebackup() {
        Path program = program("pg_basebackup");
        return Files.isExecutable(program) ? Optional.of(program) : Optional.empty();
    }

    /** e.g. "PostgreSQL 15.18", from {@code postgres --version} (allowed as root, it exits before the root check). */
    String version() {
        Exec.Result r = Exec.run(List.of(program("postgres").toString(), "--version"), binDir, Duration.ofSeconds(20))
                .orThrow("postgres --version");
        String out = r.output().strip();
        // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        int i = out.indexOf("(PostgreSQL) ");
        if (i < 0) {
            return out;
        }
        String rest = out.substring(i + "(PostgreSQL) ".length());
        int space = rest.indexOf(' ');
        return "PostgreSQL " + (space < 0 ? rest : rest.substring(0, space));
    }
}
