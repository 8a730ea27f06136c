package io.allas.server.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.allas.auth.spi.AuthMethod;
import io.allas.server.config.AdminConsole;
import io.allas.server.config.ConfigException;

/**
 * The users of the admin console, each with the method that authenticates them.
 */
public final class AdminUsers {

    /**
     * @param name   the user name
     * @param method the method name, for logs
     * @param auth   the method, configured for the user
     */
    public record User(String name, String method, AuthMethod auth) {
    }

    private final String database;
    private final Map<String, User> users;

    private AdminUsers(String database, Map<String, User> users) {
        this.database = database;
        this.users = users;
    }

    /**
     * @throws ConfigException for an unknown method or an auth object its method rejects
     */
    public static AdminUsers configure(AdminConsole console, AuthPlugins plugins) throws ConfigException {
        Map<String, User> users = new LinkedHashMap<>();
        for (AdminConsole.User user : console.users()) {
            users.put(user.user(), new User(user.user(), user.method(),
                    DatabaseAuthenticators.configureMethod(user.method(), user.auth(), plugins)));
        }
        return new AdminUsers(console.database(), Map.copyOf(users));
    }

    /**
     * @return the console's virtual database
     */
    public String database() {
        return database;
    }

    /**
     * @param name a user name from a StartupMessage
     * @return the admin user, if configured
     */
    public Optional<User> find(String name) {
        return Optional.ofNullable(users.get(name));
    }
}
