package io.allas.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Lines up several generator processes that measure one target together: each, once connected and
 * warmed up, says so with a file {@code <gate>.ready-<pid>}, then waits for the file {@code <gate>},
 * which the script creates once every generator is ready. So their measured parts start together
 * and the target's CPU over their common window is the cost of the measured deliveries alone.
 */
final class StartGate {

    private static final StartGate OPEN = new StartGate(null);
    /** How long a generator waits for the others before it gives up. */
    private static final long TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(5);

    private final Path gate;

    private StartGate(Path gate) {
        this.gate = gate;
    }

    /** @param path the gate file, or null for none */
    static StartGate of(String path) {
        return path == null ? OPEN : new StartGate(Path.of(path));
    }

    void passWhenAllReady() {
        if (gate == null) {
            return;
        }
        try {
            Files.createFile(gate.resolveSibling(gate.getFileName() + ".ready-" + ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot say ready at the start gate " + gate, e);
        }
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        // Another process opens the gate: a file is the simplest signal a shell script gives; polled finely.
        while (!Files.exists(gate)) {
            if (System.nanoTime() - deadline > 0) {
                throw new Scenarios.RunFailed("the start gate " + gate + " did not open within 5 minutes");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
