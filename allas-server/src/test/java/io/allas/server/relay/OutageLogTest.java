package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An hour of the upstream being down is a handful of log lines, not one every half second.
 */
@Tag("unit")
class OutageLogTest {

    private static final String TARGET = "host=db port=5432 user=allas";

    private static long seconds(double s) {
        return (long) (s * 1e9);
    }

    @Test
    void anHourDownIsTheFirstFailureAFewSummariesAndTheReturn() {
        OutageLog outage = new OutageLog(TARGET);
        List<String> logged = new ArrayList<>();
        long start = 1_000_000_000L;
        long now = start;
        // Attempts every half second for an hour.
        for (int attempt = 0; attempt < 7200; attempt++) {
            outage.attemptFailed("Connection refused", now).ifPresent(logged::add);
            now += seconds(0.5);
        }
        logged.add(outage.connected(now).orElseThrow());
        assertEquals("cannot connect to the upstream server " + TARGET
                + ": Connection refused; retrying (a summary follows now and then while it lasts)", logged.getFirst());
        // After 1, 3, 7, 15, 30 and 45 minutes: the gap doubles to a quarter of an hour.
        assertEquals(List.of("60.0 s", "180.0 s", "420.0 s", "900.0 s", "1800.0 s", "2700.0 s"),
                logged.subList(1, logged.size() - 1).stream()
                        .map(line -> line.substring(line.indexOf(" after ") + 7, line.indexOf(" (")))
                        .toList());
        assertEquals("still cannot connect to the upstream server " + TARGET
                + " after 60.0 s (121 attempts); last error: Connection refused", logged.get(1));
        assertEquals("the upstream server " + TARGET + " is reachable again after an outage of 3600.0 s (7200 failed attempts)",
                logged.getLast());
    }

    @Test
    void aConnectionWithoutAFailureBeforeItIsNoOutage() {
        OutageLog outage = new OutageLog(TARGET);
        assertEquals(Optional.empty(), outage.connected(seconds(1)));
        outage.attemptFailed("refused", seconds(2)).orElseThrow();
        outage.connected(seconds(3)).orElseThrow();
        assertEquals(Optional.empty(), outage.connected(seconds(4)), "the outage ended once");
    }
}
