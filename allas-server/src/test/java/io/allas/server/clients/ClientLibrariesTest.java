package io.allas.server.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.allas.testing.CapturedLog;
import io.allas.testing.JdbcListener;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

/**
 * The client libraries people use to LISTEN work through allas unchanged: each library's own
 * program (under {@code src/test/clients}, see the README there) connects to the relay the
 * library's usual way, checks the connection with {@code SELECT 1}, LISTENs through the library's
 * LISTEN API, and prints the notifications a direct PostgreSQL connection then sends.
 *
 * <p>The frameworks among them (SQLAlchemy, Django, ActiveRecord) also broadcast through the relay
 * with their own notifier programs.
 *
 * <p>A library that is not installed fails its test with the package to install: it never skips.
 */
class ClientLibrariesTest {

    private static final Path CLIENTS = Path.of("src", "test", "clients").toAbsolutePath();
    private static final Path BUILD = Path.of(System.getProperty("allas.build.directory", "target")).toAbsolutePath();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration NOTIFICATION_TIMEOUT = Duration.ofSeconds(30);
    private static final String USER = "app";
    private static final String PASSWORD = "s3cret";
    private static final List<String> PAYLOADS = List.of(
            "plain", "ünïcødé ✓ 通知", "with | a pipe", "", "x".repeat(2000), "last");

    /** The keep relay's own application_name upstream, so that its backend alone is terminated. */
    private static final String KEEP_RELAY_APPLICATION = "allas_keep";

    private static TestRelay trustRelay;
    private static TestRelay md5Relay;
    /** upstream.on_loss keep: clients stay through a loss and hear of the gap. */
    private static TestRelay keepRelay;
    private static Connection producer;
    private static int producerPid;

    /** How to run one library's listener, and how to tell a user what is missing. */
    private enum Library {
        PSYCOPG2("psycopg2", "python3-psycopg2", true),
        PSYCOPG3("psycopg3", "python3-psycopg", true),
        ASYNCPG("asyncpg", "python3-asyncpg", true),
        // A pool's release runs asyncpg's reset query; the connection must come back usable.
        ASYNCPG_POOL("asyncpg pool", "python3-asyncpg", true),
        RUBY_PG("ruby-pg", "ruby-pg", true),
        DBD_PG("dbd-pg", "libdbd-pg-perl", true),
        NODE_POSTGRES("node-postgres", "nodejs and npm (then npm ci in src/test/clients/node)", true),
        // postgres.js hands its listener the payload only, not the notifying backend's PID.
        POSTGRES_JS("postgres.js", "nodejs and npm (then npm ci in src/test/clients/node)", false),
        GO_PQ("lib/pq", "golang-go and golang-github-lib-pq-dev", true),
        GO_PGX("pgx v4", "golang-go and golang-github-jackc-pgx-v4-dev", true),
        // Frameworks: each LISTENs through its own connection handling, and broadcasts (notifier()).
        SQLALCHEMY("SQLAlchemy", "python3-sqlalchemy", true),
        DJANGO("Django", "python3-django", true),
        ACTIVERECORD("ActiveRecord", "ruby-activerecord", true);

        final String label;
        final String packages;
        final boolean reportsPid;

        Library(String label, String packages, boolean reportsPid) {
            this.label = label;
            this.packages = packages;
            this.reportsPid = reportsPid;
        }

        @Override
        public String toString() {
            return label;
        }

        /** A channel name that needs quoting: mixed case and non-ASCII. */
        String channel() {
            return "Clients_" + name().toLowerCase(java.util.Locale.ROOT) + "_ü";
        }

