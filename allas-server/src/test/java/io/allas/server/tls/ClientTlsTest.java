package io.allas.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.allas.testing.CapturedLog;
import io.allas.testing.JdbcListener;
import io.allas.testing.Json;
import io.allas.testing.Psql;
import io.allas.testing.TestCertificates;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * TLS between clients and allas, with real clients and a CA made at test time.
 */
class ClientTlsTest {

    @TempDir
    static Path directory;

    private static TestCertificates certificates;
    private static TestCertificates.Pair server;

    @BeforeAll
    static void makeCertificates() {
        certificates = TestCertificates.authority(directory);
        server = certificates.issue("server", "allas-one", TestCertificates.KeyForm.PKCS8_RSA);
    }

    private static String tlsSection(TestCertificates.Pair pair, String mode) {
        return "  \"listen\": {\"host\": \"127.0.0.1\", \"port\": 0, \"tls\": {\"certificate\": "
                + Json.quote(pair.certificate().toString()) + ", \"key\": " + Json.quote(pair.key().toString())
                + (mode == null ? "" : ", \"mode\": " + Json.quote(mode)) + "}},\n";
    }

    private static TestRelay relay(TestCertificates.Pair pair, String mode) {
        return TestRelay.builder().md5("app", "app", "secret").listenSection(tlsSection(pair, mode)).start();
    }

    private static String psqlTarget(TestRelay relay, String extra) {
        return "host=localhost hostaddr=127.0.0.1 port=" + relay.port() + " dbname=app user=app " + extra;
    }

    @Test
    void psqlRequireAndVerifyFullConnectAndListen() {
        try (TestRelay relay = relay(server, null)) {
            for (String mode : new String[] {"sslmode=require", "sslmode=verify-full sslrootcert=" + certificates.ca()}) {
                Psql.Result result = Psql.run(psqlTarget(relay, mode), "secret",
                        "LISTEN secured", "SELECT 1", "SHOW server_version");
                assertEquals(0, result.exitCode(), mode + ": " + result.stderr());
                assertTrue(result.stdout().contains("\n1\n"), result.stdout());
            }
            Psql.Result wrongCa = Psql.run(psqlTarget(relay, "sslmode=verify-full sslrootcert=" + server.certificate()),
                    "secret", "SELECT 1");
            assertEquals(2, wrongCa.exitCode(), "a certificate not signed by the given root is refused by libpq");
        }
    }

    @Test
    void pgjdbcWithSslRequestAndWithDirectTls() throws SQLException {
        try (TestRelay relay = relay(server, "require")) {
            for (String negotiation : new String[] {"postgres", "direct"}) {
                try (Connection connection = relay.connect("app", "app", "secret", "sslmode", "require",
                        "sslNegotiation", negotiation);
                     JdbcListener listener = new JdbcListener(connection);
                     Connection producer = TestPostgres.shared().connect()) {
                    listener.execute("LISTEN over_tls");
                    producer.createStatement().execute("NOTIFY over_tls, '" + negotiation + "'");
                    assertEquals(negotiation, listener.await(1, Duration.ofSeconds(10)).getFirst().getParameter());
                }
            }
        }
    }

    @Test
    void clearTextClientsAreRefusedUnderRequire() throws InterruptedException {
        try (TestRelay relay = relay(server, "require"); CapturedLog log = CapturedLog.start()) {
            Psql.Result result = Psql.run(psqlTarget(relay, "sslmode=disable"), "secret", "SELECT 1");
            assertEquals(2, result.exitCode());
            assertTrue(result.stderr().contains("no pg_hba.conf entry for host \"127.0.0.1\", user \"app\", database \"app\", no encryption"),
                    result.stderr());
            SQLException e = assertThrows(SQLException.class, () -> relay.connect("app", "app", "secret", "sslmode", "disable"));
            assertEquals("28000", e.getSQLState());
            log.awaitLine(Duration.ofSeconds(10), "INFO client rejected (", "database=app user=app",
                    "28000 no pg_hba.conf entry for host \"127.0.0.1\", user \"app\", database \"app\", no encryption");
        }
    }

