package io.allas.server.session;

import java.util.Map;
import java.util.function.Supplier;

import io.allas.server.auth.DatabaseAuthenticators;

/**
 * What every client session shares.
 *
 * @param databases        the databases and their authentication
 * @param parameterStatus  the ParameterStatus values to send after authentication
 * @param limits           bounds on client input
 * @param listener         hears of sessions coming and going
 */
public record SessionServices(DatabaseAuthenticators databases,
                              Supplier<Map<String, String>> parameterStatus,
                              SessionLimits limits,
                              SessionListener listener) {
}
