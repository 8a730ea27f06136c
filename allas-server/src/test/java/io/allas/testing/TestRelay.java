package io.allas.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import io.allas.server.Allas;
import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigException;
import io.allas.server.config.ConfigLoader;

/**
 * An allas relay running in the test JVM, configured through a real allas.json written to a
 * temporary directory and loaded the way {@code Main} loads it.
 */
public final class TestRelay implements AutoCloseable {

    private final Allas allas;
    private final Path directory;
    private final UpstreamProxy tapProxy; // null unless the builder was asked to tap
    private final UpstreamListenTap tap;
    /** Null when the test named the upstream itself. */
    private final String upstreamApplicationName;
    private static final AtomicInteger RELAYS = new AtomicInteger();

    private TestRelay(Allas allas, Path directory, UpstreamProxy tapProxy, UpstreamListenTap tap,
                      String upstreamApplicationName) {
        this.upstreamApplicationName = upstreamApplicationName;
        this.allas = allas;
        this.directory = directory;
        this.tapProxy = tapProxy;
        this.tap = tap;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Allas allas() {
        return allas;
    }

    /**
     * @return the channels the relay's upstream connection listens on now, as the server confirmed
     *         them ({@link Builder#tapUpstream()})
     */
    public Set<String> upstreamChannels() {
        return requireTap().channels();
    }

    /**
     * Waits until the upstream channels satisfy {@code condition}: a channel let go is let go
     * upstream after the client has had its answer.
     */
    public Set<String> awaitUpstreamChannels(Predicate<Set<String>> condition, String what) {
        try {
            return requireTap().await(condition, Duration.ofSeconds(30), what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until the relay serves clients (its upstream connection is up).
     *
     * @return whether it does before the time is up
     */
    public boolean awaitReady(Duration timeout) {
        return awaitReady(allas, timeout);
    }

    private static boolean awaitReady(Allas allas, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!allas.isReady()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(10_000_000);
        }
        return true;
    }

    private UpstreamListenTap requireTap() {
        if (tap == null) {
            throw new IllegalStateException("the relay's upstream is not tapped: build it with tapUpstream()");
        }
        return tap;
    }

    /**
     * @return the application_name of this relay's upstream connection (its publisher's and catalog
     *         connection's add " notify" and " catalog"), for ending it and no other relay's
     */
    public String upstreamApplicationName() {
        if (upstreamApplicationName == null) {
            throw new IllegalStateException("the test named the upstream itself (Builder.connect)");
        }
        return upstreamApplicationName;
    }

    public int port() {
        return allas.port();
    }

    public int httpPort() {
        return allas.httpPort();
    }

    public Path directory() {
        return directory;
    }

    /**
     * @return the allas.json the relay was started from, and reloads from
     */
    public Path configFile() {
        return directory.resolve("allas.json");
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    /**
     * Connects with pgjdbc.
     *
     * @param database the database
     * @param user     the user
     * @param password the password, or null
     * @param extra    further pgjdbc properties as key, value, key, value ...
     */
    public Connection connect(String database, String user, String password, String... extra) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("socketTimeout", "30");
        for (int i = 0; i + 1 < extra.length; i += 2) {
            properties.setProperty(extra[i], extra[i + 1]);
        }
        return DriverManager.getConnection(jdbcUrl(database), properties);
    }

    @Override
    public void close() {
        allas.close();
        if (tapProxy != null) {
            try {
                tapProxy.close();
            } catch (IOException e) {
                // Closing sockets that are gone already.
            }
        }
        TempFiles.deleteRecursively(directory);
    }

    /**
     * Builds the configuration file. Databases, startup parameters and sections are added as
     * JSON text so that tests can also write what the original allas accepted verbatim.
     */
    public static final class Builder {
        private final List<String> databases = new ArrayList<>();
        private final Map<String, String> startupParameters = new LinkedHashMap<>();
        private String listen = "{\"host\": \"127.0.0.1\", \"port\": 0}";
        private String prometheus;
        private String extraSections = "";
        private Path pluginDirectory;
        private boolean defaultConnect = true;
        /** This relay's own, so that a test can end its upstream backends and no other relay's. */
        private String upstreamApplicationName = "allas_test_" + RELAYS.incrementAndGet();
        private boolean waitForUpstream = true;
        private boolean tapUpstream;
        private UpstreamListenTap tap;
        private UpstreamProxy tapProxy;

        private Builder() {
        }

        public Builder trust(String database) {
            databases.add("{\"name\": " + Json.quote(database) + ", \"auth\": {\"method\": \"trust\"}}");
            return this;
        }

        public Builder md5(String database, String user, String password) {
            return database(database, "md5", Map.of("user", user, "password", password));
        }

        public Builder database(String database, String method, Map<String, String> authOptions) {
            StringBuilder auth = new StringBuilder("{\"method\": " + Json.quote(method));
            authOptions.forEach((k, v) -> auth.append(", ").append(Json.quote(k)).append(": ").append(Json.quote(v)));
            databases.add("{\"name\": " + Json.quote(database) + ", \"auth\": " + auth + "}}");
            return this;
        }

        /**
         * @param json a whole {@code databases} entry, for the keys the other methods do not write
         *             ({@code connect}, {@code channels}, {@code channel_prefix} ...)
         */
        public Builder databaseJson(String json) {
            databases.add(json);
            return this;
        }

        public Builder startupParameter(String name, String value) {
            startupParameters.put(name, value);
            return this;
        }

        /**
         * @param member the whole {@code "listen": {...},} member, with its trailing comma and newline
         */
        public Builder listenSection(String member) {
            String trimmed = member.strip();
            listen = trimmed.substring(trimmed.indexOf(':') + 1, trimmed.lastIndexOf(',')).strip();
            return this;
        }

        public Builder listenOnUnixSocket(Path socket) {
            listen = "{\"host\": " + Json.quote(socket.toString()) + "}";
            return this;
        }

        public Builder prometheus() {
            prometheus = "{\"listen\": {\"host\": \"127.0.0.1\", \"port\": 0}}";
            return this;
        }

        /**
         * Reaches the test server through a proxy that watches the LISTEN and UNLISTEN statements
         * the relay sends ({@link TestRelay#upstreamChannels()}).
         */
        public Builder tapUpstream() {
            tapUpstream = true;
            return this;
        }

        public Builder pluginDirectory(Path directory) {
            pluginDirectory = directory;
            return this;
        }

        /**
         * @param jsonMembers further top-level members, each followed by a comma, as {@code "key": value,\n}
         */
        public Builder extraSections(String jsonMembers) {
            extraSections = extraSections + jsonMembers;
            return this;
        }

        /**
         * @return the allas.json text
         */
        public String json() {
            StringBuilder json = new StringBuilder("{\n  \"listen\": " + listen + ",\n");
            if (defaultConnect) {
                json.append("  \"connect\": ").append(Json.quote(TestPostgres.shared().libpqConnectString()
                        + " application_name=" + upstreamApplicationName)).append(",\n");
            }
            if (tapProxy != null) {
                json.append("  \"connect\": ").append(Json.quote(tapProxy.connectString(TestPostgres.shared()))).append(",\n");
            }
            json.append("  \"startup_parameters\": {");
            List<String> parameters = new ArrayList<>();
            startupParameters.forEach((k, v) -> parameters.add(Json.quote(k) + ": " + Json.quote(v)));
            json.append(String.join(", ", parameters)).append("},\n");
            if (prometheus != null) {
                json.append("  \"prometheus\": ").append(prometheus).append(",\n");
            }
            if (pluginDirectory != null) {
                json.append("  \"plugin_directory\": ").append(Json.quote(pluginDirectory.toString())).append(",\n");
            }
            json.append(extraSections);
            json.append("  \"databases\": [").append(String.join(", ", databases)).append("]\n}\n");
            return json.toString();
        }

        /**
         * Starts with the {@code connect} given in {@link #extraSections} instead of the test server's.
         */
        public TestRelay startWithoutDefaultConnect() {
            defaultConnect = false;
            return start();
        }

        /**
         * @param connect the upstream connection string to use instead of the test server's
         */
        /**
         * The same upstream connection string as a running relay's: a configuration written for
         * its reload changes no upstream.
         */
        public Builder sameUpstreamAs(TestRelay running) {
            upstreamApplicationName = running.upstreamApplicationName();
            return this;
        }

        public Builder connect(String connect) {
            defaultConnect = false;
            extraSections = extraSections + "  \"connect\": " + Json.quote(connect) + ",\n";
            return this;
        }

        /**
         * Starts without waiting for the upstream connection, as when the server is down.
         */
        public TestRelay startWithoutWaiting() {
            waitForUpstream = false;
            return start();
        }

        public TestRelay start() {
            if (tapUpstream) {
                if (!defaultConnect) {
                    throw new IllegalStateException("tapUpstream() taps the test server, not a connect of the test's own");
                }
                TestPostgres postgres = TestPostgres.shared();
                tap = new UpstreamListenTap();
                try {
                    tapProxy = new UpstreamProxy(postgres.host(), postgres.port(), tap);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                defaultConnect = false;
            }
            Path directory;
            try {
                directory = Files.createTempDirectory("allas-relay-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path file = directory.resolve("allas.json");
            try {
                Files.writeString(file, json());
                AllasConfig config = ConfigLoader.load(file, Map.of(), new ArrayList<>());
                Allas allas = Allas.start(config, directory.resolve("no-plugins"));
                allas.reloadFrom(file, Map.of());
                if (waitForUpstream && !awaitReady(allas, Duration.ofSeconds(30))) {
                    allas.close();
                    throw new IllegalStateException("the relay did not connect to " + TestPostgres.shared().description());
                }
                return new TestRelay(allas, directory, tapProxy, tap, defaultConnect ? upstreamApplicationName : null);
            } catch (IOException e) {
                closeTap();
                throw new UncheckedIOException(e);
            } catch (ConfigException e) {
                closeTap();
                throw new IllegalStateException("test relay configuration rejected: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                closeTap();
                throw e;
            }
        }

        private void closeTap() {
            if (tapProxy != null) {
                try {
                    tapProxy.close();
                } catch (IOException e) {
                    // Closing sockets that are gone already.
                }
            }
        }
    }
}
