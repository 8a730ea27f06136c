package io.allas.bench;

import java.util.Arrays;

/**
 * When each listener of a pool read each sequence number of a range (System.nanoTime of the read that
 * brought it), so that {@link AddedLatency} can compare two pools after the run, whichever read first.
 *
 * <p>One long per listener and sequence number: 8 bytes a delivery, e.g. 16 MB for the paced run's ~2,000
 * sequence numbers to 1,000 listeners. Kept whole rather than folded into a histogram as the reads come,
 * because a target listener may read a notification before the reference does. Each listener's slots are
 * written by its own selector thread only; read them after the pool is closed (its threads are joined).
 */
final class ReadTimes {

    /** Not read (yet). System.nanoTime() may be any long, 0 and negatives included, so not 0. */
    static final long UNREAD = Long.MIN_VALUE;

    private final int listeners;
    private final long first;
    private final int count;
    private final long[] nanos; // [listener * count + (seq - first)]

    /** Sequence numbers [first, first + count) of listeners 0 .. listeners - 1. */
    ReadTimes(int listeners, long first, long count) {
        long slots = listeners * count;
        if (slots > Integer.MAX_VALUE - 8) {
            throw new Options.UsageException("cannot keep " + slots + " read times (listeners x notifications)"
                    + " in one array");
        }
        this.listeners = listeners;
        this.first = first;
        this.count = (int) count;
        this.nanos = new long[(int) slots];
        Arrays.fill(nanos, UNREAD);
    }

    /** Sequence numbers outside the range (the warm-up) are ignored. */
    void record(int listener, long seq, long readNanos) {
        long i = seq - first;
        if (i >= 0 && i < count) {
            nanos[listener * count + (int) i] = readNanos;
        }
    }

    long at(int listener, long seq) {
        return nanos[listener * count + (int) (seq - first)];
    }

    int listeners() {
        return listeners;
    }

    long first() {
        return first;
    }

    int count() {
        return count;
    }
}
