package io.allas.server.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.allas.testing.JdbcListener;
import io.allas.testing.Ports;
import io.allas.testing.RelayProcess;
import io.allas.testing.TestPostgres;
import io.allas.testing.UpstreamProxy;

/**
 * Two relays (allas.jar processes) on one PostgreSQL behind a real HAProxy in TCP mode, which
 * announces each client with {@code send-proxy-v2} and checks each relay's readiness endpoint, as
 * the README's "Running several relays" sets it up. Clients connect from 127.0.0.2 and HAProxy
 * from 127.0.0.1, so a relay that logs 127.0.0.2 logs the client, not the load balancer.
 */
class FleetBehindHaproxyIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CLIENT_HOST = "127.0.0.2";
    private static final String AUTHORIZED_CLIENT = "connection authorized (/" + CLIENT_HOST + ":";

    @TempDir
    Path directory;

    @Test
    void clientsSpreadOverTwoRelaysAndMoveWhenOneStopsOrLosesItsUpstream() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (UpstreamProxy upstreamOfB = new UpstreamProxy(postgres.host(), postgres.port());
             Relay a = Relay.start(directory, "a", postgres.libpqConnectString());
             Relay b = Relay.start(directory, "b", upstreamOfB.connectString(postgres));
             Haproxy haproxy = Haproxy.start(directory, a, b)) {
            haproxy.awaitServer("b", "UP");
            haproxy.awaitServer("a", "UP");

            // Spread over both, each relay logging the clients' own address.
            List<JdbcListener> clients = connect(haproxy, 6);
            await(() -> a.authorized() + b.authorized() == 6, "six clients authorized, " + a.authorized()
                    + " on a and " + b.authorized() + " on b");
            assertTrue(a.authorized() > 0 && b.authorized() > 0, a.authorized() + " on a, " + b.authorized() + " on b");
            for (Relay relay : List.of(a, b)) {
                assertFalse(relay.process.output().contains("connection authorized (/127.0.0.1:"), relay.process.output());
            }
            notifyAndAwait(postgres, clients, "spread");

            // b's upstream goes dead: b is not ready, and HAProxy sends new clients to a only.
            upstreamOfB.goSilent();
            haproxy.awaitServer("b", "DOWN");
            int onA = a.authorized();
            int onB = b.authorized();
            List<JdbcListener> later = connect(haproxy, 4);
            await(() -> a.authorized() == onA + 4, "four more clients on a");
            assertEquals(onB, b.authorized());
            closeAll(later);
            closeAll(clients);

            upstreamOfB.restore();
            haproxy.awaitServer("b", "UP");

            // a stops (SIGTERM): its clients get 57P01, reconnect through HAProxy to b and are notified again.
            List<JdbcListener> fresh = connect(haproxy, 6);
            int freshOnB = b.authorized();
            a.process.signalTerm();
            assertEquals(0, a.process.waitForExit(WAIT));
            int terminated = 0;
            List<JdbcListener> moved = new ArrayList<>();
            try (Connection sender = postgres.connect(); Statement statement = sender.createStatement()) {
                statement.execute("NOTIFY fleet, 'after-stop'");
            }
            for (JdbcListener client : fresh) {
                try {
                    assertEquals(1, client.await(1, WAIT).size(), "a client of b is notified");
                    moved.add(client);
                } catch (SQLException e) {
                    assertEquals("57P01", e.getSQLState(), e.getMessage());
                    terminated++;
                    client.close();
                    moved.addAll(connect(haproxy, 1));
                }
            }
            assertTrue(terminated > 0, "a had clients");
            int expectedOnB = freshOnB + terminated;
            await(() -> b.authorized() == expectedOnB, "the terminated clients reconnected to b");
            notifyAndAwait(postgres, moved, "moved");
            closeAll(moved);
        }
    }

    private static List<JdbcListener> connect(Haproxy haproxy, int count) throws Exception {
        List<JdbcListener> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Properties properties = new Properties();
            properties.setProperty("user", "app");
            properties.setProperty("localSocketAddress", CLIENT_HOST);
            properties.setProperty("connectTimeout", "10");
            JdbcListener client = new JdbcListener(connectRetrying(haproxy.port, properties));
            client.execute("LISTEN fleet");
            clients.add(client);
        }
        return clients;
    }

    /**
     * Until HAProxy's check has seen a relay go, a new connection may still be sent to it and be
     * refused: a client retries, as clients of a fleet do.
     */
    private static Connection connectRetrying(int port, Properties properties) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/app", properties);
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
    }

    private static void notifyAndAwait(TestPostgres postgres, List<JdbcListener> clients, String payload)
            throws SQLException {
        try (Connection sender = postgres.connect(); Statement statement = sender.createStatement()) {
            statement.execute("NOTIFY fleet, '" + payload + "'");
        }
        for (JdbcListener client : clients) {
            int before = client.collectFor(Duration.ZERO).size();
            assertTrue(client.await(before + 1, WAIT).stream().anyMatch(n -> n.getParameter().equals(payload)),
                    "every client is notified: " + payload);
        }
    }

    private static void closeAll(List<JdbcListener> clients) throws SQLException {
        for (JdbcListener client : clients) {
            client.close();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** One allas.jar process trusting HAProxy on 127.0.0.1, with its readiness endpoint. */
    private record Relay(RelayProcess process, int port, int httpPort) implements AutoCloseable {

        static Relay start(Path directory, String name, String connect) throws Exception {
            int port = Ports.free();
            int httpPort = Ports.free();
            Path file = directory.resolve(name + ".json");
            Files.writeString(file, """
                    {"listen": {"host": "127.0.0.1", "port": PORT, "proxy_protocol": {"trusted": ["127.0.0.1/32"]}},
                     "connect": "CONNECT",
                     "log_level": "debug",
                     "prometheus": {"listen": {"host": "127.0.0.1", "port": HTTP}},
                     "upstream": {"ping_interval_ms": 300, "ping_timeout_ms": 1000, "connect_wait_ms": 0},
                     "databases": [{"name": "app", "auth": {"method": "trust"}}]}
                    """.replace("PORT", String.valueOf(port)).replace("HTTP", String.valueOf(httpPort))
                    .replace("CONNECT", connect));
            RelayProcess process = RelayProcess.start(Map.of(), List.of("-jar",
                    RelayProcess.buildDirectory().resolve("allas.jar").toString(), file.toString()));
            process.awaitListening(port, WAIT);
            return new Relay(process, port, httpPort);
        }

        /** @return how many clients from {@link #CLIENT_HOST} this relay has logged as authorized */
        int authorized() {
            String output = process.output();
            int count = 0;
            for (int at = output.indexOf(AUTHORIZED_CLIENT); at >= 0; at = output.indexOf(AUTHORIZED_CLIENT, at + 1)) {
                count++;
            }
            return count;
        }

        @Override
        public void close() throws Exception {
            process.close();
        }
    }

    /** HAProxy in the foreground, with a stats socket to ask which servers it counts as up. */
    private static final class Haproxy implements AutoCloseable {
        private final RelayProcess process;
        private final int port;
        private final Path stats;

        private Haproxy(RelayProcess process, int port, Path stats) {
            this.process = process;
            this.port = port;
            this.stats = stats;
        }

        static Haproxy start(Path directory, Relay a, Relay b) throws Exception {
            Path binary = Path.of("/usr/sbin/haproxy");
            if (!Files.isExecutable(binary)) {
                throw new AssertionError("this test runs HAProxy: install it (Debian: apt-get install haproxy; .ci/run does)");
            }
            int port = Ports.free();
            Path stats = directory.resolve("haproxy.sock");
            // The README's example, with the checks made fast for a test.
            String configuration = """
                    global
                        stats socket STATS mode 600 level admin

                    defaults
                        mode tcp
                        timeout connect 5s
                        timeout client 1h
                        timeout server 1h
                        retries 3
                        option redispatch

                    frontend allas
                        bind 127.0.0.1:FRONTEND
                        default_backend relays

                    backend relays
                        balance roundrobin
                        option httpchk
                        http-check send meth GET uri /observe/health/ready ver HTTP/1.1 hdr Host localhost
                        http-check expect status 200
                        default-server send-proxy-v2 check inter 200ms fall 2 rise 1
                        server a 127.0.0.1:A_PORT check port A_HTTP
                        server b 127.0.0.1:B_PORT check port B_HTTP
                    """.replace("STATS", stats.toString()).replace("FRONTEND", String.valueOf(port))
                    .replace("A_PORT", String.valueOf(a.port)).replace("A_HTTP", String.valueOf(a.httpPort))
                    .replace("B_PORT", String.valueOf(b.port)).replace("B_HTTP", String.valueOf(b.httpPort));
            Path file = directory.resolve("haproxy.cfg");
            Files.writeString(file, configuration);
            RelayProcess process = RelayProcess.run(Map.of(), List.of(binary.toString(), "-db", "-f", file.toString()));
            process.awaitListening(port, WAIT);
            return new Haproxy(process, port, stats);
        }

        /** Waits until HAProxy's own check counts the relay as {@code status} (UP or DOWN). */
        void awaitServer(String server, String status) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            String last = "";
            while (System.nanoTime() < deadline) {
                last = serverStatus(server);
                if (last.equals(status)) {
                    return;
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
            throw new AssertionError("HAProxy did not count server " + server + " as " + status + " (last " + last
                    + "); output:\n" + process.output());
        }

        private String serverStatus(String server) {
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(UnixDomainSocketAddress.of(stats));
                channel.write(ByteBuffer.wrap("show stat\n".getBytes(StandardCharsets.US_ASCII)));
                StringBuilder answer = new StringBuilder();
                ByteBuffer buffer = ByteBuffer.allocate(8192);
                while (channel.read(buffer) > 0) {
                    answer.append(new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII));
                    buffer.clear();
                }
                for (String line : answer.toString().split("\n")) {
                    String[] fields = line.split(",", -1);
                    // CSV: pxname, svname, ... status is the 18th column.
                    if (fields.length > 17 && fields[0].equals("relays") && fields[1].equals(server)) {
                        return fields[17];
                    }
                }
                return "(not listed)";
            } catch (IOException e) {
                return "(stats socket: " + e.getMessage() + ")";
            }
        }

        @Override
        public void close() throws Exception {
            process.close();
        }
    }
}
