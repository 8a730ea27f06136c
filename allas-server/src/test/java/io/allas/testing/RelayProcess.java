package io.allas.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * allas as an operator runs it: the packaged jar in a JVM of its own, from the build's
 * {@code target/} directory.
 */
public final class RelayProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private RelayProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** The build directory holding allas.jar and libs/. */
    public static Path buildDirectory() {
        String directory = System.getProperty("allas.build.directory");
        if (directory == null) {
            throw new IllegalStateException("system property allas.build.directory is not set: run the *IT tests with"
                    + " Maven's verify phase, which packages allas.jar first");
        }
        return Path.of(directory);
    }

    /** The project version the packaged jar was built as. */
    public static String builtVersion() {
        String version = System.getProperty("allas.build.version");
        if (version == null) {
            throw new IllegalStateException("system property allas.build.version is not set: run the *IT tests with"
                    + " Maven's verify phase");
        }
        return version;
    }

    /**
     * @return the java launcher of the JVM running the tests
     */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Starts a process.
     *
     * @param environment extra environment variables
     * @param arguments   the arguments after {@code java}
     */
    public static RelayProcess start(Map<String, String> environment, List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(arguments);
        return run(environment, command);
    }

    /** The launcher script, {@code allas-server/bin/allas}, beside the build directory. */
    public static Path launcher() {
        return buildDirectory().resolveSibling("bin").resolve("allas");
    }

    /**
     * Starts allas through its launcher script ({@code allas-server/bin/allas}), on the JDK running
     * the tests; the script finds allas.jar in the build directory beside it.
     *
     * @param environment extra environment variables
     * @param arguments   the arguments after {@code allas}
     */
    public static RelayProcess launch(Map<String, String> environment, List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(launcher().toString());
        command.addAll(arguments);
        Map<String, String> withJdk = new java.util.HashMap<>(environment);
        withJdk.put("JAVA_HOME", System.getProperty("java.home"));
        return run(withJdk, command);
    }

    /**
     * Starts any command, with the environment allas tests give it.
     */
    public static RelayProcess run(Map<String, String> environment, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("ALLAS_") && !k.startsWith("ALLAS_TEST_"));
        builder.environment().putAll(environment);
        Path log = Files.createTempFile("allas-process-", ".log");
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return new RelayProcess(builder.start(), log);
    }

    /**
     * Runs the process to its end.
     *
     * @return its exit code
     */
    public int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("allas did not exit within " + timeout + "; output:\n" + output());
        }
        return process.exitValue();
    }

    /**
     * Sends SIGTERM, as a service manager or Kubernetes does to stop allas.
     */
    public void signalTerm() {
        process.destroy();
    }

    /**
     * Sends SIGHUP, as {@code systemctl reload} does (the unit's {@code ExecReload}).
     */
    public void signalHup() {
        Exec.Result result = Exec.run(List.of("kill", "-HUP", String.valueOf(process.pid())), Path.of("."),
                Duration.ofSeconds(10));
        if (result.exitCode() != 0) {
            throw new AssertionError("kill -HUP failed: " + result.output());
        }
    }

    /**
     * @return whether the process is still running
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until the port accepts connections, failing at once if the process exits.
     */
    public void awaitListening(int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("allas exited with " + process.exitValue() + "; output:\n" + output());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("allas did not listen on port " + port + " within " + timeout
                            + "; output:\n" + output());
                }
                process.waitFor(50, TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * Waits until the process has printed {@code text}: a line is logged after the event it tells
     * of, so a port that accepts connections does not mean its log line is written yet.
     */
    public void awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!output().contains(text)) {
            if (!process.isAlive() && !output().contains(text)) {
                throw new AssertionError("allas exited with " + process.exitValue() + " without printing \"" + text
                        + "\"; output:\n" + output());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("allas did not print \"" + text + "\" within " + timeout + "; output:\n" + output());
            }
            process.waitFor(50, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * @return the command line arguments of the running JVM (the launcher script execs it)
     */
    public List<String> jvmArguments() {
        return process.info().arguments().map(List::of).orElseThrow(
                () -> new AssertionError("the arguments of process " + process.pid() + " cannot be read"));
    }

    /**
     * @return everything the process printed so far
     */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException, IOException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        Files.deleteIfExists(log);
    }
}
