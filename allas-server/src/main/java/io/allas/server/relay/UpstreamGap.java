package io.allas.server.relay;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * A gap an upstream allas reported to this relay on its gap channel (the upstream kept this
 * relay's connection while it lost its own): this relay passes it on to its own listeners, as if
 * it had lost the connection itself from the upstream's {@code from} to its {@code to}.
 */
final class UpstreamGap {

    private static final Pattern FROM = Pattern.compile("\"from\": \"([^\"]+)\"");
    private static final Pattern TO = Pattern.compile("\"to\": \"([^\"]+)\"");

    /** From when to when the upstream allas may have missed notifications. */
    record Stretch(Instant from, Instant to) {
    }

    private UpstreamGap() {
    }

    /**
     * @param run notifications on the gap channel: each is one report, the last is read
     * @return the stretch reported, when the payload is the upstream allas's
     */
    static Optional<Stretch> stretch(NotificationRun run) {
        String payload = lastPayload(run);
        Matcher from = FROM.matcher(payload);
        Matcher to = TO.matcher(payload);
        if (!from.find() || !to.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Stretch(Instant.parse(from.group(1)), Instant.parse(to.group(1))));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** A NotificationResponse is 'A', its length, the process ID, the channel and the payload, each NUL-ended. */
    private static String lastPayload(NotificationRun run) {
        ByteBuffer messages = ByteBuffer.wrap(run.messages());
        String payload = "";
        while (messages.remaining() > 5) {
            int start = messages.position();
            int length = messages.getInt(start + 1);
            int channelStart = start + 1 + 4 + 4;
            int channelEnd = channelStart;
            while (run.messages()[channelEnd] != 0) {
                channelEnd++;
            }
            int payloadEnd = channelEnd + 1;
            while (run.messages()[payloadEnd] != 0) {
                payloadEnd++;
            }
            payload = new String(run.messages(), channelEnd + 1, payloadEnd - channelEnd - 1, StandardCharsets.UTF_8);
            messages.position(start + 1 + length);
        }
        return payload;
    }
}
