package io.allas.auth.scram;

import java.util.Optional;
import java.util.Set;

import io.allas.auth.spi.AuthConfig;
import io.allas.auth.spi.AuthConfigException;
import io.allas.auth.spi.AuthMethod;
import io.allas.auth.spi.AuthMethodProvider;

/**
 * {@code scram-sha-256}: keys {@code user} and {@code password}, both required. The password is
 * the clear text, turned into a verifier here once (4096 iterations, a random 16-byte salt, as
 * PostgreSQL's {@code CREATE ROLE ... PASSWORD} makes it), or the verifier PostgreSQL stores in
 * pg_authid.rolpassword ({@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}), so
 * that no clear text needs to be kept.
 */
public final class ScramAuthProvider implements AuthMethodProvider {

    @Override
    public String method() {
        return "scram-sha-256";
    }

    @Override
    public Set<String> failureReasons() {
        return Set.of("wrong_password", "unknown_user", "protocol_violation", "channel_binding", "unsupported_feature");
    }

    @Override
    public AuthMethod configure(AuthConfig config) throws AuthConfigException {
        config.allowOnly("user", "password");
        String user = config.requiredNonEmptyValue("user");
        String password = config.requiredNonEmptyValue("password");
        ScramVerifier verifier;
        if (ScramVerifier.looksLikeVerifier(password)) {
            Optional<ScramVerifier> parsed = ScramVerifier.parse(password);
            if (parsed.isEmpty()) {
                throw new AuthConfigException("invalid value for option \"" + config.path() + ".password\": "
                        + "malformed SCRAM-SHA-256 verifier, expected "
                        + "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> as in pg_authid.rolpassword");
            }
            verifier = parsed.get();
        } else if (password.matches("md5[0-9a-f]{32}")) {
            throw new AuthConfigException("invalid value for option \"" + config.path() + ".password\": "
                    + "an md5 hash cannot verify scram-sha-256; give the clear-text password or a SCRAM-SHA-256 verifier");
        } else {
            verifier = ScramVerifier.fromPassword(password);
        }
        return new ScramAuthentication(user, verifier);
    }
}
