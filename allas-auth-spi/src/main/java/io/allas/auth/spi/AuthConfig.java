package io.allas.auth.spi;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One database's {@code auth} object from the allas configuration (after environment overrides),
 * handed to {@link AuthMethodProvider#configure(AuthConfig)}. Values are strings, as JSON
 * strings or numbers were written.
 */
public interface AuthConfig {

    /**
     * @return where this object sits in the configuration, for messages: {@code databases[0].auth}
     */
    String path();

    /**
     * @return the name of the database this object configures
     */
    String database();

    /**
     * @return every key present in the object, {@code method} included
     */
    Set<String> keys();

    /**
     * @param key a key of the object
     * @return its value, if present
     * @throws AuthConfigException when the key holds an object or an array rather than a value
     */
    Optional<String> value(String key) throws AuthConfigException;

    /**
     * @param key a key that must be present
     * @return its value
     * @throws AuthConfigException naming the key when it is missing or not a value
     */
    default String requiredValue(String key) throws AuthConfigException {
        return value(key).orElseThrow(
                () -> new AuthConfigException("missing configuration option \"" + path() + "." + key + "\""));
    }

    /**
     * @param key a key that must be present and not empty
     * @return its value
     * @throws AuthConfigException naming the key when it is missing, empty or not a value
     */
    default String requiredNonEmptyValue(String key) throws AuthConfigException {
        String value = requiredValue(key);
        if (value.isEmpty()) {
            throw new AuthConfigException("configuration option \"" + path() + "." + key + "\" must not be empty");
        }
        return value;
    }

    /**
     * Rejects any key outside {@code method} and the given ones, as allas does for its own sections.
     *
     * @param keys the keys the method understands besides {@code method}
     * @throws AuthConfigException naming the first unknown key
     */
    default void allowOnly(String... keys) throws AuthConfigException {
        List<String> allowed = Arrays.asList(keys);
        for (String key : keys().stream().sorted().toList()) {
            if (!key.equals("method") && !allowed.contains(key)) {
                throw new AuthConfigException("unrecognized configuration option \"" + path() + "." + key + "\"");
            }
        }
    }
}
