package io.allas.auth.scram;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * What a SCRAM-SHA-256 exchange is checked against: iterations, salt, StoredKey and ServerKey.
 * PostgreSQL stores it in pg_authid.rolpassword as
 * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}, salt and keys in base64.
 *
 * @param iterations the iteration count of Hi
 * @param salt       the salt
 * @param storedKey  H(ClientKey)
 * @param serverKey  HMAC(SaltedPassword, "Server Key")
 */
record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {

    /** The prefix that tells a verifier from a clear-text password, as PostgreSQL tells them apart. */
    static final String PREFIX = "SCRAM-SHA-256$";

    /** PostgreSQL's default scram_iterations. */
    static final int DEFAULT_ITERATIONS = 4096;

    /** PostgreSQL's SCRAM_DEFAULT_SALT_LEN. */
    static final int DEFAULT_SALT_LENGTH = 16;

    private static final SecureRandom RANDOM = new SecureRandom();

    ScramVerifier {
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    /**
     * @param text a configured password
     * @return whether it has the verifier's prefix (and must then parse as one)
     */
    static boolean looksLikeVerifier(String text) {
        return text.startsWith(PREFIX);
    }

    /**
     * Parses PostgreSQL's stored form.
     *
     * @param text {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}
     * @return the verifier, or empty when the text is not of that form
     */
    static Optional<ScramVerifier> parse(String text) {
        if (!looksLikeVerifier(text)) {
            return Optional.empty();
        }
        String[] parts = text.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 2) {
            return Optional.empty();
        }
        String[] iterationsAndSalt = parts[0].split(":", -1);
        String[] keys = parts[1].split(":", -1);
        if (iterationsAndSalt.length != 2 || keys.length != 2) {
            return Optional.empty();
        }
        if (!iterationsAndSalt[0].matches("[0-9]{1,10}")) {
            return Optional.empty();
        }
        long iterations = Long.parseLong(iterationsAndSalt[0]);
        if (iterations < 1 || iterations > Integer.MAX_VALUE) {
            return Optional.empty();
        }
        Optional<byte[]> salt = base64(iterationsAndSalt[1]);
        Optional<byte[]> storedKey = base64(keys[0]);
        Optional<byte[]> serverKey = base64(keys[1]);
        if (salt.isEmpty() || salt.get().length == 0
                || storedKey.isEmpty() || storedKey.get().length != Scram.KEY_LENGTH
                || serverKey.isEmpty() || serverKey.get().length != Scram.KEY_LENGTH) {
            return Optional.empty();
        }
        return Optional.of(new ScramVerifier((int) iterations, salt.get(), storedKey.get(), serverKey.get()));
    }

    /**
     * Builds a verifier as PostgreSQL does for {@code CREATE ROLE ... PASSWORD}: the password
     * normalised with SASLprep, a random salt, PostgreSQL's default iteration count.
     *
     * @param password the clear-text password
     * @return the verifier
     */
    static ScramVerifier fromPassword(String password) {
        byte[] salt = new byte[DEFAULT_SALT_LENGTH];
        RANDOM.nextBytes(salt);
        return fromPassword(password, salt, DEFAULT_ITERATIONS);
    }

    /**
     * @param password   the clear-text password
     * @param salt       the salt
     * @param iterations the iteration count
     * @return the verifier
     */
    static ScramVerifier fromPassword(String password, byte[] salt, int iterations) {
        return fromSaltedPassword(Scram.hi(SaslPrep.passwordBytes(password), salt, iterations), salt, iterations);
    }

    private static ScramVerifier fromSaltedPassword(byte[] saltedPassword, byte[] salt, int iterations) {
        byte[] storedKey = Scram.h(Scram.clientKey(saltedPassword));
        byte[] serverKey = Scram.serverKey(saltedPassword);
        Arrays.fill(saltedPassword, (byte) 0);
        return new ScramVerifier(iterations, salt, storedKey, serverKey);
    }

    /**
     * The salt an exchange with an unknown user is conducted with, so that the answer looks like
     * one for an existing user (PostgreSQL's scram_mock_salt does the same with the cluster's
     * secret mock_auth_nonce). It is derived from the user name and this verifier's secret
     * ServerKey: the same name always gets the same salt, and nobody without the secret can tell
     * it from a real one.
     *
     * @param user the user name the client gave
     * @return a salt as long as this verifier's
     */
    byte[] mockSalt(String user) {
        byte[] key = Scram.hmac(serverKey, "allas scram-sha-256 mock salt");
        byte[] mac = Scram.hmac(key, user.getBytes(StandardCharsets.UTF_8));
        return Arrays.copyOf(mac, Math.min(mac.length, Math.max(salt.length, 1)));
    }

    /**
     * @return PostgreSQL's stored form of this verifier
     */
    String encode() {
        Base64.Encoder b64 = Base64.getEncoder();
        return PREFIX + iterations + ":" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramVerifier other && iterations == other.iterations
                && Arrays.equals(salt, other.salt) && Arrays.equals(storedKey, other.storedKey)
                && Arrays.equals(serverKey, other.serverKey);
    }

    @Override
    public int hashCode() {
        return 31 * iterations + Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
        // Never the keys: they are as good as the password to anyone who can reach a server using them.
        return "ScramVerifier[iterations=" + iterations + "]";
    }

    private static Optional<byte[]> base64(String text) {
        if (!text.matches("[A-Za-z0-9+/]*={0,2}") || text.length() % 4 != 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
