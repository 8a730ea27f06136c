package io.allas.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.allas.testing.AwaitServing;
import io.allas.testing.Json;
import io.allas.testing.OlderJava;
import io.allas.testing.Ports;
import io.allas.testing.TestPostgres;
import io.allas.testing.RelayProcess;

/**
 * {@code java -jar allas.jar allas.json} as an operator runs it: help, one-line config errors
 * with a non-zero exit, environment overrides.
 */
class PackagedJarIT {

    @TempDir
    Path directory;

    private static List<String> jar(String... arguments) {
        List<String> command = new java.util.ArrayList<>(List.of("-jar",
                RelayProcess.buildDirectory().resolve("allas.jar").toString()));
        command.addAll(List.of(arguments));
        return command;
    }

    @Test
    void helpIsPrintedAndExitsZero() throws Exception {
        try (RelayProcess allas = RelayProcess.start(Map.of(), jar("--help"))) {
            assertEquals(0, allas.waitForExit(Duration.ofSeconds(30)));
            assertTrue(allas.output().startsWith("Usage: java -jar allas.jar"), allas.output());
        }
    }

    @Test
    void versionIsPrintedAndExitsZero() throws Exception {
        try (RelayProcess allas = RelayProcess.start(Map.of(), jar("--version"))) {
            assertEquals(0, allas.waitForExit(Duration.ofSeconds(30)));
            assertEquals("allas " + RelayProcess.builtVersion() + "\n", allas.output());
        }
    }

    @Test
    void anUnknownOptionIsNamedBeforeTheUsageAndExitsTwo() throws Exception {
        try (RelayProcess allas = RelayProcess.start(Map.of(), jar("--foo", "allas.json"))) {
            assertEquals(2, allas.waitForExit(Duration.ofSeconds(30)));
            assertTrue(allas.output().startsWith("allas: unknown option \"--foo\"\nUsage: java -jar allas.jar"),
                    allas.output());
        }
    }

    @Test
    void noArgumentsIsAUsageError() throws Exception {
        try (RelayProcess allas = RelayProcess.start(Map.of(), jar())) {
            assertEquals(2, allas.waitForExit(Duration.ofSeconds(30)));
            assertTrue(allas.output().contains("Usage:"), allas.output());
        }
    }

    @Test
    void aConfigErrorIsOneLineAndExitsNonZero() throws Exception {
        Path file = directory.resolve("allas.json");
        Files.writeString(file, "{\"listen\": {\"prot\": 1}, \"databases\": [{\"name\": \"d\", \"auth\": {\"method\": \"trust\"}}]}");
        try (RelayProcess allas = RelayProcess.start(Map.of(), jar(file.toString()))) {
            assertEquals(1, allas.waitForExit(Duration.ofSeconds(30)));
            assertEquals("allas: unrecognized configuration option \"listen.prot\"\n", allas.output());
        }
    }

    @Test
    void aMissingConfigFileIsNamed() throws Exception {
        try (RelayProcess allas = RelayProcess.start(Map.of(), jar(directory.resolve("absent.json").toString()))) {
            assertEquals(1, allas.waitForExit(Duration.ofSeconds(30)));
            assertEquals("allas: configuration file \"" + directory.resolve("absent.json")
                    + "\" does not exist or is not a regular file\n", allas.output());
        }
    }

    @Test
    void anUnknownAuthMethodIsOneLine() throws Exception {
        Path file = directory.resolve("allas.json");
        Files.writeString(file, "{\"databases\": [{\"name\": \"d\", \"auth\": {\"method\": \"kerberos\"}}]}");
        try (RelayProcess allas = RelayProcess.start(Map.of(), jar(file.toString()))) {
            assertEquals(1, allas.waitForExit(Duration.ofSeconds(30)));
            assertEquals("allas: unrecognized authentication method \"kerberos\" in \"databases[0].auth\""
                    + " (available: md5, scram-sha-256, trust)\n", allas.output());
        }
    }

