package io.allas.server.relay;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.postgresql.PGConnection;

import io.allas.server.protocol.backend.BackendStreamReader;
import io.allas.server.protocol.backend.NotificationRun;

/**
 * Notifications on a plain TCP connection, read by allas straight from the socket
 * ({@link BackendStreamReader}): the server's bytes go to clients without being decoded. Between
 * statements the socket is non-blocking and registered with the selector, so the relay sleeps
 * while nothing happens and wakes at once when a session asks for a LISTEN; for a statement it
 * is handed to pgjdbc, blocking. pgjdbc's own buffer is emptied after every statement, so that
 * each side always finds the stream at a message boundary.
 */
final class SocketNotificationSource implements NotificationSource {

    private final Connection connection;
    private final PGConnection pg;
    private final SocketChannel channel;
    private final Selector selector;
    private final Duration stallTimeout;
    private final BackendStreamReader reader = new BackendStreamReader();
    /** Notifications pgjdbc read during a statement, handed out by the next read. */
    private final List<NotificationRun> readDuringStatements = new ArrayList<>();
    /** Present while allas reads the socket itself, between statements. */
    private SelectionKey readKey;

    /**
     * @param stallTimeout how long the server may stop in the middle of a message before the connection counts as dead
     */
    SocketNotificationSource(Connection connection, SocketChannel channel, Duration stallTimeout)
            throws SQLException, IOException {
        this.connection = connection;
        this.pg = connection.unwrap(PGConnection.class);
        this.channel = channel;
        this.stallTimeout = stallTimeout;
        this.selector = Selector.open();
        try {
            takeFromDriver();
        } catch (SQLException | IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    @Override
    public List<NotificationRun> pending() throws IOException {
        List<NotificationRun> notifications = takeReadDuringStatements();
        reader.read(channel, this::awaitRestOfMessage, notifications);
        return notifications;
    }

    @Override
    public List<NotificationRun> await(long timeoutMillis) throws IOException {
        if (!readDuringStatements.isEmpty()) {
            return takeReadDuringStatements();
        }
        selectReadable(timeoutMillis);
        return pending();
    }

    @Override
    public void wake() {
        selector.wakeup();
    }

    @Override
    public <T> T lend(DriverWork<T> work) throws SQLException, IOException {
        deregister();
        try {
            return work.run();
        } finally {
            // A statement that failed without breaking the connection leaves it in use.
            if (!connection.isClosed()) {
                takeFromDriver();
            }
        }
    }

    @Override
    public void close() {
        try {
            if (readKey != null) {
                // pgjdbc's farewell (Terminate) needs the socket back in blocking mode.
                deregister();
            }
        } catch (IOException e) {
            // The socket is broken: the connection's close only releases what is left.
        }
        try {
            selector.close();
        } catch (IOException e) {
            // As above.
        }
    }

    /** Takes whatever pgjdbc read past a statement's end, and the socket back. */
    private void takeFromDriver() throws SQLException, IOException {
        readDuringStatements.addAll(NotificationSource.encode(pg.getNotifications()));
        channel.configureBlocking(false);
        readKey = channel.register(selector, SelectionKey.OP_READ);
    }

    private void deregister() throws IOException {
        readKey.cancel();
        readKey = null;
        // The cancelled key leaves the selector only at its next selection.
        selector.selectNow();
        channel.configureBlocking(true);
    }

    private List<NotificationRun> takeReadDuringStatements() {
        List<NotificationRun> taken = new ArrayList<>(readDuringStatements);
        readDuringStatements.clear();
        return taken;
    }

    private boolean selectReadable(long timeoutMillis) throws IOException {
        boolean readable = selector.select(Math.max(1, timeoutMillis)) > 0;
        selector.selectedKeys().clear();
        return readable;
    }

    /** The server writes whole messages: the rest of one that was cut short follows at once, or the connection is dead. */
    private void awaitRestOfMessage() throws IOException {
        // A wake-up (a session asking for a LISTEN) also ends a select: only the deadline means a stall.
        long deadline = System.nanoTime() + stallTimeout.toNanos();
        while (!selectReadable(Math.max(1, (deadline - System.nanoTime()) / 1_000_000))) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IOException("the upstream server stopped in the middle of a message for "
                        + stallTimeout.toMillis() + " ms");
            }
        }
    }
}
