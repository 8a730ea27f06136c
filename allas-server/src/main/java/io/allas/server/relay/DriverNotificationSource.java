package io.allas.server.relay;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import org.postgresql.PGConnection;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * Notifications on a TLS connection: the socket carries ciphertext, so pgjdbc reads and decodes
 * them. The socket is watched for readiness only while the relay waits, so that it still sleeps
 * while nothing happens and wakes at once when a session asks for a LISTEN.
 */
final class DriverNotificationSource implements NotificationSource {

    private final Connection connection;
    private final PGConnection pg;
    private final SocketChannel channel;
    private final Duration stallTimeout;
    private final Selector selector;

    /**
     * @param stallTimeout how long the server may stop in the middle of a message before the connection counts as dead
     */
    DriverNotificationSource(Connection connection, SocketChannel channel, Duration stallTimeout)
            throws SQLException, IOException {
        this.connection = connection;
        this.pg = connection.unwrap(PGConnection.class);
        this.channel = channel;
        this.stallTimeout = stallTimeout;
        this.selector = Selector.open();
    }

    @Override
    public List<NotificationRun> pending() throws SQLException {
        return NotificationSource.encode(pg.getNotifications());
    }

    @Override
    public List<NotificationRun> await(long timeoutMillis) throws SQLException, IOException {
        // pgjdbc may hold notifications it read during a statement, or bytes the TLS layer has
        // decrypted already: neither makes the socket readable again.
        List<NotificationRun> held = pending();
        if (!held.isEmpty()) {
            return held;
        }
        boolean readable;
        // The channel must be non-blocking to be selected, and blocking again before pgjdbc reads it.
        channel.configureBlocking(false);
        SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
        try {
            readable = selector.select(Math.max(1, timeoutMillis)) > 0;
            selector.selectedKeys().clear();
        } finally {
            key.cancel();
            selector.selectNow();
            channel.configureBlocking(true);
        }
        if (!readable) {
            return List.of();
        }
        // Bytes are there: a short timeout lets pgjdbc read them even within its own check throttle.
        return readWithin(1);
    }

    /**
     * pgjdbc waits for a message's first byte within the timeout, then for the rest without one:
     * a server frozen in the middle of a message would hold the relay thread for ever. Closing the
     * socket after {@code stallTimeout} ends that read, and the connection counts as lost.
     */
    private List<NotificationRun> readWithin(int timeoutMillis) throws SQLException, IOException {
        Thread watchdog = Thread.ofVirtual().name("allas-upstream-watchdog").start(() -> {
            try {
                Thread.sleep(stallTimeout);
                channel.close();
            } catch (InterruptedException | IOException e) {
                // The read ended in time, or the socket is closed already.
            }
        });
        try {
            return NotificationSource.encode(pg.getNotifications(timeoutMillis));
        } catch (SQLException e) {
            if (!channel.isOpen()) {
                throw new IOException("the server stopped in the middle of a message for "
                        + stallTimeout.toMillis() + " ms", e);
            }
            throw e;
        } finally {
            watchdog.interrupt();
        }
    }

    @Override
    public void wake() {
        selector.wakeup();
    }

    @Override
    public void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException e) {
            // Closing a broken connection: nothing left to release.
        }
    }
}
