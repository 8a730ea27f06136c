package io.allas.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The soak scenario's verdict on made-up streams: each kind of fault is caught, and only a gap's own window excuses. */
class SoakCheckTest {

    private static final String CH = "soak_0";
    private static final long T = Instant.parse("2026-11-30T17:00:00Z").toEpochMilli();

    /** Transactions of 10 notifications, the i-th committed from T + 1000 i ms to 10 ms later; sent at nanos i + 1. */
    private static SoakLedger ledger(int transactions) {
        SoakLedger l = new SoakLedger();
        for (int i = 0; i < transactions; i++) {
            l.record(10L * i, 10, T + 1000L * i, T + 1000L * i + 10, i + 1, false);
        }
        return l;
    }

    private static SoakCheck check(SoakLedger l) {
        SoakCheck c = new SoakCheck("client", new SoakLedger[]{l}, new String[]{CH});
        c.listenSent(0);
        c.listenAcked(0, 0);
        return c;
    }

    private static void deliver(SoakCheck c, long from, long to) {
        for (long s = from; s <= to; s++) {
            c.deliver(0, s);
        }
    }

    private static SoakCheck.GapReport upstream(long fromMs, long toMs) {
        return new SoakCheck.GapReport("upstream_lost", fromMs, toMs, Set.of(CH), 0);
    }

    @Test
    void everythingOnceAndInOrderIsClean() {
        SoakCheck c = check(ledger(5));
        deliver(c, 0, 49);
        c.finish(0, 49);
        SoakCheck.Tally t = c.evaluate(1000);
        assertTrue(t.clean(), () -> String.join("; ", t.problems));
        assertEquals(50, t.delivered);
    }

    @Test
    void aLossADuplicateAndAReorderingAreEachCaught() {
        SoakCheck lost = check(ledger(5));
        deliver(lost, 0, 22);
        deliver(lost, 24, 49);
        assertEquals(1, lost.evaluate(1000).lost);

        SoakCheck twice = check(ledger(5));
        deliver(twice, 0, 30);
        twice.deliver(0, 30);
        deliver(twice, 31, 49);
        SoakCheck.Tally t = twice.evaluate(1000);
        assertEquals(1, t.duplicated);
        assertEquals(0, t.lost);

        SoakCheck swapped = check(ledger(5));
        deliver(swapped, 0, 20);
        swapped.deliver(0, 22);
        swapped.deliver(0, 21);
        deliver(swapped, 23, 49);
        SoakCheck.Tally s = swapped.evaluate(1000);
        assertEquals(1, s.reordered);
        assertEquals(0, s.lost, "the late one is no loss");
        assertEquals(0, s.duplicated);
    }

    @Test
    void theMissingTailOfASteadyListenerIsLost() {
        SoakCheck c = check(ledger(5));
        deliver(c, 0, 44);
        c.finish(0, 49);
        assertEquals(5, c.evaluate(1000).lost);
    }

    @Test
    void anUpstreamGapExcusesExactlyTheCommitsInItsWindow() {
        // transaction 2 (T+2000..2010) inside [T+1995, T+3005]; transaction 3 (T+3000..3010) overlaps its end
        SoakCheck inside = check(ledger(6));
        deliver(inside, 0, 19);
        inside.gap(upstream(T + 1995, T + 3005));
        deliver(inside, 40, 59);
        SoakCheck.Tally t = inside.evaluate(0);
        assertEquals(20, t.excusedUpstream);
        assertEquals(0, t.lost);

        // transaction 4 (T+4000) was committed after the gap's `to`: it must have arrived
        SoakCheck after = check(ledger(6));
        deliver(after, 0, 19);
        after.gap(upstream(T + 1995, T + 3005));
        deliver(after, 50, 59);
        SoakCheck.Tally a = after.evaluate(0);
        assertEquals(20, a.excusedUpstream);
        assertEquals(10, a.lost);

        // transaction 1 returned 1,990 ms before `from`: excused with that lead, not without it
        SoakCheck before = check(ledger(6));
        deliver(before, 0, 9);
        before.gap(upstream(T + 3000, T + 3500));
        deliver(before, 20, 59);
        assertEquals(10, before.evaluate(0).lost);
        SoakCheck early = check(ledger(6));
        deliver(early, 0, 9);
        early.gap(upstream(T + 3000, T + 3500));
        deliver(early, 20, 59);
        SoakCheck.Tally e = early.evaluate(2000);
        assertEquals(0, e.lost);
        assertEquals(1990, e.maxLeadMillis);
    }

