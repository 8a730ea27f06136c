package io.allas.auth.scram;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The functions of RFC 5802 section 2.2 with SHA-256 (RFC 7677): H, HMAC and Hi, and the keys
 * derived from them.
 */
final class Scram {

    /** SHA-256's output length, which is every key's length. */
    static final int KEY_LENGTH = 32;

    private Scram() {
    }

    /**
     * @return H(input): SHA-256
     */
    static byte[] h(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /**
     * @return HMAC(key, message) with SHA-256
     */
    static byte[] hmac(byte[] key, byte[] message) {
        Mac mac = newMac(key);
        return mac.doFinal(message);
    }

    /**
     * @return HMAC(key, text) with the text's ASCII/UTF-8 bytes
     */
    static byte[] hmac(byte[] key, String text) {
        return hmac(key, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Hi(str, salt, i) of RFC 5802: PBKDF2 with HMAC-SHA-256 and one block, over the password's
     * bytes exactly as given (the JDK's PBKDF2 takes chars and would encode them itself).
     *
     * @param password   the (normalised) password bytes, not empty
     * @param salt       the salt
     * @param iterations the iteration count, at least 1
     * @return the salted password
     */
    static byte[] hi(byte[] password, byte[] salt, int iterations) {
        Mac mac = newMac(password);
        mac.update(salt);
        byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = mac.doFinal(u);
            for (int j = 0; j < result.length; j++) {
                result[j] ^= u[j];
            }
        }
        return result;
    }

    /**
     * @return ClientKey = HMAC(SaltedPassword, "Client Key")
     */
    static byte[] clientKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Client Key");
    }

    /**
     * @return ServerKey = HMAC(SaltedPassword, "Server Key")
     */
    static byte[] serverKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Server Key");
    }

    /**
     * @return a XOR b, both of one length
     */
    static byte[] xor(byte[] a, byte[] b) {
        byte[] result = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            result[i] = (byte) (a[i] ^ b[i]);
        }
        return result;
    }

    private static Mac newMac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            // SecretKeySpec refuses an empty key; HMAC pads any key with zeros, so one zero byte is the same key.
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
            return mac;
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA-256 refused a key", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks HMAC-SHA-256", e);
        }
    }
}
