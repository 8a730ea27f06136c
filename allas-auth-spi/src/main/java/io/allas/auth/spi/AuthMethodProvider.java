package io.allas.auth.spi;

import java.util.Set;

/**
 * The service that a plugin jar provides, one per authentication method.
 *
 * <p>allas finds providers with {@link java.util.ServiceLoader}: declare the implementation with
 * {@code provides io.allas.auth.spi.AuthMethodProvider with ...} in {@code module-info.java} and
 * in {@code META-INF/services/io.allas.auth.spi.AuthMethodProvider}, so the same jar works on the
 * module path and on the class path (the plugins directory). The class needs a public no-argument
 * constructor.
 *
 * <p>For each database whose {@code auth.method} equals {@link #method()}, allas calls
 * {@link #configure(AuthConfig)} once at startup with that database's {@code auth} object. The
 * provider validates it (unknown keys, missing or malformed values are errors) and returns the
 * {@link AuthMethod} that then authenticates every client of that database.
 */
public interface AuthMethodProvider {

    /**
     * The name operators write in {@code auth.method}, such as {@code "md5"}. Names are matched
     * exactly; two providers with one name are a startup error.
     *
     * @return the method name
     */
    String method();

    /**
     * Validates one database's {@code auth} object and prepares the method for it. Expensive
     * preparation (hashing a clear-text secret into a verifier, say) belongs here, not in
     * {@link AuthMethod#authenticate(AuthExchange)}.
     *
     * @param config the database's {@code auth} object
     * @return the method that authenticates that database's clients
     * @throws AuthConfigException naming the offending key when the object is not acceptable
     */
    AuthMethod configure(AuthConfig config) throws AuthConfigException;

    /**
     * The reason labels this method's failures carry ({@link AuthResult.Failure#reason()}). allas
     * exports {@code allas_authentication_failures_total} at 0 for each of them from the start, so
     * that dashboards and alerts see the series before the first failure; a reason not listed is
     * still counted, from its first failure on.
     *
     * @return the reason labels, such as {@code wrong_password}; none by default
     */
    default Set<String> failureReasons() {
        return Set.of();
    }
}
