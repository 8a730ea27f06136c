package io.allas.server.config;

import static io.allas.server.config.Fallback.absent;
import static io.allas.server.config.Fallback.required;
import static io.allas.server.config.ValueType.text;
import static io.allas.server.config.ValueType.textList;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.allas.auth.spi.AuthConfig;

/**
 * One entry of {@code databases}.
 *
 * @param name       the database name clients connect to
 * @param authMethod the {@code auth.method}
 * @param auth       the whole {@code auth} object, for the method's plugin to validate
 * @param connect    the upstream connection string of this database: its own {@code connect}, else the top-level one
 * @param connectKey the key {@code connect} was read from ({@code connect} or {@code databases[i].connect}), for errors
 * @param channels   which channels its clients may use, and what they are called upstream
 */
public record DatabaseConfig(String name, String authMethod, AuthConfig auth, String connect, String connectKey,
                             ChannelRules channels) {

    /**
     * What the clients of a database may do with channels.
     *
     * @param listenPatterns the patterns of the channels they may LISTEN on; empty: every channel
     * @param notifyPatterns the patterns of the channels they may NOTIFY; empty: every channel
     * @param prefix         put before each of their channels' names upstream; empty for none
     */
    public record ChannelRules(Optional<List<String>> listenPatterns, Optional<List<String>> notifyPatterns,
                               String prefix) {
    }

    static final Structure DATABASES = new Structure("databases", Structure.Shape.LIST, required(),
            "the databases clients may connect to; names unique, at least one");
    static final Option<String> NAME = new Option<>("databases[i].name", text(), required(),
            "the database name clients connect to");
    static final Structure AUTH = new Structure("databases[i].auth", Structure.Shape.OPEN_OBJECT, required(),
            "how clients of this database authenticate: the method and its own keys");
    static final Option<String> AUTH_METHOD = new Option<>("databases[i].auth.method", text(), required(),
            "the authentication method: trust, md5, scram-sha-256, or a plugin's");

    static final Option<String> CONNECT = new Option<>("databases[i].connect", text(),
            absent("the top-level `connect`"),
            "libpq connection string for this database's upstream server; databases with the same server, database and user share one upstream connection");

    static final Structure CHANNELS = new Structure("databases[i].channels", Structure.Shape.SECTION,
            absent("every channel"), "the channels this database's clients may use");
    static final Option<List<String>> CHANNELS_LISTEN = new Option<>("databases[i].channels.listen", textList(),
            absent("every channel"),
            "patterns (`*` for any run of characters) of the channels its clients may LISTEN on, matched against the name as PostgreSQL names it; others get 42501");
    static final Option<List<String>> CHANNELS_NOTIFY = new Option<>("databases[i].channels.notify", textList(),
            absent("every channel"),
            "patterns of the channels its clients may NOTIFY, as `listen`");

    static final Option<String> CHANNEL_PREFIX = new Option<>("databases[i].channel_prefix", text(),
            absent("none"),
            "put before every channel name of this database's clients upstream, so that tenants sharing an upstream database cannot hear each other");

    static final List<Declaration> DECLARATIONS = List.of(DATABASES, NAME, AUTH, AUTH_METHOD, CONNECT, CHANNELS,
            CHANNELS_LISTEN, CHANNELS_NOTIFY, CHANNEL_PREFIX);

    /**
     * @param root           the root section
     * @param defaultConnect the top-level {@code connect}, for the databases that name no upstream of their own
     * @return the databases, at least one, names unique
     */
    static List<DatabaseConfig> readAll(ConfigSection root, String defaultConnect) throws ConfigException {
        List<ConfigSection> entries = root.elements(DATABASES).orElseThrow(() -> new ConfigException(
                "section \"databases\" is missing: at least one database must be configured"));
        if (entries.isEmpty()) {
            throw new ConfigException("section \"databases\" is empty: at least one database must be configured");
        }
        List<DatabaseConfig> databases = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigSection entry : entries) {
            String name = entry.get(NAME);
            if (!names.add(name)) {
                throw new ConfigException("database name \"" + name + "\" is not unique");
            }
            ConfigSection auth = entry.get(AUTH);
            String method = auth.get(AUTH_METHOD);
            databases.add(new DatabaseConfig(name, method, new ConfigAuthSettings(auth.node(), auth.path(), name),
                    entry.find(CONNECT).orElse(defaultConnect),
                    entry.find(CONNECT).isPresent() ? entry.path() + ".connect" : AllasConfig.CONNECT.key(),
                    new ChannelRules(entry.find(CHANNELS_LISTEN), entry.find(CHANNELS_NOTIFY),
                            entry.find(CHANNEL_PREFIX).orElse(""))));
        }
        return List.copyOf(databases);
    }
}
