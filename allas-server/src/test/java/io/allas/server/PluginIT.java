package io.allas.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.allas.testing.PluginJarBuilder;
import io.allas.testing.AwaitServing;
import io.allas.testing.Ports;
import io.allas.testing.TestPostgres;
import io.allas.testing.RelayProcess;

/**
 * A third party's plugin jar, compiled at test time against the SPI jar alone, found and used in
 * each way the README names: the plugins directory beside allas.jar, a configured
 * {@code plugin_directory}, and the module path.
 */
class PluginIT {

    @TempDir
    static Path workspace;

    private static Path pluginJar;

    @BeforeAll
    static void buildPlugin() throws Exception {
        Path spiJar;
        try (var libs = Files.list(RelayProcess.buildDirectory().resolve("libs"))) {
            spiJar = libs.filter(p -> p.getFileName().toString().startsWith("allas-auth-spi-")).findFirst().orElseThrow();
        }
        pluginJar = PluginJarBuilder.buildExamplePlugin(spiJar, workspace.resolve("plugin-build"));
    }

    private static Path config(Path directory, String pluginDirectoryMember, int port) throws Exception {
        Files.createDirectories(directory);
        Path file = directory.resolve("allas.json");
        Files.writeString(file, "{\"listen\": {\"host\": \"127.0.0.1\", \"port\": " + port + "}, "
                + "\"connect\": \"" + TestPostgres.shared().libpqConnectString() + "\", " + pluginDirectoryMember
                + "\"databases\": [{\"name\": \"d\", \"auth\": {\"method\": \"token\", \"token\": \"open-sesame\"}}]}");
        return file;
    }

    private static void assertPluginDecides(int port) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "anyone");
        properties.setProperty("password", "open-sesame");
        try (Connection connection = AwaitServing.pgjdbc(port, "d", properties, Duration.ofSeconds(30));
             ResultSet rows = connection.createStatement().executeQuery("SELECT 1")) {
            assertTrue(rows.next());
        }
        properties.setProperty("password", "wrong");
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/d", properties));
        assertEquals("28P01", e.getSQLState());
    }

    private static void runAndCheck(List<String> arguments, int port) throws Exception {
        try (RelayProcess allas = RelayProcess.start(Map.of(), arguments)) {
            allas.awaitListening(port, Duration.ofSeconds(60));
            assertPluginDecides(port);
            // On the module path too, where the jar's manifest is out of reach.
            allas.awaitOutput("allas " + RelayProcess.builtVersion() + " listening on", Duration.ofSeconds(30));
        }
    }

    @Test
    void pluginsDirectoryBesideAllasJar() throws Exception {
        // An installation as the README describes it: allas.jar, libs/ and plugins/ side by side.
        Path install = workspace.resolve("install");
        Files.createDirectories(install.resolve("plugins"));
        Files.copy(RelayProcess.buildDirectory().resolve("allas.jar"), install.resolve("allas.jar"));
        Files.createSymbolicLink(install.resolve("libs"), RelayProcess.buildDirectory().resolve("libs"));
        Files.copy(pluginJar, install.resolve("plugins").resolve(pluginJar.getFileName()));
        int port = Ports.free();
        Path file = config(workspace.resolve("beside"), "", port);
        runAndCheck(List.of("-jar", install.resolve("allas.jar").toString(), file.toString()), port);
    }

    @Test
    void configuredPluginDirectoryUnderJavaJar() throws Exception {
        int port = Ports.free();
        Path file = config(workspace.resolve("configured"),
                "\"plugin_directory\": \"" + pluginJar.getParent() + "\", ", port);
        runAndCheck(List.of("-jar", RelayProcess.buildDirectory().resolve("allas.jar").toString(), file.toString()), port);
    }

    @Test
    void pluginOnTheModulePath() throws Exception {
        int port = Ports.free();
        Path file = config(workspace.resolve("module-path"), "", port);
        Path target = RelayProcess.buildDirectory();
        String modulePath = String.join(java.io.File.pathSeparator,
                target.resolve("allas.jar").toString(), target.resolve("libs").toString(), pluginJar.getParent().toString());
        runAndCheck(List.of("-p", modulePath, "-m", "io.allas.server/io.allas.server.Main", file.toString()), port);
    }

    @Test
    void configuredPluginDirectoryWhenAllasRunsOnTheModulePath() throws Exception {
        int port = Ports.free();
        Path file = config(workspace.resolve("module-layer"),
                "\"plugin_directory\": \"" + pluginJar.getParent() + "\", ", port);
        Path target = RelayProcess.buildDirectory();
        String modulePath = String.join(java.io.File.pathSeparator,
                target.resolve("allas.jar").toString(), target.resolve("libs").toString());
        runAndCheck(List.of("-p", modulePath, "-m", "io.allas.server/io.allas.server.Main", file.toString()), port);
    }

    @Test
    void twoCopiesOfAPluginJarAreAStartupErrorNamingBothOnTheModulePath() throws Exception {
        Path plugins = Files.createDirectories(workspace.resolve("two-copies"));
        Files.copy(pluginJar, plugins.resolve("allas-auth-token-1.0.jar"));
        Files.copy(pluginJar, plugins.resolve("allas-auth-token-1.1.jar"));
        Path file = config(workspace.resolve("two-copies-config"), "\"plugin_directory\": \"" + plugins + "\", ", Ports.free());
        Path target = RelayProcess.buildDirectory();
        String modulePath = String.join(java.io.File.pathSeparator,
                target.resolve("allas.jar").toString(), target.resolve("libs").toString());
        try (RelayProcess allas = RelayProcess.start(Map.of(),
                List.of("-p", modulePath, "-m", "io.allas.server/io.allas.server.Main", file.toString()))) {
            assertEquals(1, allas.waitForExit(Duration.ofSeconds(30)));
            assertEquals("allas: authentication method \"token\" is provided twice:"
                    + " by com.example.allas.token.TokenAuthProvider from allas-auth-token-1.0.jar"
                    + " and by com.example.allas.token.TokenAuthProvider from allas-auth-token-1.1.jar\n", allas.output());
        }
    }

    @Test
    void theMethodIsUnknownWithoutThePlugin() throws Exception {
        Path file = config(workspace.resolve("absent"), "", Ports.free());
        try (RelayProcess allas = RelayProcess.start(Map.of(),
                List.of("-jar", RelayProcess.buildDirectory().resolve("allas.jar").toString(), file.toString()))) {
            assertEquals(1, allas.waitForExit(Duration.ofSeconds(30)));
            assertTrue(allas.output().contains("unrecognized authentication method \"token\""), allas.output());
        }
    }

}
