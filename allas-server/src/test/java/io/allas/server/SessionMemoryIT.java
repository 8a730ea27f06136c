package io.allas.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.allas.testing.AwaitServing;
import io.allas.testing.Ports;
import io.allas.testing.RelayProcess;
import io.allas.testing.TestPostgres;
import io.allas.testing.WireClient;

/**
 * A session that runs the relay out of memory ends with a word to its client and a log line, and
 * the relay goes on serving the others. Its own JVM, with a small heap.
 */
class SessionMemoryIT {

    @TempDir
    Path directory;

    @Test
    void aSessionOutOfMemoryIsToldAndLoggedAndOthersGoOn() throws Exception {
        int port = Ports.free();
        Path file = directory.resolve("allas.json");
        Files.writeString(file, """
                {"listen": {"host": "127.0.0.1", "port": PORT},
                 "connect": "CONNECT",
                 "limits": {"max_message_bytes": 1073741824},
                 "databases": [{"name": "d", "auth": {"method": "trust"}}]}
                """.replace("PORT", String.valueOf(port)).replace("CONNECT", TestPostgres.shared().libpqConnectString()));
        try (RelayProcess allas = RelayProcess.start(Map.of(), List.of("-Xmx64m",
                "-jar", RelayProcess.buildDirectory().resolve("allas.jar").toString(), file.toString()))) {
            allas.awaitListening(port, Duration.ofSeconds(60));
            Properties user = new Properties();
            user.setProperty("user", "u");
            AwaitServing.pgjdbc(port, "d", user, Duration.ofSeconds(30)).close();
            try (WireClient greedy = WireClient.startup(port, "u", "d")) {
                // A query of 512 MB, really sent: more than the whole heap.
                OutputStream out = greedy.rawOutput();
                out.write(ByteBuffer.allocate(5).put((byte) 'Q').putInt(4 + (512 << 20)).array());
                Thread sender = Thread.ofVirtual().start(() -> {
                    byte[] piece = new byte[64 * 1024];
                    try {
                        for (int sent = 0; sent < 512 << 20; sent += piece.length) {
                            out.write(piece);
                        }
                        out.flush();
                    } catch (IOException e) {
                        // The relay closed the connection.
                    }
                });
                WireClient.Message error = greedy.read();
                assertEquals('E', error.type());
                assertEquals("FATAL", error.fields().get('S'));
                assertEquals("53200", error.fields().get('C'));
                greedy.close();
                sender.join();
            }
            try (WireClient other = WireClient.startup(port, "u", "d")) {
                assertEquals("CZ", WireClient.types(other.roundTrip("LISTEN still_here")));
            }
            allas.awaitOutput("ran out of memory", Duration.ofSeconds(10));
        }
    }
}
