package io.allas.auth.scram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import javax.net.ssl.SSLSession;

import org.junit.jupiter.api.Test;

import io.allas.auth.spi.AuthExchange;
import io.allas.auth.spi.AuthRequest;
import io.allas.auth.spi.AuthResult;

/**
 * The whole exchange over the SPI, with a SCRAM client written here from RFC 5802 playing the
 * other side: SASL framing, mechanism choice, channel binding, the unknown user's mock salt.
 */
class ScramAuthenticationTest {

    private static final ScramAuthentication METHOD = new ScramAuthentication("alice", ScramVerifier.fromPassword("s3cret"));

    /**
     * A client: answers each request through {@code respond}, and records what it was sent.
     */
    static final class ScriptedExchange implements AuthExchange {
        final String user;
        final Optional<SSLSession> tls;
        final Function<AuthRequest, byte[]> respond;
        final List<AuthRequest> sent = new ArrayList<>();

        ScriptedExchange(String user, Optional<SSLSession> tls, Function<AuthRequest, byte[]> respond) {
            this.user = user;
            this.tls = tls;
            this.respond = respond;
        }

        @Override public String user() { return user; }
        @Override public String database() { return "db"; }
        @Override public Optional<SocketAddress> peer() { return Optional.empty(); }
        @Override public Optional<SSLSession> tls() { return tls; }
        @Override public void send(AuthRequest request) { sent.add(request); }

        @Override
        public byte[] receive() throws IOException {
            byte[] response = respond.apply(sent.get(sent.size() - 1));
            if (response == null) {
                throw new IOException("the client left");
            }
            return response;
        }

        List<String> offered() {
            List<String> mechanisms = new ArrayList<>();
            String data = new String(sent.get(0).data(), StandardCharsets.UTF_8);
            for (String m : data.split("\0")) {
                if (!m.isEmpty()) {
                    mechanisms.add(m);
                }
            }
            return mechanisms;
        }
    }

    /**
     * A SCRAM-SHA-256 client as RFC 5802 describes it.
     */
    static final class Client implements Function<AuthRequest, byte[]> {
        final String password;
        final String mechanism;
        final String gs2Header;
        final byte[] bindingData;
        boolean omitInitialResponse;
        String clientFirstBare = "n=,r=clientnonce0123456789";
        String serverFirst;
        String serverFinal;
        boolean sentFirst;

        Client(String password, String mechanism, String gs2Header, byte[] bindingData) {
            this.password = password;
            this.mechanism = mechanism;
            this.gs2Header = gs2Header;
            this.bindingData = bindingData;
        }

        static Client plain(String password) {
            return new Client(password, ScramAuthentication.SCRAM_SHA_256, "n,,", new byte[0]);
        }

