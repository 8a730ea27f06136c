package io.allas.server.relay;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import org.postgresql.PGConnection;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * Notifications on a TLS connection: the socket carries ciphertext, so pgjdbc reads and decodes
 * them. The socket is watched for readiness only while the relay waits, so that it still sleeps
 * while nothing happens and wakes at once when a session asks for a LISTEN.
 */
final class DriverNotificationSource implements NotificationSource {

    private final PGConnection pg;
    private final SocketChannel channel;
    private final Selector selector;

    DriverNotificationSource(Connection connection, SocketChannel channel) throws SQLException, IOException {
        this.pg = connection.unwrap(PGConnection.class);
        this.channel = channel;
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
        return NotificationSource.encode(pg.getNotifications(1));
    }

    @Override
    public void wake() {
        selector.wakeup();
    }

    @Override
    public <T> T lend(DriverWork<T> work) throws SQLException {
        return work.run();
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
