package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * Which client a notification from the sending connection is credited to: the first recorded one
 * with its channel and payload, the ones before it never delivered.
 */
@Tag("unit")
class SenderAttributionTest {

    private static final int SENDER = 4242;
    private static final int OTHER = 777;

    private static NotificationRun run(int pid, String channel, String payload) {
        return NotificationRun.of(pid, channel, payload, 0);
    }

    private static int pid(NotificationRun run) {
        return ByteBuffer.wrap(run.messages()).getInt(5);
    }

    private static List<Integer> attribute(SenderAttribution attribution, NotificationRun... runs) {
        List<NotificationRun> list = List.of(runs);
        attribution.attribute(list);
        List<Integer> pids = new ArrayList<>();
        list.forEach(run -> pids.add(pid(run)));
        return pids;
    }

    @Test
    void eachNotificationIsCreditedToItsClientInOrder() {
        SenderAttribution attribution = new SenderAttribution();
        attribution.record(SENDER, List.of(new SenderAttribution.Sent("c", "same", 1), new SenderAttribution.Sent("c", "same", 2),
                new SenderAttribution.Sent("c", "other", 3)));
        assertEquals(List.of(1, OTHER, 2, 3), attribute(attribution, run(SENDER, "c", "same"), run(OTHER, "c", "same"),
                run(SENDER, "c", "same"), run(SENDER, "c", "other")));
        assertEquals(0, attribution.pending());
        assertEquals(List.of(SENDER), attribute(attribution, run(SENDER, "c", "same")), "nothing left to credit");
    }

    @Test
    void notificationsNeverDeliveredAreSkippedAndDropped() {
        SenderAttribution attribution = new SenderAttribution();
        attribution.record(SENDER, List.of(new SenderAttribution.Sent("unlistened", "x", 1),
                new SenderAttribution.Sent("c", "x", 2), new SenderAttribution.Sent("c", "y", 3)));
        assertEquals(List.of(2), attribute(attribution, run(SENDER, "c", "x")));
        assertEquals(1, attribution.pending(), "the one before it was dropped");
    }

    @Test
    void aRunOfSeveralMessagesIsRewrittenMessageByMessage() {
        SenderAttribution attribution = new SenderAttribution();
        attribution.record(SENDER, List.of(new SenderAttribution.Sent("c", "ä", 1), new SenderAttribution.Sent("c", "", 2)));
        NotificationRun first = run(SENDER, "c", "ä");
        NotificationRun second = run(OTHER, "c", "between");
        NotificationRun third = run(SENDER, "c", "");
        byte[] joined = ByteBuffer.allocate(first.messages().length + second.messages().length + third.messages().length)
                .put(first.messages()).put(second.messages()).put(third.messages()).array();
        NotificationRun run = new NotificationRun("c", joined, 3, 0);
        attribution.attribute(List.of(run));
        ByteBuffer messages = ByteBuffer.wrap(run.messages());
        assertEquals(1, messages.getInt(5));
        assertEquals(OTHER, messages.getInt(first.messages().length + 5));
        assertEquals(2, messages.getInt(first.messages().length + second.messages().length + 5));
    }

    @Test
    void forgottenOnesAreNotCreditedAndTheRecordIsBounded() {
        SenderAttribution attribution = new SenderAttribution();
        List<SenderAttribution.Sent> rolledBack = List.of(new SenderAttribution.Sent("c", "x", 1));
        attribution.record(SENDER, rolledBack);
        attribution.record(SENDER, List.of(new SenderAttribution.Sent("c", "x", 2)));
        attribution.forget(SENDER, rolledBack);
        assertEquals(List.of(2), attribute(attribution, run(SENDER, "c", "x")), "an equal one of another client stays");

        List<SenderAttribution.Sent> many = new ArrayList<>();
        for (int i = 0; i < SenderAttribution.MAX_PENDING + 10; i++) {
            many.add(new SenderAttribution.Sent("c", "n" + i, i + 1));
        }
        attribution.record(SENDER, many);
        assertEquals(SenderAttribution.MAX_PENDING, attribution.pending());
        assertEquals(List.of(SENDER, 11), attribute(attribution, run(SENDER, "c", "n0"), run(SENDER, "c", "n10")),
                "the oldest were forgotten first");
    }
}
