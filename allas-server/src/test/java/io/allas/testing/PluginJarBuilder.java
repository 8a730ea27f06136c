package io.allas.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import java.util.spi.ToolProvider;

/**
 * Builds a third party's authentication plugin at test time, from source, against nothing but
 * the SPI jar: the proof that a plugin needs no more than the README says.
 */
public final class PluginJarBuilder {

    private static final String MODULE_INFO = """
            module com.example.allas.token {
                requires io.allas.auth.spi;
                provides io.allas.auth.spi.AuthMethodProvider with com.example.allas.token.TokenAuthProvider;
            }
            """;

    private static final String PROVIDER = """
            package com.example.allas.token;

            import java.nio.charset.StandardCharsets;
            import java.security.MessageDigest;
            import java.util.Arrays;

            import io.allas.auth.spi.AuthConfig;
            import io.allas.auth.spi.AuthConfigException;
            import io.allas.auth.spi.AuthMethod;
            import io.allas.auth.spi.AuthMethodProvider;
            import io.allas.auth.spi.AuthRequest;
            import io.allas.auth.spi.AuthResult;

            /** Accepts any user whose clear-text password is the configured token. */
            public final class TokenAuthProvider implements AuthMethodProvider {
                @Override
                public String method() {
                    return "token";
                }

                @Override
                public AuthMethod configure(AuthConfig config) throws AuthConfigException {
                    config.allowOnly("token");
                    byte[] token = config.requiredValue("token").getBytes(StandardCharsets.UTF_8);
                    return exchange -> {
                        exchange.send(AuthRequest.cleartextPassword());
                        byte[] response = exchange.receive();
                        byte[] given = Arrays.copyOf(response, Math.max(0, response.length - 1));
                        return MessageDigest.isEqual(given, token)
                                ? AuthResult.success()
                                : AuthResult.passwordFailed(exchange.user(), "wrong_token");
                    };
                }
            }
            """;

    private PluginJarBuilder() {
    }

    /**
     * @param spiJar    the allas-auth-spi jar
     * @param directory a scratch directory
     * @return the plugin jar, alone in a directory of its own
     */
    public static Path buildTokenPlugin(Path spiJar, Path directory) throws IOException {
        Path sources = directory.resolve("src");
        Path classes = directory.resolve("classes");
        Path packageDirectory = sources.resolve("com/example/allas/token");
        Files.createDirectories(packageDirectory);
        Files.createDirectories(classes);
        Files.writeString(sources.resolve("module-info.java"), MODULE_INFO);
        Files.writeString(packageDirectory.resolve("TokenAuthProvider.java"), PROVIDER);

        ToolProvider javac = ToolProvider.findFirst("javac")
                .orElseThrow(() -> new IllegalStateException("the tests need a JDK (javac), not a JRE"));
        List<String> arguments = new ArrayList<>(List.of("--release", "21", "--module-path", spiJar.toString(),
                "-d", classes.toString()));
        arguments.add(sources.resolve("module-info.java").toString());
        arguments.add(packageDirectory.resolve("TokenAuthProvider.java").toString());
        int status = javac.run(System.out, System.err, arguments.toArray(String[]::new));
        if (status != 0) {
            throw new IllegalStateException("the test plugin did not compile (javac exit " + status + ")");
        }

        Path jarDirectory = Files.createDirectories(directory.resolve("plugins"));
        Path jar = jarDirectory.resolve("allas-auth-token.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
            // Both descriptors, so the jar works on the class path and on the module path.
            out.putNextEntry(new JarEntry("META-INF/services/io.allas.auth.spi.AuthMethodProvider"));
            writeLine(out, "com.example.allas.token.TokenAuthProvider");
            out.closeEntry();
        }
        return jar;
    }

    private static void writeLine(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
