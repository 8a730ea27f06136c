package io.allas.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A minimal throwaway PostgreSQL cluster for the bench's own tests (the ideas of allas-server's TestPostgres,
 * cut down): initdb + pg_ctl from the newest /usr/lib/postgresql/N/bin (or ALLAS_TEST_PG_BIN), md5 over TCP on
 * 127.0.0.1, run as the OS user "postgres" when we are root, removed on close.
 */
final class ThrowawayPostgres implements AutoCloseable {

    static final String USER = "bench";
    static final String PASSWORD = "bench-secret";
    static final String DATABASE = "bench";

    private final Path bin;
    private final Path dir;
    private final List<String> asServer;
    final int port;

    private ThrowawayPostgres(Path bin, Path dir, List<String> asServer, int port) {
        this.bin = bin;
        this.dir = dir;
        this.asServer = asServer;
        this.port = port;
    }

    static ThrowawayPostgres start() throws IOException, InterruptedException {
        Path bin = binaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> asServer = root ? List.of("/usr/sbin/runuser", "-u", "postgres", "--") : List.of();
        Path dir = Files.createTempDirectory("allas-bench-test-");
        if (root) {
            Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ThrowawayPostgres pg = new ThrowawayPostgres(bin, dir, asServer, port);
        try {
            Path data = dir.resolve("data");
            pg.run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
                    "--auth-local=trust", "--auth-host=md5", "-E", "UTF8", "--locale=C", "--no-sync"));
            Files.writeString(data.resolve("postgresql.conf"), String.join("\n", "",
                    "listen_addresses = '127.0.0.1'", "port = " + port, "unix_socket_directories = '" + dir + "'",
                    "password_encryption = md5", "fsync = off", "synchronous_commit = off", ""),
                    StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            pg.run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("log").toString(),
                    "-w", "-t", "60", "start"));
            pg.run(List.of(bin.resolve("psql").toString(), "-X", "-q", "-h", dir.toString(), "-p", String.valueOf(port),
                    "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                    "-c", "CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'",
                    "-c", "CREATE DATABASE " + DATABASE + " OWNER " + USER));
            return pg;
        } catch (IOException | RuntimeException | InterruptedException e) {
            pg.close();
            throw e;
        }
    }

    private static Path binaries() throws IOException {
        String env = System.getenv("ALLAS_TEST_PG_BIN");
        if (env != null) {
            return Path.of(env);
        }
        Path base = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(base)) {
            try (Stream<Path> versions = Files.list(base)) {
                var newest = versions.filter(p -> Files.isExecutable(p.resolve("bin/initdb")))
                        .max(Comparator.comparingInt(p -> parseVersion(p.getFileName().toString())));
                if (newest.isPresent()) {
                    return newest.get().resolve("bin");
                }
            }
        }
        throw new IllegalStateException("no PostgreSQL binaries: apt-get install postgresql, or set ALLAS_TEST_PG_BIN");
    }

    private static int parseVersion(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void run(List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(asServer);
        full.addAll(command);
        Process p = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed:\n"
                    + new String(out, StandardCharsets.UTF_8));
        }
    }

    Endpoint endpoint() {
        return new Endpoint("127.0.0.1", port, USER, PASSWORD, DATABASE);
    }

    /** A shell command that restarts the server (fast shutdown), for the failover scenario. */
    String restartCommand() {
        List<String> command = new ArrayList<>(asServer);
        command.addAll(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
                dir.resolve("log").toString(), "-m", "fast", "-w", "-t", "60", "restart"));
        return "cd '" + dir + "' && '" + String.join("' '", command) + "'";
    }

    List<String> targetArgs() {
        return List.of("--host", "127.0.0.1", "--port", String.valueOf(port), "--user", USER,
                "--password", PASSWORD, "--database", DATABASE);
    }

    @Override
    public void close() {
        try {
            if (Files.exists(dir.resolve("data/postmaster.pid"))) {
                run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate",
                        "-w", "stop"));
            }
        } catch (IOException | RuntimeException | InterruptedException ignored) {
            // deleting the files is still worth doing
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory
        }
    }
}
