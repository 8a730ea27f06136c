package io.allas.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * PostgreSQL in a Docker container, defined by {@link ContainerDefinition} and started by Testcontainers.
 * Stop and start go to Docker itself: Testcontainers' stop removes the container, and the tests want the
 * same server back, with its data, on its port.
 */
final class ContainerServer implements ThrowawayServer {

    private static final int BIND_ATTEMPTS = 3;
    /** Docker stops with the image's stop signal (SIGINT: a fast shutdown), and kills after this long. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final PostgreSQLContainer<?> container;
    private final ServerTls tls;
    private final Path tlsDir;
    private final int port;

    private ContainerServer(PostgreSQLContainer<?> container, ServerTls tls, Path tlsDir, int port) {
        this.container = container;
        this.tls = tls;
        this.tlsDir = tlsDir;
        this.port = port;
    }

    /** Starts a container of the image; blocks until the server is ready. */
    static ContainerServer start(DockerImageName image, String superuser, String password) {
        Path tlsDir;
        try {
            tlsDir = Files.createTempDirectory("allas-pg-container-tls-");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a temp directory for the container's TLS files", e);
        }
        try {
            ServerTls tls = ServerTls.issue(tlsDir);
            for (int attempt = 1; ; attempt++) {
                int port = Ports.free();
                PostgreSQLContainer<?> container = ContainerDefinition.define(image, port, tls, superuser, password);
                try {
                    container.start();
                    return new ContainerServer(container, tls, tlsDir, port);
                } catch (RuntimeException e) {
                    remove(container);
                    // The port was free a moment ago; another process may have taken it since.
                    if (attempt >= BIND_ATTEMPTS || !portTaken(e)) {
                        throw new IllegalStateException("a PostgreSQL container of " + image + " did not start ("
                                + Settings.PG_IMAGE + " names the image): " + e.getMessage(), e);
                    }
                }
            }
        } catch (RuntimeException e) {
            TempFiles.deleteRecursively(tlsDir);
            throw e;
        }
    }

    private static boolean portTaken(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("port is already allocated") || message.contains("address already in use")) {
                return true;
            }
        }
        return false;
    }

    /** Where Docker publishes the port: this machine for a local engine. */
    String host() {
        return container.getHost();
    }

    @Override
    public int port() {
        return port;
    }

    /** The short container id, as {@code docker ps} shows it. */
    String shortId() {
        return container.getContainerId().substring(0, 12);
    }

    @Override
    public void stop() {
        if (running()) {
            container.getDockerClient().stopContainerCmd(container.getContainerId())
                    .withTimeout((int) STOP_TIMEOUT.toSeconds()).exec();
        }
    }

    @Override
    public void start() {
        if (!running()) {
            container.getDockerClient().startContainerCmd(container.getContainerId()).exec();
        }
    }

    @Override
    public boolean running() {
        return container.isRunning();
    }

    @Override
    public void destroy() {
        remove(container);
        TempFiles.deleteRecursively(tlsDir);
    }

    private static void remove(PostgreSQLContainer<?> container) {
        try {
            container.stop();
        } catch (RuntimeException e) {
            // Testcontainers' reaper removes the container when this JVM exits; a cleanup must not fail a run.
        }
    }

    @Override
    public Path serverCa() {
        return tls.ca();
    }

    @Override
    public String logTail(int lines) {
        try {
            List<String> all = Arrays.asList(container.getLogs().split("\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (RuntimeException e) {
            return "(could not read the container's log: " + e.getMessage() + ")";
        }
    }
}