        @Override
        public byte[] apply(AuthRequest request) {
            switch (request.code()) {
                case 10 -> {
                    byte[] first = (gs2Header + clientFirstBare).getBytes(StandardCharsets.US_ASCII);
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    out.writeBytes(mechanism.getBytes(StandardCharsets.US_ASCII));
                    out.write(0);
                    byte[] length = ByteBuffer.allocate(4).putInt(omitInitialResponse ? -1 : first.length).array();
                    out.writeBytes(length);
                    if (!omitInitialResponse) {
                        out.writeBytes(first);
                        sentFirst = true;
                    }
                    return out.toByteArray();
                }
                case 11 -> {
                    if (!sentFirst) {
                        assertEquals(0, request.data().length, "an empty challenge asks for the client-first-message");
                        sentFirst = true;
                        return (gs2Header + clientFirstBare).getBytes(StandardCharsets.US_ASCII);
                    }
                    serverFirst = new String(request.data(), StandardCharsets.US_ASCII);
                    String[] parts = serverFirst.split(",");
                    String nonce = parts[0].substring(2);
                    byte[] salt = Base64.getDecoder().decode(parts[1].substring(2));
                    int iterations = Integer.parseInt(parts[2].substring(2));
                    byte[] header = gs2Header.getBytes(StandardCharsets.US_ASCII);
                    byte[] binding = new byte[header.length + bindingData.length];
                    System.arraycopy(header, 0, binding, 0, header.length);
                    System.arraycopy(bindingData, 0, binding, header.length, bindingData.length);
                    String withoutProof = "c=" + Base64.getEncoder().encodeToString(binding) + ",r=" + nonce;
                    byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof)
                            .getBytes(StandardCharsets.US_ASCII);
                    byte[] salted = Scram.hi(password.getBytes(StandardCharsets.UTF_8), salt, iterations);
                    byte[] clientKey = Scram.clientKey(salted);
                    byte[] proof = Scram.xor(clientKey, Scram.hmac(Scram.h(clientKey), authMessage));
                    serverFinal = "v=" + Base64.getEncoder().encodeToString(
                            Scram.hmac(Scram.serverKey(salted), authMessage));
                    return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof))
                            .getBytes(StandardCharsets.US_ASCII);
                }
                default -> throw new AssertionError("unexpected request " + request);
            }
        }
    }

    private static Optional<SSLSession> tlsWith(String certificateFile) throws Exception {
        Certificate certificate = ScramComputationTest.certificate(certificateFile);
        SSLSession session = (SSLSession) Proxy.newProxyInstance(SSLSession.class.getClassLoader(),
                new Class<?>[] {SSLSession.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getLocalCertificates" -> new Certificate[] {certificate};
                    case "toString" -> "fake TLS session";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return Optional.of(session);
    }

    @Test
    void theRightPasswordSucceedsAndTheServerProvesItself() throws Exception {
        Client client = Client.plain("s3cret");
        ScriptedExchange exchange = new ScriptedExchange("alice", Optional.empty(), client);
        assertInstanceOf(AuthResult.Success.class, METHOD.authenticate(exchange));
        assertEquals(List.of("SCRAM-SHA-256"), exchange.offered(), "no PLUS without TLS");
        assertEquals(List.of(10, 11, 12), exchange.sent.stream().map(AuthRequest::code).toList());
        assertEquals(client.serverFinal, new String(exchange.sent.get(2).data(), StandardCharsets.US_ASCII));
        String nonce = client.serverFirst.split(",")[0].substring(2);
        assertTrue(nonce.startsWith("clientnonce0123456789"));
        assertEquals(24, nonce.length() - "clientnonce0123456789".length(), "18 random bytes in base64");
    }

    @Test
    void anInitialResponseOfLengthMinusOneGetsAnEmptyChallenge() throws Exception {
        Client client = Client.plain("s3cret");
        client.omitInitialResponse = true;
        ScriptedExchange exchange = new ScriptedExchange("alice", Optional.empty(), client);
        assertInstanceOf(AuthResult.Success.class, METHOD.authenticate(exchange));
        assertEquals(List.of(10, 11, 11, 12), exchange.sent.stream().map(AuthRequest::code).toList());
    }

    @Test
    void theUserNameInsideTheScramMessageIsIgnored() throws Exception {
        Client client = Client.plain("s3cret");
        client.clientFirstBare = "n=mallory,r=abcdef";
        assertInstanceOf(AuthResult.Success.class, METHOD.authenticate(new ScriptedExchange("alice", Optional.empty(), client)));
        Client other = Client.plain("s3cret");
        other.clientFirstBare = "n=alice,r=abcdef";
        assertEquals(AuthResult.passwordFailed("mallory", "unknown_user"),
                METHOD.authenticate(new ScriptedExchange("mallory", Optional.empty(), other)));
    }

    @Test
    void wrongPasswordAndWrongUserFailAlike() throws Exception {
        assertEquals(AuthResult.passwordFailed("alice", "wrong_password"),
                METHOD.authenticate(new ScriptedExchange("alice", Optional.empty(), Client.plain("wrong"))));
        ScriptedExchange unknown = new ScriptedExchange("mallory", Optional.empty(), Client.plain("s3cret"));
        assertEquals(AuthResult.passwordFailed("mallory", "unknown_user"), METHOD.authenticate(unknown));
        assertEquals(List.of(10, 11), unknown.sent.stream().map(AuthRequest::code).toList(), "a full exchange, no SASLFinal");
    }

    @Test
    void anUnknownUserGetsAStableMockSaltAndTheRealIterationCount() throws Exception {
        Client first = Client.plain("x");
        METHOD.authenticate(new ScriptedExchange("mallory", Optional.empty(), first));
        Client second = Client.plain("y");
        METHOD.authenticate(new ScriptedExchange("mallory", Optional.empty(), second));
        Client real = Client.plain("s3cret");
        METHOD.authenticate(new ScriptedExchange("alice", Optional.empty(), real));
        String mockSalt = first.serverFirst.split(",")[1];
        assertEquals(mockSalt, second.serverFirst.split(",")[1], "the same name always gets the same salt");
        assertFalse(mockSalt.equals(real.serverFirst.split(",")[1]));
        assertEquals(real.serverFirst.split(",")[1].length(), mockSalt.length());
        assertEquals("i=4096", first.serverFirst.split(",")[2]);
    }

    @Test
    void withTlsPlusIsOfferedFirstAndChannelBindingWorks() throws Exception {
        Optional<SSLSession> tls = tlsWith("ecdsa-sha384.pem");
        byte[] binding = ChannelBinding.tlsServerEndPoint(tls.get()).orElseThrow();
        assertEquals(48, binding.length);
        Client client = new Client("s3cret", ScramAuthentication.SCRAM_SHA_256_PLUS, "p=tls-server-end-point,,", binding);
        ScriptedExchange exchange = new ScriptedExchange("alice", tls, client);
        assertInstanceOf(AuthResult.Success.class, METHOD.authenticate(exchange));
        assertEquals(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"), exchange.offered());
    }

    @Test
    void aWrongChannelBindingIsRefused() throws Exception {
        Optional<SSLSession> tls = tlsWith("rsa-sha256.pem");
        byte[] otherCertificateHash = ChannelBinding.tlsServerEndPoint(ScramComputationTest.certificate("rsa-sha1.pem")).orElseThrow();
        Client client = new Client("s3cret", ScramAuthentication.SCRAM_SHA_256_PLUS, "p=tls-server-end-point,,", otherCertificateHash);
        AuthResult.Failure failure = (AuthResult.Failure) METHOD.authenticate(new ScriptedExchange("alice", tls, client));
        assertEquals("28000", failure.sqlState());
        assertEquals("SCRAM channel binding check failed", failure.message());
    }

    @Test
    void withTlsAClientSayingYIsRefusedAsADowngrade() throws Exception {
        Client client = new Client("s3cret", ScramAuthentication.SCRAM_SHA_256, "y,,", new byte[0]);
        AuthResult.Failure failure = (AuthResult.Failure) METHOD.authenticate(
                new ScriptedExchange("alice", tlsWith("rsa-sha256.pem"), client));
        assertEquals("28000", failure.sqlState());
        assertEquals("SCRAM channel binding negotiation error", failure.message());
    }

    @Test
    void withoutTlsAClientSayingYIsAccepted() throws Exception {
        Client client = new Client("s3cret", ScramAuthentication.SCRAM_SHA_256, "y,,", new byte[0]);
        assertInstanceOf(AuthResult.Success.class, METHOD.authenticate(new ScriptedExchange("alice", Optional.empty(), client)));
    }

    @Test
    void aCertificateWithoutABindingHashOffersNoPlus() throws Exception {
        Client client = new Client("s3cret", ScramAuthentication.SCRAM_SHA_256, "y,,", new byte[0]);
        ScriptedExchange exchange = new ScriptedExchange("alice", tlsWith("ed25519.pem"), client);
        assertInstanceOf(AuthResult.Success.class, METHOD.authenticate(exchange));
        assertEquals(List.of("SCRAM-SHA-256"), exchange.offered());
    }

    @Test
    void plusWithoutTlsIsAnInvalidMechanism() throws Exception {
        Client client = new Client("s3cret", ScramAuthentication.SCRAM_SHA_256_PLUS, "p=tls-server-end-point,,", new byte[32]);
        assertEquals(AuthResult.protocolViolation("client selected an invalid SASL authentication mechanism"),
                METHOD.authenticate(new ScriptedExchange("alice", Optional.empty(), client)));
    }

    private static AuthResult initialResponse(byte[] body) throws IOException {
        return METHOD.authenticate(new ScriptedExchange("alice", Optional.empty(), request -> body));
    }

    @Test
    void malformedInitialResponsesAreProtocolViolations() throws IOException {
        assertEquals(AuthResult.protocolViolation("invalid string in message"),
                initialResponse("SCRAM-SHA-256".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(AuthResult.protocolViolation("client selected an invalid SASL authentication mechanism"),
                initialResponse("SCRAM-SHA-1\0\0\0\0\0".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(AuthResult.protocolViolation("insufficient data left in message"),
                initialResponse("SCRAM-SHA-256\0\0\0".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(AuthResult.protocolViolation("insufficient data left in message"),
                initialResponse("SCRAM-SHA-256\0\0\0\0\u0009n,,".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(AuthResult.protocolViolation("invalid message format"),
                initialResponse("SCRAM-SHA-256\0\0\0\0\u0003n,,xx".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(((AuthResult.Failure) AuthResult.protocolViolation("malformed SCRAM message"))
                        .withDetail("The message is empty."),
                initialResponse("SCRAM-SHA-256\0\0\0\0\0".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aClientLeavingMidwayIsAnIOException() {
        Client client = Client.plain("s3cret");
        ScriptedExchange exchange = new ScriptedExchange("alice", Optional.empty(),
                request -> request.code() == 10 ? client.apply(request) : null);
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> METHOD.authenticate(exchange));
    }

    @Test
    void theHashesUsedAreTheRfcs() {
        // Hi with one iteration is HMAC(password, salt || INT(1)).
        byte[] salt = {1, 2, 3};
        assertArrayEquals(Scram.hmac("pw".getBytes(StandardCharsets.US_ASCII), new byte[] {1, 2, 3, 0, 0, 0, 1}),
                Scram.hi("pw".getBytes(StandardCharsets.US_ASCII), salt, 1));
    }
}
