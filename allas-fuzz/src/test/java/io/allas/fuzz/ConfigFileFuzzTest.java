package io.allas.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

import io.allas.server.config.ConfigException;
import io.allas.server.config.ConfigLoader;

/**
 * A configuration file and environment overrides as an operator may get them wrong: loaded, or
 * refused with a {@link ConfigException} that names the problem (allas then exits with that one
 * line); never a stack trace.
 */
@Tag("fuzz")
class ConfigFileFuzzTest {

    private static Path file;

    @BeforeAll
    static void createFile() throws IOException {
        file = Files.createTempFile("allas-fuzz", ".json");
    }

    @AfterAll
    static void deleteFile() throws IOException {
        Files.deleteIfExists(file);
    }

    @FuzzTest
    void configurationIsLoadedOrRefusedWithItsProblemNamed(FuzzedDataProvider data) throws IOException {
        String overrideName = "ALLAS_" + data.consumeString(40);
        String overrideValue = data.consumeString(200);
        Files.writeString(file, data.consumeRemainingAsString(), StandardCharsets.UTF_8);
        try {
            ConfigLoader.load(file, Map.of(overrideName, overrideValue), new ArrayList<>());
        } catch (ConfigException refused) {
            if (refused.getMessage() == null || refused.getMessage().isBlank()) {
                throw new AssertionError("a refusal must name the problem", refused);
            }
        }
    }
}
