package io.allas.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.allas.auth.spi.AuthMethodProvider;
import io.allas.server.config.ConfigException;
import io.allas.testing.PluginJarBuilder;

/**
 * The plugins directory as allas reads it under {@code java -jar} (the class path); PluginIT
 * covers the module path.
 */
class AuthPluginsTest {

    @TempDir
    static Path workspace;

    private static Path pluginJar;

    @BeforeAll
    static void buildPlugin() throws Exception {
        Path spi = Path.of(AuthMethodProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        pluginJar = PluginJarBuilder.buildExamplePlugin(spi, workspace.resolve("build"));
    }

    @Test
    void aPluginJarInTheDirectoryProvidesItsMethod() throws Exception {
        Path plugins = Files.createDirectories(workspace.resolve("one"));
        Files.copy(pluginJar, plugins.resolve("allas-auth-token.jar"));
        assertTrue(AuthPlugins.load(plugins).methods().contains(PluginJarBuilder.EXAMPLE_METHOD));
    }

    @Test
    void twoCopiesOfOnePluginJarAreAnErrorNamingBoth() throws Exception {
        Path plugins = Files.createDirectories(workspace.resolve("two"));
        Files.copy(pluginJar, plugins.resolve("allas-auth-token-1.0.jar"));
        Files.copy(pluginJar, plugins.resolve("allas-auth-token-1.1.jar"));
        ConfigException e = assertThrows(ConfigException.class, () -> AuthPlugins.load(plugins));
        assertEquals("authentication method \"token\" is provided twice:"
                + " by com.example.allas.token.TokenAuthProvider from allas-auth-token-1.0.jar"
                + " and by com.example.allas.token.TokenAuthProvider from allas-auth-token-1.1.jar", e.getMessage());
    }
}
