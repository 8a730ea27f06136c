package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

/**
 * psql, the way a person uses it: LISTEN, and the notification shows after the next command.
 */
class PsqlNotificationTest {

    @Test
    void psqlPrintsNotificationsRelayedFromPostgres() throws Exception {
        TestPostgres pg = TestPostgres.shared();
        try (TestRelay relay = TestRelay.builder().md5("app", "app", "secret").start();
             Connection producer = pg.connect()) {
            ProcessBuilder builder = new ProcessBuilder(List.of(pg.psql().orElseThrow().toString(), "-X",
                    "host=127.0.0.1 port=" + relay.port() + " dbname=app user=app"));
            builder.environment().put("PGPASSWORD", "secret");
            builder.redirectErrorStream(true);
            Process psql = builder.start();
            StringBuffer output = new StringBuffer();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(psql.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        output.append(line).append('\n');
                    }
                } catch (java.io.IOException e) {
                    output.append("(read failed: ").append(e).append(")\n");
                }
            });
            try (Writer input = new java.io.OutputStreamWriter(psql.getOutputStream(), StandardCharsets.UTF_8)) {
                send(input, "LISTEN \"Psql Channel\";", output, "LISTEN\n", psql);
                try (PreparedStatement notify = producer.prepareStatement("SELECT pg_notify('Psql Channel', 'grüße')")) {
                    notify.execute();
                }
                int pid = producer.unwrap(PGConnection.class).getBackendPID();
                String expected = "Asynchronous notification \"Psql Channel\" with payload \"grüße\" received from server process with PID "
                        + pid + ".";
                // psql shows notifications after a command completes: keep it busy until one shows.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!output.toString().contains(expected)) {
                    assertTrue(System.nanoTime() < deadline, "psql printed:\n" + output);
                    send(input, "SELECT 1;", output, "(1 row)", psql);
                }
                input.write("\\q\n");
            }
            assertTrue(psql.waitFor(20, TimeUnit.SECONDS));
            reader.join();
            assertTrue(output.toString().contains("Asynchronous notification \"Psql Channel\" with payload \"grüße\""), output.toString());
        }
    }

    /** Sends a command and waits until psql has printed one more {@code marker} than before. */
    private static void send(Writer input, String command, StringBuffer output, String marker, Process psql)
            throws Exception {
        int before = count(output.toString(), marker);
        input.write(command + "\n");
        input.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (count(output.toString(), marker) == before) {
            assertTrue(psql.isAlive() && System.nanoTime() < deadline, "psql printed:\n" + output);
            psql.waitFor(5, TimeUnit.MILLISECONDS);
        }
    }

    private static int count(String haystack, String needle) {
        int count = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            count++;
        }
        return count;
    }
}
