package io.allas.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

import io.allas.server.Allas;
import io.allas.server.config.ConfigLoader;
import io.allas.testing.Json;
import io.allas.testing.Ports;
import io.allas.testing.TestPostgres;

/**
 * The newcomer's demo: a throwaway PostgreSQL (the system's binaries, or those Maven Central
 * serves) with allas in front of it, and the lines to type to see it work. It lives with the
 * tests, outside the production code: {@code ./mvnw -q -Pdemo -DskipTests package}.
 */
public final class Demo {

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        int port = Ports.free();
        Path directory = Files.createTempDirectory("allas-demo-");
        Path file = directory.resolve("allas.json");
        Files.writeString(file, "{\n  \"listen\": {\"host\": \"127.0.0.1\", \"port\": " + port + "},\n"
                + "  \"connect\": " + Json.quote(postgres.libpqConnectString()) + ",\n"
                + "  \"databases\": [{\"name\": \"demo\", \"auth\": {\"method\": \"md5\", \"user\": \"demo\", \"password\": \"demo\"}}]\n}\n");
        Allas allas = Allas.start(ConfigLoader.load(file, Map.of(), new ArrayList<>()), directory.resolve("plugins"));
        while (!allas.isReady()) {
            // The throwaway server is up already: the relay connects within moments.
            LockSupport.parkNanos(10_000_000);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            allas.close();
            stopped.countDown();
        }));
        System.out.printf("""

                allas is listening on 127.0.0.1:%d in front of %s
                configuration: %s

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
