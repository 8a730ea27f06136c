package io.allas.auth.spi;

import java.io.IOException;

/**
 * Authenticates the clients of one database. One instance serves every client of that database
 * concurrently (each on its own virtual thread), so it must be thread-safe; blocking calls are fine.
 */
@FunctionalInterface
public interface AuthMethod {

    /**
     * Conducts the whole exchange with one client: any number of {@link AuthExchange#send requests}
     * and {@link AuthExchange#receive responses}. allas sends {@code AuthenticationOk} itself after a
     * {@link AuthResult.Success}; it turns a {@link AuthResult.Failure} into a FATAL ErrorResponse.
     *
     * @param exchange the client's side of the exchange
     * @return the outcome
     * @throws IOException when the connection fails or the client leaves; allas then closes it quietly
     */
    AuthResult authenticate(AuthExchange exchange) throws IOException;
}
