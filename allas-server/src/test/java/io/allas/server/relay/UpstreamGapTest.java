package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * What a relay reads from an upstream allas's gap report: the stretch of the last report in a
 * run, whatever the JSON's spacing; a payload that is not such a report gives none (the relay
 * then reports the gap as of now).
 */
@Tag("unit")
class UpstreamGapTest {

    private static NotificationRun reports(String... payloads) {
        ByteArrayOutputStream messages = new ByteArrayOutputStream();
        for (String payload : payloads) {
            messages.writeBytes(NotificationRun.of(0, "allas_gap", payload, 1).messages());
        }
        return new NotificationRun("allas_gap", messages.toByteArray(), payloads.length, 1);
    }

    @Test
    void theLastReportOfARunIsRead() {
        Optional<UpstreamGap.Stretch> stretch = UpstreamGap.stretch(reports(
                "{\"reason\": \"upstream_lost\", \"from\": \"2026-11-30T17:00:00Z\", \"to\": \"2026-11-30T17:00:01Z\", \"channels\": []}",
                "{\"reason\":\"upstream_lost\",\"from\":\"2026-11-30T17:01:02.345Z\",\"to\":\"2026-11-30T17:01:02.912Z\","
                        + "\"channels\":[\"a \\\"quoted\\\" name\"]}"));
        assertEquals(Optional.of(new UpstreamGap.Stretch(Instant.parse("2026-11-30T17:01:02.345Z"),
                Instant.parse("2026-11-30T17:01:02.912Z"))), stretch);
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "{\"from\": \"2026-11-30T17:00:00Z\"}",
            "{\"from\": 5, \"to\": \"2026-11-30T17:00:00Z\"}", "{\"from\": \"yesterday\", \"to\": \"today\"}", ""})
    void aPayloadThatIsNoReportGivesNoStretch(String payload) {
        assertTrue(UpstreamGap.stretch(reports(payload)).isEmpty());
    }
}
