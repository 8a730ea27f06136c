package io.allas.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The checkout the tests run in, for files that live beside the code: examples, the launcher.
 */
public final class SourceTree {

    private SourceTree() {
    }

    /**
     * @return the allas-server module's directory: Maven's {@code basedir}, which surefire and
     *         failsafe pass to the tests, else the working directory (an IDE runs tests there)
     */
    public static Path serverModule() {
        Path directory = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        if (!Files.isRegularFile(directory.resolve("bin/allas"))) {
            throw new IllegalStateException(directory + " is not the allas-server module (no bin/allas):"
                    + " run the tests from it or with Maven");
        }
        return directory;
    }

    /**
     * @return the checkout's top directory
     */
    public static Path root() {
        return serverModule().getParent();
    }
}
