package io.allas.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When the producer committed each batch: the latency of a notification is measured from the moment its
 * transaction's COMMIT returned to the producer (or, for one that arrives before that, from when the COMMIT
 * was sent: an upper bound).
 */
final class CommitClock {

    private final AtomicLongArray sent;
    private final AtomicLongArray returned;
    private final long seqPerBatch;

    CommitClock(long batches, long seqPerBatch) {
        if (batches > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many batches: " + batches);
        }
        this.sent = new AtomicLongArray((int) batches);
        this.returned = new AtomicLongArray((int) batches);
        this.seqPerBatch = seqPerBatch;
    }

    void commitSent(int batch, long nanos) {
        sent.set(batch, nanos);
    }

    void commitReturned(int batch, long nanos) {
        returned.set(batch, nanos);
    }

    /** The commit time of the batch holding sequence number {@code seq}; 0 when unknown. */
    long commitTime(long seq) {
        long batch = seq / seqPerBatch;
        if (batch >= returned.length()) {
            return 0;
        }
        int b = (int) batch;
        long t = returned.get(b);
        return t != 0 ? t : sent.get(b);
    }
}
