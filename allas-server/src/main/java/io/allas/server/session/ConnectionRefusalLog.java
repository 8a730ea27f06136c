package io.allas.server.session;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The lines about refused connections and failed TLS handshakes, for all clients together. One
 * line each until a flood of connections would write them by the thousand: after
 * {@value #LINES_PER_MINUTE} in a minute the rest are counted, and one line at the minute's end says
 * how many were left out. The metrics count them all.
 */
public final class ConnectionRefusalLog {

    /** The sessions' logger: the lines are the sessions' own, only fewer. */
    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());
    static final int LINES_PER_MINUTE = 100;
    private static final long MINUTE_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final ScheduledExecutorService timers;
    private final LongSupplier nanoTime;
    private long minuteStart;
    private int logged;
    private int leftOut;

    /**
     * @param timers   writes the line that sums up a minute's flood
     * @param nanoTime the clock
     */
    public ConnectionRefusalLog(ScheduledExecutorService timers, LongSupplier nanoTime) {
        this.timers = timers;
        this.nanoTime = nanoTime;
        this.minuteStart = nanoTime.getAsLong();
    }

    /**
     * Logs a line at INFO, unless this minute has had its share.
     */
    public void log(String pattern, Object... arguments) {
        synchronized (this) {
            startMinuteIfOver();
            if (logged >= LINES_PER_MINUTE) {
                if (leftOut++ == 0) {
                    long rest = Math.max(0, minuteStart + MINUTE_NANOS - nanoTime.getAsLong());
                    timers.schedule(this::summarize, rest, TimeUnit.NANOSECONDS);
                }
                return;
            }
            logged++;
        }
        LOG.log(System.Logger.Level.INFO, pattern, arguments);
    }

    /** Writes the count left out since the last such line, if any. */
    synchronized void summarize() {
        if (leftOut > 0) {
            LOG.log(System.Logger.Level.INFO, "{0} more refused connections and failed TLS handshakes in the last"
                    + " minute, not logged", String.valueOf(leftOut));
            leftOut = 0;
        }
        startMinuteIfOver();
    }

    private void startMinuteIfOver() {
        long now = nanoTime.getAsLong();
        if (now - minuteStart >= MINUTE_NANOS) {
            minuteStart = now;
            logged = 0;
        }
    }
}
