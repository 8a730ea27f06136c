package io.allas.server.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.postgresql.PGNotification;

import io.allas.server.protocol.PacketBuilder;
import io.allas.server.protocol.backend.ErrorResponse;
import io.allas.server.protocol.backend.NotificationResponse;
import io.allas.server.protocol.backend.NotificationRun;
import io.allas.server.protocol.frontend.FrontendMessage;

/**
 * The upstream connection once pgjdbc has connected: where the relay's statements go and its
 * notifications are read. Chosen once, when the connection is made: the plain socket
 * ({@link SocketNotificationSource}, non-blocking) or the TLS socket over it
 * ({@link TlsNotificationSource}). Used from the relay thread only, except {@link #wake()}.
 */
interface NotificationSource extends AutoCloseable {

    /**
     * @return the notifications that have arrived, without waiting
     */
    List<NotificationRun> pending() throws SQLException, IOException;

    /**
     * @return the notifications read and not yet handed out, without reading: after a failure,
     *         those the server sent before the connection broke
     */
    List<NotificationRun> held();

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

    /**
     * @return what the list held, which is left empty
     */
    static List<NotificationRun> takeAll(List<NotificationRun> held) {
        List<NotificationRun> taken = List.copyOf(held);
        held.clear();
        return taken;
    }

    /**
     * @return a simple Query carrying the relay's statements
     */
    static ByteBuffer query(String sql) {
        PacketBuilder message = new PacketBuilder(sql.length() + 16);
        new FrontendMessage.Query(sql).encode(message);
        return message.view();
    }

    /**
     * @param refused the server's refusal of the relay's statements, if it refused them
     * @throws SQLException the refusal in pgjdbc's words, which the relay logs and passes to the
     *                      client whose LISTEN it was
     */
    static void throwIfRefused(Optional<ErrorResponse> refused) throws SQLException {
        if (refused.isPresent()) {
            throw new SQLException(refused.get().severity() + ": " + refused.get().message(), refused.get().sqlState());
        }
    }

    /**
     * Notifications that pgjdbc read and decoded (before allas took the connection over), encoded
     * back into the wire form clients receive:
     * consecutive ones on one channel as one run, sharing one channel String, as
     * {@link io.allas.server.protocol.backend.BackendStreamReader} gives them on plain TCP, so that
     * a burst costs each client one queue entry and one write here too.
     */
    static List<NotificationRun> encode(PGNotification[] notifications) {
        List<NotificationRun> runs = new ArrayList<>();
        if (notifications == null || notifications.length == 0) {
            return runs;
        }
        long receivedNanos = System.nanoTime();
        PacketBuilder messages = new PacketBuilder(256);
        String channel = notifications[0].getName();
        int count = 0;
        for (PGNotification notification : notifications) {
            if (!notification.getName().equals(channel)) {
                runs.add(run(channel, messages, count, receivedNanos));
                channel = notification.getName();
                count = 0;
            }
            new NotificationResponse(notification.getPID(), channel, notification.getParameter()).encode(messages);
            count++;
        }
        runs.add(run(channel, messages, count, receivedNanos));
        return runs;
    }

    /** The run gathered in {@code messages}, which is emptied for the next. */
    private static NotificationRun run(String channel, PacketBuilder messages, int count, long receivedNanos) {
        ByteBuffer encoded = messages.view();
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        messages.clear(Integer.MAX_VALUE);
        return new NotificationRun(channel, bytes, count, receivedNanos);
    }
}
