package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.allas.testing.CapturedLog;

/**
 * A flood of refused connections writes a bounded number of lines and says how many it left out.
 */
@Tag("unit")
class ConnectionRefusalLogTest {

    private final AtomicLong clock = new AtomicLong();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopTimers() {
        timers.shutdownNow();
    }

    @Test
    void aFloodIsLoggedInPartAndSummedUp() throws Exception {
        ConnectionRefusalLog log = new ConnectionRefusalLog(timers, clock::get);
        try (CapturedLog captured = CapturedLog.start()) {
            for (int i = 0; i < 5000; i++) {
                log.log("client rejected ({0}): {1} {2}", "peer " + i, "3D000", "database \"x\" does not exist");
            }
            assertEquals(ConnectionRefusalLog.LINES_PER_MINUTE, captured.linesWith("client rejected (").size());
            // The minute ends: its timer writes the count left out.
            clock.addAndGet(TimeUnit.MINUTES.toNanos(1));
            log.summarize();
            captured.awaitLine(Duration.ofSeconds(5), "4900 more refused connections and failed TLS handshakes"
                    + " in the last minute, not logged");
            // A new minute has its share of lines again.
            log.log("client rejected ({0}): {1} {2}", "peer late", "3D000", "database \"x\" does not exist");
            captured.awaitLine(Duration.ofSeconds(5), "client rejected (peer late)");
        }
    }
}
