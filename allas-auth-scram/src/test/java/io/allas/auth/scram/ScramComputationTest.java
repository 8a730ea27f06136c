package io.allas.auth.scram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.allas.auth.spi.AuthResult;

/**
 * The SCRAM computations against RFC 7677's test vector, PostgreSQL's verifier form, SASLprep
 * and the tls-server-end-point hash.
 */
class ScramComputationTest {

    // RFC 7677 section 3.
    private static final String PASSWORD = "pencil";
    private static final String SALT = "W22ZaJ0SNY7soEsUEjb6gQ==";
    private static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final String SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    // StoredKey and ServerKey of "pencil" with that salt, computed independently (Python's hashlib).
    private static final String STORED_KEY = "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=";
    private static final String SERVER_KEY = "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";

    private static ScramVerifier rfcVerifier() {
        return ScramVerifier.fromPassword(PASSWORD, Base64.getDecoder().decode(SALT), 4096);
    }

    private static ScramSession rfcSession() {
        ScramVerifier verifier = rfcVerifier();
        return new ScramSession(verifier, verifier.salt(), null, false, SERVER_NONCE);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void verifierOfTheRfcPasswordHasTheExpectedKeys() {
        assertEquals("SCRAM-SHA-256$4096:" + SALT + "$" + STORED_KEY + ":" + SERVER_KEY, rfcVerifier().encode());
    }

    @Test
    void rfc7677ExchangeProducesTheRfcServerMessages() throws Exception {
        ScramSession session = rfcSession();
        assertEquals(SERVER_FIRST, new String(session.serverFirst(ascii(CLIENT_FIRST)), StandardCharsets.US_ASCII));
        Optional<byte[]> serverFinal = session.serverFinal(ascii(CLIENT_FINAL));
        assertTrue(serverFinal.isPresent(), "the RFC's proof is accepted");
        assertEquals(SERVER_FINAL, new String(serverFinal.get(), StandardCharsets.US_ASCII));
    }

    @Test
    void rfc7677ExchangeWorksFromTheStoredVerifierAlone() throws Exception {
        ScramVerifier stored = ScramVerifier.parse("SCRAM-SHA-256$4096:" + SALT + "$" + STORED_KEY + ":" + SERVER_KEY)
                .orElseThrow();
        ScramSession session = new ScramSession(stored, stored.salt(), null, false, SERVER_NONCE);
        assertEquals(SERVER_FIRST, new String(session.serverFirst(ascii(CLIENT_FIRST)), StandardCharsets.US_ASCII));
        assertEquals(SERVER_FINAL, new String(session.serverFinal(ascii(CLIENT_FINAL)).orElseThrow(), StandardCharsets.US_ASCII));
    }

    @Test
    void aWrongProofIsNotAcceptedAndGetsNoServerSignature() throws Exception {
        ScramSession session = rfcSession();
        session.serverFirst(ascii(CLIENT_FIRST));
        String wrong = CLIENT_FINAL.replace("p=dHzb", "p=dHzc");
        assertTrue(session.serverFinal(ascii(wrong)).isEmpty());
    }

    @Test
    void aTamperedAuthMessageFailsTheProof() throws Exception {
        ScramSession session = rfcSession();
        session.serverFirst(ascii("n,,n=someone-else,r=rOprNGfwEbeRWgbNEkqO"));
        assertTrue(session.serverFinal(ascii(CLIENT_FINAL)).isEmpty(), "the user name is part of the AuthMessage");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "x,,n=user,r=abc|malformed SCRAM message|Unexpected channel-binding flag \"'x'\".",
        "n;,n=user,r=abc|malformed SCRAM message|Comma expected, but found character \"';'\".",
        "p=tls-server-end-point,,n=user,r=abc|malformed SCRAM message|The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.",
        "n,a=admin,n=user,r=abc|client uses authorization identity, but it is not supported|",
        "n,x,n=user,r=abc|malformed SCRAM message|Unexpected attribute \"'x'\" in client-first-message.",
        "n,,m=ext,n=user,r=abc|client requires an unsupported SCRAM extension|",
        "n,,r=abc|malformed SCRAM message|Expected attribute \"n\" but found \"'r'\".",
        "n,,n=user|malformed SCRAM message|Expected attribute \"r\" but found \"0x00\".",
        "n,,n=user,rabc|malformed SCRAM message|Expected character \"=\" for attribute \"r\".",
        "n,,n=user,r=a\u007fc|non-printable characters in SCRAM nonce|",
        "n,,n=user,r=abc,1=x|malformed SCRAM message|Attribute expected, but found invalid character \"'1'\".",
    })
    void malformedClientFirstMessagesAreRefusedWithPostgresWording(String message, String expected, String detail) {
        ScramSession.Refusal refusal = assertThrows(ScramSession.Refusal.class,
                () -> rfcSession().serverFirst(message.getBytes(StandardCharsets.ISO_8859_1)));
        AuthResult.Failure failure = (AuthResult.Failure) refusal.result();
        assertEquals(expected, failure.message());
        assertEquals(expected.startsWith("client") ? "0A000" : "08P01", failure.sqlState());
        assertEquals(detail, refusal.detail());
    }

