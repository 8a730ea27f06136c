package io.allas.server.relay;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.postgresql.PGConnection;

import io.allas.server.protocol.SqlState;
import io.allas.server.protocol.backend.NotificationRun;

/**
 * The one connection to the real server, used only from the relay thread (except
 * {@link #wake()}). pgjdbc connects and authenticates; then the statements run and the
 * notifications are read by the {@link NotificationSource} chosen at connect: allas itself on
 * plain TCP, pgjdbc over TLS.
 */
final class UpstreamConnection implements AutoCloseable {

    private final Connection connection;
    private final PGConnection pg;
    private final int backendPid;
    private final boolean tls;
    /** Whether the upstream refused to say, as an allas does: then it is an allas. */
    private boolean upstreamIsAllas;
    private final ServerSettings settings;
    private final NotificationSource notifications;

    /**
     * @param tlsRefused whether the connection string says sslmode=disable
     */
    private UpstreamConnection(Connection connection, SocketChannel channel, Duration stallTimeout, boolean tlsRefused)
            throws SQLException, IOException {
        this.connection = connection;
        this.pg = connection.unwrap(PGConnection.class);
        this.backendPid = pg.getBackendPID();
        this.tls = queryTls(tlsRefused);
        this.settings = ServerSettingsReader.read(connection, upstreamIsAllas);
        this.notifications = tls ? new DriverNotificationSource(connection, channel, stallTimeout)
                : new SocketNotificationSource(connection, channel, stallTimeout);
    }

    /**
     * Connects.
     *
     * @throws SQLException when the server cannot be reached or refuses
     */
    static UpstreamConnection open(UpstreamTarget target, Duration statementTimeout) throws SQLException, IOException {
        String key = UUID.randomUUID().toString();
        AtomicReference<SocketChannel> created = new AtomicReference<>();
        UpstreamSocketFactory.register(key, created::set);
        Connection connection = null;
        try {
            Properties properties = target.properties(statementTimeout);
            properties.setProperty("socketFactory", UpstreamSocketFactory.class.getName());
            properties.setProperty("socketFactoryArg", key);
            connection = DriverManager.getConnection(target.url(), properties);
            return new UpstreamConnection(connection, created.get(), statementTimeout,
                    "disable".equals(properties.getProperty("sslmode")));
        } catch (SQLException | IOException | RuntimeException e) {
            if (connection != null) {
                connection.close();
            }
            throw e;
        } finally {
            UpstreamSocketFactory.unregister(key);
        }
    }

    /**
     * @return whether the upstream is itself an allas (a relay in front of a relay)
     */
    boolean upstreamIsAllas() {
        return upstreamIsAllas;
    }

    int backendPid() {
        return backendPid;
    }

    /**
     * @return whether the connection is encrypted (then pgjdbc reads the notifications too)
     */
    boolean tls() {
        return tls;
    }

    /**
     * @return what a fresh session of this connection's user and database sees, as read when it connected
     */
    ServerSettings settings() {
        return settings;
    }

    Map<String, String> parameterStatuses() {
        return pg.getParameterStatuses();
    }

    /**
     * Runs statements in one round trip.
     */
    void execute(String sql) throws SQLException, IOException {
        notifications.execute(sql);
    }

    /**
     * @return the notifications that have arrived, without waiting
     */
    List<NotificationRun> pendingNotifications() throws SQLException, IOException {
        return notifications.pending();
    }

    /**
     * Sleeps until the server sends something, {@link #wake()} is called, or the time is up.
     *
     * @return the notifications that arrived
     */
    List<NotificationRun> awaitNotifications(long timeoutMillis) throws SQLException, IOException {
        return notifications.await(timeoutMillis);
    }

    /**
     * Interrupts {@link #awaitNotifications}, from any thread; a wake-up before the wait makes
     * the next wait return at once.
     */
    void wake() {
        notifications.wake();
    }

    boolean isClosed() {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    @Override
    public void close() {
        notifications.close();
        try {
            connection.close();
        } catch (SQLException e) {
            // Closing a broken connection: nothing left to release.
        }
    }

    /**
     * No answer (no pg_stat_ssl row for this backend, or an upstream that is itself an allas and
     * refuses the query): TLS unless sslmode=disable ruled it out, since pgjdbc's reading, the
     * path for TLS, works either way.
     */
    private boolean queryTls(boolean tlsRefused) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            return rows.next() ? rows.getBoolean(1) : !tlsRefused;
        } catch (SQLException e) {
            if (!SqlState.SYNTAX_ERROR.equals(e.getSQLState())) {
                throw e;
            }
            upstreamIsAllas = true;
            return !tlsRefused;
        }
    }
}
