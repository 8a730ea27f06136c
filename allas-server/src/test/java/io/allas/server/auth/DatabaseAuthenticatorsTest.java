package io.allas.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigException;
import io.allas.server.config.ConfigLoader;

/**
 * Each plugin validates its own {@code auth} object; allas names unknown methods.
 */
class DatabaseAuthenticatorsTest {

    @TempDir
    Path directory;

    private DatabaseAuthenticators configure(String auth) throws Exception {
        Path file = directory.resolve("allas.json");
        Files.writeString(file, "{\"databases\": [{\"name\": \"db\", \"auth\": " + auth + "}]}");
        AllasConfig config = ConfigLoader.load(file, Map.of(), new ArrayList<>());
        return DatabaseAuthenticators.configure(config.databases(), AuthPlugins.load(directory.resolve("none")));
    }

    @Test
    void bundledMethodsAreFoundByServiceLoader() throws Exception {
        AuthPlugins plugins = AuthPlugins.load(directory.resolve("none"));
        assertTrue(plugins.methods().containsAll(java.util.List.of("md5", "trust")), plugins.methods().toString());
        assertTrue(configure("{\"method\": \"trust\"}").find("db").isPresent());
        assertTrue(configure("{\"method\": \"md5\", \"user\": \"u\", \"password\": \"p\"}").find("db").isPresent());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "{\"method\": \"ldap\"}|unrecognized authentication method \"ldap\" in \"databases[0].auth\" (available: md5, scram-sha-256, trust)",
        "{\"method\": \"md5\", \"user\": \"u\"}|missing configuration option \"databases[0].auth.password\"",
        "{\"method\": \"md5\", \"password\": \"p\"}|missing configuration option \"databases[0].auth.user\"",
        "{\"method\": \"md5\", \"user\": \"u\", \"password\": \"p\", \"salt\": \"x\"}|unrecognized configuration option \"databases[0].auth.salt\"",
        "{\"method\": \"md5\", \"user\": \"u\", \"password\": {\"a\": 1}}|invalid value for option \"databases[0].auth.password\": input must be a text string",
        "{\"method\": \"trust\", \"role\": \"x\"}|unrecognized configuration option \"databases[0].auth.role\"",
    })
    void badAuthObjectsAreOneLineErrorsNamingTheKey(String auth, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> configure(auth));
        assertEquals(expected, e.getMessage());
    }
}