    @Test
    void aGapOnAnotherChannelOrOnlyUncertainCommitsExcuseNothingElse() {
        SoakCheck other = check(ledger(5));
        deliver(other, 0, 19);
        other.gap(new SoakCheck.GapReport("upstream_lost", T, T + 5000, Set.of("elsewhere"), 0));
        deliver(other, 30, 49);
        assertEquals(10, other.evaluate(1000).lost);

        SoakLedger l = new SoakLedger();
        l.record(0, 10, T, T + 10, 1, false);
        l.record(10, 10, T + 1000, T + 1010, 2, true); // its COMMIT's answer never came
        l.record(20, 10, T + 2000, T + 2010, 3, false);
        SoakCheck uncertain = check(l);
        deliver(uncertain, 0, 9);
        deliver(uncertain, 20, 29);
        SoakCheck.Tally u = uncertain.evaluate(1000);
        assertEquals(0, u.lost);
        assertEquals(10, u.excusedUncertain);
    }

    @Test
    void aSlowClientReportExcusesAHoleOfExactlyItsCount() {
        SoakCheck exact = check(ledger(10));
        deliver(exact, 0, 9);
        exact.gap(new SoakCheck.GapReport("slow_client", T, T + 1, Set.of(CH), 30));
        deliver(exact, 40, 99);
        SoakCheck.Tally t = exact.evaluate(0);
        assertEquals(30, t.excusedSlow);
        assertTrue(t.clean(), () -> String.join("; ", t.problems));

        SoakCheck more = check(ledger(10));
        deliver(more, 0, 9);
        more.gap(new SoakCheck.GapReport("slow_client", T, T + 1, Set.of(CH), 29));
        deliver(more, 40, 99);
        SoakCheck.Tally m = more.evaluate(0);
        assertEquals(1, m.slowMismatches);
        assertEquals(30, m.lost);

        // two reports with nothing between them claim one hole together
        SoakCheck folded = check(ledger(10));
        deliver(folded, 0, 9);
        folded.gap(new SoakCheck.GapReport("slow_client", T, T + 1, Set.of(CH), 10));
        folded.gap(new SoakCheck.GapReport("slow_client", T, T + 2, Set.of(CH), 20));
        deliver(folded, 40, 99);
        assertTrue(folded.evaluate(0).clean());
    }

    @Test
    void aListenMustReceiveWhatWasCommittedAfterItsAcknowledgement() {
        SoakLedger l = ledger(5); // transaction i sent at nanos i + 1
        SoakCheck late = new SoakCheck("client", new SoakLedger[]{l}, new String[]{CH});
        late.listenSent(0);
        late.listenAcked(0, 2); // transactions 2.. (seq 20..) were sent after it
        deliver(late, 30, 49);
        assertEquals(10, late.evaluate(0).lost);

        SoakCheck early = new SoakCheck("client", new SoakLedger[]{l}, new String[]{CH});
        early.listenSent(0);
        deliver(early, 15, 49); // arrived before the acknowledgement: fine
        early.listenAcked(0, 2);
        assertTrue(early.evaluate(0).clean());
    }

    @Test
    void aNotificationAfterUnlistenIsCaught() {
        SoakCheck c = check(ledger(2));
        deliver(c, 0, 9);
        c.unlistened(0);
        c.deliver(0, 10);
        SoakCheck.Tally t = c.evaluate(0);
        assertEquals(1, t.afterUnlisten);
        assertTrue(!t.clean());
    }

    @Test
    void theRelaysGapPayloadIsRead() {
        SoakCheck.GapReport g = SoakCheck.GapReport.parse("{\"reason\": \"slow_client\", \"from\": \"2026-11-30T17:01:02.345Z\", "
                + "\"to\": \"2026-11-30T17:01:02.912Z\", \"channels\": [\"soak_0\", \"jobs\"], \"dropped\": 1234}");
        assertEquals("slow_client", g.reason());
        assertEquals(Instant.parse("2026-11-30T17:01:02.345Z").toEpochMilli(), g.fromMillis());
        assertEquals(Instant.parse("2026-11-30T17:01:02.912Z").toEpochMilli(), g.toMillis());
        assertEquals(Set.of("soak_0", "jobs"), g.channels());
        assertEquals(1234, g.dropped());
    }
}
