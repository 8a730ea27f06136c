package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * The channel registry as the relay thread and the sessions use it: the first listener of a
 * channel waits for the upstream LISTEN, later ones do not; the last to leave causes an UNLISTEN;
 * whatever came or went while a statement was in flight is settled by the next batch.
 */
@Tag("unit")
class ChannelRegistryTest {

    private final ChannelRegistry registry = new ChannelRegistry(Integer.MAX_VALUE);

    /** A distinct client each time (a lambda without captures would be one shared instance). */
    private static Subscriber subscriber() {
        return new Subscriber() {
            @Override
            public void deliver(List<NotificationRun> runs) {
            }

            @Override
            public void missed(Gap gap) {
            }
        };
    }

    private ChannelRegistry.Changes applyNext() {
        ChannelRegistry.Changes changes = registry.takeChanges(100);
        registry.applied(changes);
        return changes;
    }

    @Test
    void theFirstListenerWaitsForTheUpstreamListen() {
        Subscriber first = subscriber();
        CompletableFuture<Void> ready = registry.subscribe(first, "jobs");
        assertFalse(ready.isDone());
        assertTrue(registry.hasChanges());
        ChannelRegistry.Changes changes = registry.takeChanges(100);
        assertEquals(List.of("jobs"), changes.listen());
        assertFalse(ready.isDone(), "not before the upstream executed it");
        registry.applied(changes);
        assertTrue(ready.isDone());
        assertEquals(1, registry.upstreamChannelCount());
        assertArrayEquals(new Subscriber[] {first}, registry.subscribers("jobs"));
    }

    @Test
    void laterListenersAreServedAtOnce() {
        registry.subscribe(subscriber(), "jobs");
        applyNext();
        assertTrue(registry.subscribe(subscriber(), "jobs").isDone());
        assertFalse(registry.hasChanges());
        assertEquals(2, registry.subscribers("jobs").length);
    }

    @Test
    void theLastListenerToLeaveCausesAnUnlisten() {
        Subscriber a = subscriber();
        Subscriber b = subscriber();
        registry.subscribe(a, "jobs");
        registry.subscribe(b, "jobs");
        applyNext();
        registry.unsubscribe(a, "jobs");
        assertFalse(registry.hasChanges(), "b still listens");
        registry.unsubscribe(b, "jobs");
        assertEquals(List.of("jobs"), applyNext().unlisten());
        assertEquals(0, registry.upstreamChannelCount());
        assertEquals(0, registry.subscribers("jobs").length);
    }

    @Test
    void aListenerArrivingWhileTheUnlistenIsInFlightGetsTheChannelBack() {
        Subscriber a = subscriber();
        registry.subscribe(a, "jobs");
        applyNext();
        registry.unsubscribe(a, "jobs");
        ChannelRegistry.Changes unlisten = registry.takeChanges(100);
        CompletableFuture<Void> ready = registry.subscribe(subscriber(), "jobs");
        registry.applied(unlisten);
        assertFalse(ready.isDone(), "the UNLISTEN that was in flight undid the channel upstream");
        assertEquals(List.of("jobs"), applyNext().listen());
        assertTrue(ready.isDone());
    }

    @Test
    void aListenerLeavingAndComingBackBeforeTheBatchCostsNoStatement() {
        Subscriber a = subscriber();
        registry.subscribe(a, "jobs");
        applyNext();
        registry.unsubscribe(a, "jobs");
        CompletableFuture<Void> back = registry.subscribe(a, "jobs");
        ChannelRegistry.Changes changes = applyNext();
        assertTrue(changes.isEmpty(), "listen " + changes.listen() + " unlisten " + changes.unlisten());
        assertTrue(back.isDone());
        assertEquals(1, registry.upstreamChannelCount());
    }

    @Test
    void batchesAreBounded() {
        for (int i = 0; i < 5; i++) {
            registry.subscribe(subscriber(), "channel_" + i);
        }
        assertEquals(2, registry.takeChanges(2).listen().size());
        assertEquals(3, registry.takeChanges(100).listen().size());
    }

