package io.allas.auth.spi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One {@code AuthenticationXXX} message: its request code and the bytes that follow the code.
 * The factories build the requests PostgreSQL defines; {@code AuthenticationOk} is not among
 * them because allas sends it after a successful {@link AuthResult}.
 *
 * @param code the request code (3 clear-text password, 5 MD5, 10 SASL, 11 SASL continue, 12 SASL final)
 * @param data the bytes after the code
 */
public record AuthRequest(int code, byte[] data) {

    /**
     * @param code the request code
     * @param data the bytes after the code (copied)
     */
    public AuthRequest {
        if (code == 0) {
            throw new IllegalArgumentException("AuthenticationOk is sent by allas, not by a plugin");
        }
        data = Objects.requireNonNull(data, "data").clone();
    }

    /**
     * @return the bytes after the code (a copy)
     */
    @Override
    public byte[] data() {
        return data.clone();
    }

    /**
     * @return AuthenticationCleartextPassword
     */
    public static AuthRequest cleartextPassword() {
        return new AuthRequest(3, new byte[0]);
    }

    /**
     * @param salt the four salt bytes
     * @return AuthenticationMD5Password
     */
    public static AuthRequest md5Password(byte[] salt) {
        if (salt.length != 4) {
            throw new IllegalArgumentException("an MD5 salt has 4 bytes, not " + salt.length);
        }
        return new AuthRequest(5, salt);
    }

    /**
     * @param mechanisms the SASL mechanisms offered, in order of preference
     * @return AuthenticationSASL
     */
    public static AuthRequest sasl(List<String> mechanisms) {
        var out = new ByteArrayOutputStream();
        for (String mechanism : mechanisms) {
            out.writeBytes(mechanism.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        out.write(0);
        return new AuthRequest(10, out.toByteArray());
    }

    /**
     * @param challenge the mechanism's server message
     * @return AuthenticationSASLContinue
     */
    public static AuthRequest saslContinue(byte[] challenge) {
        return new AuthRequest(11, challenge);
    }

    /**
     * @param outcome the mechanism's final server message
     * @return AuthenticationSASLFinal
     */
    public static AuthRequest saslFinal(byte[] outcome) {
        return new AuthRequest(12, outcome);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthRequest other && code == other.code && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * code + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "AuthRequest[code=" + code + ", " + data.length + " bytes]";
    }
}
