package io.allas.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The container the fixture would start where nothing else is at hand, as Testcontainers holds it before
 * starting it: these tests need no Docker.
 */
@Tag("unit")
class ContainerDefinitionTest {

    private static final int HOST_PORT = 54_321;

    @TempDir
    static Path directory;
    private static ServerTls tls;

    @BeforeAll
    static void issueCertificates() {
        tls = ServerTls.issue(directory);
    }

    private static PostgreSQLContainer<?> define() {
        return ContainerDefinition.define(ContainerDefinition.image(Settings.of(Map.of())), HOST_PORT, tls, "postgres",
                "secret");
    }

    /** Checked on the name the container is given: the container's own getter would make Testcontainers pull it. */
    @Test
    void theImageIsACurrentOfficialPostgresUnlessTheSettingNamesAnother() {
        assertEquals("postgres:17", ContainerDefinition.image(Settings.of(Map.of())).asCanonicalNameString());
        assertEquals("registry.example/mirror/pg:16-alpine", ContainerDefinition.image(
                Settings.of(Map.of(Settings.PG_IMAGE, "registry.example/mirror/pg:16-alpine"))).asCanonicalNameString());
    }

    /** Testcontainers refuses, when the container is defined, an image not named postgres unless declared compatible. */
    @Test
    void aMirroredImageIsAccepted() {
        DockerImageName mirror = ContainerDefinition.image(Settings.of(Map.of(Settings.PG_IMAGE, "registry.example/pg:16")));
        ContainerDefinition.define(mirror, HOST_PORT, tls, "postgres", "secret");
        assertThrows(IllegalStateException.class, () -> new PostgreSQLContainer<>(DockerImageName.parse("registry.example/pg:16")),
                "the declaration is what makes the difference");
    }

    @Test
    void theServerRunsWithTheSettingsOfEveryThrowawayServer() {
        assertEquals(List.of("postgres", "-c", "max_connections=300", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off"), List.of(define().getCommandParts()));
    }

    @Test
    void theSuperuserAndDatabaseAreTheFixtures() {
        PostgreSQLContainer<?> container = define();
        assertEquals("postgres", container.getUsername());
        assertEquals("secret", container.getPassword());
        assertEquals("postgres", container.getDatabaseName());
    }

    /** A fixed host port, so that the server is back where it was after the tests restart it. */
    @Test
    void theServerIsPublishedOnTheGivenHostPort() {
        PostgreSQLContainer<?> container = define();
        assertEquals(List.of(HOST_PORT + ":5432/tcp"), container.getPortBindings());
        assertEquals(List.of(5432), container.getExposedPorts());
    }

    /** The map's getter is deprecated, but it is the only public view of what withCopyFileToContainer copies. */
    @Test
    @SuppressWarnings("deprecation")
    void theTlsFilesAndTheirSetUpScriptGoIntoTheContainer() {
        PostgreSQLContainer<?> container = define();
        Map<String, String> copies = new TreeMap<>();
        for (Map.Entry<MountableFile, String> copy : container.getCopyToFileContainerPathMap().entrySet()) {
            MountableFile file = copy.getKey();
            copies.put(copy.getValue(), file.getResolvedPath() + " mode " + Integer.toOctalString(file.getFileMode() & 0777));
        }
        assertEquals(Map.of(
                "/allas-tls/server.crt", tls.certificate() + " mode 644",
                "/allas-tls/server.key", tls.key() + " mode 644",
                "/docker-entrypoint-initdb.d/server-tls.sh", tls.script() + " mode 755"), copies);
        assertEquals("/allas-tls", container.getEnvMap().get("ALLAS_TLS_DIR"));
        assertEquals(ServerTls.TLS_ONLY_ROLE, container.getEnvMap().get("ALLAS_TLS_ONLY_ROLE"));
    }

    /** The entrypoint runs an executable init script with its interpreter line; without one it would fail. */
    @Test
    void theSetUpScriptIsAShellScript() throws Exception {
        assertTrue(Files.readString(tls.script()).startsWith("#!/bin/sh\n"));
    }
}
