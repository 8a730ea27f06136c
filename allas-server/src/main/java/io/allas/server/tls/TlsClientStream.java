package io.allas.server.tls;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

import io.allas.server.protocol.ClientStream;

/**
 * TLS slid under the protocol code: a {@link ClientStream} that encrypts into, and decrypts
 * from, the plain stream beneath it with the JDK's SSLEngine. The same class serves TLS after an
 * SSLRequest and PostgreSQL 17's direct TLS. Reads happen on the session's thread, writes under
 * the message writer's lock; a wrap that a read needs (TLS 1.3 key updates) takes the write lock.
 */
public final class TlsClientStream implements ClientStream {

    private final ClientStream network;
    private final SSLEngine engine;
    private final ReentrantLock writeLock = new ReentrantLock();
    private ByteBuffer incoming;
    private ByteBuffer outgoing;

    private TlsClientStream(ClientStream network, SSLEngine engine, byte[] alreadyRead) {
        this.network = network;
        this.engine = engine;
        SSLSession session = engine.getSession();
        this.incoming = ByteBuffer.allocate(Math.max(session.getPacketBufferSize(), alreadyRead.length));
        this.incoming.put(alreadyRead).flip();
        this.outgoing = ByteBuffer.allocate(session.getPacketBufferSize());
    }

    /**
     * Runs the server side of the handshake.
     *
     * @param network     the plain stream
     * @param engine      a fresh server engine
     * @param alreadyRead network bytes read before TLS began (the ClientHello of direct TLS)
     * @return the stream, ready for application data
     * @throws IOException when the handshake fails or the client leaves
     */
    public static TlsClientStream handshake(ClientStream network, SSLEngine engine, byte[] alreadyRead) throws IOException {
        TlsClientStream stream = new TlsClientStream(network, engine, alreadyRead);
        engine.beginHandshake();
        stream.completeHandshake();
        return stream;
    }

    public SSLSession session() {
        return engine.getSession();
    }

    /**
     * @return the ALPN protocol the client and allas agreed on; empty when the client offered none
     */
    public String applicationProtocol() {
        String protocol = engine.getApplicationProtocol();
        return protocol == null ? "" : protocol;
    }

    private void completeHandshake() throws IOException {
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> wrap(ByteBuffer.allocate(0));
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    ByteBuffer sink = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
                    unwrapInto(sink);
                    if (sink.position() > 0) {
                        throw new SSLException("application data during the TLS handshake");
                    }
                }
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                case FINISHED, NOT_HANDSHAKING -> {
                    return;
                }
            }
        }
    }

    @Override
    public byte[] read() throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        while (sink.position() == 0) {
            unwrapInto(sink);
            SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
            if (status == SSLEngineResult.HandshakeStatus.NEED_WRAP || status == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                // Only TLS 1.3 has handshake messages after the handshake (key updates, tickets);
                // before it, a handshake message now is a ClientHello: a renegotiation.
                if (!"TLSv1.3".equals(engine.getSession().getProtocol())) {
                    refuseRenegotiation();
                }
                completeHandshake();
            }
        }
        return Arrays.copyOf(sink.array(), sink.position());
    }

    /** Tells the client the session is over (close_notify) and ends it. */
    private void refuseRenegotiation() throws SSLException {
        engine.closeOutbound();
        try {
            wrap(ByteBuffer.allocate(0));
        } catch (IOException e) {
            // The client is gone already.
        }
        throw new RenegotiationRefusedException();
    }

    /**
     * Unwraps one TLS record into the sink, reading from the network as needed.
     */
    private void unwrapInto(ByteBuffer sink) throws IOException {
        while (true) {
            SSLEngineResult result = engine.unwrap(incoming, sink);
            switch (result.getStatus()) {
                case OK -> {
                    return;
                }
                case CLOSED -> throw new EOFException("the client closed the TLS session");
                case BUFFER_OVERFLOW -> throw new SSLException("TLS record larger than the application buffer");
                case BUFFER_UNDERFLOW -> fill();
            }
        }
    }

    private void fill() throws IOException {
        byte[] bytes = network.read();
        incoming.compact();
        if (incoming.remaining() < bytes.length) {
            ByteBuffer larger = ByteBuffer.allocate(incoming.position() + bytes.length);
            incoming.flip();
            larger.put(incoming);
            incoming = larger;
        }
        incoming.put(bytes).flip();
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        writeLock.lock();
        try {
            do {
                wrap(bytes);
            } while (bytes.hasRemaining());
        } finally {
            writeLock.unlock();
        }
    }

    private void wrap(ByteBuffer source) throws IOException {
        writeLock.lock();
        try {
            while (true) {
                outgoing.clear();
                SSLEngineResult result = engine.wrap(source, outgoing);
                switch (result.getStatus()) {
                    case OK -> {
                        outgoing.flip();
                        if (outgoing.hasRemaining()) {
                            network.write(outgoing);
                        }
                        return;
                    }
                    case BUFFER_OVERFLOW -> outgoing = ByteBuffer.allocate(outgoing.capacity() * 2);
                    case CLOSED -> throw new EOFException("the TLS session is closed");
                    case BUFFER_UNDERFLOW -> throw new SSLException("unexpected buffer underflow on wrap");
                }
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void close() {
        network.close();
    }
}
