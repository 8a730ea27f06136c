package io.allas.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A Java older than allas needs, for the launcher's refusal: the machine's own JDK 17 where it
 * has one, else a stand-in {@code java} that reports a version as the real one does.
 */
public final class OlderJava {

    /** Where Debian, Ubuntu, Fedora and the Temurin packages install JDKs, each with a release file. */
    private static final Path JVM_DIRECTORY = Path.of("/usr/lib/jvm");

    private OlderJava() {
    }

    /**
     * @param scratch a directory for the stand-in, should one be needed
     * @return a JAVA_HOME whose {@code bin/java -version} reports Java 17
     */
    public static Path java17Home(Path scratch) throws IOException {
        Optional<Path> installed = installedJdk17();
        return installed.isPresent() ? installed.get()
                : standIn(scratch, "openjdk version \"17.0.15\" 2025-04-15");
    }

    /**
     * @param home        the directory to make a JAVA_HOME of
     * @param versionLine the first line of {@code java -version}, such as {@code java version "1.8.0_392"}
     * @return a JAVA_HOME whose {@code bin/java} prints that line on standard error, whatever it is asked
     */
    public static Path standIn(Path home, String versionLine) throws IOException {
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\ncat >&2 <<'EOF'\n" + versionLine + "\nStand-in Runtime Environment\nEOF\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    private static Optional<Path> installedJdk17() throws IOException {
        if (!Files.isDirectory(JVM_DIRECTORY)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(JVM_DIRECTORY)) {
            return homes.sorted()
                    .filter(home -> Files.isExecutable(home.resolve("bin/java")))
                    .filter(OlderJava::isJava17)
                    .findFirst();
        }
    }

    private static boolean isJava17(Path home) {
        try {
            return Files.readString(home.resolve("release")).contains("JAVA_VERSION=\"17");
        } catch (IOException e) {
            return false;
        }
    }
}
