package io.allas.server.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.postgresql.api.Notification;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.postgresql.api.PostgresqlResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import io.allas.testing.CapturedLog;
import io.allas.testing.JdbcListener;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

/**
 * The JVM's pool and reactive driver, at their default settings, through allas: HikariCP over
 * pgjdbc (the pool Spring Boot uses) and r2dbc-postgresql (Spring Data R2DBC's driver). Each
 * connects, LISTENs, receives what a direct PostgreSQL session notifies, and NOTIFYs through the
 * relay; nothing they send at connect, borrow or return is refused.
 */
class JvmFrameworksTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String USER = "app";

    private static TestRelay relay;
    /** The relay's log during the test under way. */
    private CapturedLog log;
    private static Connection producer;
    private static int producerPid;

    @BeforeAll
    static void start() throws SQLException {
        relay = TestRelay.builder().trust("app").start();
        producer = TestPostgres.shared().connect();
        producerPid = producer.unwrap(PGConnection.class).getBackendPID();
    }

    @AfterAll
    static void stop() throws SQLException {
        if (producer != null) {
            producer.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    @BeforeEach
    void captureLog() {
        log = CapturedLog.start();
    }

    @AfterEach
    void closeLog() {
        log.close();
    }

    /** HikariCP's pool at its defaults: only the URL and the user are given. */
    private static HikariDataSource pool(String name) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(relay.jdbcUrl("app"));
        config.setUsername(USER);
        return new HikariDataSource(config);
    }

    @Test
    void hikariPoolStartsAndABorrowedConnectionListensAndReceives() throws Exception {
        try (HikariDataSource pool = pool("hikari-listen"); Connection borrowed = pool.getConnection()) {
            // What HikariCP and pgjdbc asked at start (the default isolation level, validation) was answered.
            assertEquals(Connection.TRANSACTION_READ_COMMITTED, borrowed.getTransactionIsolation());
            assertTrue(borrowed.isValid(5));
            JdbcListener listener = new JdbcListener(borrowed);
            listener.execute("LISTEN hikari_listen");
            notifyDirectly("hikari_listen", "one");
            notifyDirectly("hikari_listen", "two");
            List<PGNotification> received = listener.await(2, TIMEOUT);
            assertEquals(List.of("hikari_listen|" + producerPid + "|one", "hikari_listen|" + producerPid + "|two"),
                    describe(received));
        }
        assertNothingRefused();
    }

    /**
     * A connection that changed what HikariCP tracks (auto-commit, read-only, isolation) is
     * reset when returned, and the next borrower gets it back usable and in the defaults.
     */
    @Test
    void hikariResetsAReturnedConnectionAndLendsItAgain() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setPoolName("hikari-reset");
        config.setJdbcUrl(relay.jdbcUrl("app"));
        config.setUsername(USER);
        // One connection, so that the second borrow gets the first one back (a pool size, not a
        // setting that makes anything work).
        config.setMaximumPoolSize(1);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            int firstPid;
            try (Connection first = pool.getConnection()) {
                firstPid = first.unwrap(PGConnection.class).getBackendPID();
                first.setAutoCommit(false);
                first.setReadOnly(true);
                first.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
                try (Statement statement = first.createStatement()) {
                    statement.execute("LISTEN hikari_reset");
                }
                first.commit();
            }
            try (Connection second = pool.getConnection()) {
                assertEquals(firstPid, second.unwrap(PGConnection.class).getBackendPID(), "the same connection");
                assertTrue(second.getAutoCommit());
                assertEquals(Connection.TRANSACTION_READ_COMMITTED, second.getTransactionIsolation());
                assertEquals("read committed", show(second, "SHOW TRANSACTION ISOLATION LEVEL"));
                // Still listening: HikariCP resets what it tracks, not the session's LISTENs.
                JdbcListener listener = new JdbcListener(second);
                notifyDirectly("hikari_reset", "after return");
                assertEquals(List.of("hikari_reset|" + producerPid + "|after return"), describe(listener.await(1, TIMEOUT)));
            }
        }
        assertNothingRefused();
    }

    @Test
    void hikariPooledConnectionNotifiesThroughTheRelay() throws Exception {
        try (HikariDataSource pool = pool("hikari-notify");
                Connection listening = pool.getConnection();
                Connection notifying = pool.getConnection()) {
            JdbcListener listener = new JdbcListener(listening);
            listener.execute("LISTEN hikari_notify");
            int notifierPid = notifying.unwrap(PGConnection.class).getBackendPID();
            try (Statement statement = notifying.createStatement()) {
                statement.execute("NOTIFY hikari_notify, 'simple'");
            }
            try (var statement = notifying.prepareStatement("SELECT pg_notify(?, ?)")) {
                statement.setString(1, "hikari_notify");
                statement.setString(2, "bound");
                statement.execute();
            }
            assertEquals(List.of("hikari_notify|" + notifierPid + "|simple", "hikari_notify|" + notifierPid + "|bound"),
                    describe(listener.await(2, TIMEOUT)));
        }
        assertNothingRefused();
    }

    /**
     * pgjdbc looks up a type it does not know (a result column of type regtype, here) with
     * {@code n.nspname = ANY(current_schemas(true))} over pg_type and pg_namespace: through a
     * borrowed connection this is answered as a direct session answers it, current_schemas()
     * being the client's (its search_path), not allas's catalog connection's.
     */
    @Test
    void pgjdbcTypeLookupsWithCurrentSchemasAnswerForTheClient() throws Exception {
        String typeQuery = "SELECT t.oid::regtype AS type FROM pg_catalog.pg_type t WHERE t.typname = 'int4'";
        String schemasQuery = "SELECT n.nspname, n.nspname = ANY(current_schemas(true)) AS implicit,"
                + " n.nspname = ANY(pg_catalog.current_schemas(false)) AS explicit FROM pg_catalog.pg_namespace n"
                + " WHERE n.nspname IN ('pg_catalog', 'public', 'information_schema') ORDER BY 1";
        // The call's own column: its name and type as PostgreSQL gives them.
        String namedQuery = "SELECT current_schemas(true), n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname = 'public'";
        try (HikariDataSource pool = pool("hikari-types"); Connection relayed = pool.getConnection();
                Connection direct = TestPostgres.shared().connect()) {
            for (Connection connection : List.of(relayed, direct)) {
                try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(typeQuery)) {
                    assertEquals("regtype", rs.getMetaData().getColumnTypeName(1));
                    assertTrue(rs.next());
                    assertEquals("integer", String.valueOf(rs.getObject(1)));
                }
            }
            for (String searchPath : List.of("\"$user\", public", "pg_catalog, information_schema", "")) {
                for (Connection connection : List.of(relayed, direct)) {
                    try (Statement statement = connection.createStatement()) {
                        statement.execute("SET search_path = '" + searchPath.replace("'", "''") + "'");
                    }
                }
                for (String sql : List.of(schemasQuery, namedQuery)) {
                    for (int run = 0; run < 6; run++) { // pgjdbc prepares it server-side from the fifth run on
                        assertEquals(rows(direct, sql), rows(relayed, sql), sql + " with search_path " + searchPath);
                    }
                }
            }
        }
        assertNothingRefused();
    }

    private static String rows(Connection connection, String sql) throws SQLException {
        StringBuilder text = new StringBuilder();
        try (var statement = connection.prepareStatement(sql); ResultSet rs = statement.executeQuery()) {
            var meta = rs.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                text.append(meta.getColumnLabel(i)).append(':').append(meta.getColumnTypeName(i)).append(' ');
            }
            while (rs.next()) {
                text.append('|');
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    text.append(rs.getString(i)).append('|');
                }
            }
        }
        return text.toString();
    }

    private static PostgresqlConnectionFactory r2dbc() {
        return new PostgresqlConnectionFactory(PostgresqlConnectionConfiguration.builder()
                .host("127.0.0.1").port(relay.port()).username(USER).database("app").build());
    }

    @Test
    void r2dbcConnectsListensAndReceivesNotifications() throws Exception {
        PostgresqlConnection connection = r2dbc().create().block(TIMEOUT);
        try {
            run(connection, "LISTEN r2dbc_listen");
            Mono<List<Notification>> received = connection.getNotifications().take(2).collectList().cache();
            received.subscribe();
            notifyDirectly("r2dbc_listen", "one");
            notifyDirectly("r2dbc_listen", "two");
            List<String> lines = new ArrayList<>();
            for (Notification n : received.block(TIMEOUT)) {
                lines.add(n.getName() + "|" + n.getProcessId() + "|" + n.getParameter());
            }
            assertEquals(List.of("r2dbc_listen|" + producerPid + "|one", "r2dbc_listen|" + producerPid + "|two"), lines);
        } finally {
            connection.close().block(TIMEOUT);
        }
        assertNothingRefused();
    }

    @Test
    void r2dbcNotifiesThroughTheRelay() throws Exception {
        try (JdbcListener listener = new JdbcListener(relay.connect("app", USER, null))) {
            listener.execute("LISTEN r2dbc_notify");
            PostgresqlConnection connection = r2dbc().create().block(TIMEOUT);
            int notifierPid;
            try {
                notifierPid = Flux.from(connection.createStatement("SELECT pg_backend_pid()").execute())
                        .flatMap(result -> result.map((row, meta) -> row.get(0, Integer.class))).blockFirst(TIMEOUT);
                run(connection, "NOTIFY r2dbc_notify, 'simple'");
                Flux.from(connection.createStatement("SELECT pg_notify($1, $2)")
                                .bind("$1", "r2dbc_notify").bind("$2", "bound").execute())
                        .flatMap(PostgresqlResult::getRowsUpdated).blockLast(TIMEOUT);
            } finally {
                connection.close().block(TIMEOUT);
            }
            assertEquals(List.of("r2dbc_notify|" + notifierPid + "|simple", "r2dbc_notify|" + notifierPid + "|bound"),
                    describe(listener.await(2, TIMEOUT)));
        }
        assertNothingRefused();
    }

    private static void run(PostgresqlConnection connection, String sql) {
        Flux.from(connection.createStatement(sql).execute()).flatMap(PostgresqlResult::getRowsUpdated).blockLast(TIMEOUT);
    }

    private static String show(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    private static List<String> describe(List<PGNotification> notifications) {
        return notifications.stream().map(n -> n.getName() + "|" + n.getPID() + "|" + n.getParameter()).toList();
    }

    private static void notifyDirectly(String channel, String payload) throws SQLException {
        try (var statement = producer.prepareStatement("SELECT pg_notify(?, ?)")) {
            statement.setString(1, channel);
            statement.setString(2, payload);
            statement.execute();
        }
    }

    /** The relay logs each statement it refuses: none of what these frameworks sent may be among them. */
    private void assertNothingRefused() {
        assertEquals(List.of(), log.linesWith("refused"), "statements the relay refused");
    }
}
