package io.allas.server.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.allas.testing.RelayProcess;
import io.allas.testing.SourceTree;

/**
 * What can be checked of {@code deploy/docker/Dockerfile} without a container engine (this machine
 * has none): after the Maven build, every file it copies exists where it says, the launcher lands
 * beside allas.jar and libs/ (where it looks for them), and its ports and user are the Kubernetes
 * manifests'. Building and running the image is not checked here.
 */
class DockerfileIT {

    @Test
    void theImageIsMadeOfWhatTheBuildProduces() throws Exception {
        Path root = SourceTree.root();
        List<String> lines = Files.readAllLines(root.resolve("deploy/docker/Dockerfile")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        Map<String, String> copies = new LinkedHashMap<>();
        for (String line : lines) {
            if (line.startsWith("COPY ")) {
                String[] parts = line.split("\\s+");
                assertEquals(3, parts.length, line);
                copies.put(parts[1], parts[2]);
            }
        }
        Path build = RelayProcess.buildDirectory();
        assertEquals(Map.of(
                "allas-server/bin/allas", "/opt/allas/allas",
                "allas-server/target/allas.jar", "/opt/allas/allas.jar",
                "allas-server/target/libs/", "/opt/allas/libs/"), copies);
        assertTrue(Files.isExecutable(root.resolve("allas-server/bin/allas")));
        assertTrue(Files.isRegularFile(build.resolve("allas.jar")));
        try (var libs = Files.list(build.resolve("libs"))) {
            assertTrue(libs.anyMatch(jar -> jar.getFileName().toString().startsWith("helidon-webserver-")),
                    "libs/ holds the runtime jars");
        }
        assertTrue(lines.contains("ENTRYPOINT [\"/opt/allas/allas\"]"), lines.toString());
        assertTrue(lines.contains("EXPOSE 6433 9226"), lines.toString());
        assertTrue(lines.contains("USER 10001"), lines.toString());
        String deployment = Files.readString(root.resolve("deploy/kubernetes/deployment.yaml"));
        assertTrue(deployment.contains("runAsUser: 10001") && deployment.contains("containerPort: 6433")
                && deployment.contains("containerPort: 9226"), deployment);
    }
}
