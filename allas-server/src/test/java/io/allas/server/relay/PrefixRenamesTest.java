package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * The clients behind one channel prefix share the renamed notifications of a round: a round
 * renamed for the first client costs the others nothing, whether it reaches them as one shared
 * list (a round on one channel) or as lists of their own that share runs (a round on several).
 */
@Tag("unit")
class PrefixRenamesTest {

    private static NotificationRun run(String channel, String payload, long receivedNanos) {
        NotificationRun one = NotificationRun.of(100, channel, payload, receivedNanos);
        return new NotificationRun(channel, one.messages(), 1, receivedNanos);
    }

    /** What the clients receive: each list they were handed, in order. */
    private static final class Recorder implements Subscriber {
        final List<List<NotificationRun>> rounds = new ArrayList<>();
        final List<Gap> gaps = new ArrayList<>();

        @Override
        public void deliver(List<NotificationRun> runs) {
            rounds.add(runs);
        }

        @Override
        public void missed(Gap gap) {
            gaps.add(gap);
        }
    }

    @Test
    void clientsBehindOnePrefixHearTheirOwnNamesFromOneRename() {
        PrefixRenames renames = new PrefixRenames("t1_");
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        List<NotificationRun> round = List.of(run("t1_orders", "a", 1));
        new PrefixedSubscriber(first, renames).deliver(round);
        new PrefixedSubscriber(second, renames).deliver(round);

        NotificationRun heard = first.rounds.getFirst().getFirst();
        assertEquals("orders", heard.channel());
        assertArrayEquals(run("orders", "a", 1).messages(), heard.messages());
        assertSame(heard, second.rounds.getFirst().getFirst());
    }

    @Test
    void runsSharedAcrossClientsOwnListsAreRenamedOnce() {
        PrefixRenames renames = new PrefixRenames("t1_");
        NotificationRun orders = run("t1_orders", "a", 1);
        NotificationRun invoices = run("t1_invoices", "b", 1);
        List<NotificationRun> forFirst = renames.rename(List.of(orders, invoices));
        List<NotificationRun> forSecond = renames.rename(List.of(invoices));
        assertEquals(List.of("orders", "invoices"), forFirst.stream().map(NotificationRun::channel).toList());
        assertSame(forFirst.get(1), forSecond.getFirst());
    }

    @Test
    void aLaterRoundIsNotAnsweredFromTheEarlier() {
        PrefixRenames renames = new PrefixRenames("t1_");
        NotificationRun earlier = run("t1_orders", "a", 1);
        NotificationRun later = run("t1_orders", "b", 2);
        NotificationRun renamedEarlier = renames.rename(List.of(earlier)).getFirst();
        NotificationRun renamedLater = renames.rename(List.of(later)).getFirst();
        assertNotSame(renamedEarlier, renamedLater);
        assertArrayEquals(run("orders", "b", 2).messages(), renamedLater.messages());
    }

    @Test
    void aGapNamesTheChannelsAsTheClientListenedOnThem() {
        Recorder client = new Recorder();
        new PrefixedSubscriber(client, new PrefixRenames("t1_"))
                .missed(new Gap(Gap.UPSTREAM_LOST, Instant.EPOCH, Instant.EPOCH,
                        List.of("t1_orders", "t1_invoices"), 0));
        assertEquals(List.of("orders", "invoices"), client.gaps.getFirst().channels());
    }
}
