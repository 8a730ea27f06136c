package io.allas.server.admin;

import io.allas.server.protocol.SqlState;
import io.allas.server.sql.SqlError;

/**
 * What the console's RELOAD does: reads the configuration file again and applies it.
 */
@FunctionalInterface
public interface ConfigReload {

    /**
     * @throws SqlError when the new configuration was not applied; the message says why
     */
    void reload() throws SqlError;

    /** Until allas can reload its configuration while running. */
    ConfigReload UNAVAILABLE = () -> {
        throw new SqlError(SqlState.FEATURE_NOT_SUPPORTED,
                "RELOAD is not available: this allas cannot reload its configuration while running; restart it to apply a change");
    };
}