    @Test
    void bytesSentBeforeTheAnswerToSslRequestAreRefused() throws Exception {
        try (TestRelay relay = relay(server, null); WireClient client = new WireClient(relay.port())) {
            // SSLRequest and a StartupMessage in one write: the CVE-2021-23214 buffer-stuffing pattern.
            var out = new java.io.DataOutputStream(client.rawOutput());
            out.writeInt(8);
            out.writeInt((1234 << 16) | 5679);
            byte[] startup = "user\0app\0database\0app\0\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            out.writeInt(8 + startup.length);
            out.writeInt(3 << 16);
            out.write(startup);
            out.flush();
            WireClient.Message error = client.read();
            assertEquals("08P01", error.fields().get('C'));
            assertEquals("received unencrypted data after SSL request", error.fields().get('M'));
            assertTrue(client.isClosedByServer());
        }
    }

    @ParameterizedTest
    @EnumSource(TestCertificates.KeyForm.class)
    void eachKeyFormOpensslWritesIsRead(TestCertificates.KeyForm form) {
        TestCertificates.Pair pair = certificates.issue("form-" + form, "allas-" + form, form);
        try (TestRelay relay = relay(pair, "require")) {
            Psql.Result result = Psql.run(psqlTarget(relay, "sslmode=verify-full sslrootcert=" + certificates.ca()),
                    "secret", "SELECT 1");
            assertEquals(0, result.exitCode(), result.stderr());
        }
    }

    @Test
    void aRotatedCertificateIsServedToTheNextClientWhileConnectedClientsKeepReceiving() throws Exception {
        TestCertificates.Pair live = new TestCertificates.Pair(directory.resolve("live.crt"), directory.resolve("live.key"));
        Files.copy(server.certificate(), live.certificate(), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(server.key(), live.key(), StandardCopyOption.REPLACE_EXISTING);
        TestCertificates.Pair next = certificates.issue("next", "allas-two", TestCertificates.KeyForm.SEC1_EC);
        try (TestRelay relay = relay(live, null);
             JdbcListener listener = new JdbcListener(relay.connect("app", "app", "secret", "sslmode", "require"));
             Connection producer = TestPostgres.shared().connect()) {
            listener.execute("LISTEN rotation");
            String subject = TestCertificates.servedSubject(relay.port());
            assertTrue(subject.contains("allas-one"), subject);
            // A bad pair (a key of another certificate) is refused and the old one kept.
            Files.copy(next.certificate(), live.certificate(), StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(live.certificate(), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 1000));
            assertTrue(TestCertificates.servedSubject(relay.port()).contains("allas-one"));
            Files.copy(next.key(), live.key(), StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(live.key(), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 2000));
            assertTrue(TestCertificates.servedSubject(relay.port()).contains("allas-two"));
            producer.createStatement().execute("NOTIFY rotation, 'still here'");
            assertEquals("still here", listener.await(1, Duration.ofSeconds(10)).getFirst().getParameter());
        }
    }

    @Test
    void scramWithChannelBindingOverTls() {
        try (TestRelay relay = TestRelay.builder()
                .database("app", "scram-sha-256", Map.of("user", "app", "password", "secret"))
                .listenSection(tlsSection(server, "require")).start()) {
            Psql.Result result = Psql.run(psqlTarget(relay, "sslmode=require channel_binding=require"), "secret", "SELECT 1");
            assertEquals(0, result.exitCode(), result.stderr());
            Psql.Result wrong = Psql.run(psqlTarget(relay, "sslmode=require channel_binding=require"), "nope", "SELECT 1");
            assertTrue(wrong.stderr().contains("password authentication failed for user \"app\""), wrong.stderr());
        }
    }

    @Test
    void aClientThatTriesToRenegotiateIsRefused() throws Exception {
        try (TestRelay relay = TestRelay.builder().trust("app").listenSection(tlsSection(server, null)).start();
             CapturedLog log = CapturedLog.start();
             java.net.Socket plain = new java.net.Socket("127.0.0.1", relay.port())) {
            WireClient clear = new WireClient(plain);
            clear.sendStartupPacket(80877103, new byte[0]);
            assertEquals('S', clear.readSingleByte());
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) trusting(server.certificate())
                    .createSocket(plain, "localhost", relay.port(), true);
            // Renegotiation exists up to TLS 1.2 only.
            tls.setEnabledProtocols(new String[] {"TLSv1.2"});
            tls.startHandshake();
            WireClient client = new WireClient(tls);
            client.sendStartup(0, Map.of("user", "app", "database", "app"));
            client.readUntil('Z');
            assertEquals("CZ", WireClient.types(client.roundTrip("LISTEN before")));
            tls.startHandshake();
            java.io.IOException ended = assertThrows(java.io.IOException.class, () -> client.roundTrip("LISTEN after"),
                    "the session ends instead of renegotiating");
            assertFalse(ended instanceof java.net.SocketTimeoutException, "ended, not left hanging: " + ended);
            log.awaitLine(Duration.ofSeconds(10), "client-initiated TLS renegotiation refused");
        }
    }

