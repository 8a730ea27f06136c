package io.allas.auth.scram;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

import io.allas.auth.spi.AuthResult;

/**
 * The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677) after the mechanism has been
 * chosen: client-first-message in, server-first-message out; client-final-message in,
 * server-final-message out. Messages are parsed as PostgreSQL's auth-scram.c parses them and
 * refused with its messages.
 */
final class ScramSession {

    /**
     * A message that ends the exchange before a proof could be checked: a malformed message
     * (08P01) or one PostgreSQL refuses otherwise.
     */
    static final class Refusal extends Exception {
        private final transient AuthResult result;
        private final String detail;

        Refusal(AuthResult result, String detail) {
            super(((AuthResult.Failure) result).message() + (detail == null ? "" : " (" + detail + ")"), null, false, false);
            this.result = result;
            this.detail = detail;
        }

        /**
         * @return the failure to report to the client, with PostgreSQL's detail line where it has one
         */
        AuthResult result() {
            return detail == null ? result : ((AuthResult.Failure) result).withDetail(detail);
        }

        /**
         * @return PostgreSQL's errdetail for it, if it has one
         */
        String detail() {
            return detail;
        }
    }

    private final ScramVerifier verifier;
    private final byte[] salt;
    private final byte[] channelBinding;
    private final boolean channelBindingOffered;
    private final String serverNonce;

    private char gs2Flag;
    private String clientFirstBare;
    private String clientNonce;
    private String serverFirst;

    /**
     * @param verifier              the keys the proof is checked against
     * @param salt                  the salt to send: the verifier's, or a mock salt for an unknown user
     * @param channelBinding        the tls-server-end-point data when the client chose SCRAM-SHA-256-PLUS, else null
     * @param channelBindingOffered whether SCRAM-SHA-256-PLUS was offered (a client saying {@code y} is then refused)
     * @param serverNonce           the server's part of the nonce: printable ASCII without commas
     */
    ScramSession(ScramVerifier verifier, byte[] salt, byte[] channelBinding, boolean channelBindingOffered,
                 String serverNonce) {
        this.verifier = verifier;
        this.salt = salt.clone();
        this.channelBinding = channelBinding == null ? null : channelBinding.clone();
        this.channelBindingOffered = channelBindingOffered;
        this.serverNonce = serverNonce;
    }

    /**
     * @param message the client-first-message
     * @return the server-first-message
     * @throws Refusal when the message is malformed or asks for what PostgreSQL does not support
     */
    byte[] serverFirst(byte[] message) throws Refusal {
        Cursor in = new Cursor(text(message));
        boolean plus = channelBinding != null;
        gs2Flag = in.peek();
        switch (gs2Flag) {
            case 'n' -> {
                if (plus) {
                    throw malformed("The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data.");
                }
                in.skip();
                in.expectComma();
            }
            case 'y' -> {
                if (plus) {
                    throw malformed("The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data.");
                }
                if (channelBindingOffered) {
                    throw new Refusal(new AuthResult.Failure("28000", "SCRAM channel binding negotiation error",
                            "channel_binding"),
                            "The client supports SCRAM channel binding but thinks the server does not.  "
                                    + "However, this server does support channel binding.");
                }
                in.skip();
                in.expectComma();
            }
            case 'p' -> {
                if (!plus) {
                    throw malformed("The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.");
                }
                String type = in.attribute('p');
                if (!type.equals(ChannelBinding.TYPE)) {
                    throw new Refusal(AuthResult.protocolViolation(
                            "unsupported SCRAM channel-binding type \"" + sanitize(type) + "\""), null);
                }
            }
            default -> throw malformed("Unexpected channel-binding flag \"" + sanitize(gs2Flag) + "\".");
        }
        if (in.peek() == 'a') {
            throw unsupported("client uses authorization identity, but it is not supported");
        }
        if (in.peek() != ',') {
            throw malformed("Unexpected attribute \"" + sanitize(in.peek()) + "\" in client-first-message.");
        }
        in.skip();
        clientFirstBare = in.rest();
        if (in.peek() == 'm') {
            throw unsupported("client requires an unsupported SCRAM extension");
        }
        in.attribute('n'); // the user name: ignored, as PostgreSQL does; the startup packet's counts
        clientNonce = in.attribute('r');
        if (!isPrintable(clientNonce)) {
            throw new Refusal(AuthResult.protocolViolation("non-printable characters in SCRAM nonce"), null);
        }
        while (!in.atEnd()) {
            in.anyAttribute(); // optional extensions: none supported, so ignored
        }
        serverFirst = "r=" + clientNonce + serverNonce + ",s=" + Base64.getEncoder().encodeToString(salt)
                + ",i=" + verifier.iterations();
        return serverFirst.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * @param message the client-final-message
     * @return the server-final-message when the proof is right; empty when it is wrong
     * @throws Refusal when the message is malformed, its nonce wrong or its channel binding fails
     */
    Optional<byte[]> serverFinal(byte[] message) throws Refusal {
        String input = text(message);
        Cursor in = new Cursor(input);
        String binding = in.attribute('c');
        if (channelBinding != null) {
            byte[] header = ("p=" + ChannelBinding.TYPE + ",,").getBytes(StandardCharsets.US_ASCII);
            byte[] expected = new byte[header.length + channelBinding.length];
            System.arraycopy(header, 0, expected, 0, header.length);
            System.arraycopy(channelBinding, 0, expected, header.length, channelBinding.length);
            if (!binding.equals(Base64.getEncoder().encodeToString(expected))) {
                throw new Refusal(new AuthResult.Failure("28000", "SCRAM channel binding check failed",
                        "channel_binding"), null);
            }
        } else if (!(binding.equals("biws") && gs2Flag == 'n') && !(binding.equals("eSws") && gs2Flag == 'y')) {
            // "biws" is base64 of "n,,", "eSws" of "y,,": the flag must repeat the client-first-message's.
            throw new Refusal(AuthResult.protocolViolation(
                    "unexpected SCRAM channel-binding attribute in client-final-message"), null);
        }
        String finalNonce = in.attribute('r');
        int proofStart;
        char attribute;
        String proofText;
        do {
            proofStart = in.position() - 1;
            attribute = in.peek();
            proofText = in.anyAttribute();
        } while (attribute != 'p');
        byte[] proof = decodeProof(proofText);
        if (!in.atEnd()) {
            throw malformed("Garbage found at the end of client-final-message.");
        }
        String withoutProof = input.substring(0, proofStart);
        if (!finalNonce.equals(clientNonce + serverNonce)) {
            throw new Refusal(AuthResult.protocolViolation("invalid SCRAM response"), "Nonce does not match.");
        }
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof)
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] storedKey = verifier.storedKey();
        byte[] clientSignature = Scram.hmac(storedKey, authMessage);
        byte[] clientKey = Scram.xor(proof, clientSignature);
        if (!MessageDigest.isEqual(Scram.h(clientKey), storedKey)) {
            return Optional.empty();
        }
        byte[] serverSignature = Scram.hmac(verifier.serverKey(), authMessage);
        return Optional.of(("v=" + Base64.getEncoder().encodeToString(serverSignature))
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    private static byte[] decodeProof(String text) throws Refusal {
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            proof = null;
        }
        if (proof == null || proof.length != Scram.KEY_LENGTH) {
            throw malformed("Malformed proof in client-final-message.");
        }
        return proof;
    }

