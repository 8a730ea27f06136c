package io.allas.server.config;

import io.allas.auth.spi.AuthConfig;

/**
 * One entry of {@code databases}.
 *
 * @param name       the database name clients connect to
 * @param authMethod the {@code auth.method}
 * @param auth       the whole {@code auth} object, for the method's plugin to validate
 */
public record DatabaseConfig(String name, String authMethod, AuthConfig auth) {
}
