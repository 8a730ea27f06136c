package com.example.allas.token;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import io.allas.auth.spi.AuthConfig;
import io.allas.auth.spi.AuthConfigException;
import io.allas.auth.spi.AuthMethod;
import io.allas.auth.spi.AuthMethodProvider;
import io.allas.auth.spi.AuthRequest;
import io.allas.auth.spi.AuthResult;
import io.allas.auth.spi.ChannelPermissions;

/**
 * {@code "auth": {"method": "token", "token": "...", "channels": "orders_*,stock"}}: any user
 * whose clear-text password is the token gets in, and may then LISTEN on and NOTIFY only the
 * channels the optional {@code channels} patterns name (within the database's own {@code channels}).
 */
public final class TokenAuthProvider implements AuthMethodProvider {

    @Override
    public String method() {
        return "token";                                  // the name in auth.method
    }

    @Override
    public Set<String> failureReasons() {
        return Set.of("wrong_token");                    // exported at 0 until the first failure
    }

    @Override
    public AuthMethod configure(AuthConfig config) throws AuthConfigException {
        config.allowOnly("token", "channels");           // unknown keys are errors naming the key
        byte[] token = config.requiredValue("token").getBytes(StandardCharsets.UTF_8);
        AuthResult granted = config.value("channels")    // what this token's clients may use
                .map(patterns -> List.of(patterns.split(",")))
                .map(patterns -> AuthResult.success(ChannelPermissions.of(patterns, patterns)))
                .orElse(AuthResult.success());
        return exchange -> {                             // one call per connecting client
            exchange.send(AuthRequest.cleartextPassword());
            byte[] response = exchange.receive();        // the 'p' message body: the password and a NUL
            byte[] given = Arrays.copyOf(response, Math.max(0, response.length - 1));
            return MessageDigest.isEqual(given, token)   // constant time: no hint from timing
                    ? granted
                    : AuthResult.passwordFailed(exchange.user(), "wrong_token");
        };
    }
}