    @Test
    void environmentOverridesTakeEffectAndUnrelatedVariablesAreHarmless() throws Exception {
        int port = Ports.free();
        Path file = directory.resolve("allas.json");
        Files.writeString(file, """
                {"listen": {"host": "127.0.0.1", "port": 1},
                 "connect": "CONNECT",
                 "databases": [{"name": "d", "auth": {"method": "md5", "user": "u", "password": "from-file"}}]}
                """.replace("CONNECT", TestPostgres.shared().libpqConnectString()));
        Map<String, String> environment = Map.of(
                "ALLAS_LISTEN_PORT", String.valueOf(port),
                "ALLAS_DATABASES_0_AUTH_PASSWORD", "from-environment",
                "DATABASES_URL", "postgres://unrelated",
                "LISTEN_PORT", "5");
        try (RelayProcess allas = RelayProcess.start(environment, jar(file.toString()))) {
            allas.awaitListening(port, Duration.ofSeconds(60));
            Properties properties = new Properties();
            properties.setProperty("user", "u");
            properties.setProperty("password", "from-environment");
            try (Connection connection = AwaitServing.pgjdbc(port, "d", properties, Duration.ofSeconds(30));
                 ResultSet rows = connection.createStatement().executeQuery("SELECT 1")) {
                assertTrue(rows.next());
            }
            assertTrue(!allas.output().contains("from-environment"), "the password must not be logged");
        }
    }

