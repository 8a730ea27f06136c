package io.allas.server.relay;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The one connection to the real server, used only from the relay thread (except
 * {@link #wake()}). Waits for notifications on the socket's readiness, so that it sleeps while
 * nothing happens and wakes at once when a session asks for a LISTEN.
 */
final class UpstreamConnection implements AutoCloseable {

    private final Connection connection;
    private final PGConnection pg;
    private final SocketChannel channel;
    private final Selector selector;
    private final int backendPid;

    private UpstreamConnection(Connection connection, SocketChannel channel, Selector selector) throws SQLException {
        this.connection = connection;
        this.pg = connection.unwrap(PGConnection.class);
        this.channel = channel;
        this.selector = selector;
        this.backendPid = pg.getBackendPID();
    }

    /**
     * Connects.
     *
     * @throws SQLException when the server cannot be reached or refuses
     */
    static UpstreamConnection open(UpstreamTarget target, java.time.Duration statementTimeout) throws SQLException, IOException {
        String key = UUID.randomUUID().toString();
        AtomicReference<SocketChannel> created = new AtomicReference<>();
        UpstreamSocketFactory.register(key, created::set);
        Selector selector = Selector.open();
        try {
            Properties properties = new Properties();
            properties.putAll(target.properties());
            properties.setProperty("socketFactory", UpstreamSocketFactory.class.getName());
            properties.setProperty("socketFactoryArg", key);
            // A statement (a ping included) that gets no answer in time means the connection is dead.
            // pgjdbc counts in whole seconds: round up.
            properties.setProperty("socketTimeout", String.valueOf(Math.max(1, (statementTimeout.toMillis() + 999) / 1000)));
            // Nor may the startup itself hang on a server that accepted the connection but says nothing.
            properties.setProperty("loginTimeout", String.valueOf(Math.max(1, (statementTimeout.toMillis() + 999) / 1000)));
            Connection connection = DriverManager.getConnection(target.url(), properties);
            return new UpstreamConnection(connection, created.get(), selector);
        } catch (SQLException | RuntimeException e) {
            selector.close();
            throw e;
        } finally {
            UpstreamSocketFactory.unregister(key);
        }
    }

    int backendPid() {
        return backendPid;
    }

    Map<String, String> parameterStatuses() {
        return pg.getParameterStatuses();
    }

    /**
     * Runs statements in one round trip.
     */
    void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /**
     * @return the channels this connection listens on, as the server sees them
     */
    java.util.Set<String> listeningChannels() throws SQLException {
        java.util.Set<String> channels = new java.util.TreeSet<>();
        try (Statement statement = connection.createStatement();
             java.sql.ResultSet rows = statement.executeQuery("SELECT pg_listening_channels()")) {
            while (rows.next()) {
                channels.add(rows.getString(1));
            }
        }
        return channels;
    }

    /**
     * @return the notifications pgjdbc has read or can read without waiting
     */
    List<PGNotification> pendingNotifications() throws SQLException {
        PGNotification[] notifications = pg.getNotifications();
        return notifications == null ? List.of() : List.of(notifications);
    }

    /**
     * Sleeps until the server sends something, {@link #wake()} is called, or the time is up.
     *
     * @return the notifications that arrived
     */
    List<PGNotification> awaitNotifications(long timeoutMillis) throws SQLException, IOException {
        boolean readable;
        // The channel must be non-blocking to be selected, and blocking again before pgjdbc reads it.
        channel.configureBlocking(false);
        SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
        try {
            readable = selector.select(Math.max(1, timeoutMillis)) > 0;
        } finally {
            key.cancel();
            selector.selectNow();
            selector.selectedKeys().clear();
            channel.configureBlocking(true);
        }
        if (!readable) {
            return List.of();
        }
        // Bytes are there: a short timeout lets pgjdbc read them even within its own check throttle.
        PGNotification[] notifications = pg.getNotifications(1);
        return notifications == null ? List.of() : List.of(notifications);
    }

    /**
     * Interrupts {@link #awaitNotifications}, from any thread; a wake-up before the wait makes
     * the next wait return at once.
     */
    void wake() {
        selector.wakeup();
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
        try {
            connection.close();
        } catch (SQLException e) {
            // Closing a broken connection: nothing left to release.
        }
        try {
            selector.close();
        } catch (IOException e) {
            // As above.
        }
    }
}
