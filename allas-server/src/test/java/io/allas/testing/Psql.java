package io.allas.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real psql client, as a user would, and captures what it prints.
 */
public final class Psql {

    /**
     * What psql did.
     *
     * @param exitCode its exit code
     * @param stdout   what it printed
     * @param stderr   its errors
     */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    private Psql() {
    }

    /**
     * @param connectionString a libpq connection string
     * @param password         PGPASSWORD, or null
     * @param sql              commands, each passed with -c
     */
    public static Result run(String connectionString, String password, String... sql) {
        Path psql = TestPostgres.shared().psql().orElseThrow(() -> new IllegalStateException(
                "psql is not installed: install the postgresql-client package"));
        List<String> command = new ArrayList<>(List.of(psql.toString(), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-d", connectionString));
        for (String statement : sql) {
            command.add("-c");
            command.add(statement);
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("PG"));
        if (password != null) {
            env.put("PGPASSWORD", password);
        }
        env.put("PGCONNECT_TIMEOUT", "10");
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("psql did not finish within 60 s: " + command);
            }
            return new Result(process.exitValue(),
                    new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                    new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run psql: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
