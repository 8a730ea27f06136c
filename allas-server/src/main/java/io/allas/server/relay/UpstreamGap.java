package io.allas.server.relay;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import io.helidon.json.JsonException;
import io.helidon.json.JsonObject;
import io.helidon.json.JsonParser;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * A gap an upstream allas reported to this relay on its gap channel (the upstream kept this
 * relay's connection while it lost its own): this relay passes it on to its own listeners, as if
 * it had lost the connection itself from the upstream's {@code from} to its {@code to}.
 */
final class UpstreamGap {

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
        try {
            JsonObject report = JsonParser.create(lastPayload(run)).readJsonObject();
            Optional<String> from = report.stringValue("from");
            Optional<String> to = report.stringValue("to");
            if (from.isEmpty() || to.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Stretch(Instant.parse(from.get()), Instant.parse(to.get())));
        } catch (JsonException | DateTimeParseException e) {
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
