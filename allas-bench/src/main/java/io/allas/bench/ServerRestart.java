package io.allas.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Restarts PostgreSQL under load with the command a scenario is given ({@code pg_ctl restart}, or a
 * container's), as the failover and soak scenarios do: a command that fails or hangs fails the run.
 */
final class ServerRestart {

    private ServerRestart() {
    }

    static void run(String command, double timeoutSeconds) {
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor((long) timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new Scenarios.RunFailed("the restart command failed or did not finish: " + command);
            }
        } catch (IOException e) {
            throw new Scenarios.RunFailed("cannot run the restart command: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Scenarios.RunFailed("interrupted");
        }
    }
}
