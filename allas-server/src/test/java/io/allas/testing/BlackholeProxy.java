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

/**
 * A TCP relay between allas and PostgreSQL that can go silent without closing anything, the way
 * a dead network or a frozen host looks from one end: bytes simply stop arriving. It can also
 * trickle the server's bytes, a few at a time, as a slow link does, so that messages arrive cut
 * into pieces.
 */
public final class BlackholeProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean silent;
    private volatile int trickleBytes;

    public BlackholeProxy(String targetHost, int targetPort) throws IOException {
        this.target = new InetSocketAddress(targetHost, targetPort);
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

    /** From now on, the server's bytes pass a few at a time, with a pause between pieces. */
    public void trickle(int bytesPerPiece) {
        trickleBytes = bytesPerPiece;
    }

    /** Bytes flow again for new connections; the connections that went silent are closed. */
    public void restore() {
        silent = false;
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        sockets.clear();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 5000);
                sockets.add(client);
                sockets.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream, false));
                Thread.ofVirtual().start(() -> pump(upstream, client, true));
            } catch (IOException e) {
                // The proxy was closed, or the target refused: the client sees its connection end.
            }
        }
    }

    private void pump(Socket from, Socket to, boolean fromServer) {
        byte[] buffer = new byte[8192];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            to.setTcpNoDelay(true);
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (silent) {
                    continue;
                }
                int piece = fromServer && trickleBytes > 0 ? trickleBytes : n;
                for (int offset = 0; offset < n; offset += piece) {
                    out.write(buffer, offset, Math.min(piece, n - offset));
                    out.flush();
                    if (piece < n) {
                        // The link's pace: the reader sees each piece on its own.
                        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
                    }
                }
            }
        } catch (IOException e) {
            // One side closed.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
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