    /**
     * A SASL message as text, one char per byte: the checks are on ASCII and the AuthMessage must
     * be built from the bytes exactly as sent.
     */
    private static String text(byte[] message) throws Refusal {
        if (message.length == 0) {
            throw malformed("The message is empty.");
        }
        for (byte b : message) {
            if (b == 0) {
                throw malformed("Message length does not match input length.");
            }
        }
        return new String(message, StandardCharsets.ISO_8859_1);
    }

    /** PostgreSQL's is_scram_printable: %x21-2B / %x2D-7E. */
    private static boolean isPrintable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7E || c == ',') {
                return false;
            }
        }
        return true;
    }

    static Refusal malformed(String detail) {
        return new Refusal(AuthResult.protocolViolation("malformed SCRAM message"), detail);
    }

    private static Refusal unsupported(String message) {
        return new Refusal(new AuthResult.Failure("0A000", message, "unsupported_feature"), null);
    }

    private static String sanitize(char c) {
        return c >= 0x21 && c <= 0x7E ? "'" + c + "'" : String.format("0x%02x", (int) c & 0xFF);
    }

    private static String sanitize(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && i < 30; i++) {
            char c = s.charAt(i);
            out.append(c >= 0x21 && c <= 0x7E ? c : '?');
        }
        return out.toString();
    }

    /**
     * Reads {@code attr=value} pairs separated by commas, as auth-scram.c's read_attr_value and
     * read_any_attr do; past the end, the next character is NUL as in C.
     */
    private static final class Cursor {
        private final String text;
        private int position;

        Cursor(String text) {
            this.text = text;
        }

        char peek() {
            return position < text.length() ? text.charAt(position) : '\0';
        }

        void skip() {
            position++;
        }

        boolean atEnd() {
            return position >= text.length();
        }

        int position() {
            return position;
        }

        String rest() {
            return text.substring(position);
        }

        void expectComma() throws Refusal {
            if (peek() != ',') {
                throw malformed("Comma expected, but found character \"" + sanitize(peek()) + "\".");
            }
            skip();
        }

        String attribute(char attribute) throws Refusal {
            if (peek() != attribute) {
                throw malformed("Expected attribute \"" + attribute + "\" but found \"" + sanitize(peek()) + "\".");
            }
            skip();
            return value(attribute);
        }

        String anyAttribute() throws Refusal {
            char attribute = peek();
            if (!((attribute >= 'A' && attribute <= 'Z') || (attribute >= 'a' && attribute <= 'z'))) {
                throw malformed("Attribute expected, but found invalid character \"" + sanitize(attribute) + "\".");
            }
            skip();
            return value(attribute);
        }

        private String value(char attribute) throws Refusal {
            if (peek() != '=') {
                throw malformed("Expected character \"=\" for attribute \"" + attribute + "\".");
            }
            skip();
            int end = text.indexOf(',', position);
            if (end < 0) {
                end = text.length();
            }
            String value = text.substring(position, end);
            position = end < text.length() ? end + 1 : end;
            return value;
        }
    }
}
