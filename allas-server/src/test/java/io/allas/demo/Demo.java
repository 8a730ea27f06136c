package io.allas.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import io.allas.server.Allas;
import io.allas.server.ConsoleLogging;
import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigLoader;
import io.allas.testing.Json;
import io.allas.testing.Ports;
import io.allas.testing.TempFiles;
import io.allas.testing.TestPostgres;

/**
 * The newcomer's demo: a throwaway PostgreSQL (the system's binaries, or those Maven Central
 * serves) with allas in front of it, and the lines to type to see it work. It lives with the
 * tests, outside the production code: {@code ./mvnw -q -Pdemo -DskipTests package}.
 */
public final class Demo {

    private static final System.Logger LOG = System.getLogger(Demo.class.getName());

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        // What the demo logs is what allas logs in production.
        ConsoleLogging.install();
        Path directory = Files.createTempDirectory("allas-demo-");
        AtomicReference<Allas> running = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        // Ctrl-C, or a failed start: the hook runs either way as the JVM ends.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Allas allas = running.get();
            if (allas != null) {
                allas.close();
            }
            // allas.json holds the upstream password.
            TempFiles.deleteRecursively(directory);
            stopped.countDown();
        }, "allas-demo-stop"));

        TestPostgres postgres = TestPostgres.shared(
                description -> LOG.log(System.Logger.Level.INFO, "using {0}", description));
        Path file = directory.resolve("allas.json");
        Files.writeString(file, "{\n  \"listen\": {\"host\": \"127.0.0.1\", \"port\": " + Ports.free() + "},\n"
                + "  \"connect\": " + Json.quote(postgres.libpqConnectString()) + ",\n"
                + "  \"databases\": [{\"name\": \"demo\", \"auth\": {\"method\": \"md5\", \"user\": \"demo\", \"password\": \"demo\"}}]\n}\n");
        AllasConfig config = ConfigLoader.load(file, Map.of(), new ArrayList<>());
        ConsoleLogging.setLevel(config.logLevel());
        Allas allas = Allas.start(config, directory.resolve("plugins"));
        running.set(allas);
        while (!allas.isReady()) {
            // The throwaway server is up already: the relay connects within moments.
            LockSupport.parkNanos(10_000_000);
        }
        System.out.printf("""

                allas is listening on 127.0.0.1:%d in front of %s
                configuration: %s (removed when the demo stops)

                Connect through allas (password: demo):
                    psql "host=127.0.0.1 port=%d dbname=demo user=demo"
                and type:
                    SELECT 1;
                    LISTEN demo;
                Then, from another terminal, notify through PostgreSQL directly:
                    PGPASSWORD=%s psql "%s" -c "NOTIFY demo, 'hello through allas'"
                (psql shows a notification after its next command; type ; to see it.)

                Press Ctrl-C to stop allas and remove the throwaway PostgreSQL.
                """, allas.port(), postgres.description(), file, allas.port(), postgres.password(),
                "host=" + postgres.host() + " port=" + postgres.port() + " dbname=" + postgres.database()
                        + " user=" + postgres.user());
        stopped.await();
    }
}
