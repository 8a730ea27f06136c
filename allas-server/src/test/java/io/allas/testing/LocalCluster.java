package io.allas.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A throwaway PostgreSQL cluster in its own temp directory: data/, the server log, and the Unix socket.
 * It can be stopped and started again on the same port with the same data.
 */
final class LocalCluster {

    private static final Duration PG_CTL_WAIT = Duration.ofSeconds(60);
    private static final int BIND_ATTEMPTS = 5;

    private final PostgresBinaries binaries;
    private final ServerAccount account;
    private final Path baseDir;
    private final Path dataDir;
    private final Path logFile;
    private Path serverCa;
    private volatile int port;

    private LocalCluster(PostgresBinaries binaries, ServerAccount account, Path baseDir) {
        this.binaries = binaries;
        this.account = account;
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.logFile = baseDir.resolve("postgresql.log");
    }

    /** Runs initdb with the given superuser and password; the cluster is not started yet. */
    static LocalCluster init(PostgresBinaries binaries, String superuser, String password) {
        ServerAccount account = ServerAccount.detect();
        StaleClusters.reap(account);
        Path baseDir;
        try {
            baseDir = Files.createTempDirectory(StaleClusters.parentDir(account), StaleClusters.PREFIX);
            StaleClusters.markOwned(baseDir, binaries);
            account.own(baseDir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a temp directory for PostgreSQL", e);
        }
        LocalCluster cluster = new LocalCluster(binaries, account, baseDir);
        try {
            cluster.initdb(superuser, password);
            cluster.configure();
        } catch (RuntimeException e) {
            TempFiles.deleteRecursively(baseDir);
            throw e;
        }
        return cluster;
    }

    private void initdb(String superuser, String password) {
        Path pwFile = baseDir.resolve("pwfile");
        try {
            Files.writeString(pwFile, password + "\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(pwFile, PosixFilePermissions.fromString("rw-------"));
            account.own(pwFile);
            run(List.of(
                    binaries.program("initdb").toString(),
                    "-D", dataDir.toString(),
                    "-U", superuser,
                    "--pwfile=" + pwFile,
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "-E", "UTF8",
                    "--locale=C",
                    "--no-sync"), Duration.ofSeconds(120)).orThrow("initdb " + account.describe());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(pwFile);
            } catch (IOException ignored) {
                // inside our private temp dir, removed with it
            }
        }
    }

    /** The role that may connect over TLS only, for tests of an upstream that demands TLS and SCRAM. */
    static final String TLS_ONLY_ROLE = "tls_only";

    /**
     * TLS for the server, with a CA made here, so that tests can check allas against an upstream
     * that demands TLS: {@value #TLS_ONLY_ROLE} may connect over TLS only, everyone else either way.
     */
    private String configureTls() throws IOException {
        Path tlsDir = Files.createDirectories(baseDir.resolve("tls"));
        TestCertificates certificates = TestCertificates.authority(tlsDir);
        TestCertificates.Pair server = certificates.issue("server", "localhost", TestCertificates.KeyForm.PKCS8_RSA);
        Files.setPosixFilePermissions(server.key(), PosixFilePermissions.fromString("rw-------"));
        try (var files = Files.list(tlsDir)) {
            for (Path file : files.toList()) {
                account.own(file);
            }
        }
        account.own(tlsDir);
        serverCa = certificates.ca();
        Path hba = dataDir.resolve("pg_hba.conf");
        Files.writeString(hba, "hostssl all " + TLS_ONLY_ROLE + " 127.0.0.1/32 scram-sha-256\n"
                + "hostnossl all " + TLS_ONLY_ROLE + " 127.0.0.1/32 reject\n" + Files.readString(hba));
        return String.join("\n",
                "ssl = on",
                "ssl_cert_file = '" + server.certificate().toString().replace("'", "''") + "'",
                "ssl_key_file = '" + server.key().toString().replace("'", "''") + "'",
                "");
    }

    /** The CA that signed the server's certificate. */
    Path serverCa() {
        return serverCa;
    }

    /** Settings go into postgresql.conf rather than onto pg_ctl's -o, which pg_ctl passes through a shell. */
    private void configure() {
        String socketDir = baseDir.toString().replace("'", "''");
        String tls;
        try {
            tls = configureTls();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String settings = String.join("\n",
                "",
                "# added by the allas test fixture",
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + socketDir + "'",
                "max_connections = 300",
                // durability is pointless for a throwaway cluster and costs seconds per test run
                "fsync = off",
                "synchronous_commit = off",
                "full_page_writes = off",
                tls);
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), settings, StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** First start: picks a free port, and another one if some other process grabs it meanwhile. */
    void startFirstTime() {
        for (int attempt = 1; ; attempt++) {
            port = Ports.free();
            Exec.Result r = pgCtlStart();
            if (r.ok()) {
                return;
            }
            if (attempt >= BIND_ATTEMPTS || !logTail(20).contains("could not bind")) {
                throw startFailure(r);
            }
        }
    }

    /** Starts the stopped cluster again on the same port; a no-op when it is running. */
    void start() {
        if (running()) {
            return;
        }
        Exec.Result r = pgCtlStart();
        if (!r.ok()) {
            throw startFailure(r);
        }
    }

    private Exec.Result pgCtlStart() {
        return run(List.of(
                binaries.program("pg_ctl").toString(),
                "-D", dataDir.toString(),
                "-l", logFile.toString(),
                "-o", "-p " + port,
                "-w", "-t", String.valueOf(PG_CTL_WAIT.toSeconds()),
                "start"), PG_CTL_WAIT.plusSeconds(30));
    }

    private IllegalStateException startFailure(Exec.Result r) {
        return new IllegalStateException("PostgreSQL did not start on port " + port + " (" + account.describe()
                + "): " + r.output().strip() + "\n--- server log tail (" + logFile + ") ---\n" + logTail(40));
    }

    /** Stops the server and returns once it is fully down and the port is closed; a no-op when stopped. */
    void stop(String mode) {
        if (!running()) {
            return;
        }
        Exec.Result r = run(List.of(
                binaries.program("pg_ctl").toString(),
                "-D", dataDir.toString(),
                "-m", mode,
                "-w", "-t", String.valueOf(PG_CTL_WAIT.toSeconds()),
                "stop"), PG_CTL_WAIT.plusSeconds(30));
        if (!r.ok() && running()) {
            throw new IllegalStateException("pg_ctl stop failed: " + r.output().strip()
                    + "\n--- server log tail ---\n" + logTail(40));
        }
        awaitPortClosed(Duration.ofSeconds(10));
    }

    boolean running() {
        // pg_ctl status: 0 running, 3 not running, 4 no data directory
        return run(List.of(binaries.program("pg_ctl").toString(), "-D", dataDir.toString(), "status"),
                Duration.ofSeconds(30)).exitCode() == 0;
    }

    /** Kills the server without a checkpoint and deletes everything; safe to call more than once. */
    void destroy() {
        if (Files.isDirectory(dataDir)) {
            try {
                stop("immediate");
            } catch (RuntimeException ignored) {
                // deleting the files is still worth doing
            }
        }
        TempFiles.deleteRecursively(baseDir);
    }

    private void awaitPortClosed(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            } catch (IOException refused) {
                return;
            }
            pause(20);
        }
        throw new IllegalStateException("port " + port + " still accepts connections after pg_ctl stop");
    }

    private Exec.Result run(List<String> command, Duration timeout) {
        // The server's cwd must be reachable by the server account (the Maven module dir may not be).
        return Exec.run(account.command(command), baseDir, timeout);
    }

    String logTail(int lines) {
        try {
            if (!Files.exists(logFile)) {
                return "(no server log)";
            }
            List<String> all = Files.readAllLines(logFile, StandardCharsets.ISO_8859_1);
            return String.join("\n", new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size())));
        } catch (IOException e) {
            return "(could not read " + logFile + ": " + e.getMessage() + ")";
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    int port() {
        return port;
    }

    Path baseDir() {
        return baseDir;
    }

    Path logFile() {
        return logFile;
    }

    PostgresBinaries binaries() {
        return binaries;
    }

    ServerAccount account() {
        return account;
    }
}
