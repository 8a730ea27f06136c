package io.allas.server.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.allas.auth.spi.AuthConfig;
import io.allas.auth.spi.AuthConfigException;
import io.allas.auth.spi.AuthMethod;
import io.allas.auth.spi.AuthMethodProvider;
import io.allas.server.config.ConfigException;
import io.allas.server.config.DatabaseConfig;

/**
 * The configured databases, each with the method that authenticates its clients.
 */
public final class DatabaseAuthenticators {

    /**
     * A database clients may connect to.
     *
     * @param name   its name
     * @param method the method name, for logs and metrics
     * @param auth   the method, configured for it
     * @param channels which channels its clients may use
     */
    public record Database(String name, String method, AuthMethod auth, DatabaseConfig.ChannelRules channels) {
    }

    private final Map<String, Database> databases;
    private final Map<String, Set<String>> failureReasons;

    private DatabaseAuthenticators(Map<String, Database> databases, Map<String, Set<String>> failureReasons) {
        this.databases = databases;
        this.failureReasons = failureReasons;
    }

    /**
     * Configures each database's method; each plugin validates its own {@code auth} object.
     *
     * @param configs the databases
     * @param plugins the methods available
     * @return the databases ready to authenticate clients
     * @throws ConfigException for an unknown method or an {@code auth} object its method rejects
     */
    public static DatabaseAuthenticators configure(Iterable<DatabaseConfig> configs, AuthPlugins plugins)
            throws ConfigException {
        Map<String, Database> databases = new LinkedHashMap<>();
        Map<String, Set<String>> failureReasons = new LinkedHashMap<>();
        for (DatabaseConfig config : configs) {
            databases.put(config.name(), new Database(config.name(), config.authMethod(),
                    configureMethod(config.authMethod(), config.auth(), plugins), config.channels()));
            failureReasons.put(config.authMethod(), Set.copyOf(plugins.provider(config.authMethod()).failureReasons()));
        }
        return new DatabaseAuthenticators(Map.copyOf(databases), Map.copyOf(failureReasons));
    }

    /**
     * @param method the method's name
     * @param auth   its auth object, which its plugin validates
     * @return the method, configured
     * @throws ConfigException for an unknown method or an auth object its method rejects
     */
    static AuthMethod configureMethod(String method, AuthConfig auth, AuthPlugins plugins) throws ConfigException {
        AuthMethodProvider provider = plugins.provider(method);
        if (provider == null) {
            throw new ConfigException("unrecognized authentication method \"" + method + "\" in \""
                    + auth.path() + "\" (available: " + String.join(", ", plugins.methods()) + ")");
        }
        try {
            return provider.configure(auth);
        } catch (AuthConfigException e) {
            throw new ConfigException(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ConfigException("authentication method \"" + method + "\" failed to configure \""
                    + auth.path() + "\": " + e, e);
        }
    }

    /**
     * @return each configured method with the failure reasons its provider declares
     */
    public Map<String, Set<String>> failureReasonsByMethod() {
        return failureReasons;
    }

    /**
     * @param name a database name from a StartupMessage
     * @return the database, if configured
     */
    public Optional<Database> find(String name) {
        return Optional.ofNullable(databases.get(name));
    }
}
