package io.allas.testing;

import java.util.ArrayList;
import java.util.List;

import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The PostgreSQL container the fixture starts where nothing else is at hand. Defining it contacts no Docker,
 * so the definition is tested on machines without one.
 */
final class ContainerDefinition {

    static final String DEFAULT_IMAGE = "postgres:17";
    /** Where the init script finds the server's certificate and key inside the container. */
    static final String TLS_DIR = "/allas-tls";
    /** The official image's entrypoint runs executable scripts here once, when it initialises the data directory. */
    static final String INIT_SCRIPT = "/docker-entrypoint-initdb.d/" + ServerTls.SCRIPT;

    private ContainerDefinition() {
    }

    /**
     * The image {@code ALLAS_TEST_PG_IMAGE} names, else {@value #DEFAULT_IMAGE}; declared compatible with the
     * official image, so that a mirror or a derived image is not refused for its name.
     */
    static DockerImageName image(Settings settings) {
        return DockerImageName.parse(settings.get(Settings.PG_IMAGE).orElse(DEFAULT_IMAGE))
                .asCompatibleSubstituteFor(PostgreSQLContainer.IMAGE);
    }

    /**
     * @param image    an official postgres image, or one built on it (its entrypoint runs the init script)
     * @param hostPort the host port to publish the server on; fixed, because Docker gives a published port
     *                 with no fixed number a new number when the container restarts, and the tests that
     *                 restart the server expect it back where it was
     * @param tls      the certificate, key and set-up script every throwaway server gets
     */
    static PostgreSQLContainer<?> define(DockerImageName image, int hostPort, ServerTls tls, String superuser,
                                         String password) {
        PostgreSQLContainer<?> container = new PostgreSQLContainer<>(image)
                .withUsername(superuser)
                .withPassword(password)
                .withDatabaseName("postgres");
        container.withCommand(command().toArray(String[]::new));
        container.setPortBindings(List.of(hostPort + ":" + PostgreSQLContainer.POSTGRESQL_PORT));
        tls.scriptEnvironment(TLS_DIR).forEach(container::withEnv);
        // Readable by all: the script, run as the server's account, copies the key and restricts the copy.
        container.withCopyFileToContainer(MountableFile.forHostPath(tls.certificate(), 0644),
                TLS_DIR + "/" + tls.certificate().getFileName());
        container.withCopyFileToContainer(MountableFile.forHostPath(tls.key(), 0644), TLS_DIR + "/" + tls.key().getFileName());
        container.withCopyFileToContainer(MountableFile.forHostPath(tls.script(), 0755), INIT_SCRIPT);
        return container;
    }

    /** The server with the settings every throwaway server runs with, as -c options. */
    private static List<String> command() {
        List<String> command = new ArrayList<>(List.of("postgres"));
        for (String setting : ThrowawayServer.SETTINGS) {
            command.add("-c");
            command.add(setting);
        }
        return command;
    }
}
