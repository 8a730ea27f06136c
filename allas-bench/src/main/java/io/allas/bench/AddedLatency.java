package io.allas.bench;

import java.util.Arrays;

/**
 * The latency a target adds to PostgreSQL's own: for every delivery to a target listener, the time it read
 * the notification minus the time a reference listener, connected directly to PostgreSQL on a selector
 * thread of its own, read the same sequence number. PostgreSQL's queueing delays both reads alike, so it
 * cancels out. The difference is signed (a target listener may read before the reference) and kept
 * signed: quantiles are exact, over all differences sorted.
 *
 * @param count     differences (measured deliveries to target listeners)
 * @param negatives how many of them are negative (the target listener read first)
 */
record AddedLatency(long count, long negatives, long min, long p50, long p99, long p999, long max) {

    /** Both must cover the same sequence numbers; the reference has one listener. Call after both pools closed. */
    static AddedLatency between(ReadTimes targets, ReadTimes reference) {
        if (reference.listeners() != 1 || reference.first() != targets.first()
                || reference.count() != targets.count()) {
            throw new IllegalArgumentException("the reference must cover the targets' sequence numbers, once");
        }
        int seqs = targets.count();
        long first = targets.first();
        long[] referenceRead = new long[seqs];
        for (int s = 0; s < seqs; s++) {
            referenceRead[s] = readOrFail(reference, 0, first + s, "the reference listener");
        }
        // one more long per delivery, for the sort; ReadTimes already refused more slots than an array holds
        long[] d = new long[targets.listeners() * seqs];
        int k = 0;
        for (int l = 0; l < targets.listeners(); l++) {
            for (int s = 0; s < seqs; s++) {
                d[k++] = readOrFail(targets, l, first + s, "target listener #" + l) - referenceRead[s];
            }
        }
        Arrays.sort(d);
        int negatives = 0;
        while (negatives < d.length && d[negatives] < 0) {
            negatives++;
        }
        return d.length == 0 ? new AddedLatency(0, 0, 0, 0, 0, 0, 0)
                : new AddedLatency(d.length, negatives, d[0], quantile(d, 0.50), quantile(d, 0.99), quantile(d, 0.999),
                        d[d.length - 1]);
    }

    /** Bytes that a run with this many target listeners and measured sequence numbers needs for the measurement. */
    static long bytesNeeded(int targetListeners, long seqs) {
        // read times of targets and reference, then the differences
        return 8 * ((targetListeners + 1) * seqs + targetListeners * seqs);
    }

    private static long readOrFail(ReadTimes times, int listener, long seq, String who) {
        long t = times.at(listener, seq);
        if (t == ReadTimes.UNREAD) {
            // the pools' completeness checks come first, so this is a bug in the generator
            throw new IllegalStateException(who + " has no read time for notification " + seq);
        }
        return t;
    }

    /** The smallest value with at least the fraction q of the values at or below it (as {@link Histogram}). */
    private static long quantile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }
}
