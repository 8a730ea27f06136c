package io.allas.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The added latency is signed: a target listener that reads before the reference counts as negative, not as 0. */
class AddedLatencyTest {

    @Test
    void differencesKeepTheirSign() {
        ReadTimes reference = new ReadTimes(1, 10, 2);
        reference.record(0, 10, 100);
        reference.record(0, 11, 200);
        ReadTimes targets = new ReadTimes(2, 10, 2);
        targets.record(0, 10, 90);   // -10: read before the reference
        targets.record(0, 11, 210);  // +10
        targets.record(1, 10, 130);  // +30
        targets.record(1, 11, 250);  // +50
        targets.record(1, 9, 1);     // a warm-up notification: outside the range, ignored

        AddedLatency a = AddedLatency.between(targets, reference);

        assertEquals(new AddedLatency(4, 1, -10, 10, 50, 50, 50), a);
    }

    @Test
    void aMissingReadIsABugNotAZero() {
        ReadTimes reference = new ReadTimes(1, 0, 1);
        reference.record(0, 0, 100);
        ReadTimes targets = new ReadTimes(1, 0, 1);
        assertThrows(IllegalStateException.class, () -> AddedLatency.between(targets, reference));
    }
}
