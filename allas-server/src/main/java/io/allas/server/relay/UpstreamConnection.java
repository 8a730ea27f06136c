package io.allas.server.relay;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.postgresql.PGConnection;

import io.allas.server.protocol.SqlState;
import io.allas.server.protocol.backend.NotificationRun;

/**
 * The one connection to the real server, used only from the relay thread (except
 * {@link #wake()}). pgjdbc connects and authenticates; then the statements run and the
 * notifications are read by the {@link NotificationSource} chosen at connect, on the plain
 * socket or the TLS one, which pgjdbc hands over ({@link CapturedConnection}).
 */
final class UpstreamConnection implements AutoCloseable {

    private final Connection connection;
    private final PGConnection pg;
    private final int backendPid;
    private final boolean tls;
    /** Whether the upstream refused to say, as an allas does: then it is an allas. */
    private final boolean upstreamIsAllas;
    private final ServerSettings settings;
    private final NotificationSource notifications;

    private UpstreamConnection(CapturedConnection captured, Duration stallTimeout) throws SQLException, IOException {
        this.connection = captured.driver();
        this.pg = connection.unwrap(PGConnection.class);
        this.backendPid = pg.getBackendPID();
        this.tls = captured.tls().isPresent();
        this.upstreamIsAllas = refusesPgStatSsl();
        this.settings = ServerSettingsReader.read(connection, upstreamIsAllas);
        this.notifications = captured.tls().isPresent()
                ? new TlsNotificationSource(captured, captured.tls().get(), stallTimeout)
                : new SocketNotificationSource(connection, captured.channel(), stallTimeout);
    }

    /**
     * Connects.
     *
     * @throws SQLException when the server cannot be reached or refuses
     */
    static UpstreamConnection open(UpstreamTarget target, Duration statementTimeout) throws SQLException, IOException {
        CapturedConnection captured = CapturedConnection.open(target, target.properties(statementTimeout));
        try {
            return new UpstreamConnection(captured, statementTimeout);
        } catch (SQLException | IOException | RuntimeException e) {
            captured.driver().close();
            throw e;
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
     * @return whether the connection is encrypted
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
     * @return the notifications read and not yet handed out, without reading: after a failure,
     *         those the server sent before the connection broke
     */
    List<NotificationRun> heldNotifications() {
        return notifications.held();
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
     * An allas refuses the pg_stat_ssl query as a syntax error (PostgreSQL answers it): that is
     * how a relay knows that its upstream is another relay.
     */
    private boolean refusesPgStatSsl() throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            return false;
        } catch (SQLException e) {
            if (!SqlState.SYNTAX_ERROR.equals(e.getSQLState())) {
                throw e;
            }
            return true;
        }
    }
}