    @Test
    void sigtermTellsClients57P01AndExitsZeroAndNoSecretIsLogged() throws Exception {
        int port = Ports.free();
        TestPostgres postgres = TestPostgres.shared();
        Path file = directory.resolve("allas.json");
        Files.writeString(file, """
                {"listen": {"host": "127.0.0.1", "port": PORT},
                 "connect": "CONNECT",
                 "databases": [{"name": "d", "auth": {"method": "md5", "user": "u", "password": "client-secret-7"}}]}
                """.replace("PORT", String.valueOf(port)).replace("CONNECT", postgres.libpqConnectString()));
        RelayProcess allas = RelayProcess.start(Map.of(), jar(file.toString()));
        try {
            allas.awaitListening(port, Duration.ofSeconds(60));
            Properties properties = new Properties();
            properties.setProperty("user", "u");
            properties.setProperty("password", "client-secret-7");
            try (Connection connection = AwaitServing.pgjdbc(port, "d", properties, Duration.ofSeconds(30));
                 io.allas.testing.JdbcListener listener = new io.allas.testing.JdbcListener(connection)) {
                listener.execute("LISTEN shutdown");
                properties.setProperty("password", "wrong-guess-9");
                assertEquals("28P01", org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                        () -> AwaitServing.pgjdbc(port, "d", properties, Duration.ofSeconds(30))).getSQLState());
                long start = System.nanoTime();
                allas.signalTerm();
                java.sql.SQLException e = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                        () -> listener.await(1, Duration.ofSeconds(20)));
                assertEquals("57P01", e.getSQLState(), e.getMessage());
                assertEquals(0, allas.waitForExit(Duration.ofSeconds(20)));
                assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000, "stopped within 10 s");
            }
            String log = allas.output();
            assertTrue(log.contains("allas " + RelayProcess.builtVersion() + " listening on 127.0.0.1:" + port), log);
            assertTrue(log.contains("; upstream host=" + postgres.host() + " port=" + postgres.port() + " user=" + postgres.user()), log);
            // The test server is reached with sslmode=disable: the relay reads notifications itself.
            assertTrue(log.contains("connected to the upstream server") && log.contains(", no TLS)"), log);
            assertTrue(log.contains("authentication failed"), log);
            assertTrue(log.contains("allas stopped"), log);
            for (String secret : List.of("client-secret-7", "wrong-guess-9", postgres.password())) {
                assertTrue(!log.contains(secret), "a secret appears in the log:\n" + log);
            }
        } finally {
            allas.close();
        }
    }

    @Test
    void aPortInUseIsAOneLineErrorAndExitsNonZero() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path file = directory.resolve("allas.json");
            Files.writeString(file, "{\"listen\": {\"host\": \"127.0.0.1\", \"port\": " + taken.getLocalPort()
                    + "}, \"databases\": [{\"name\": \"d\", \"auth\": {\"method\": \"trust\"}}]}");
            try (RelayProcess allas = RelayProcess.start(Map.of(), jar(file.toString()))) {
                assertEquals(1, allas.waitForExit(Duration.ofSeconds(30)));
                assertTrue(allas.output().contains("allas: cannot listen on 127.0.0.1:" + taken.getLocalPort()), allas.output());
            }
        }
    }

    @Test
    void theLauncherRunsTheJarWithTheMeasuredJvmOptionsUnlessToldOtherwise() throws Exception {
        int port = Ports.free();
        Path file = directory.resolve("allas.json");
        Files.writeString(file, """
                {"listen": {"host": "127.0.0.1", "port": PORT},
                 "connect": "CONNECT",
                 "databases": [{"name": "d", "auth": {"method": "trust"}}]}
                """.replace("PORT", String.valueOf(port)).replace("CONNECT", TestPostgres.shared().libpqConnectString()));
        try (RelayProcess allas = RelayProcess.launch(Map.of(), List.of(file.toString()))) {
            allas.awaitListening(port, Duration.ofSeconds(60));
            List<String> arguments = allas.jvmArguments();
            assertTrue(arguments.containsAll(List.of("-XX:+UseParallelGC", "-Xmn64m")), arguments.toString());
            // The port accepts connections a moment before the start line is written.
            allas.awaitOutput("listening on 127.0.0.1:" + port, Duration.ofSeconds(30));
        }
        try (RelayProcess allas = RelayProcess.launch(Map.of("ALLAS_JAVA_OPTS", "-XX:+UseSerialGC"), List.of(file.toString()))) {
            allas.awaitListening(port, Duration.ofSeconds(60));
            List<String> arguments = allas.jvmArguments();
            assertTrue(arguments.contains("-XX:+UseSerialGC") && !arguments.contains("-XX:+UseParallelGC"), arguments.toString());
        }
    }

    @Test
    void theLauncherNamesItselfInTheUsage() throws Exception {
        try (RelayProcess allas = RelayProcess.launch(Map.of(), List.of("--help"))) {
            assertEquals(0, allas.waitForExit(Duration.ofSeconds(30)));
            assertTrue(allas.output().startsWith("Usage: " + RelayProcess.launcher() + " [--help]"), allas.output());
        }
    }

    @Test
    void aUnixSocketStartLineNamesTheSocketFileAsItIsWithoutAPort() throws Exception {
        Files.createDirectories(directory.resolve("sub"));
        Path socket = directory.resolve("sub/../allas.sock");
        Path file = directory.resolve("allas.json");
        Files.writeString(file, "{\"listen\": {\"host\": " + Json.quote(socket.toString()) + "}, \"connect\": "
                + Json.quote(TestPostgres.shared().libpqConnectString())
                + ", \"databases\": [{\"name\": \"d\", \"auth\": {\"method\": \"trust\"}}]}");
        try (RelayProcess allas = RelayProcess.start(Map.of(), jar(file.toString()))) {
            allas.awaitOutput("; upstream ", Duration.ofSeconds(60));
            assertTrue(allas.output().contains(" listening on " + directory.resolve("allas.sock") + "; upstream "),
                    allas.output());
        }
    }

    @Test
    void theLauncherRefusesJava17WithAMessageRatherThanAStackTrace() throws Exception {
        Path home = OlderJava.java17Home(directory.resolve("jdk-17"));
        try (RelayProcess allas = RelayProcess.run(Map.of("JAVA_HOME", home.toString()),
                List.of(RelayProcess.launcher().toString(), "--version"))) {
            assertEquals(1, allas.waitForExit(Duration.ofSeconds(30)));
            assertEquals("allas needs Java 21 or newer; JAVA_HOME=" + home + " is Java 17\n", allas.output());
        }
    }

    @Test
    void theLauncherReadsTheVersionOfJava8AndOlder() throws Exception {
        Path home = OlderJava.standIn(directory.resolve("jdk-8"), "java version \"1.8.0_392\"");
        try (RelayProcess allas = RelayProcess.run(Map.of("JAVA_HOME", home.toString()),
                List.of(RelayProcess.launcher().toString(), "--version"))) {
            assertEquals(1, allas.waitForExit(Duration.ofSeconds(30)));
            assertEquals("allas needs Java 21 or newer; JAVA_HOME=" + home + " is Java 8\n", allas.output());
        }
    }

    @Test
    void theLauncherSaysWhereItLookedWhenTheJarIsMissing() throws Exception {
        Path bin = Files.createDirectories(directory.resolve("bin"));
        Path script = Files.copy(RelayProcess.launcher(), bin.resolve("allas"),
                java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        try (RelayProcess allas = RelayProcess.run(Map.of(), List.of(script.toString(), "--help"))) {
            assertEquals(1, allas.waitForExit(Duration.ofSeconds(30)));
            assertTrue(allas.output().startsWith("allas: allas.jar is neither beside "), allas.output());
        }
    }
}
