package io.allas.auth.md5;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

import io.allas.auth.spi.AuthExchange;
import io.allas.auth.spi.AuthMethod;
import io.allas.auth.spi.AuthRequest;
import io.allas.auth.spi.AuthResult;

/**
 * The exchange: AuthenticationMD5Password with a fresh salt, then a PasswordMessage holding
 * "md5" + md5hex(md5hex(password + user) + salt), NUL-terminated.
 */
final class Md5Authentication implements AuthMethod {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String user;
    private final Md5Secret secret;

    Md5Authentication(String user, Md5Secret secret) {
        this.user = user;
        this.secret = secret;
    }

    @Override
    public AuthResult authenticate(AuthExchange exchange) throws IOException {
        byte[] salt = new byte[4];
        RANDOM.nextBytes(salt);
        exchange.send(AuthRequest.md5Password(salt));
        byte[] response = exchange.receive();
        if (response.length == 0 || response[response.length - 1] != 0) {
            return AuthResult.protocolViolation("invalid password packet size");
        }
        byte[] given = Arrays.copyOf(response, response.length - 1);
        // Compare the password even when the user is wrong, so that timing does not tell which was wrong.
        boolean passwordMatches = MessageDigest.isEqual(given, secret.expectedResponse(salt));
        boolean userMatches = MessageDigest.isEqual(user.getBytes(StandardCharsets.UTF_8), exchange.user().getBytes(StandardCharsets.UTF_8));
        if (passwordMatches && userMatches) {
            return AuthResult.success();
        }
        return AuthResult.passwordFailed(exchange.user(), userMatches ? "wrong_password" : "unknown_user");
    }
}
