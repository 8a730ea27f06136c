package io.allas.auth.md5;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The secret an md5 exchange is checked against: md5hex(password + user), which is what
 * PostgreSQL keeps in pg_authid after the {@code "md5"} prefix.
 */
final class Md5Secret {

    private static final Pattern STORED_FORM = Pattern.compile("md5[0-9a-f]{32}");
    /** Never used itself: only cloned, so its state stays empty. */
    private static final MessageDigest MD5 = md5();

    private final String hashedPassword;

    private Md5Secret(String hashedPassword) {
        this.hashedPassword = hashedPassword;
    }

    /**
     * @param user     the configured user
     * @param password clear text, or the stored form {@code md5<32 hex digits>}
     * @return the secret
     */
    static Md5Secret fromConfigured(String user, String password) {
        if (STORED_FORM.matcher(password).matches()) {
            return new Md5Secret(password.substring(3));
        }
        return new Md5Secret(md5Hex(password + user));
    }

    /**
     * @param salt the salt sent to the client
     * @return the PasswordMessage content a client knowing the password sends: "md5" + md5hex(secret + salt)
     */
    byte[] expectedResponse(byte[] salt) {
        byte[] hashed = hashedPassword.getBytes(StandardCharsets.US_ASCII);
        byte[] salted = new byte[hashed.length + salt.length];
        System.arraycopy(hashed, 0, salted, 0, hashed.length);
        System.arraycopy(salt, 0, salted, hashed.length, salt.length);
        return ("md5" + HexFormat.of().formatHex(digest(salted))).getBytes(StandardCharsets.US_ASCII);
    }

    static String md5Hex(String text) {
        return HexFormat.of().formatHex(digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] digest(byte[] input) {
        try {
            // A clone skips the provider lookup of getInstance, which costs more than the hash itself.
            return ((MessageDigest) MD5.clone()).digest(input);
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's MD5 cannot be cloned", e);
        }
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks MD5", e);
        }
    }
}
