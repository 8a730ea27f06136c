package io.allas.server.config;

import static io.allas.server.config.Fallback.absent;
import static io.allas.server.config.Fallback.byDefault;
import static io.allas.server.config.ValueType.oneOf;
import static io.allas.server.config.ValueType.path;
import static io.allas.server.config.ValueType.text;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The validated configuration: an immutable value, so that a newly loaded one can replace it whole.
 *
 * @param listen            where clients connect
 * @param connect           the default upstream connection string, as written (each database may name its own)
 * @param startupParameters ParameterStatus values sent to every client, overriding the upstream's
 * @param prometheus        where the metrics and health endpoint listens; empty when off
 * @param databases         the databases clients may connect to
 * @param pluginDirectory   the directory of third-party plugin jars; empty when none is configured
 *                          (the default, {@code plugins/} beside allas.jar, is then used if present)
 * @param notificationQueue when a client counts as unable to keep up with its notifications
 * @param upstream          how the upstream connection is watched
 * @param limits            bounds on clients
 * @param logLevel          the least severe level logged
 * @param tls               TLS for clients; empty when there is no {@code listen.tls} section
 * @param proxyProtocol     the load balancers that send PROXY headers; empty when there is no
 *                          {@code listen.proxy_protocol} section
 * @param admin             the admin console; empty when there is no {@code admin} section
 */
public record AllasConfig(ListenAddress listen,
                          String connect,
                          Map<String, String> startupParameters,
                          Optional<ListenAddress.Tcp> prometheus,
                          List<DatabaseConfig> databases,
                          Optional<Path> pluginDirectory,
                          NotificationQueue notificationQueue,
                          Upstream upstream,
                          Limits limits,
                          LogLevel logLevel,
                          Optional<TlsSettings> tls,
                          Optional<ProxyProtocol> proxyProtocol,
                          Optional<AdminConsole> admin) {

    /** As in the original allas. */
    static final Option<String> CONNECT = new Option<>("connect", text(),
            byDefault("host=localhost port=5432 sslmode=disable"),
            "libpq connection string for the upstream server");
    static final Structure STARTUP_PARAMETERS = new Structure("startup_parameters", Structure.Shape.OPEN_OBJECT,
            absent("none"), "ParameterStatus values sent to every client, overriding the upstream server's");
    static final Option<LogLevel> LOG_LEVEL = new Option<>("log_level", oneOf(LogLevel.class),
            byDefault(LogLevel.INFO), "the least severe level of allas's own messages that is logged");
    static final Structure PROMETHEUS = new Structure("prometheus", Structure.Shape.SECTION, absent("off"),
            "the HTTP endpoint for metrics and health; the section's presence turns it on");
    static final Option<Path> PLUGIN_DIRECTORY = new Option<>("plugin_directory", path(),
            absent("`plugins/` beside `allas.jar`"), "directory of third-party plugin jars");

    public AllasConfig {
        startupParameters = Map.copyOf(startupParameters);
        databases = List.copyOf(databases);
    }
}
