package io.allas.server.config;

import static io.allas.server.config.Fallback.byDefault;
import static io.allas.server.config.ValueType.integer;
import static io.allas.server.config.ValueType.milliseconds;

import java.time.Duration;
import java.util.List;

/**
 * The {@code limits} section: bounds on clients.
 *
 * @param maxClients           client connections at once
 * @param maxChannelsPerClient channels one client may listen on
 * @param maxChannels          channels the upstream connection may listen on, for all clients together
 * @param listenTimeout        how long a LISTEN may wait for the upstream server to confirm it
 * @param startupTimeout       time a client has from connecting to finishing authentication
 * @param maxMessageBytes      the largest message a client may send
 * @param maxUnauthenticated   connections that have not finished authenticating, at once
 * @param authFailureDelay     how long a failed authentication waits before it is answered
 */
public record Limits(int maxClients, int maxChannelsPerClient, int maxChannels, Duration listenTimeout,
                     Duration startupTimeout, int maxMessageBytes, int maxUnauthenticated, Duration authFailureDelay) {

    static final Option<Integer> MAX_CLIENTS = new Option<>("limits.max_clients",
            integer(1, Integer.MAX_VALUE), byDefault(10_000), "client connections at once");
    static final Option<Integer> MAX_CHANNELS_PER_CLIENT = new Option<>("limits.max_channels_per_client",
            integer(1, Integer.MAX_VALUE), byDefault(10_000), "channels one client may listen on");
    static final Option<Integer> MAX_CHANNELS = new Option<>("limits.max_channels",
            integer(1, Integer.MAX_VALUE), byDefault(10_000),
            "channels the upstream connection may listen on, for all clients together");
    static final Option<Duration> LISTEN_TIMEOUT = new Option<>("limits.listen_timeout_ms",
            milliseconds(100, Integer.MAX_VALUE), byDefault(Duration.ofSeconds(30)),
            "how long a LISTEN may wait for the upstream server to confirm it");
    static final Option<Duration> STARTUP_TIMEOUT = new Option<>("limits.startup_timeout_ms",
            milliseconds(100, Integer.MAX_VALUE), byDefault(Duration.ofSeconds(60)),
            "time a client has from connecting to finishing authentication");
    static final Option<Integer> MAX_MESSAGE_BYTES = new Option<>("limits.max_message_bytes",
            integer(1024, 1 << 30), byDefault(1 << 20), "the largest message a client may send");
    static final Option<Integer> MAX_UNAUTHENTICATED = new Option<>("limits.max_unauthenticated",
            integer(1, Integer.MAX_VALUE), byDefault(10_000),
            "connections that have not finished authenticating, at once");
    static final Option<Duration> AUTH_FAILURE_DELAY = new Option<>("limits.auth_failure_delay_ms",
            milliseconds(0, 60_000), byDefault(Duration.ZERO),
            "how long a failed authentication waits before it is answered");

    static final List<Declaration> DECLARATIONS = List.of(MAX_CLIENTS, MAX_CHANNELS_PER_CLIENT, MAX_CHANNELS,
            LISTEN_TIMEOUT, STARTUP_TIMEOUT, MAX_MESSAGE_BYTES, MAX_UNAUTHENTICATED, AUTH_FAILURE_DELAY);

    static Limits read(ConfigSection root) throws ConfigException {
        return new Limits(root.get(MAX_CLIENTS), root.get(MAX_CHANNELS_PER_CLIENT), root.get(MAX_CHANNELS),
                root.get(LISTEN_TIMEOUT), root.get(STARTUP_TIMEOUT), root.get(MAX_MESSAGE_BYTES),
                root.get(MAX_UNAUTHENTICATED), root.get(AUTH_FAILURE_DELAY));
    }
}
