package io.allas.server.config;

import static io.allas.server.config.Fallback.byDefault;
import static io.allas.server.config.ValueType.integer;
import static io.allas.server.config.ValueType.milliseconds;
import static io.allas.server.config.ValueType.oneOf;

import java.time.Duration;
import java.util.List;

/**
 * The {@code notification_queue} section: when a client counts as unable to keep up with its
 * notifications. The defaults are never met by a client reading at full speed, even through a
 * burst of 10,000.
 *
 * @param maxNotifications notifications that may wait for one client
 * @param maxBytes         their bytes
 * @param stallTimeout     how long a client may take no bytes while notifications wait for it
 * @param onOverflow       whether a client whose queue overflows is terminated or told of a gap
 */
public record NotificationQueue(int maxNotifications, int maxBytes, Duration stallTimeout, OnOverflow onOverflow) {

    static final Option<Integer> MAX_NOTIFICATIONS = new Option<>("notification_queue.max_notifications",
            integer(1, Integer.MAX_VALUE), byDefault(100_000), "notifications that may wait for one client");
    static final Option<Integer> MAX_BYTES = new Option<>("notification_queue.max_bytes",
            integer(1024, Integer.MAX_VALUE), byDefault(64 << 20), "the bytes of the notifications waiting for one client");
    static final Option<Duration> STALL_TIMEOUT = new Option<>("notification_queue.stall_timeout_ms",
            milliseconds(100, Integer.MAX_VALUE), byDefault(Duration.ofSeconds(30)),
            "how long a client may take no bytes while notifications wait for it");

    static final Option<OnOverflow> ON_OVERFLOW = new Option<>("notification_queue.on_overflow",
            oneOf(OnOverflow.class), byDefault(OnOverflow.TERMINATE),
            "when a client's queue overflows: terminate it with 57A03, or drop what is queued and tell it of the gap (a client that takes no bytes for stall_timeout_ms is terminated either way)");

    static final List<Declaration> DECLARATIONS = List.of(MAX_NOTIFICATIONS, MAX_BYTES, STALL_TIMEOUT, ON_OVERFLOW);

    static NotificationQueue read(ConfigSection root) throws ConfigException {
        return new NotificationQueue(root.get(MAX_NOTIFICATIONS), root.get(MAX_BYTES), root.get(STALL_TIMEOUT),
                root.get(ON_OVERFLOW));
    }
}
