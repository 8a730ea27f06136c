package io.allas.server.config;

import static io.allas.server.config.Fallback.byDefault;
import static io.allas.server.config.ValueType.milliseconds;
import static io.allas.server.config.ValueType.nonEmptyText;
import static io.allas.server.config.ValueType.oneOf;

import java.time.Duration;
import java.util.List;

/**
 * The {@code upstream} section: how the upstream connection is watched. By default a dead
 * connection is noticed within about 25 seconds.
 *
 * @param pingInterval how long the upstream connection may be silent before a ping checks it
 * @param pingTimeout  how long a ping, or any statement, may go unanswered before the connection counts as dead
 * @param connectWait  how long an authenticated client waits for the upstream connection before it is refused;
 *                     zero refuses at once
 * @param onLoss       whether clients are terminated or kept when the upstream connection is lost
 * @param gapChannel   the channel on which allas itself tells a client that it may have missed notifications;
 *                     never listened on upstream
 */
public record Upstream(Duration pingInterval, Duration pingTimeout, Duration connectWait, OnLoss onLoss,
                       String gapChannel) {

    static final Option<Duration> PING_INTERVAL = new Option<>("upstream.ping_interval_ms",
            milliseconds(100, Integer.MAX_VALUE), byDefault(Duration.ofSeconds(15)),
            "how long the upstream connection may be silent before a ping checks it");
    static final Option<Duration> PING_TIMEOUT = new Option<>("upstream.ping_timeout_ms",
            milliseconds(1000, Integer.MAX_VALUE), byDefault(Duration.ofSeconds(10)),
            "how long a ping, or any statement, may go unanswered before the connection counts as dead");

    static final Option<Duration> CONNECT_WAIT = new Option<>("upstream.connect_wait_ms",
            milliseconds(0, Integer.MAX_VALUE), byDefault(Duration.ofSeconds(30)),
            "how long a client that authenticated while the upstream connection is down waits for it before it is refused with 57A01 (0: refused at once)");

    static final Option<OnLoss> ON_LOSS = new Option<>("upstream.on_loss", oneOf(OnLoss.class),
            byDefault(OnLoss.TERMINATE),
            "when the upstream connection is lost: terminate every client with 57A02, or keep them and tell them of the gap once listening again");
    static final Option<String> GAP_CHANNEL = new Option<>("upstream.gap_channel", nonEmptyText(),
            byDefault("allas_gap"),
            "the channel on which allas itself tells a client that listens on it that notifications may have been missed; never listened on upstream");

    static final List<Declaration> DECLARATIONS = List.of(PING_INTERVAL, PING_TIMEOUT, CONNECT_WAIT, ON_LOSS, GAP_CHANNEL);

    static Upstream read(ConfigSection root) throws ConfigException {
        return new Upstream(root.get(PING_INTERVAL), root.get(PING_TIMEOUT), root.get(CONNECT_WAIT), root.get(ON_LOSS),
                root.get(GAP_CHANNEL));
    }
}
