package io.allas.bench;

/**
 * A log-linear histogram of non-negative longs (nanoseconds): exact below 64, then 32 buckets per power of
 * two (about 3% resolution). Not thread-safe: one per selector loop, merged after the run.
 */
final class Histogram {

    private static final int SIZE = 64 + 58 * 32;
    private final long[] counts = new long[SIZE];
    private long total;
    private long max;

    void record(long value) {
        long v = Math.max(0, value);
        counts[index(v)]++;
        total++;
        if (v > max) {
            max = v;
        }
    }

    static int index(long v) {
        if (v < 64) {
            return (int) v;
        }
        int e = 63 - Long.numberOfLeadingZeros(v);
        long top = v >>> (e - 5);
        return 64 + (e - 6) * 32 + (int) (top - 32);
    }

    /** The midpoint of the bucket's range. */
    static long valueAt(int index) {
        if (index < 64) {
            return index;
        }
        int e = (index - 64) / 32 + 6;
        long top = (index - 64) % 32 + 32;
        long low = top << (e - 5);
        long width = 1L << (e - 5);
        return low + width / 2;
    }

    void add(Histogram other) {
        for (int i = 0; i < SIZE; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        max = Math.max(max, other.max);
    }

    long count() {
        return total;
    }

    long max() {
        return max;
    }

    /** The value below which the fraction {@code q} of the recorded values lie. */
    long quantile(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        if (rank < 1) {
            rank = 1;
        }
        long seen = 0;
        for (int i = 0; i < SIZE; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(valueAt(i), max);
            }
        }
        return max;
    }
}
