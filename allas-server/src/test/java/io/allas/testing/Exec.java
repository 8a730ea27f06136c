package io.allas.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs a short-lived command and captures its combined output. */
public final class Exec {

    public record Result(List<String> command, int exitCode, String output) {

        public boolean ok() {
            return exitCode == 0;
        }

        public Result orThrow(String what) {
            if (!ok()) {
                throw new IllegalStateException(what + " failed (exit " + exitCode + "): "
                        + String.join(" ", command) + "\n" + output.strip());
            }
            return this;
        }
    }

    private Exec() {
    }

    public static Result run(List<String> command, Path workDir, Duration timeout) {
        return run(command, workDir, timeout, Map.of());
    }

    public static Result run(List<String> command, Path workDir, Duration timeout, Map<String, String> extraEnv) {
        Path out = null;
        try {
            // A file rather than a pipe: pg_ctl forks a postmaster, and a pipe it inherited would keep a
            // reader blocked until the server exits.
            out = Files.createTempFile("allas-exec-", ".out");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            // English messages so that failures read the same everywhere and log tails can be matched.
            builder.environment().put("LC_ALL", "C");
            builder.environment().put("LANG", "C");
            builder.environment().putAll(extraEnv);
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException("timed out after " + timeout + ": " + String.join(" ", command)
                        + "\n" + read(out).strip());
            }
            return new Result(List.copyOf(command), process.exitValue(), read(out));
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    private static String read(Path file) throws IOException {
        // Lenient decoding: a tool's output in another charset must not hide the real failure.
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    /** Finds an executable by name on PATH. */
    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