    @Test
    void anEmptyMessageIsMalformed() {
        ScramSession.Refusal refusal = assertThrows(ScramSession.Refusal.class, () -> rfcSession().serverFirst(new byte[0]));
        assertEquals("malformed SCRAM message", ((AuthResult.Failure) refusal.result()).message());
        assertEquals("The message is empty.", refusal.detail());
    }

    @Test
    void aNulInsideTheMessageIsMalformed() {
        ScramSession.Refusal refusal = assertThrows(ScramSession.Refusal.class,
                () -> rfcSession().serverFirst(ascii("n,,n=user\0,r=abc")));
        assertEquals("Message length does not match input length.", refusal.detail());
    }

    @Test
    void extensionsAfterTheNonceAreIgnored() throws Exception {
        ScramSession session = rfcSession();
        byte[] serverFirst = session.serverFirst(ascii("n,,n=,r=abc,x=ext"));
        assertTrue(new String(serverFirst, StandardCharsets.US_ASCII).startsWith("r=abc" + SERVER_NONCE + ",s="));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=|unexpected SCRAM channel-binding attribute in client-final-message|",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%other,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=|invalid SCRAM response|Nonce does not match.",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapW|malformed SCRAM message|Malformed proof in client-final-message.",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0|malformed SCRAM message|Attribute expected, but found invalid character \"0x00\".",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=1|malformed SCRAM message|Garbage found at the end of client-final-message.",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0|malformed SCRAM message|Expected attribute \"c\" but found \"'r'\".",
    })
    void malformedClientFinalMessagesAreRefusedWithPostgresWording(String message, String expected, String detail)
            throws Exception {
        ScramSession session = rfcSession();
        session.serverFirst(ascii(CLIENT_FIRST));
        ScramSession.Refusal refusal = assertThrows(ScramSession.Refusal.class, () -> session.serverFinal(ascii(message)));
        AuthResult.Failure failure = (AuthResult.Failure) refusal.result();
        assertEquals("08P01", failure.sqlState());
        assertEquals(expected, failure.message());
        assertEquals(detail, refusal.detail());
    }

    @Test
    void extensionsBeforeTheProofAreIgnoredButCoveredByIt() throws Exception {
        ScramSession session = rfcSession();
        session.serverFirst(ascii(CLIENT_FIRST));
        String withExtension = CLIENT_FINAL.replace(",p=", ",x=ext,p=");
        assertTrue(session.serverFinal(ascii(withExtension)).isEmpty(), "the extension is part of the AuthMessage");
    }

    @Test
    void verifiersAreParsedAsPostgresStoresThem() {
        ScramVerifier verifier = ScramVerifier.parse("SCRAM-SHA-256$4096:" + SALT + "$" + STORED_KEY + ":" + SERVER_KEY)
                .orElseThrow();
        assertEquals(4096, verifier.iterations());
        assertArrayEquals(Base64.getDecoder().decode(SALT), verifier.salt());
        assertEquals(rfcVerifier(), verifier);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SCRAM-SHA-256$",
        "SCRAM-SHA-256$4096:" + SALT + "$" + STORED_KEY,
        "SCRAM-SHA-256$4096:" + SALT + ":" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$0:" + SALT + "$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$-1:" + SALT + "$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$99999999999:" + SALT + "$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$4096:$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$4096:not*base64$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$4096:" + SALT + "$" + SALT + ":" + SERVER_KEY,
        "SCRAM-SHA-256$4096:" + SALT + "$" + STORED_KEY + ":" + SERVER_KEY + "x",
        "SCRAM-SHA-256$4096:" + SALT + "$" + STORED_KEY + ":" + SERVER_KEY + "$",
    })
    void malformedVerifiersAreNotParsed(String text) {
        assertTrue(ScramVerifier.looksLikeVerifier(text));
        assertTrue(ScramVerifier.parse(text).isEmpty(), text);
    }

    @Test
    void aClearTextPasswordGetsAFreshSaltAndPostgresDefaults() {
        ScramVerifier a = ScramVerifier.fromPassword("secret");
        ScramVerifier b = ScramVerifier.fromPassword("secret");
        assertEquals(4096, a.iterations());
        assertEquals(16, a.salt().length);
        assertNotEquals(a, b);
        assertEquals(a, ScramVerifier.parse(a.encode()).orElseThrow());
        assertFalse(a.toString().contains(Base64.getEncoder().encodeToString(a.storedKey())), "keys are not printed");
    }

    @Test
    void mockSaltsAreDeterministicPerUserAndLookReal() {
        ScramVerifier verifier = rfcVerifier();
        assertArrayEquals(verifier.mockSalt("mallory"), verifier.mockSalt("mallory"));
        assertFalse(java.util.Arrays.equals(verifier.mockSalt("mallory"), verifier.mockSalt("eve")));
        assertEquals(verifier.salt().length, verifier.mockSalt("mallory").length);
        assertFalse(java.util.Arrays.equals(verifier.salt(), verifier.mockSalt("user")));
        ScramVerifier other = ScramVerifier.fromPassword("other");
        assertFalse(java.util.Arrays.equals(verifier.mockSalt("mallory"), other.mockSalt("mallory")),
                "derived from the secret, not from the name alone");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // ASCII is left alone, as PostgreSQL leaves it (control characters included).
        "user|user",
        "USER|USER",
        "pass word|pass word",
        // RFC 4013 section 3's examples.
        "I\u00ADX|IX",
        "\u00AA|a",
        "\u2168|IX",
        // non-ASCII spaces become SPACE; NFKC composes.
        "a\u00A0b\u00e9|a be\u0301",
        // Hebrew (RandALCat) alone is fine.
        "\u05D0\u05D1|\u05D0\u05D1",
    })
    void saslPrepMapsAndNormalises(String input, String expected) {
        assertEquals(java.text.Normalizer.normalize(expected, java.text.Normalizer.Form.NFKC),
                SaslPrep.prepare(input).orElseThrow());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a\u0007\u00e9",       // a control character in a non-ASCII password
        "\u00e9\uE000",        // private use
        "\u0627\u0031",        // RandALCat not at both ends (RFC 4013's example)
        "\u05D0a",             // RandALCat mixed with LCat
        "\u00AD",              // nothing left after mapping
    })
    void saslPrepRefusalsFallBackToTheRawPassword(String input) {
        assertTrue(SaslPrep.prepare(input).isEmpty());
        assertArrayEquals(input.getBytes(StandardCharsets.UTF_8), SaslPrep.passwordBytes(input));
    }

    // Expected hashes computed with openssl: openssl x509 -in X.pem -outform DER | openssl dgst -shaN
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "rsa-md5.pem|SHA-256|3fef87c03dab135cc549e35260dfe4ae50ef9feec19a6cb9aca16601c1560e29",
        "rsa-sha1.pem|SHA-256|30bc5d794db7247b2beae4bb6d5cd38acdcfeb8d7315b82fdff44a909f27ae5b",
        "rsa-sha256.pem|SHA-256|976f3d544176e2190ba6e9fb66c771ca46c9f2881d0219d9f5c1809ceed93769",
        "rsa-sha512.pem|SHA-512|223bfbaf106d970438ba713d32e8441e2f4921e70141f10b52c6f1e2f3e1899b57844b6f87bd55a194af327179c4357b91b2cccc6d17a5f7ade1043f3b21e6b5",
        "ecdsa-sha224.pem|SHA-224|9676c3a8ac6942d2e8a2a18e86e4108b49fca3487954a57468f486c0",
        "ecdsa-sha384.pem|SHA-384|2a3cf161b2432920a822aebf48935db6e7f35c87e71d7eedfe6a04d4187ab8a55438f1ff0184f09a442208c961313f2b",
        "rsa-pss-sha384.pem|SHA-384|ac53dba294807c1a59a5d5d440ec0dff95b463c431ce98cd78e1911581ec305ce56229bbc4800538f599184476ff03d5",
    })
    void tlsServerEndPointHashesTheCertificateAsRfc5929Says(String file, String algorithm, String hex) throws Exception {
        X509Certificate certificate = certificate(file);
        assertEquals(Optional.of(algorithm), ChannelBinding.hashAlgorithm(certificate));
        assertEquals(hex, HexFormat.of().formatHex(ChannelBinding.tlsServerEndPoint(certificate).orElseThrow()));
    }

    @Test
    void aCertificateWithoutASeparateHashHasNoBinding() throws Exception {
        assertTrue(ChannelBinding.tlsServerEndPoint(certificate("ed25519.pem")).isEmpty());
    }

    static X509Certificate certificate(String file) throws Exception {
        try (InputStream in = ScramComputationTest.class.getResourceAsStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
