package io.allas.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP relay between allas and PostgreSQL that can go silent without closing anything, the way
 * a dead network or a frozen host looks from one end: bytes simply stop arriving. It can also
 * trickle the server's bytes, a few at a time, as a slow link does, so that messages arrive cut
 * into pieces; and it shows the bytes it passes to a {@link Observer}, which sees what the
 * server was told and answered.
 */
public final class UpstreamProxy implements AutoCloseable {

    /** Sees the bytes of each connection, in order, before they are passed on. */
    public interface Observer {
        /** A connection was made. */
        void opened(Object connection);

        /** Bytes from allas to the server. */
        void fromClient(Object connection, byte[] bytes, int length);

        /** Bytes from the server to allas. */
        void fromServer(Object connection, byte[] bytes, int length);

        /** The connection ended. */
        void closed(Object connection);
    }

    private static final Observer NOBODY = new Observer() {
        @Override
        public void opened(Object connection) {
        }

        @Override
        public void fromClient(Object connection, byte[] bytes, int length) {
        }

        @Override
        public void fromServer(Object connection, byte[] bytes, int length) {
        }

        @Override
        public void closed(Object connection) {
        }
    };

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean silent;
    private volatile int trickleBytes;
    /** Server bytes that may still pass before the proxy goes silent; negative: no such limit. */
    private final java.util.concurrent.atomic.AtomicLong serverBytesBeforeSilence = new java.util.concurrent.atomic.AtomicLong(-1);
    private volatile boolean refusing;
    private volatile byte[] announcement = new byte[0];
    private final Observer observer;

    public UpstreamProxy(String targetHost, int targetPort) throws IOException {
        this(targetHost, targetPort, NOBODY);
    }

    public UpstreamProxy(String targetHost, int targetPort, Observer observer) throws IOException {
        this.target = new InetSocketAddress(targetHost, targetPort);
        this.observer = observer;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("proxy-accept").start(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /**
     * @return the libpq connection string that reaches {@code postgres} through this proxy, in clear text
     */
    public String connectString(TestPostgres postgres) {
        return "host=127.0.0.1 port=" + port() + " user=" + postgres.user() + " password=" + postgres.password()
                + " dbname=" + postgres.database() + " sslmode=disable";
    }

    /** From now on, no byte passes in either direction; connections stay open. */
    public void goSilent() {
        silent = true;
    }

    /**
     * Lets this many more bytes from the server pass, then goes silent: a server frozen in the
     * middle of what it was sending.
     */
    public void goSilentAfterServerBytes(long bytes) {
        serverBytesBeforeSilence.set(bytes);
    }

    /** From now on, the server's bytes pass a few at a time, with a pause between pieces. */
    public void trickle(int bytesPerPiece) {
        trickleBytes = bytesPerPiece;
    }

    /**
     * From now on, each new connection to the target begins with these bytes, as a load balancer
     * begins each with a PROXY protocol header.
     */
    public void announceEachConnection(byte[] bytes) {
        announcement = bytes.clone();
    }

    /** From now on, new connections are closed at once, as a server that is down refuses them. */
    public void refuseConnections() {
        refusing = true;
    }

    /** Bytes flow again for new connections; the connections that went silent are closed. */
    public void restore() {
        silent = false;
        refusing = false;
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        sockets.clear();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            Socket upstream = new Socket();
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // the proxy was closed
            }
            try {
                if (refusing) {
                    throw new IOException("refusing connections");
                }
                upstream.connect(target, 5000);
                upstream.getOutputStream().write(announcement);
            } catch (IOException refused) {
                // As the server itself would: the connection ends at once, not after a timeout.
                closeQuietly(client);
                continue;
            }
            sockets.add(client);
            sockets.add(upstream);
            Object connection = new Object();
            observer.opened(connection);
            Thread.ofVirtual().start(() -> pump(connection, client, upstream, false));
            Thread.ofVirtual().start(() -> pump(connection, upstream, client, true));
        }
    }

    private void pump(Object connection, Socket from, Socket to, boolean fromServer) {
        byte[] buffer = new byte[8192];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            to.setTcpNoDelay(true);
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (silent) {
                    continue;
                }
                if (fromServer) {
                    observer.fromServer(connection, buffer, n);
                } else {
                    observer.fromClient(connection, buffer, n);
                }
                if (fromServer && serverBytesBeforeSilence.get() >= 0) {
                    long allowed = serverBytesBeforeSilence.get();
                    if (n >= allowed) {
                        n = (int) allowed;
                        silent = true;
                    }
                    serverBytesBeforeSilence.set(allowed - n);
                }
                int piece = fromServer && trickleBytes > 0 ? trickleBytes : Math.max(n, 1);
                for (int offset = 0; offset < n; offset += piece) {
                    out.write(buffer, offset, Math.min(piece, n - offset));
                    out.flush();
                    if (piece < n) {
                        // The link's pace: the reader sees each piece on its own.
                        LockSupport.parkNanos(2_000_000);
                    }
                }
            }
        } catch (IOException e) {
            // One side closed.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            if (fromServer) {
                observer.closed(connection);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Already closed.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        restore();
    }
}