        /** Checks the library is installed (building it where needed) and returns the command that runs it. */
        List<String> command() {
            return switch (this) {
                case PSYCOPG2 -> python("psycopg2", "psycopg2/listen.py");
                case PSYCOPG3 -> python("psycopg", "psycopg3/listen.py");
                case ASYNCPG -> python("asyncpg", "asyncpg/listen.py");
                case ASYNCPG_POOL -> python("asyncpg", "asyncpg/pool_listen.py");
                case RUBY_PG -> ruby("pg", "ruby-pg/listen.rb");
                case DBD_PG -> {
                    require(List.of("perl", "-MDBD::Pg", "-e", "1"), "perl with DBD::Pg");
                    yield List.of("perl", CLIENTS.resolve("dbd-pg/listen.pl").toString());
                }
                case NODE_POSTGRES -> List.of(node(), CLIENTS.resolve("node/node-postgres.js").toString());
                case POSTGRES_JS -> List.of(node(), CLIENTS.resolve("node/postgres-js.js").toString());
                case GO_PQ -> List.of(goBuild("go-pq", "github.com/lib/pq"));
                case GO_PGX -> List.of(goBuild("go-pgx", "github.com/jackc/pgx/v4"));
                case SQLALCHEMY -> python("sqlalchemy", "sqlalchemy/listen.py");
                case DJANGO -> python("django", "django/listen.py");
                case ACTIVERECORD -> ruby("active_record", "activerecord/listen.rb");
            };
        }

        /**
         * The framework's notifier program (see the README beside the programs), for the
         * frameworks that broadcast through NOTIFY on their pooled connections.
         */
        List<String> notifier() {
            return switch (this) {
                case SQLALCHEMY -> python("sqlalchemy", "sqlalchemy/notify.py");
                case DJANGO -> python("django", "django/notify.py");
                case ACTIVERECORD -> ruby("active_record", "activerecord/notify.rb");
                default -> throw new IllegalArgumentException(label + " has no notifier");
            };
        }

        private List<String> ruby(String gem, String script) {
            require(List.of("ruby", "-e", "require '" + gem + "'"), "ruby with " + gem);
            return List.of("ruby", CLIENTS.resolve(script).toString());
        }

        private List<String> python(String module, String script) {
            // Debian's packages install into the system interpreter, whatever python3 comes first on PATH.
            require(List.of("/usr/bin/python3", "-c", "import " + module), "/usr/bin/python3 with " + module);
            return List.of("/usr/bin/python3", CLIENTS.resolve(script).toString());
        }

