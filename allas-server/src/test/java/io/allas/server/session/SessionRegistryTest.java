package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The process IDs clients are told in BackendKeyData: no two connected clients share one (a
 * client that ignores its own notifications by process ID would drop the other's), and none is
 * a process ID a real backend could have.
 */
@Tag("unit")
class SessionRegistryTest {

    /** Draws the given values in turn, and remembers the ranges it was asked for. */
    private static final class Draws implements RandomGenerator {
        private final ArrayDeque<Integer> values = new ArrayDeque<>();
        private final List<int[]> ranges = new ArrayList<>();

        Draws(int... values) {
            for (int value : values) {
                this.values.add(value);
            }
        }

        @Override
        public int nextInt(int origin, int bound) {
            ranges.add(new int[] {origin, bound});
            return values.removeFirst();
        }

        @Override
        public long nextLong() {
            throw new AssertionError("only bounded ints are drawn");
        }
    }

    private static final int A = SessionRegistry.ABOVE_ANY_PROCESS_ID + 17;
    private static final int B = SessionRegistry.ABOVE_ANY_PROCESS_ID + 99;

    @Test
    void aProcessIdInUseIsNotGivenToAnotherClient() {
        SessionRegistry registry = new SessionRegistry(new Draws(A, A, B));
        assertEquals(A, registry.assignProcessId());
        assertEquals(B, registry.assignProcessId(), "A is taken: drawn again");
    }

    @Test
    void aProcessIdGivenBackMayBeGivenAgain() {
        SessionRegistry registry = new SessionRegistry(new Draws(A, A));
        assertEquals(A, registry.assignProcessId());
        registry.releaseProcessId(A);
        assertEquals(A, registry.assignProcessId());
    }

    @Test
    void processIdsAreDrawnAboveAnyThatARealProcessCanHave() {
        Draws draws = new Draws(A);
        new SessionRegistry(draws).assignProcessId();
        // Linux's PID_MAX_LIMIT is 2^22; PostgreSQL's process IDs are int4.
        assertTrue(draws.ranges.getFirst()[0] > 1 << 22, "origin " + draws.ranges.getFirst()[0]);
        assertEquals(Integer.MAX_VALUE, draws.ranges.getFirst()[1]);
    }
}