    @Test
    void aRefusedListenFailsItsWaitersAndTheNextListenerTriesAgain() {
        CompletableFuture<Void> refused = registry.subscribe(subscriber(), "jobs");
        registry.failed(registry.takeChanges(100), new IllegalStateException("permission denied"));
        assertTrue(refused.isCompletedExceptionally());
        CompletableFuture<Void> again = registry.subscribe(subscriber(), "jobs");
        assertEquals(List.of("jobs"), applyNext().listen());
        assertTrue(again.isDone() && !again.isCompletedExceptionally());
    }

    @Test
    void losingTheUpstreamFailsWaitersAndForgetsEveryChannel() {
        registry.subscribe(subscriber(), "listened");
        applyNext();
        CompletableFuture<Void> waiting = registry.subscribe(subscriber(), "waiting");
        registry.clear(new IOException("the server connection was lost"));
        assertTrue(waiting.isCompletedExceptionally());
        assertEquals(0, registry.upstreamChannelCount());
        assertFalse(registry.hasChanges());
        assertEquals(0, registry.subscribers("listened").length);
    }

    @Test
    void aLostConnectionWithClientsKeptListensAgainOnEveryChannelWithListenersAndNamesTheAffectedOnes() {
        Subscriber kept = subscriber();
        Subscriber leaving = subscriber();
        registry.subscribe(kept, "orders");
        registry.subscribe(kept, "jobs");
        registry.subscribe(leaving, "audit");
        applyNext();
        registry.unsubscribe(leaving, "audit");

        assertEquals(Set.of("orders", "jobs", "audit"), registry.connectionLost());
        assertEquals(0, registry.upstreamChannelCount());
        ChannelRegistry.Changes relisten = registry.takeChanges(100);
        assertEquals(Set.of("orders", "jobs"), Set.copyOf(relisten.listen()), "nobody listens on audit any more");
        assertTrue(relisten.unlisten().isEmpty());
        registry.applied(relisten);
        assertEquals(Map.of(kept, Set.of("orders", "jobs")), listenersAsSets(Set.of("orders", "jobs", "audit")));
    }

    @Test
    void aListenInFlightWhenTheConnectionBreaksWaitsForTheNextConnection() {
        Subscriber waiting = subscriber();
        CompletableFuture<Void> ready = registry.subscribe(waiting, "jobs");
        ChannelRegistry.Changes inFlight = registry.takeChanges(100);
        registry.interrupted(inFlight);
        assertEquals(Set.of(), registry.connectionLost(), "the LISTEN never took effect");
        assertFalse(ready.isDone());
        assertEquals(List.of("jobs"), applyNext().listen());
        assertTrue(ready.isDone() && !ready.isCompletedExceptionally());
    }

    @Test
    void listenersOfNamesOnlyChannelsListenedOnNow() {
        Subscriber early = subscriber();
        Subscriber late = subscriber();
        registry.subscribe(early, "jobs");
        applyNext();
        registry.subscribe(late, "news");
        assertEquals(Map.of(early, Set.of("jobs")), listenersAsSets(Set.of("jobs", "news")),
                "news is not listened on upstream yet");
    }

    private Map<Subscriber, Set<String>> listenersAsSets(Set<String> names) {
        Map<Subscriber, Set<String>> sets = new HashMap<>();
        registry.listenersOf(names).forEach((subscriber, channels) -> sets.put(subscriber, Set.copyOf(channels)));
        return sets;
    }

    @Test
    void aNotificationMayReachTheRelayOnChannelsListenedOnOrOnTheirWayInOrOut() {
        Subscriber leaving = subscriber();
        registry.subscribe(leaving, "leaving");
        registry.subscribe(subscriber(), "listened");
        applyNext();
        registry.subscribe(subscriber(), "arriving");
        registry.unsubscribe(leaving, "leaving");
        // "arriving" is about to be listened on, "leaving" still is until its UNLISTEN returns.
        assertEquals(Set.of("listened", "arriving", "leaving"),
                registry.deliverable(Set.of("listened", "arriving", "leaving", "nobody")));
        applyNext();
        assertEquals(Set.of("listened", "arriving"), registry.deliverable(Set.of("listened", "arriving", "leaving")));
    }
}
