package io.allas.server.config;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.allas.auth.spi.AuthConfig;
import io.allas.auth.spi.AuthConfigException;
import io.helidon.config.Config;

/**
 * A database's {@code auth} object as the plugin sees it. Equal to another of the same database
 * with the same keys and values, so that two loaded configurations compare as values.
 */
final class ConfigAuthSettings implements AuthConfig {

    private final Config node;
    private final String path;
    private final String database;

    ConfigAuthSettings(Config node, String path, String database) {
        this.node = node;
        this.path = path;
        this.database = database;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String database() {
        return database;
    }

    @Override
    public Set<String> keys() {
        Set<String> keys = new LinkedHashSet<>();
        for (Config child : node.asNodeList().orElse(List.of())) {
            keys.add(child.name());
        }
        return keys;
    }

    @Override
    public Optional<String> value(String key) throws AuthConfigException {
        Config child = node.get(key);
        if (!child.exists()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ConfigSection.text(child, path + "." + key));
        } catch (ConfigException e) {
            throw new AuthConfigException(e.getMessage());
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConfigAuthSettings that && path.equals(that.path) && database.equals(that.database)
                && values().equals(that.values());
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, database, values());
    }

    /** Every value below the object, nested ones included, by its full key. */
    private Map<String, String> values() {
        return node.asMap().orElse(Map.of());
    }
}
