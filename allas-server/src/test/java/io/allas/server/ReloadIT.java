package io.allas.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.allas.testing.AwaitServing;
import io.allas.testing.Json;
import io.allas.testing.Ports;
import io.allas.testing.RelayProcess;
import io.allas.testing.TestPostgres;

/**
 * Reloading a relay run as an operator runs it (the packaged jar): the file watched, SIGHUP
 * (which used to end the JVM), and a file that does not load, all while the relay serves on.
 */
class ReloadIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    @Test
    void theFileIsWatchedSighupReloadsAndABrokenFileChangesNothing() throws Exception {
        int port = Ports.free();
        Path file = directory.resolve("allas.json");
        Files.writeString(file, configuration(port, "\"d\""));
        try (RelayProcess allas = RelayProcess.start(Map.of(), List.of("-jar",
                RelayProcess.buildDirectory().resolve("allas.jar").toString(), file.toString()))) {
            allas.awaitListening(port, Duration.ofSeconds(60));
            connect(port, "d").close();

            Files.writeString(file, configuration(port + 1, "\"d\", \"e\""));
            allas.awaitOutput("databases added: e", WAIT);
            allas.awaitOutput("configuration changes that need a restart, kept as running: listen", WAIT);
            connect(port, "e").close();

            allas.signalHup();
            allas.awaitOutput("configuration reloaded from " + file + ": no change", WAIT);
            assertTrue(allas.isAlive(), "SIGHUP must not end allas");

            Files.writeString(file, "{\"listen\": ");
            allas.awaitOutput("configuration not reloaded, running on as before: configuration file \"" + file
                    + "\" is not valid JSON", WAIT);
            connect(port, "e").close();

            allas.signalTerm();
            assertEquals(0, allas.waitForExit(WAIT));
        }
    }

    private static String configuration(int port, String databaseNames) {
        StringBuilder databases = new StringBuilder();
        for (String name : databaseNames.split(",")) {
            databases.append(databases.isEmpty() ? "" : ", ")
                    .append("{\"name\": ").append(name.strip()).append(", \"auth\": {\"method\": \"trust\"}}");
        }
        return "{\"listen\": {\"host\": \"127.0.0.1\", \"port\": " + port + "},\n"
                + " \"connect\": " + Json.quote(TestPostgres.shared().libpqConnectString()) + ",\n"
                + " \"databases\": [" + databases + "]}\n";
    }

    private static Connection connect(int port, String database) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("user", "u");
        return AwaitServing.pgjdbc(port, database, properties, WAIT);
    }
}