    private static javax.net.ssl.SSLSocketFactory trusting(Path certificate) throws Exception {
        java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        try (java.io.InputStream in = Files.newInputStream(certificate)) {
            trusted.setCertificateEntry("allas", java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    @Test
    void tlsVersionsAndHandshakeFailuresAreCounted() throws Exception {
        try (TestRelay relay = TestRelay.builder().md5("app", "app", "secret").prometheus()
                .listenSection(tlsSection(server, null)).start()) {
            Psql.Result ok = Psql.run(psqlTarget(relay, "sslmode=require"), "secret", "SELECT 1");
            assertEquals(0, ok.exitCode(), ok.stderr());
            assertEquals(1.0, io.allas.testing.Scrape.value(relay.httpPort(), "allas_tls_connections_total\\{protocol=\"TLSv1.3\""));
            Psql.Result refused = Psql.run(psqlTarget(relay, "sslmode=verify-full sslrootcert=" + server.certificate()),
                    "secret", "SELECT 1");
            assertEquals(2, refused.exitCode());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (io.allas.testing.Scrape.sum(io.allas.testing.Scrape.get(relay.httpPort(), "/metrics").body(),
                    "allas_tls_handshake_failures_total") < 1) {
                assertTrue(System.nanoTime() < deadline, "no handshake failure counted");
            }
        }
    }

    @Test
    void tlsConfigurationErrorsNameTheKey() throws Exception {
        TestCertificates.Pair other = certificates.issue("other", "other", TestCertificates.KeyForm.PKCS8_RSA);
        Map<String, String> cases = Map.of(
                tlsSection(new TestCertificates.Pair(directory.resolve("absent.crt"), server.key()), null),
                "invalid value for option \"listen.tls.certificate\": \"" + directory.resolve("absent.crt")
                        + "\" does not exist or is not readable",
                // Resolved against the configuration's directory, a path may hold "..": the message names the file.
                tlsSection(new TestCertificates.Pair(directory.resolve("elsewhere/../missing.crt"), server.key()), null),
                "invalid value for option \"listen.tls.certificate\": \"" + directory.resolve("missing.crt")
                        + "\" does not exist or is not readable",
                tlsSection(new TestCertificates.Pair(server.certificate(), other.key()), null),
                "invalid value for option \"listen.tls.key\": the key does not match the certificate",
                tlsSection(server, "sometimes"),
                "invalid value for option \"listen.tls.mode\": \"sometimes\" (one of disable, allow, require)",
                tlsSection(new TestCertificates.Pair(server.key(), server.key()), null),
                "invalid value for option \"listen.tls.certificate\"");
        for (var entry : cases.entrySet()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> TestRelay.builder().trust("app").listenSection(entry.getKey()).start());
            assertTrue(e.getMessage().contains(entry.getValue()), e.getMessage());
        }
    }
}
