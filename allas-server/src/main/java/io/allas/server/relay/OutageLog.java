package io.allas.server.relay;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * What an operator hears of the upstream being unreachable, at a rate a long outage cannot flood
 * the log with: its first failed attempt, then a summary after a minute, after two more, after
 * four more ... (every 15 minutes at the least), and one line when it is back, with the outage's
 * length. The relay retries every half second meanwhile. Times are {@link System#nanoTime()}.
 */
final class OutageLog {

    private static final Duration FIRST_SUMMARY = Duration.ofMinutes(1);
    private static final Duration LONGEST_BETWEEN_SUMMARIES = Duration.ofMinutes(15);

    private final String target;
    private long startedNanos;
    private boolean down;
    private int failedAttempts;
    private long nextSummaryNanos;
    private Duration betweenSummaries;

    /**
     * @param target the upstream server, as logs show it (no password)
     */
    OutageLog(String target) {
        this.target = target;
    }

    /**
     * An attempt to connect failed.
     *
     * @return the line to log now, if any
     */
    Optional<String> attemptFailed(String error, long nowNanos) {
        failedAttempts++;
        if (!down) {
            down = true;
            startedNanos = nowNanos;
            betweenSummaries = FIRST_SUMMARY;
            nextSummaryNanos = nowNanos + FIRST_SUMMARY.toNanos();
            return Optional.of("cannot connect to the upstream server " + target + ": " + error
                    + "; retrying (a summary follows now and then while it lasts)");
        }
        if (nowNanos - nextSummaryNanos < 0) {
            return Optional.empty();
        }
        betweenSummaries = min(betweenSummaries.multipliedBy(2), LONGEST_BETWEEN_SUMMARIES);
        nextSummaryNanos = nowNanos + betweenSummaries.toNanos();
        return Optional.of("still cannot connect to the upstream server " + target + " after " + length(nowNanos)
                + " (" + failedAttempts + " attempts); last error: " + error);
    }

    /**
     * The upstream connection is up.
     *
     * @return the line that ends an outage, if there was one
     */
    Optional<String> connected(long nowNanos) {
        if (!down) {
            return Optional.empty();
        }
        String line = "the upstream server " + target + " is reachable again after an outage of " + length(nowNanos)
                + " (" + failedAttempts + " failed attempts)";
        down = false;
        failedAttempts = 0;
        return Optional.of(line);
    }

    private String length(long nowNanos) {
        return String.format(Locale.ROOT, "%.1f s", (nowNanos - startedNanos) / 1e9);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
