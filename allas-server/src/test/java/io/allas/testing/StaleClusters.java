package io.allas.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Cleans up clusters left behind by test JVMs that died without running their shutdown hook (a
 * kill -9, a surefire fork timeout). Each cluster directory records the pid of the JVM that owns it; a
 * directory whose JVM is gone gets its server killed and is deleted, so stray postmasters do not pile up
 * on a developer's machine.
 */
final class StaleClusters {

    static final String PREFIX = "allas-pg-";
    private static final String MARKER = "owner";
    // A Unix socket path must fit in 107 bytes: "<dir>/.s.PGSQL.65535".
    private static final int MAX_PARENT_LENGTH = 60;

    private StaleClusters() {
    }

    /** java.io.tmpdir, unless the server account cannot reach it or it is too long for a socket path. */
    static Path parentDir(ServerAccount account) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        boolean reachable = !account.switches() || TempFiles.othersCanTraverse(tmp);
        return reachable && tmp.toString().length() <= MAX_PARENT_LENGTH ? tmp : Path.of("/tmp");
    }

    static void markOwned(Path clusterDir, PostgresBinaries binaries) throws IOException {
        Files.writeString(clusterDir.resolve(MARKER),
                ProcessHandle.current().pid() + "\n" + binaries.binDir() + "\n", StandardCharsets.UTF_8);
    }

    static void reap(ServerAccount account) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parentDir(account), PREFIX + "*")) {
            for (Path dir : dirs) {
                reapIfOrphaned(dir, account);
            }
        } catch (IOException | RuntimeException e) {
            // cleanup of other runs' leftovers must never fail this run
        }
    }

    private static void reapIfOrphaned(Path dir, ServerAccount account) throws IOException {
        Path marker = dir.resolve(MARKER);
        if (!Files.isRegularFile(marker)) {
            return; // not ours, or still being set up
        }
        List<String> lines = Files.readAllLines(marker, StandardCharsets.UTF_8);
        if (lines.size() < 2) {
            return;
        }
        long pid = Long.parseLong(lines.get(0).trim());
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return;
        }
        Path pgCtl = Path.of(lines.get(1).trim()).resolve("pg_ctl");
        Path data = dir.resolve("data");
        if (Files.exists(data.resolve("postmaster.pid")) && Files.isExecutable(pgCtl)) {
            Exec.run(account.command(List.of(pgCtl.toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop")),
                    dir, Duration.ofSeconds(30));
        }
        TempFiles.deleteRecursively(dir);
    }
}
