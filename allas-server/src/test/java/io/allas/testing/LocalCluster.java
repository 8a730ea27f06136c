package io.allas.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * A throwaway PostgreSQL cluster in its own temp directory: data/, the server log, the Unix socket, and the
 * TLS files. It can be stopped and started again on the same port with the same data.
 */
final class LocalCluster implements ThrowawayServer {

    private static final Duration PG_CTL_WAIT = Duration.ofSeconds(60);
    private static final int BIND_ATTEMPTS = 5;

    private final PostgresBinaries binaries;
    private final ServerAccount account;
    private final Path baseDir;
    private final Path dataDir;
    private final Path logFile;
    private ServerTls tls;
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
        Path baseDir = newBaseDir(binaries, account);
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

    private static Path newBaseDir(PostgresBinaries binaries, ServerAccount account) {
        try {
            Path baseDir = Files.createTempDirectory(StaleClusters.parentDir(account), StaleClusters.PREFIX);
            StaleClusters.markOwned(baseDir, binaries);
            account.own(baseDir);
            return baseDir;
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a temp directory for PostgreSQL", e);
        }
    }

    /**
     * A streaming-replication standby of this running cluster, made as an operator makes one:
     * {@code pg_basebackup -R} (which writes standby.signal and primary_conninfo), over the
     * primary's Unix socket, where initdb's pg_hba.conf trusts replication connections. Not
     * started yet; it shares the primary's TLS files, which the backup copied.
     *
     * @param superuser the role that replicates
     */
    LocalCluster standby(String superuser) {
        Path pgBasebackup = binaries.pgBasebackup().orElseThrow(() -> new IllegalStateException("no pg_basebackup beside "
                + binaries.program("initdb") + " (" + binaries.origin() + "): a standby cannot be made from these binaries"));
        Path standbyDir = newBaseDir(binaries, account);
        LocalCluster standby = new LocalCluster(binaries, account, standbyDir);
        standby.tls = tls;
        try {
            run(List.of(pgBasebackup.toString(),
                    "-D", standby.dataDir.toString(),
                    "-h", baseDir.toString(),
                    "-p", String.valueOf(port),
                    "-U", superuser,
                    "-R",
                    "-X", "stream",
                    "--checkpoint=fast",
                    "--no-sync"), Duration.ofSeconds(120)).orThrow("pg_basebackup " + account.describe());
            // The copied postgresql.conf names the primary's socket directory; the later line wins.
            Files.writeString(standby.dataDir.resolve("postgresql.conf"), "\n# the standby's own (allas test fixture)\n"
                    + "unix_socket_directories = '" + standbyDir.toString().replace("'", "''") + "'\n",
                    StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            TempFiles.deleteRecursively(standbyDir);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            TempFiles.deleteRecursively(standbyDir);
            throw e;
        }
        return standby;
    }

    /** Promotes this standby to a primary ({@code pg_ctl promote}); returns once it accepts writes. */
    void promote() {
        run(List.of(
                binaries.program("pg_ctl").toString(),
                "-D", dataDir.toString(),
                "-w", "-t", String.valueOf(PG_CTL_WAIT.toSeconds()),
                "promote"), PG_CTL_WAIT.plusSeconds(30)).orThrow("pg_ctl promote " + account.describe());
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

    /** Installs TLS with the script every throwaway server uses, run as the server's account like initdb. */
    private void configureTls() throws IOException {
        Path tlsDir = Files.createDirectories(baseDir.resolve("tls"));
        tls = ServerTls.issue(tlsDir);
        try (var files = Files.list(tlsDir)) {
            for (Path file : files.toList()) {
                account.own(file);
            }
        }
        account.own(tlsDir);
        List<String> command = new ArrayList<>(List.of("env", "PGDATA=" + dataDir));
        tls.scriptEnvironment(tlsDir.toString()).forEach((name, value) -> command.add(name + "=" + value));
        command.addAll(List.of("/bin/sh", tls.script().toString()));
        run(command, Duration.ofSeconds(30)).orThrow(ServerTls.SCRIPT + " " + account.describe());
    }

    @Override
    public Path serverCa() {
        return tls.ca();
    }

    /** Settings go into postgresql.conf rather than onto pg_ctl's -o, which pg_ctl passes through a shell. */
    private void configure() {
        List<String> settings = new ArrayList<>(List.of(
                "",
                "# added by the allas test fixture",
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + baseDir.toString().replace("'", "''") + "'"));
        settings.addAll(SETTINGS);
        settings.add("");
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), String.join("\n", settings), StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
            configureTls();
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

    @Override
    public void start() {
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

    @Override
    public void stop() {
        stop("fast");
    }

    /** Stops the server and returns once it is fully down and the port is closed; a no-op when stopped. */
    private void stop(String mode) {
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

    @Override
    public boolean running() {
        // pg_ctl status: 0 running, 3 not running, 4 no data directory
        return run(List.of(binaries.program("pg_ctl").toString(), "-D", dataDir.toString(), "status"),
                Duration.ofSeconds(30)).exitCode() == 0;
    }

    /** Kills the server without a checkpoint and deletes everything; safe to call more than once. */
    @Override
    public void destroy() {
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

    @Override
    public String logTail(int lines) {
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

    @Override
    public int port() {
        return port;
    }

    Path baseDir() {
        return baseDir;
    }

    ServerAccount account() {
        return account;
    }
}
