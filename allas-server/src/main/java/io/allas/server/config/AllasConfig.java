package io.allas.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The validated configuration.
 *
 * @param listen            where clients connect
 * @param connect           the upstream connection string, as written
 * @param startupParameters ParameterStatus values sent to every client, overriding the upstream's
 * @param prometheus        where the metrics and health endpoint listens; empty when off
 * @param databases         the databases clients may connect to
 * @param pluginDirectory   the directory of third-party plugin jars; empty when none is configured
 *                          (the default, {@code plugins/} beside allas.jar, is then used if present)
 * @param notificationQueue when a client counts as unable to keep up with its notifications
 * @param upstream          how the upstream connection is watched
 * @param limits            bounds on clients
 * @param logLevel          the least severe level logged: error, warning, info or debug
 * @param tls               TLS for clients; empty when there is no {@code listen.tls} section
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
                          String logLevel,
                          Optional<TlsSettings> tls) {

    /**
     * The {@code limits} section.
     *
     * @param maxClients           client connections at once
     * @param maxChannelsPerClient channels one client may listen on
     * @param startupTimeoutMillis time a client has from connecting to finishing authentication
     * @param maxMessageBytes      the largest message a client may send
     * @param maxUnauthenticated   connections that have not finished authenticating, at once
     * @param authFailureDelayMillis how long a failed authentication waits before it is answered
     */
    public record Limits(int maxClients, int maxChannelsPerClient, long startupTimeoutMillis, int maxMessageBytes,
                         int maxUnauthenticated, long authFailureDelayMillis) {
        /** Defaults. */
        public static final Limits DEFAULTS = new Limits(10_000, 10_000, 60_000, 1 << 20, 10_000, 0);
    }

    /**
     * The {@code upstream} section.
     *
     * @param pingIntervalMillis how long the upstream connection may be silent before a ping checks it
     * @param pingTimeoutMillis  how long a ping, or any statement, may go unanswered before the connection counts as dead
     */
    public record Upstream(long pingIntervalMillis, long pingTimeoutMillis) {
        /** Defaults: a dead connection is noticed within about 25 seconds. */
        public static final Upstream DEFAULTS = new Upstream(15_000, 10_000);
    }

    /**
     * The {@code notification_queue} section.
     *
     * @param maxNotifications notifications that may wait for one client
     * @param maxBytes         their bytes
     * @param stallTimeoutMillis how long a client may take no bytes while notifications wait for it
     */
    public record NotificationQueue(int maxNotifications, long maxBytes, long stallTimeoutMillis) {
        /** Defaults that a client reading at full speed never meets, even through a burst of 10,000. */
        public static final NotificationQueue DEFAULTS = new NotificationQueue(100_000, 64L << 20, 30_000);
    }

    /** The upstream connection string when none is configured, as in the original allas. */
    public static final String DEFAULT_CONNECT = "host=localhost port=5432 sslmode=disable";
    /** The client port when none is configured. */
    public static final int DEFAULT_PORT = 6433;
}
