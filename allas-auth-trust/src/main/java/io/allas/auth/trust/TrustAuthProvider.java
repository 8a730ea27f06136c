package io.allas.auth.trust;

import java.util.Optional;
import java.util.Set;

import io.allas.auth.spi.AuthConfig;
import io.allas.auth.spi.AuthConfigException;
import io.allas.auth.spi.AuthMethod;
import io.allas.auth.spi.AuthMethodProvider;
import io.allas.auth.spi.AuthResult;

/**
 * {@code trust}: every client is let in without an exchange. With {@code user} set, only that
 * user name is accepted, and another gets the answer PostgreSQL gives for an unknown role.
 * {@code password} is accepted and ignored because the original allas accepted it.
 */
public final class TrustAuthProvider implements AuthMethodProvider {

    @Override
    public String method() {
        return "trust";
    }

    @Override
    public Set<String> failureReasons() {
        return Set.of("unknown_user");
    }

    @Override
    public AuthMethod configure(AuthConfig config) throws AuthConfigException {
        config.allowOnly("user", "password");
        Optional<String> user = config.value("user");
        config.value("password");
        return exchange -> user.isEmpty() || user.get().equals(exchange.user())
                ? AuthResult.success()
                : new AuthResult.Failure("28000", "role \"" + exchange.user() + "\" does not exist", "unknown_user");
    }
}
