package io.allas.server.config;

import static io.allas.server.config.Fallback.absent;
import static io.allas.server.config.Fallback.byDefault;
import static io.allas.server.config.Fallback.required;
import static io.allas.server.config.ValueType.text;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.allas.auth.spi.AuthConfig;

/**
 * The {@code admin} section: the virtual database operators connect to with psql, as pgbouncer's
 * {@code pgbouncer} database.
 *
 * @param database the virtual database's name
 * @param users    who may connect to it, each authenticated as a database's clients are
 */
public record AdminConsole(String database, List<User> users) {

    /**
     * One operator.
     *
     * @param user   the user name they connect as (the auth object's {@code user})
     * @param method the {@code method}
     * @param auth   the whole auth object, for the method's plugin to validate
     */
    public record User(String user, String method, AuthConfig auth) {
    }

    static final Structure SECTION = new Structure("admin", Structure.Shape.SECTION, absent("no admin console"),
            "the admin console; the section's presence turns it on");
    static final Option<String> DATABASE = new Option<>("admin.database", text(), byDefault("allas"),
            "the name of the console's virtual database; no configured database may have it");
    static final Structure USERS = new Structure("admin.users", Structure.Shape.LIST, required(),
            "who may use the console, at least one: auth objects as a database's `auth`, each with its `user`");
    static final Structure USER = new Structure("admin.users[i]", Structure.Shape.OPEN_OBJECT, required(),
            "an operator: the method and its own keys");
    static final Option<String> USER_METHOD = new Option<>("admin.users[i].method", text(), required(),
            "the authentication method: trust, md5, scram-sha-256, or a plugin's");
    static final Option<String> USER_NAME = new Option<>("admin.users[i].user", text(), required(),
            "the user name the operator connects as; unique");

    static final List<Declaration> DECLARATIONS = List.of(SECTION, DATABASE, USERS, USER, USER_METHOD, USER_NAME);

    public AdminConsole {
        users = List.copyOf(users);
    }

    /**
     * @param root      the root section
     * @param databases the configured databases, whose names the console's may not take
     * @return the console; empty without an {@code admin} section
     */
    static Optional<AdminConsole> read(ConfigSection root, List<DatabaseConfig> databases) throws ConfigException {
        Optional<ConfigSection> section = root.find(SECTION);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        String database = section.get().get(DATABASE);
        if (databases.stream().anyMatch(d -> d.name().equals(database))) {
            throw section.get().invalid(DATABASE, "database \"" + database
                    + "\" is configured under \"databases\": the admin console needs a name of its own");
        }
        List<ConfigSection> entries = section.get().elements(USERS).orElseThrow(() -> new ConfigException(
                "section \"admin.users\" is missing: at least one user of the admin console must be configured"));
        if (entries.isEmpty()) {
            throw new ConfigException("section \"admin.users\" is empty: at least one user of the admin console must be configured");
        }
        List<User> users = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigSection entry : entries) {
            String user = entry.get(USER_NAME);
            if (!names.add(user)) {
                throw new ConfigException("admin user \"" + user + "\" is not unique");
            }
            users.add(new User(user, entry.get(USER_METHOD), new ConfigAuthSettings(entry.node(), entry.path(), database)));
        }
        return Optional.of(new AdminConsole(database, users));
    }
}
