package io.allas.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * Builds the example plugin project ({@code examples/auth-plugin}, the README's "Writing an
 * authentication plugin") at test time, from its sources, against nothing but the SPI jar: the
 * proof that a plugin needs no more than the README says, and that the example works.
 */
public final class PluginJarBuilder {

    /** The method the example plugin provides. */
    public static final String EXAMPLE_METHOD = "token";

    private PluginJarBuilder() {
    }

    /**
     * @return the example plugin project's directory
     */
    public static Path exampleProject() {
        return SourceTree.root().resolve("examples/auth-plugin");
    }

    /**
     * @param spiJar    the allas-auth-spi jar (or its classes directory)
     * @param directory a scratch directory
     * @return the plugin jar, alone in a directory of its own
     */
    public static Path buildExamplePlugin(Path spiJar, Path directory) throws IOException {
        return buildPlugin(exampleProject().resolve("src/main/java"), exampleProject().resolve("src/main/resources"),
                spiJar, directory, "allas-auth-token.jar");
    }

    /**
     * Builds a plugin of a test's own, as {@link #buildExamplePlugin} builds the example.
     *
     * @param sources   its Java sources
     * @param resources its resources (the META-INF/services file)
     * @param spiJar    the allas-auth-spi jar (or its classes directory)
     * @param directory a scratch directory
     * @param jarName   the jar's file name
     * @return the plugin jar, alone in a directory of its own
     */
    public static Path buildPlugin(Path sources, Path resources, Path spiJar, Path directory, String jarName)
            throws IOException {
        Path classes = Files.createDirectories(directory.resolve("classes"));

        ToolProvider javac = ToolProvider.findFirst("javac")
                .orElseThrow(() -> new IllegalStateException("the tests need a JDK (javac), not a JRE"));
        List<String> arguments = new ArrayList<>(List.of("--release", "21", "--module-path", spiJar.toString(),
                "-d", classes.toString()));
        arguments.addAll(filesUnder(sources).stream().map(Path::toString).toList());
        int status = javac.run(System.out, System.err, arguments.toArray(String[]::new));
        if (status != 0) {
            throw new IllegalStateException("the plugin " + jarName + " did not compile (javac exit " + status + ")");
        }

        Path jar = Files.createDirectories(directory.resolve("plugins")).resolve(jarName);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            // Classes and resources, as Maven's jar holds them: the META-INF/services file is a resource.
            for (Path root : List.of(classes, resources)) {
                for (Path file : filesUnder(root)) {
                    out.putNextEntry(new JarEntry(root.relativize(file).toString().replace('\\', '/')));
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
        }
        return jar;
    }

    private static List<Path> filesUnder(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
