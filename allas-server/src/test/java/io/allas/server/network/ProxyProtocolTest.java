package io.allas.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.allas.auth.spi.AuthMethodProvider;
import io.allas.testing.CapturedLog;
import io.allas.testing.Json;
import io.allas.testing.PluginJarBuilder;
import io.allas.testing.TestCertificates;
import io.allas.testing.TestRelay;
import io.allas.testing.UpstreamProxy;
import io.allas.testing.WireClient;

/**
 * PROXY protocol v1 and v2 from a trusted load balancer: the client's address it announces is the
 * one log lines and authentication plugins see; anyone else's header is refused, as is a trusted
 * peer's connection without one. The load balancer is played by raw sockets and, for real clients
 * (pgjdbc with TLS), by a forwarder that begins each connection with a header.
 */
class ProxyProtocolTest {

    private static final Duration WAIT_FOR_LOG = Duration.ofSeconds(10);
    /** The method of the test's plugin, which refuses every client, naming the address it sees. */
    private static final String PEER_METHOD = "peer_echo";

    @TempDir
    static Path directory;

    /** Trusts the loopback address the tests connect from. */
    private static TestRelay trusting;
    /** Trusts only a range the tests never connect from. */
    private static TestRelay untrusting;

    @BeforeAll
    static void start() throws Exception {
        Path spi = Path.of(AuthMethodProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path plugins = PluginJarBuilder.buildPlugin(peerPluginSources(), peerPluginResources(), spi,
                directory.resolve("build"), "allas-auth-peer.jar").getParent();
        TestCertificates.Pair server = TestCertificates.authority(Files.createDirectories(directory.resolve("tls"))).issue("server", "localhost", TestCertificates.KeyForm.PKCS8_RSA);
        trusting = TestRelay.builder().trust("app").database("whois", PEER_METHOD, Map.of())
                .pluginDirectory(plugins)
                .listenSection("\"listen\": {\"host\": \"127.0.0.1\", \"port\": 0, "
                        + "\"proxy_protocol\": {\"trusted\": [\"10.0.0.0/8\", \"127.0.0.1/32\"]}, "
                        + "\"tls\": {\"certificate\": " + Json.quote(server.certificate().toString())
                        + ", \"key\": " + Json.quote(server.key().toString()) + "}},\n")
                .extraSections("\"limits\": {\"startup_timeout_ms\": 4000},\n")
                .start();
        untrusting = TestRelay.builder().trust("app")
                .listenSection("\"listen\": {\"host\": \"127.0.0.1\", \"port\": 0, "
                        + "\"proxy_protocol\": {\"trusted\": [\"10.0.0.0/8\", \"::1/128\"]}},\n")
                .start();
    }

    @AfterAll
    static void stop() {
        if (trusting != null) {
            trusting.close();
        }
        if (untrusting != null) {
            untrusting.close();
        }
    }

    @Test
    void version1Tcp4NamesTheClientToPluginsAndLogLines() throws Exception {
        try (CapturedLog log = CapturedLog.start()) {
            assertEquals("peer /203.0.113.7:40001", refusalAfter(
                    ascii("PROXY TCP4 203.0.113.7 192.0.2.1 40001 6433\r\n"), "whois"));
            assertEquals("3D000", refusalCodeAfter(ascii("PROXY TCP4 203.0.113.8 192.0.2.1 40002 6433\r\n"), "nosuch"));
            log.awaitLine(WAIT_FOR_LOG, "INFO client rejected (/203.0.113.8:40002 database=nosuch");
        }
    }

    @Test
    void version1Tcp6() throws Exception {
        assertEquals("peer /[2001:db8:0:0:0:0:0:7]:40003", refusalAfter(
                ascii("PROXY TCP6 2001:db8::7 2001:db8::1 40003 6433\r\n"), "whois"));
    }

    @Test
    void version2Tcp4AndTcp6() throws Exception {
        assertEquals("peer /198.51.100.4:50000", refusalAfter(
                v2(0x21, 0x11, address("198.51.100.4", "192.0.2.1", 50000, 6433)), "whois"));
        assertEquals("peer /[2001:db8:0:0:0:0:0:9]:50001", refusalAfter(
                v2(0x21, 0x21, address("2001:db8::9", "2001:db8::1", 50001, 6433)), "whois"));
    }

    @Test
    void version2TlvsAfterTheAddressesAreSkipped() throws Exception {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.writeBytes(address("198.51.100.5", "192.0.2.1", 50002, 6433));
        // PP2_TYPE_UNIQUE_ID with 4 bytes, as HAProxy's unique-id-format sends.
        block.writeBytes(new byte[] {0x05, 0x00, 0x04, 1, 2, 3, 4});
        assertEquals("peer /198.51.100.5:50002", refusalAfter(v2(0x21, 0x11, block.toByteArray()), "whois"));
    }

    /**
     * A load balancer's own connection (a health check) and one it cannot describe are served with
     * the connection's own address; a health check that leaves at once ends quietly.
     */
    @Test
    void unknownAndLocalKeepTheLoadBalancersAddress() throws Exception {
        for (byte[] header : new byte[][] {ascii("PROXY UNKNOWN\r\n"),
                ascii("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"), v2(0x20, 0x00, new byte[0]),
                v2(0x21, 0x00, new byte[0])}) {
            assertTrue(refusalAfter(header, "whois").startsWith("peer /127.0.0.1:"));
            try (WireClient client = new WireClient(trusting.port())) {
                client.rawOutput().write(header);
                client.rawOutput().flush();
            }
        }
        try (WireClient client = new WireClient(trusting.port())) {
            client.rawOutput().write(v2(0x20, 0x00, new byte[0]));
            client.sendStartup(0, Map.of("user", "alice", "database", "app"));
            client.readUntil('Z');
            assertEquals("SELECT 1", client.roundTrip("SELECT 1").stream()
                    .filter(m -> m.type() == 'C').findFirst().map(m -> new String(m.body(), 0, m.body().length - 1,
                            StandardCharsets.UTF_8)).orElseThrow());
        }
    }

    /** What HAProxy with {@code send-proxy-v2} in front of a TLS client looks like: header, then SSLRequest or direct TLS. */
    @Test
    void tlsAfterTheHeaderWithPgjdbc() throws Exception {
        try (UpstreamProxy balancer = new UpstreamProxy("127.0.0.1", trusting.port())) {
            balancer.announceEachConnection(v2(0x21, 0x11, address("203.0.113.20", "192.0.2.1", 41000, 6433)));
            for (String negotiation : new String[] {"postgres", "direct"}) {
                try (Connection connection = java.sql.DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + balancer.port() + "/app?user=alice&sslmode=require"
                                + "&sslNegotiation=" + negotiation + "&connectTimeout=10");
                     Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN proxied");
                }
                SQLException e = assertThrows(SQLException.class, () -> java.sql.DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + balancer.port() + "/whois?user=alice&sslmode=require"
                                + "&sslNegotiation=" + negotiation + "&connectTimeout=10"));
                assertTrue(e.getMessage().contains("peer /203.0.113.20:41000"), e.getMessage());
            }
        }
    }

    @Test
    void aTrustedPeerWithoutAHeaderIsRefused() {
        SQLException e = assertThrows(SQLException.class, () -> trusting.connect("app", "alice", null));
        assertEquals("08P01", e.getSQLState());
        assertTrue(e.getMessage().contains("expected a PROXY protocol header from 127.0.0.1"), e.getMessage());
    }

    @Test
    void anUntrustedPeerIsServedAsBeforeAndItsHeaderRefused() throws Exception {
        try (Connection connection = untrusting.connect("app", "alice", null);
             Statement statement = connection.createStatement()) {
            statement.execute("LISTEN direct");
        }
        for (byte[] header : new byte[][] {ascii("PROXY TCP4 10.1.2.3 192.0.2.1 40001 6433\r\n"),
                v2(0x21, 0x11, address("10.1.2.3", "192.0.2.1", 40001, 6433))}) {
            try (WireClient client = new WireClient(untrusting.port())) {
                client.rawOutput().write(header);
                client.sendStartup(0, Map.of("user", "alice", "database", "app"));
                Map<Character, String> error = client.read().fields();
                assertEquals("FATAL", error.get('S'));
                assertEquals("08P01", error.get('C'));
                assertEquals("PROXY protocol header from 127.0.0.1, which is not in listen.proxy_protocol.trusted",
                        error.get('M'));
                assertTrue(client.isClosedByServer());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "PROXY TCP4 203.0.113.7 192.0.2.1 40001\r\n",
            "PROXY TCP4 203.0.113 192.0.2.1 40001 6433\r\n",
            "PROXY TCP4 203.0.113.300 192.0.2.1 40001 6433\r\n",
            "PROXY TCP4 example.com 192.0.2.1 40001 6433\r\n",
            "PROXY TCP4 203.0.113.7 192.0.2.1 040001 6433\r\n",
            "PROXY TCP4 203.0.113.7 192.0.2.1 70000 6433\r\n",
            "PROXY TCP6 203.0.113.7 192.0.2.1 40001 6433\r\n",
            "PROXY TCP5 203.0.113.7 192.0.2.1 40001 6433\r\n",
            "PROXY TCP4 203.0.113.7 192.0.2.1 40001 6433\n",
            "PROXIED TCP4\r\n",
            "PROXY UNKNOWN 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n",
    })
    void malformedVersion1HeadersAre08P01(String header) throws Exception {
        assertMalformed(ascii(header));
    }

    @Test
    void malformedVersion2HeadersAre08P01() throws Exception {
        byte[] valid = address("198.51.100.4", "192.0.2.1", 50000, 6433);
        assertMalformed(v2(0x31, 0x11, valid));                        // version 3
        assertMalformed(v2(0x22, 0x11, valid));                        // command 2
        assertMalformed(v2(0x21, 0x12, valid));                        // UDP
        assertMalformed(v2(0x21, 0x21, valid));                        // IPv6 family, IPv4-sized block
        assertMalformed(v2(0x21, 0x41, valid));                        // family 4
        byte[] badSignature = v2(0x21, 0x11, valid);
        badSignature[11] = 'X';
        assertMalformed(badSignature);
    }

    /** A header that stops halfway holds the connection no longer than any slow startup. */
    @Test
    void aHeaderCutShortEndsWithTheStartupTimeout() throws Exception {
        try (WireClient client = new WireClient(trusting.port())) {
            client.rawOutput().write(ascii("PROXY TCP4 203.0.113.7 "));
            client.rawOutput().flush();
            Map<Character, String> error = client.read().fields();
            assertEquals("57014", error.get('C'));
            assertTrue(client.isClosedByServer());
        }
    }

    private static void assertMalformed(byte[] header) throws IOException {
        try (WireClient client = new WireClient(trusting.port())) {
            client.rawOutput().write(header);
            client.sendStartup(0, Map.of("user", "alice", "database", "app"));
            Map<Character, String> error = client.read().fields();
            assertEquals("FATAL", error.get('S'));
            assertEquals("08P01", error.get('C'), error.toString());
            assertTrue(error.get('M').startsWith("invalid PROXY protocol header: "), error.get('M'));
            assertTrue(client.isClosedByServer());
        }
    }

    /** @return the FATAL message a client gets after the header and a startup for {@code database} */
    private static String refusalAfter(byte[] header, String database) throws IOException {
        return refusalFieldsAfter(header, database).get('M');
    }

    private static String refusalCodeAfter(byte[] header, String database) throws IOException {
        return refusalFieldsAfter(header, database).get('C');
    }

    private static Map<Character, String> refusalFieldsAfter(byte[] header, String database) throws IOException {
        try (WireClient client = new WireClient(trusting.port())) {
            client.rawOutput().write(header);
            client.sendStartup(0, Map.of("user", "alice", "database", database));
            WireClient.Message message = client.readUntil('E');
            return message.fields();
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** A v2 header: signature, version and command, family and transport, length, then the block. */
    private static byte[] v2(int versionAndCommand, int familyAndTransport, byte[] block) {
        ByteBuffer header = ByteBuffer.allocate(16 + block.length);
        header.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        header.put((byte) versionAndCommand).put((byte) familyAndTransport).putShort((short) block.length).put(block);
        return header.array();
    }

    private static byte[] address(String source, String destination, int sourcePort, int destinationPort)
            throws IOException {
        byte[] from = InetAddress.getByName(source).getAddress();
        byte[] to = InetAddress.getByName(destination).getAddress();
        return ByteBuffer.allocate(from.length + to.length + 4).put(from).put(to)
                .putShort((short) sourcePort).putShort((short) destinationPort).array();
    }

    /** A plugin that refuses every client, telling it the address allas handed the plugin. */
    private static Path peerPluginSources() throws IOException {
        Path sources = Files.createDirectories(directory.resolve("peer-plugin/java/test/peer"));
        Files.writeString(sources.resolve("PeerEchoProvider.java"), """
                package test.peer;

                import java.util.Set;
                import io.allas.auth.spi.AuthConfig;
                import io.allas.auth.spi.AuthMethod;
                import io.allas.auth.spi.AuthMethodProvider;
                import io.allas.auth.spi.AuthResult;

                public final class PeerEchoProvider implements AuthMethodProvider {
                    @Override
                    public String method() {
                        return "%s";
                    }

                    @Override
                    public Set<String> failureReasons() {
                        return Set.of("echo");
                    }

                    @Override
                    public AuthMethod configure(AuthConfig config) {
                        return exchange -> new AuthResult.Failure("28000",
                                "peer " + exchange.peer().map(Object::toString).orElse("none"), null, "echo");
                    }
                }
                """.formatted(PEER_METHOD));
        Files.writeString(directory.resolve("peer-plugin/java/module-info.java"), """
                module test.peer {
                    requires io.allas.auth.spi;
                    provides io.allas.auth.spi.AuthMethodProvider with test.peer.PeerEchoProvider;
                }
                """);
        return directory.resolve("peer-plugin/java");
    }

    private static Path peerPluginResources() throws IOException {
        Path services = Files.createDirectories(directory.resolve("peer-plugin/resources/META-INF/services"));
        Files.writeString(services.resolve(AuthMethodProvider.class.getName()), "test.peer.PeerEchoProvider\n");
        return directory.resolve("peer-plugin/resources");
    }
}
