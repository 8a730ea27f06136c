package io.allas.auth.md5;

import java.util.Set;

import io.allas.auth.spi.AuthConfig;
import io.allas.auth.spi.AuthConfigException;
import io.allas.auth.spi.AuthMethod;
import io.allas.auth.spi.AuthMethodProvider;

/**
 * {@code md5}: keys {@code user} and {@code password}, both required. The password is the clear
 * text, or the form PostgreSQL stores ({@code "md5"} + md5hex(password + user)) so that no
 * clear text needs to be kept.
 */
public final class Md5AuthProvider implements AuthMethodProvider {

    @Override
    public String method() {
        return "md5";
    }

    @Override
    public Set<String> failureReasons() {
        return Set.of("wrong_password", "unknown_user", "protocol_violation");
    }

    @Override
    public AuthMethod configure(AuthConfig config) throws AuthConfigException {
        config.allowOnly("user", "password");
        String user = config.requiredNonEmptyValue("user");
        String password = config.requiredValue("password");
        return new Md5Authentication(user, Md5Secret.fromConfigured(user, password));
    }
}
