package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A client's states and the moves between them, as PostgreSQL's protocol runs: the answer to
 * "may notifications be written now?" is yes in exactly one state.
 */
@Tag("unit")
class ClientStateMachineTest {

    @Test
    void notificationsMayBeWrittenOnlyToAnIdleClientOutsideATransaction() {
        assertEquals(EnumSet.of(ClientState.IDLE), EnumSet.copyOf(
                EnumSet.allOf(ClientState.class).stream().filter(ClientState::acceptsNotifications).toList()));
    }

    @Test
    void theProtocolsMoves() {
        assertTrue(ClientState.STARTUP.canBecome(ClientState.IDLE), "authenticated: the first ReadyForQuery");
        assertTrue(ClientState.IDLE.canBecome(ClientState.BUSY), "a message arrives");
        assertTrue(ClientState.IDLE_IN_TRANSACTION.canBecome(ClientState.BUSY));
        assertTrue(ClientState.BUSY.canBecome(ClientState.IDLE_IN_TRANSACTION), "ReadyForQuery T or E");
        assertTrue(ClientState.BUSY.canBecome(ClientState.SKIPPING_TO_SYNC), "an extended-protocol error");
        assertTrue(ClientState.SKIPPING_TO_SYNC.canBecome(ClientState.IDLE), "Sync");
        for (ClientState state : ClientState.values()) {
            assertTrue(state.canBecome(ClientState.CLOSED), state + " can always end");
        }
    }

    @Test
    void movesTheProtocolDoesNotMakeAreRefused() {
        assertFalse(ClientState.STARTUP.canBecome(ClientState.BUSY));
        assertFalse(ClientState.IDLE.canBecome(ClientState.IDLE_IN_TRANSACTION), "only through a message");
        assertFalse(ClientState.IDLE.canBecome(ClientState.SKIPPING_TO_SYNC));
        assertFalse(ClientState.SKIPPING_TO_SYNC.canBecome(ClientState.BUSY), "skipping ends only at Sync");
        assertFalse(ClientState.CLOSED.canBecome(ClientState.IDLE));
        ClientStateMachine states = new ClientStateMachine();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> states.transition(ClientState.BUSY));
        assertEquals("a client cannot go from STARTUP to BUSY", e.getMessage());
        assertEquals(ClientState.STARTUP, states.current());
    }

    @Test
    void aSessionWaitingToAnswerIsNotKeptWaitingByTheNextBatch() throws Exception {
        ClientStateMachine states = new ClientStateMachine();
        states.transition(ClientState.IDLE);
        Thread[] session = new Thread[1];
        boolean[] nextBatchMayWrite = new boolean[1];
        // A batch is being written when the client's next message arrives.
        states.underNotificationGate(accepting -> {
            session[0] = Thread.ofVirtual().start(() -> states.transition(ClientState.BUSY));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (session[0].getState() != Thread.State.WAITING) {
                assertTrue(System.nanoTime() < deadline, "the session never waited for the gate");
                LockSupport.parkNanos(1_000_000);
            }
            // The drain asks about its next batch while the session waits (asked here, with the gate
            // still held, so that the session cannot have taken it in between): it must give way.
            states.underNotificationGate(next -> nextBatchMayWrite[0] = next);
            return true;
        });
        session[0].join(Duration.ofSeconds(10));
        assertFalse(nextBatchMayWrite[0]);
        assertEquals(ClientState.BUSY, states.current());
    }

    @Test
    void becomingIdleSetsWaitingNotificationsGoingEachTime() throws Exception {
        ClientStateMachine states = new ClientStateMachine();
        List<ClientState> toldIn = new ArrayList<>();
        states.deliverTo(() -> toldIn.add(states.current()));
        states.transition(ClientState.IDLE);
        states.transition(ClientState.BUSY);
        states.transition(ClientState.IDLE_IN_TRANSACTION);
        states.transition(ClientState.BUSY);
        states.transition(ClientState.IDLE);
        assertEquals(List.of(ClientState.IDLE, ClientState.IDLE), toldIn);
        assertTrue(states.underNotificationGate(accepting -> accepting));
        states.transition(ClientState.BUSY);
        assertFalse(states.underNotificationGate(accepting -> accepting));
    }
}
