package io.allas.server.session;

import java.io.IOException;

import io.allas.server.auth.AdminUsers;

/**
 * The way into the admin console: who may use it, and what serves them once authenticated.
 *
 * @param users   the console's database and its users
 * @param console serves an authenticated operator
 */
public record AdminEntrance(AdminUsers users, Console console) {

    /** The console's side of an operator's session; it lives in its own package, above this one. */
    @FunctionalInterface
    public interface Console {
        /**
         * Answers the operator's commands until they leave; ReadyForQuery has not been sent yet.
         *
         * @param connection the operator's connection
         * @param user       the user they authenticated as
         */
        void serve(ClientConnection connection, String user) throws IOException;
    }
}
