package io.allas.bench;

import java.util.Arrays;

/**
 * What one producer of the {@code soak} scenario committed: its transactions in order, each a run
 * of consecutive sequence numbers with the times its COMMIT was sent and returned (wall clock, to
 * compare with the relay's gap reports; and the JVM's clock, to compare with a LISTEN's
 * acknowledgement). A transaction whose answer a fault cut off is <em>uncertain</em>: it may or
 * may not have committed, so its notifications may be missing without any gap.
 */
final class SoakLedger {

    private long[] firstSeq = new long[1024];
    private int[] count = new int[1024];
    private long[] sentMillis = new long[1024];
    private long[] returnedMillis = new long[1024];
    private long[] sentNanos = new long[1024];
    private boolean[] uncertain = new boolean[1024];
    private int size;
    /** The last sequence number of the last transaction known to have committed; -1 before any. */
    private long lastCommitted = -1;

    /** Records a transaction of {@code n} notifications from {@code first}; uncertain when its commit failed. */
    synchronized void record(long first, int n, long sentMs, long returnedMs, long sentNs, boolean isUncertain) {
        if (size > 0 && first < firstSeq[size - 1] + count[size - 1]) {
            throw new IllegalArgumentException("sequence numbers must grow: " + first);
        }
        if (size == firstSeq.length) {
            int c = size * 2;
            firstSeq = Arrays.copyOf(firstSeq, c);
            count = Arrays.copyOf(count, c);
            sentMillis = Arrays.copyOf(sentMillis, c);
            returnedMillis = Arrays.copyOf(returnedMillis, c);
            sentNanos = Arrays.copyOf(sentNanos, c);
            uncertain = Arrays.copyOf(uncertain, c);
        }
        firstSeq[size] = first;
        count[size] = n;
        sentMillis[size] = sentMs;
        returnedMillis[size] = returnedMs;
        sentNanos[size] = sentNs;
        uncertain[size] = isUncertain;
        size++;
        if (!isUncertain) {
            lastCommitted = first + n - 1;
        }
    }

    /** The sequence number after the last transaction recorded, committed or not. */
    synchronized long nextSeq() {
        return size == 0 ? 0 : firstSeq[size - 1] + count[size - 1];
    }

    synchronized long lastCommitted() {
        return lastCommitted;
    }

    synchronized int transactions() {
        return size;
    }

    synchronized int uncertainTransactions() {
        int n = 0;
        for (int i = 0; i < size; i++) {
            n += uncertain[i] ? 1 : 0;
        }
        return n;
    }

    /** The transaction holding {@code seq}, or -1 when no transaction recorded it (never sent). */
    synchronized int transactionOf(long seq) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (seq < firstSeq[mid]) {
                hi = mid - 1;
            } else if (seq >= firstSeq[mid] + count[mid]) {
                lo = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    synchronized boolean uncertain(int txn) {
        return uncertain[txn];
    }

    synchronized long sentMillis(int txn) {
        return sentMillis[txn];
    }

    synchronized long returnedMillis(int txn) {
        return returnedMillis[txn];
    }

    synchronized long firstSeq(int txn) {
        return firstSeq[txn];
    }

    synchronized int count(int txn) {
        return count[txn];
    }

    /**
     * The first sequence number of the first transaction whose COMMIT was sent after {@code nanos}
     * (System.nanoTime): a client whose LISTEN was acknowledged then must receive it and all after;
     * Long.MAX_VALUE when there is none yet.
     */
    synchronized long firstSentAfter(long nanos) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sentNanos[mid] - nanos > 0) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo < size ? firstSeq[lo] : Long.MAX_VALUE;
    }
}
