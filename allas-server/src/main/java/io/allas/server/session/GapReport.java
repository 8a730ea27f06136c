package io.allas.server.session;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Predicate;

import io.helidon.json.JsonString;

import io.allas.server.protocol.PacketBuilder;
import io.allas.server.protocol.SqlState;
import io.allas.server.protocol.backend.NoticeResponse;
import io.allas.server.protocol.backend.NotificationRun;
import io.allas.server.relay.Gap;

/**
 * How one client is told of a {@link Gap}: as a notification on the gap channel when it listens
 * there (every client library receives that with the API it already uses), else as a WARNING
 * NoticeResponse. Either way it is queued with the client's notifications, so it arrives when the
 * client is idle, after what was delivered before the gap and before what comes after it.
 */
final class GapReport {

    /**
     * The process ID a gap notification carries: no PostgreSQL backend has it, and it is not the
     * client's own, which libraries that ignore their own notifications would drop.
     */
    static final int PROCESS_ID = 0;

    private final String gapChannel;
    private final Predicate<String> listening;

    /**
     * @param gapChannel the channel gap notifications are sent on
     * @param listening  whether the client listens on a channel now
     */
    GapReport(String gapChannel, Predicate<String> listening) {
        this.gapChannel = gapChannel;
        this.listening = listening;
    }

    /**
     * @return the message to queue for the client: a run of one notification, or a run holding a
     *         NoticeResponse (its channel null: it is written whatever the client listens on)
     */
    NotificationRun messageFor(Gap gap) {
        if (listening.test(gapChannel)) {
            return NotificationRun.of(PROCESS_ID, gapChannel, json(gap), System.nanoTime());
        }
        PacketBuilder message = new PacketBuilder(256);
        new NoticeResponse("WARNING", SqlState.NOTIFICATIONS_MAY_HAVE_BEEN_MISSED, "notifications may have been missed",
                detail(gap)).encode(message);
        ByteBuffer encoded = message.view();
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return new NotificationRun(null, bytes, 1, System.nanoTime());
    }

    /** The payload of a gap notification: one JSON object, small enough for any channel. */
    static String json(Gap gap) {
        StringBuilder out = new StringBuilder(96 + 16 * gap.channels().size());
        out.append("{\"reason\": ").append(quoted(gap.reason()))
                .append(", \"from\": ").append(quoted(timestamp(gap.from())))
                .append(", \"to\": ").append(quoted(timestamp(gap.to())))
                .append(", \"channels\": [");
        for (int i = 0; i < gap.channels().size(); i++) {
            out.append(i == 0 ? "" : ", ").append(quoted(gap.channels().get(i)));
        }
        out.append(']');
        if (gap.dropped() > 0) {
            out.append(", \"dropped\": ").append(gap.dropped());
        }
        return out.append('}').toString();
    }

    private static String detail(Gap gap) {
        String why = Gap.UPSTREAM_LOST.equals(gap.reason())
                ? "The server connection was lost"
                : "This client did not keep up; " + gap.dropped() + " notifications queued for it were dropped";
        return why + " from " + timestamp(gap.from()) + " to " + timestamp(gap.to()) + " (reason " + gap.reason()
                + "); affected channels: " + String.join(", ", gap.channels()) + ".";
    }

    private static String timestamp(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /** A JSON string: channel names may hold any character but NUL. */
    private static String quoted(String text) {
        return JsonString.create(text).toString();
    }
}