        private String node() {
            require(List.of("node", "--version"), "node");
            Path dir = CLIENTS.resolve("node");
            synchronized (Library.class) {
                Path installed = dir.resolve("node_modules/.package-lock.json");
                try {
                    if (!Files.exists(installed)
                            || Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(dir.resolve("package-lock.json"))) < 0) {
                        run(List.of("npm", "ci", "--no-audit", "--no-fund"), dir, Map.of(), Duration.ofMinutes(5), "npm ci");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return "node";
        }

        private String goBuild(String directory, String importPath) {
            Path gopath = Path.of("/usr/share/gocode");
            require(List.of("go", "version"), "go");
            if (!Files.isDirectory(gopath.resolve("src").resolve(importPath))) {
                fail(label + " is not installed (no " + gopath.resolve("src").resolve(importPath)
                        + "): apt-get install " + packages);
            }
            Path binary = BUILD.resolve("client-bin").resolve(directory);
            synchronized (Library.class) {
                // GOPATH mode against Debian's Go source packages: no module proxy needed.
                run(List.of("go", "build", "-o", binary.toString(), "listen.go"), CLIENTS.resolve(directory),
                        Map.of("GO111MODULE", "off", "GOPATH", gopath.toString(), "GOFLAGS", "",
                                "GOCACHE", BUILD.resolve("go-cache").toString()),
                        Duration.ofMinutes(5), "building the " + label + " listener");
            }
            return binary.toString();
        }

        private void require(List<String> probe, String what) {
            String output;
            int exit;
            try {
                Process process = new ProcessBuilder(probe).redirectErrorStream(true).start();
                process.getOutputStream().close();
                output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    fail(what + " did not answer within 60 s: " + String.join(" ", probe));
                }
                exit = process.exitValue();
            } catch (IOException e) {
                output = e.getMessage();
                exit = -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (exit != 0) {
                fail(label + " is not installed (" + what + " not found: " + output.strip() + "): apt-get install " + packages);
            }
        }

        private static void run(List<String> command, Path dir, Map<String, String> env, Duration timeout, String what) {
            try {
                Path log = Files.createTempFile("allas-client-build-", ".log");
                try {
                    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                            .redirectErrorStream(true).redirectOutput(log.toFile());
                    builder.environment().putAll(env);
                    Process process = builder.start();
                    process.getOutputStream().close();
                    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        process.descendants().forEach(ProcessHandle::destroyForcibly);
                        process.destroyForcibly();
                        fail(what + " did not finish within " + timeout + ": " + Files.readString(log));
                    }
                    if (process.exitValue() != 0) {
                        fail(what + " failed (exit " + process.exitValue() + "): " + String.join(" ", command)
                                + "\n" + Files.readString(log));
                    }
                } finally {
                    Files.deleteIfExists(log);
                }
            } catch (IOException e) {
                fail(what + ": cannot run " + String.join(" ", command) + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @BeforeAll
    static void start() throws SQLException {
        trustRelay = TestRelay.builder().trust("app").start();
        md5Relay = TestRelay.builder().md5("app", USER, PASSWORD).start();
        keepRelay = TestRelay.builder().trust("app")
                .connect(TestPostgres.shared().libpqConnectString() + " application_name=" + KEEP_RELAY_APPLICATION)
                .extraSections("  \"upstream\": {\"on_loss\": \"keep\"},\n").start();
        producer = TestPostgres.shared().connect();
        producerPid = producer.unwrap(PGConnection.class).getBackendPID();
    }

    @AfterAll
    static void stop() throws SQLException {
        if (producer != null) {
            producer.close();
        }
        if (trustRelay != null) {
            trustRelay.close();
        }
        if (md5Relay != null) {
            md5Relay.close();
        }
        if (keepRelay != null) {
            keepRelay.close();
        }
    }

    static Stream<Arguments> libraries() {
        List<Arguments> cases = new ArrayList<>();
        for (Library library : Library.values()) {
            cases.add(Arguments.of(library, "trust"));
            cases.add(Arguments.of(library, "md5"));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("libraries")
    void receivesEveryNotificationInOrder(Library library, String auth) throws Exception {
        List<String> command = new ArrayList<>(library.command());
        TestRelay relay = auth.equals("md5") ? md5Relay : trustRelay;
        String channel = library.channel();
        command.addAll(List.of("127.0.0.1", String.valueOf(relay.port()), USER, "app",
                auth.equals("md5") ? PASSWORD : "", channel, String.valueOf(PAYLOADS.size()),
                String.valueOf(READY_TIMEOUT.plus(NOTIFICATION_TIMEOUT).toSeconds())));
        try (Listener listener = new Listener(command)) {
            listener.awaitLine("READY", READY_TIMEOUT);
            // Not listened to: must not reach the client.
            notify(channel + "_other", "not listened to");
            for (String payload : PAYLOADS) {
                notify(channel, payload);
            }
            List<String> expected = new ArrayList<>();
            for (String payload : PAYLOADS) {
                expected.add(channel + "|" + (library.reportsPid ? producerPid : "-") + "|" + payload);
            }
            List<String> received = new ArrayList<>();
            long deadline = System.nanoTime() + NOTIFICATION_TIMEOUT.toNanos();
            while (received.size() < expected.size()) {
                String line = listener.next(deadline);
                if (line == null) {
                    fail(library.label + " received " + received.size() + " of " + expected.size()
                            + " notifications within " + NOTIFICATION_TIMEOUT + ": " + received + listener.diagnostics());
                }
                received.add(line);
            }
            assertEquals(expected, received, library.label + ": channel|pid|payload of each notification, in order"
                    + listener.diagnostics());
            int exit = listener.awaitExit(Duration.ofSeconds(30));
            assertEquals(0, exit, library.label + " exit status" + listener.diagnostics());
        }
    }

    /**
     * The gap notification reaches each library through the API it uses for every notification:
     * the program listens on a channel and on {@code allas_gap}, the relay's upstream backend is
     * terminated, and the program, on its first and only connection, prints the gap notification
     * and then a notification committed after it.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Library.class)
    void hearsOfAGapOnTheGapChannelAndReceivesWhatFollowsOnTheSameConnection(Library library) throws Exception {
        String channel = library.channel() + "_gap";
        List<String> command = new ArrayList<>(library.command());
        command.addAll(List.of("127.0.0.1", String.valueOf(keepRelay.port()), USER, "app", "", channel, "3",
                String.valueOf(READY_TIMEOUT.plus(NOTIFICATION_TIMEOUT).toSeconds()), "allas_gap"));
        try (Listener listener = new Listener(command)) {
            listener.awaitLine("READY", READY_TIMEOUT);
            String pid = library.reportsPid ? String.valueOf(producerPid) : "-";
            notify(channel, "before");
            assertEquals(channel + "|" + pid + "|before", listener.nextLine(NOTIFICATION_TIMEOUT, library.label));

            assertEquals(1, TestPostgres.shared().terminateBackends(KEEP_RELAY_APPLICATION));

            String gap = listener.nextLine(NOTIFICATION_TIMEOUT, library.label);
            String gapPrefix = "allas_gap|" + (library.reportsPid ? "0" : "-") + "|";
            assertTrue(gap.startsWith(gapPrefix + "{"), library.label + ": channel|pid|payload of the gap notification: " + gap
                    + listener.diagnostics());
            Config payload = ConfigFactory.parseString(gap.substring(gapPrefix.length()));
            assertEquals("upstream_lost", payload.getString("reason"), gap);
            assertEquals(List.of(channel), payload.getStringList("channels"), gap);
            notify(channel, "after");
            assertEquals(channel + "|" + pid + "|after", listener.nextLine(NOTIFICATION_TIMEOUT, library.label));
            assertEquals(0, listener.awaitExit(Duration.ofSeconds(30)), library.label + " exit status" + listener.diagnostics());
        }
    }

    /**
     * A framework broadcasts through NOTIFY on its pooled connections, end to end through allas:
     * its notifier program sends each payload through the relay (NOTIFY in autocommit and
     * pg_notify() in a transaction, on connections borrowed from its pool), and the same
     * framework's listener, connected to the relay too, receives each in order with the process
     * ID of the pooled connection that sent it, as the notifier saw it from pg_backend_pid().
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Library.class, names = {"SQLALCHEMY", "DJANGO", "ACTIVERECORD"})
    void frameworkBroadcastsThroughTheRelayToItsOwnListener(Library library) throws Exception {
        String channel = library.channel() + "_broadcast";
        List<String> payloads = List.of("first", "it's ünïcødé ✓", "with \\ a backslash", "y".repeat(1000), "last");
        List<String> listen = new ArrayList<>(library.command());
        listen.addAll(List.of("127.0.0.1", String.valueOf(trustRelay.port()), USER, "app", "", channel,
                String.valueOf(payloads.size()), String.valueOf(READY_TIMEOUT.plus(NOTIFICATION_TIMEOUT).toSeconds())));
        List<String> notify = new ArrayList<>(library.notifier());
        notify.addAll(List.of("127.0.0.1", String.valueOf(trustRelay.port()), USER, "app", "", channel));
        notify.addAll(payloads);
        try (CapturedLog log = CapturedLog.start(); Listener listener = new Listener(listen)) {
            listener.awaitLine("READY", READY_TIMEOUT);
            List<String> senderPids = new ArrayList<>();
            try (Listener notifier = new Listener(notify)) {
                for (int i = 0; i < payloads.size(); i++) {
                    senderPids.add(notifier.nextLine(NOTIFICATION_TIMEOUT, library.label + " notifier"));
                }
                assertEquals(0, notifier.awaitExit(Duration.ofSeconds(30)), library.label + " notifier exit status"
                        + notifier.diagnostics());
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < payloads.size(); i++) {
                expected.add(channel + "|" + senderPids.get(i) + "|" + payloads.get(i));
            }
            List<String> received = new ArrayList<>();
            for (int i = 0; i < payloads.size(); i++) {
                received.add(listener.nextLine(NOTIFICATION_TIMEOUT, library.label));
            }
            assertEquals(expected, received, library.label + ": channel|pid|payload of each notification, in order"
                    + listener.diagnostics());
            assertEquals(0, listener.awaitExit(Duration.ofSeconds(30)), library.label + " exit status" + listener.diagnostics());
            // What the framework asked at connect, borrow, return and in between was all answered.
            assertEquals(List.of(), log.linesWith("refused"), library.label + ": statements the relay refused");
        }
    }

    /** The same for pgjdbc, whose getNotifications delivers the gap notification with every other. */
    @Test
    void pgjdbcHearsOfAGapOnTheGapChannelAndReceivesWhatFollowsOnTheSameConnection() throws Exception {
        try (JdbcListener listener = new JdbcListener(keepRelay.connect("app", USER, null))) {
            listener.execute("LISTEN pgjdbc_gap", "LISTEN allas_gap");
            notify("pgjdbc_gap", "before");
            assertEquals("before", listener.await(1, NOTIFICATION_TIMEOUT).getFirst().getParameter());

            assertEquals(1, TestPostgres.shared().terminateBackends(KEEP_RELAY_APPLICATION));

            PGNotification gap = listener.await(2, NOTIFICATION_TIMEOUT).get(1);
            assertEquals("allas_gap", gap.getName());
            assertEquals(0, gap.getPID());
            assertEquals(List.of("pgjdbc_gap"), ConfigFactory.parseString(gap.getParameter()).getStringList("channels"));
            notify("pgjdbc_gap", "after");
            assertEquals("after", listener.await(3, NOTIFICATION_TIMEOUT).get(2).getParameter());
        }
    }

    private static void notify(String channel, String payload) throws SQLException {
        try (var statement = producer.prepareStatement("SELECT pg_notify(?, ?)")) {
            statement.setString(1, channel);
            statement.setString(2, payload);
            statement.execute();
        }
    }

    /** A running listener program: its stdout lines as they come, its stderr kept for failure messages. */
    private static final class Listener implements AutoCloseable {
        private static final String EOF = new String("<end of output>");

        private final List<String> command;
        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuffer stdout = new StringBuffer();
        private final StringBuffer stderr = new StringBuffer();

        Listener(List<String> command) throws IOException {
            this.command = command;
            ProcessBuilder builder = new ProcessBuilder(command);
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(k -> k.startsWith("PG"));
            env.put("LC_ALL", "C.UTF-8");
            env.put("LANG", "C.UTF-8");
            env.put("PYTHONIOENCODING", "utf-8");
            env.put("PYTHONUNBUFFERED", "1");
            process = builder.start();
            process.getOutputStream().close();
            reader(process.getInputStream(), line -> {
                stdout.append(line).append('\n');
                lines.add(line);
            }, () -> lines.add(EOF));
            reader(process.getErrorStream(), line -> stderr.append(line).append('\n'), () -> { });
        }

        private static void reader(InputStream in, java.util.function.Consumer<String> onLine, Runnable onEnd) {
            Thread.ofVirtual().start(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        onLine.accept(line);
                    }
                } catch (IOException e) {
                    onLine.accept("<read error: " + e.getMessage() + ">");
                } finally {
                    onEnd.run();
                }
            });
        }

        /** @return the next line, or null at the end of output or the deadline */
        String next(long deadlineNanos) throws InterruptedException {
            String line = lines.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == EOF) {
                lines.add(EOF);
                return null;
            }
            return line;
        }

        /** @return the next line; fails when none comes within the time */
        String nextLine(Duration timeout, String label) throws InterruptedException {
            String line = next(System.nanoTime() + timeout.toNanos());
            if (line == null) {
                fail(label + " printed no further line within " + timeout + diagnostics());
            }
            return line;
        }

        void awaitLine(String expected, Duration timeout) throws InterruptedException {
            String line = next(System.nanoTime() + timeout.toNanos());
            assertEquals(expected, line, "first line of " + String.join(" ", command) + diagnostics());
        }

        int awaitExit(Duration timeout) throws InterruptedException {
            assertTrue(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS),
                    "still running after " + timeout + diagnostics());
            return process.exitValue();
        }

        String diagnostics() {
            String exit = process.isAlive() ? "running" : "exit " + process.exitValue();
            return "\n--- " + String.join(" ", command) + " (" + exit + ")\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
