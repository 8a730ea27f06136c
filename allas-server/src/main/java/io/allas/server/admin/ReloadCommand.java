package io.allas.server.admin;

import io.allas.server.sql.SqlError;

/**
 * What the console's RELOAD does: reads the configuration file again and applies it, as SIGHUP does.
 */
@FunctionalInterface
public interface ReloadCommand {

    /**
     * @throws SqlError when the new configuration was not applied; the message says why
     */
    void reload() throws SqlError;
}
