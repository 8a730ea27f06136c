package io.allas.server.relay;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.postgresql.PGNotification;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * Where the upstream connection's notifications are read between statements. Chosen once, when
 * the connection is made: on plain TCP allas reads the socket itself
 * ({@link SocketNotificationSource}); over TLS the socket carries ciphertext and pgjdbc reads
 * ({@link DriverNotificationSource}). Used from the relay thread only, except {@link #wake()}.
 */
interface NotificationSource extends AutoCloseable {

    /**
     * @return the notifications that have arrived, without waiting
     */
    List<NotificationRun> pending() throws SQLException, IOException;

    /**
     * Sleeps until the server sends something, {@link #wake()} is called, or the time is up.
     *
     * @return the notifications that arrived; may be empty
     */
    List<NotificationRun> await(long timeoutMillis) throws SQLException, IOException;

    /**
     * Interrupts {@link #await}, from any thread; a wake-up before the wait makes the next wait
     * return at once.
     */
    void wake();

    /**
     * Runs statements (one simple Query) and returns once the server is ready for the next; the
     * notifications that arrive meanwhile are kept, in order, for the next read.
     *
     * @throws SQLException when the server refuses them (its SQLSTATE; the connection goes on)
     * @throws IOException  when the connection fails, or the server does not answer in time
     */
    void execute(String sql) throws SQLException, IOException;

    /** Releases the selector; the connection itself is closed by its owner. */
    @Override
    void close();

    /** Notifications that pgjdbc read and decoded, encoded back into the wire form clients receive. */
    static List<NotificationRun> encode(PGNotification[] notifications) {
        if (notifications == null) {
            return new ArrayList<>();
        }
        long receivedNanos = System.nanoTime();
        List<NotificationRun> converted = new ArrayList<>(notifications.length);
        for (PGNotification notification : notifications) {
            converted.add(NotificationRun.of(notification.getPID(), notification.getName(), notification.getParameter(),
                    receivedNanos));
        }
        return converted;
    }
}
