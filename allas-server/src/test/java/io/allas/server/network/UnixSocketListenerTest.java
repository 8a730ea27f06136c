package io.allas.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.allas.testing.Psql;
import io.allas.testing.TestRelay;

/**
 * {@code listen.host} as an absolute path: a UNIX-domain socket, reached by psql the way it
 * reaches PostgreSQL's own socket ({@code host=DIR port=N} means {@code DIR/.s.PGSQL.N}).
 */
class UnixSocketListenerTest {

    @TempDir
    Path directory;

    private Path socket() throws Exception {
        // psql may run as another user than the test; let it reach the socket.
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        return directory.resolve(".s.PGSQL.6433");
    }

    @Test
    void psqlConnectsThroughTheSocket() throws Exception {
        Path socket = socket();
        try (TestRelay relay = TestRelay.builder().trust("open").listenOnUnixSocket(socket).start()) {
            assertEquals(-1, relay.port());
            Psql.Result result = Psql.run("host=" + directory + " port=6433 dbname=open user=bob", null, "SELECT 1");
            assertEquals(0, result.exitCode(), result.stderr());
            assertEquals("1", result.stdout().strip());
        }
    }

    @Test
    void aStaleSocketFileLeftByACrashIsReplaced() throws Exception {
        Path socket = socket();
        // Closing a bound channel leaves its socket file behind, as a killed process does.
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));
        try (TestRelay relay = TestRelay.builder().trust("open").listenOnUnixSocket(socket).start()) {
            Psql.Result result = Psql.run("host=" + directory + " port=6433 dbname=open user=bob", null, "SELECT 1");
            assertEquals(0, result.exitCode(), result.stderr());
        }
    }

    @Test
    void aRegularFileAtTheSocketPathIsAnError() throws Exception {
        Path socket = socket();
        Files.writeString(socket, "not a socket");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TestRelay.builder().trust("open").listenOnUnixSocket(socket).start());
        assertTrue(e.getMessage().contains("\"" + socket + "\" exists and is not a socket"), e.getMessage());
        assertEquals("not a socket", Files.readString(socket));
    }

    /** A second relay started on a socket that a running one listens on refuses to start, and takes nothing from it. */
    @Test
    void aSocketInUseIsAnErrorAndItsServerKeepsIt() throws Exception {
        Path socket = socket();
        try (TestRelay running = TestRelay.builder().trust("open").listenOnUnixSocket(socket).start()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> TestRelay.builder().trust("open").listenOnUnixSocket(socket).start());
            assertTrue(e.getMessage().contains("the socket \"" + socket + "\" is in use: another server listens on it"),
                    e.getMessage());
            Psql.Result result = Psql.run("host=" + directory + " port=6433 dbname=open user=bob", null, "SELECT 1");
            assertEquals(0, result.exitCode(), result.stderr());
        }
    }
}
