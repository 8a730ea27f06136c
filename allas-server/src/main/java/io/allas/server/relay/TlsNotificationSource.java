package io.allas.server.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLSocket;

import org.postgresql.PGConnection;

import io.allas.server.protocol.backend.BackendStreamReader;
import io.allas.server.protocol.backend.NotificationRun;

/**
 * Notifications on a TLS connection: once pgjdbc has connected, allas reads and writes the TLS
 * socket itself ({@link CapturingSslFactory} hands it over), as {@link SocketNotificationSource}
 * does a plain one: the relay's statements go as simple Query messages, and the server's messages
 * are cut by the {@link BackendStreamReader}, notifications kept as the server's bytes.
 *
 * <p>A TLS socket only blocks. So it is read when bytes are there: decrypted ones, or a record on
 * the socket beneath (the server writes whole records, as whole messages, and the rest of one cut
 * short follows at once); the wait for them is a select on the socket beneath, which a session's
 * LISTEN can interrupt. Every read is bounded by the socket's timeout: a server that stops in the
 * middle of a record, or does not answer a statement, ends the connection. (A record that carries
 * no data, such as a TLS 1.3 KeyUpdate, would make a read wait for the next one: PostgreSQL sends
 * none after the handshake, which pgjdbc reads through.) A Query is written whole before its answer
 * is read, as pgjdbc writes one, within the same timeout.
 */
final class TlsNotificationSource implements NotificationSource {

    /** The most TLS records read in one go: a flood must not keep the relay from its other work. */
    private static final int MAX_READS = 64;

    private final SSLSocket socket;
    private final InputStream decrypted;
    private final ReadableByteChannel messages;
    private final OutputStream out;
    /** The plain socket beneath TLS: selected while waiting, asked whether bytes have arrived. */
    private final SocketChannel channel;
    private final InputStream beneath;
    private final Selector selector;
    private final Duration stallTimeout;
    private final BackendStreamReader reader = new BackendStreamReader();
    /** Notifications read at connect and during statements, handed out by the next read. */
    private final List<NotificationRun> readDuringStatements = new ArrayList<>();

    /**
     * @param stallTimeout how long the server may stop in the middle of a record, or take to
     *                     answer a statement, before the connection counts as dead
     */
    TlsNotificationSource(CapturedConnection connection, SSLSocket socket, Duration stallTimeout)
            throws SQLException, IOException {
        this.socket = socket;
        this.channel = connection.channel();
        this.stallTimeout = stallTimeout;
        this.selector = Selector.open();
        try {
            // pgjdbc takes in whole whatever it read past its last statement; then nothing of the
            // stream is left in its buffers, and allas reads on from a message boundary.
            readDuringStatements.addAll(NotificationSource.encode(
                    connection.driver().unwrap(PGConnection.class).getNotifications()));
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, stallTimeout.toMillis())));
            this.decrypted = socket.getInputStream();
            this.messages = Channels.newChannel(decrypted);
            this.out = socket.getOutputStream();
            this.beneath = channel.socket().getInputStream();
        } catch (SQLException | IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    @Override
    public List<NotificationRun> pending() throws IOException {
        for (int reads = 0; reads < MAX_READS && bytesWaiting(); reads++) {
            // A message cut at a record's end: the next read waits for the next record. Into the
            // held list first: what was read before a failure is still there (held()).
            reader.read(messages, () -> { }, readDuringStatements);
        }
        return NotificationSource.takeAll(readDuringStatements);
    }

    @Override
    public List<NotificationRun> held() {
        return NotificationSource.takeAll(readDuringStatements);
    }

    @Override
    public List<NotificationRun> await(long timeoutMillis) throws IOException {
        if (readDuringStatements.isEmpty() && !bytesWaiting()) {
            selectReadable(timeoutMillis);
        }
        return pending();
    }

    @Override
    public void wake() {
        selector.wakeup();
    }

    @Override
    public void execute(String sql) throws SQLException, IOException {
        ByteBuffer query = NotificationSource.query(sql);
        // A TLS write has no timeout of its own: a server that stopped reading would hold the
        // relay thread until TCP gives up. Closing the socket ends the write, and the connection.
        Thread watchdog = Thread.ofVirtual().name("allas-upstream-write-watchdog").start(() -> {
            try {
                Thread.sleep(stallTimeout);
                channel.close();
            } catch (InterruptedException | IOException e) {
                // The write ended in time, or the socket is closed already.
            }
        });
        try {
            out.write(query.array(), query.arrayOffset() + query.position(), query.remaining());
            out.flush();
        } finally {
            watchdog.interrupt();
        }
        // Each read waits for the answer's next record, within the socket's timeout.
        NotificationSource.throwIfRefused(reader.readStatementAnswer(messages, () -> { }, readDuringStatements));
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException e) {
            // Closing a broken connection: nothing left to release.
        }
    }

    /** @return whether a read would find something: decrypted bytes, or a record on its way */
    private boolean bytesWaiting() throws IOException {
        return decrypted.available() > 0 || beneath.available() > 0;
    }

    /** The socket beneath must be non-blocking to be selected, and blocking again for TLS to read it. */
    private void selectReadable(long timeoutMillis) throws IOException {
        channel.configureBlocking(false);
        SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
        try {
            selector.select(Math.max(1, timeoutMillis));
            selector.selectedKeys().clear();
        } finally {
            key.cancel();
            selector.selectNow();
            channel.configureBlocking(true);
        }
    }
}
