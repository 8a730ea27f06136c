package io.allas.auth.scram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import io.allas.auth.spi.AuthExchange;
import io.allas.auth.spi.AuthMethod;
import io.allas.auth.spi.AuthRequest;
import io.allas.auth.spi.AuthResult;

/**
 * The exchange as PostgreSQL conducts it: AuthenticationSASL offering the mechanisms; a
 * SASLInitialResponse (mechanism name, NUL, Int32 length or -1, client-first-message);
 * AuthenticationSASLContinue with the server-first-message; a SASLResponse with the
 * client-final-message; AuthenticationSASLFinal with the server-final-message. allas then sends
 * AuthenticationOk.
 */
final class ScramAuthentication implements AuthMethod {

    static final String SCRAM_SHA_256 = "SCRAM-SHA-256";
    static final String SCRAM_SHA_256_PLUS = "SCRAM-SHA-256-PLUS";

    /** PostgreSQL's SCRAM_RAW_NONCE_LEN. */
    private static final int NONCE_BYTES = 18;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] user;
    private final ScramVerifier verifier;

    ScramAuthentication(String user, ScramVerifier verifier) {
        this.user = user.getBytes(StandardCharsets.UTF_8);
        this.verifier = verifier;
    }

    @Override
    public AuthResult authenticate(AuthExchange exchange) throws IOException {
        Optional<byte[]> binding = exchange.tls().flatMap(ChannelBinding::tlsServerEndPoint);
        // Channel binding first, as PostgreSQL advertises the mechanisms in decreasing order of preference.
        exchange.send(AuthRequest.sasl(binding.isPresent() ? List.of(SCRAM_SHA_256_PLUS, SCRAM_SHA_256) : List.of(SCRAM_SHA_256)));
        // The user of the startup packet is the one checked; PostgreSQL ignores the one in the SCRAM message.
        boolean userKnown = MessageDigest.isEqual(user, exchange.user().getBytes(StandardCharsets.UTF_8));
        try {
            ByteBuffer initial = ByteBuffer.wrap(exchange.receive());
            String mechanism = string(initial);
            boolean plus;
            if (mechanism.equals(SCRAM_SHA_256_PLUS) && binding.isPresent()) {
                plus = true;
            } else if (mechanism.equals(SCRAM_SHA_256)) {
                plus = false;
            } else {
                return AuthResult.protocolViolation("client selected an invalid SASL authentication mechanism");
            }
            if (initial.remaining() < 4) {
                return AuthResult.protocolViolation("insufficient data left in message");
            }
            int length = initial.getInt();
            byte[] clientFirst = null;
            if (length != -1) {
                if (length < 0 || length > initial.remaining()) {
                    return AuthResult.protocolViolation("insufficient data left in message");
                }
                clientFirst = new byte[length];
                initial.get(clientFirst);
            }
            if (initial.hasRemaining()) {
                return AuthResult.protocolViolation("invalid message format");
            }
            if (clientFirst == null) {
                // No initial response: an empty challenge, answered by the client-first-message.
                exchange.send(AuthRequest.saslContinue(new byte[0]));
                clientFirst = exchange.receive();
            }
            ScramSession session = new ScramSession(verifier,
                    userKnown ? verifier.salt() : verifier.mockSalt(exchange.user()),
                    plus ? binding.get() : null, binding.isPresent(), nonce());
            exchange.send(AuthRequest.saslContinue(session.serverFirst(clientFirst)));
            // The proof is checked for an unknown user too, so that timing does not tell the two apart.
            Optional<byte[]> serverFinal = session.serverFinal(exchange.receive());
            if (serverFinal.isPresent() && userKnown) {
                exchange.send(AuthRequest.saslFinal(serverFinal.get()));
                return AuthResult.success();
            }
            return AuthResult.passwordFailed(exchange.user(), userKnown ? "wrong_password" : "unknown_user");
        } catch (ScramSession.Refusal refusal) {
            return refusal.result();
        } catch (MalformedInitialResponse e) {
            return AuthResult.protocolViolation("invalid string in message");
        }
    }

    private static String nonce() {
        byte[] raw = new byte[NONCE_BYTES];
        RANDOM.nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    /** A NUL-terminated string, as pq_getmsgrawstring reads it. */
    private static String string(ByteBuffer buffer) throws MalformedInitialResponse {
        int start = buffer.position();
        for (int i = start; i < buffer.limit(); i++) {
            if (buffer.get(i) == 0) {
                String text = new String(buffer.array(), start, i - start, StandardCharsets.UTF_8);
                buffer.position(i + 1);
                return text;
            }
        }
        throw new MalformedInitialResponse();
    }

    private static final class MalformedInitialResponse extends Exception {
        MalformedInitialResponse() {
            super(null, null, false, false);
        }
    }
}
