package io.allas.server.relay;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
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
 * ({@link BackendStreamReader}): the server's bytes go to clients without being decoded. Once
 * pgjdbc has connected, allas alone reads and writes the socket: it sends the relay's statements
 * as simple Query messages and reads their answers with the notifications that come between, so
 * a LISTEN costs one round trip. (pgjdbc, asked after each statement for what it had read, would
 * wait a millisecond for bytes that are not coming.) The socket is non-blocking and registered
 * with the selector, so the relay sleeps while nothing happens and wakes at once when a session
 * asks for a LISTEN.
 */
final class SocketNotificationSource implements NotificationSource {

    private final PGConnection pg;
    private final SocketChannel channel;
    private final Selector selector;
    private final Duration stallTimeout;
    private final BackendStreamReader reader = new BackendStreamReader();
    /** Notifications read during connect and during statements, handed out by the next read. */
    private final List<NotificationRun> readDuringStatements = new ArrayList<>();
    /** Present from the start until the connection is closed: allas reads the socket itself. */
    private SelectionKey readKey;

    /**
     * @param stallTimeout how long the server may stop in the middle of a message, or take to
     *                     answer a statement, before the connection counts as dead
     */
    SocketNotificationSource(Connection connection, SocketChannel channel, Duration stallTimeout)
            throws SQLException, IOException {
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
        // Into the held list first: what was read before a failure is still there (held()).
        reader.read(channel, this::awaitRestOfMessage, readDuringStatements);
        return NotificationSource.takeAll(readDuringStatements);
    }

    @Override
    public List<NotificationRun> held() {
        return NotificationSource.takeAll(readDuringStatements);
    }

    @Override
    public List<NotificationRun> await(long timeoutMillis) throws IOException {
        if (!readDuringStatements.isEmpty()) {
            return NotificationSource.takeAll(readDuringStatements);
        }
        selectReady(timeoutMillis);
        return pending();
    }

    @Override
    public void wake() {
        selector.wakeup();
    }

    @Override
    public void execute(String sql) throws SQLException, IOException {
        long deadline = System.nanoTime() + stallTimeout.toNanos();
        send(NotificationSource.query(sql), deadline);
        NotificationSource.throwIfRefused(reader.readStatementAnswer(channel, () -> awaitAnswer(deadline),
                readDuringStatements));
    }

    /**
     * Writes a whole Query. A socket buffer that fills (a batch of a thousand LISTENs) is written
     * as it drains, and the server's notifications are read meanwhile: a server blocked on
     * sending them would not read the rest of the Query.
     */
    private void send(ByteBuffer bytes, long deadline) throws IOException {
        channel.write(bytes);
        if (!bytes.hasRemaining()) {
            return;
        }
        readKey.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        try {
            while (bytes.hasRemaining()) {
                awaitAnswer(deadline);
                if (readKey.isReadable()) {
                    reader.read(channel, this::awaitRestOfMessage, readDuringStatements);
                }
                channel.write(bytes);
            }
        } finally {
            readKey.interestOps(SelectionKey.OP_READ);
        }
    }

    /** Waits until the socket can be read (or written, while a Query waits to be), or throws at the deadline. */
    private void awaitAnswer(long deadline) throws IOException {
        awaitReady(deadline, "did not answer a statement within");
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

    /** Takes whatever pgjdbc read past its last statement's end (in whole messages), and the socket. */
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

    private boolean selectReady(long timeoutMillis) throws IOException {
        boolean ready = selector.select(Math.max(1, timeoutMillis)) > 0;
        selector.selectedKeys().clear();
        return ready;
    }

    /** The server writes whole messages: the rest of one that was cut short follows at once, or the connection is dead. */
    private void awaitRestOfMessage() throws IOException {
        awaitReady(System.nanoTime() + stallTimeout.toNanos(), "stopped in the middle of a message for");
    }

    private void awaitReady(long deadline, String failure) throws IOException {
        // A wake-up (a session asking for a LISTEN) also ends a select: only the deadline ends the wait.
        while (!selectReady(Math.max(1, (deadline - System.nanoTime()) / 1_000_000))) {
            if (System.nanoTime() - deadline >= 0) {
                throw new SocketTimeoutException("the upstream server " + failure + " " + stallTimeout.toMillis() + " ms");
            }
        }
    }
}
