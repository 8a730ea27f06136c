package io.allas.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A blocking protocol client of the {@code soak} and {@code failover} scenarios: startup and password authentication,
 * simple queries, and reading message by message with a timeout that loses nothing (a read cut
 * off by the timeout keeps its bytes for the next). Notifications and notices that arrive are
 * handed to the caller's {@link Sink}.
 */
final class BlockingClient implements AutoCloseable {

    /** A backend message. */
    record Message(byte type, byte[] body) {
        String error() {
            return Wire.describeError(body, 0, body.length);
        }

        String sqlState() {
            String e = error();
            int space = e.indexOf(' ');
            return e.substring(space + 1, e.indexOf(' ', space + 1));
        }
    }

    /** The server answered with an ErrorResponse. */
    static final class ServerError extends IOException {
        final Message message;

        ServerError(Message message) {
            super("ErrorResponse: " + message.error());
            this.message = message;
        }
    }

    /** The server closed the connection in the middle of a message: the client saw half of one. */
    static final class TruncatedStream extends IOException {
        TruncatedStream(String detail) {
            super(detail);
        }
    }

    interface Sink {
        void message(Message m) throws IOException;
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private byte[] buf = new byte[16384];
    private int start;
    private int end;

    private BlockingClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /**
     * Connects and authenticates; returns at the first ReadyForQuery.
     *
     * @param receiveBuffer the socket's receive buffer in bytes, 0 for the system's: a client that
     *                      stops reading with a small one fills the server's queue sooner
     */
    static BlockingClient connect(Endpoint target, String applicationName, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        try {
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(target.host(), target.port()), 10_000);
            s.setSoTimeout(60_000);
            BlockingClient c = new BlockingClient(s);
            c.send(Wire.startup(target.user(), target.databaseOrUser(), applicationName));
            while (true) {
                Message m = c.next();
                switch (m.type()) {
                    case 'Z' -> {
                        return c;
                    }
                    case 'R' -> {
                        int code = ByteBuffer.wrap(m.body()).getInt();
                        if (code == 3) {
                            c.send(Wire.password(target.password()));
                        } else if (code == 5) {
                            byte[] salt = Arrays.copyOfRange(m.body(), 4, 8);
                            c.send(Wire.md5Password(target.user(), target.password(), salt));
                        } else if (code != 0) {
                            throw new IOException("authentication request " + code + " is not supported");
                        }
                    }
                    case 'E' -> throw new ServerError(m);
                    default -> {
                        // ParameterStatus, BackendKeyData, NoticeResponse
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Runs a simple query; what arrives before its ReadyForQuery (notifications, notices) goes to the sink. */
    void query(String sql, Sink sink) throws IOException {
        send(Wire.query(sql));
        ServerError error = null;
        while (true) {
            Message m = next();
            switch (m.type()) {
                case 'Z' -> {
                    if (error != null) {
                        throw error;
                    }
                    return;
                }
                case 'E' -> error = new ServerError(m);
                case 'A', 'N' -> sink.message(m);
                default -> {
                    // CommandComplete
                }
            }
        }
    }

    /**
     * The next message, waiting at most {@code timeoutMillis} (0: as long as the socket's timeout);
     * null when none arrived in that time.
     */
    Message poll(int timeoutMillis) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout(timeoutMillis);
        try {
            return next();
        } catch (SocketTimeoutException e) {
            return null;
        } finally {
            socket.setSoTimeout(old);
        }
    }

    /** The next message; EOFException at a message boundary, TruncatedStream inside one. */
    Message next() throws IOException {
        while (true) {
            if (end - start >= 5) {
                int length = ByteBuffer.wrap(buf, start + 1, 4).getInt();
                if (length < 4) {
                    throw new IOException("invalid message length " + length);
                }
                if (end - start >= 1 + length) {
                    byte type = buf[start];
                    byte[] body = Arrays.copyOfRange(buf, start + 5, start + 1 + length);
                    start += 1 + length;
                    return new Message(type, body);
                }
                if (1 + length > buf.length) {
                    buf = Arrays.copyOf(buf, 1 + length);
                }
            }
            if (start > 0 && end == buf.length) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                if (end > start) {
                    String declared = end - start >= 5 ? ", declared length " + ByteBuffer.wrap(buf, start + 1, 4).getInt()
                            : "";
                    throw new TruncatedStream("the server closed the connection inside a message of type '"
                            + (char) buf[start] + "' (" + (end - start) + " bytes present" + declared + ")");
                }
                throw new EOFException("the server closed the connection");
            }
            end += n;
        }
    }

    void send(ByteBuffer message) throws IOException {
        out.write(message.array(), message.arrayOffset() + message.position(), message.remaining());
        out.flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Says goodbye as PostgreSQL clients do: Terminate, then close. */
    void terminate() {
        try {
            send(Wire.terminate());
        } catch (IOException ignored) {
            // closing anyway
        }
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** The channel and payload of a NotificationResponse body. */
    static String[] notification(byte[] body) {
        int channelEnd = 4;
        while (body[channelEnd] != 0) {
            channelEnd++;
        }
        int payloadEnd = channelEnd + 1;
        while (body[payloadEnd] != 0) {
            payloadEnd++;
        }
        return new String[]{new String(body, 4, channelEnd - 4, StandardCharsets.UTF_8),
                new String(body, channelEnd + 1, payloadEnd - channelEnd - 1, StandardCharsets.UTF_8)};
    }
}
