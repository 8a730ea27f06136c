package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.allas.server.log.LogText;
import io.allas.server.sql.SqlError;
import io.allas.testing.CapturedLog;

/**
 * The log of one client's refused statements: escaped, cut, counted, and limited in rate.
 */
@Tag("unit")
class RefusedStatementLogTest {

    private final List<String> counted = new ArrayList<>();
    private final SessionEvents events = new SessionEvents() {
        @Override
        public void statementRefused(String sqlState) {
            counted.add(sqlState);
        }
    };
    private final AtomicLong clock = new AtomicLong();

    @Test
    void controlCharactersAreEscapedAndLongStatementsCut() {
        assertEquals("a\\nb\\rc\\td\\x00\\x1b\\x7f\\x85\\u2028e", LogText.escape("a\nb\rc\td\0\u001b\u007f\u0085\u2028e", 100));
        assertEquals("abc...", LogText.escape("abcdef", 3));
        assertEquals("a...", LogText.escape("a\uD83D\uDE00b", 2), "a surrogate pair is not cut in half");
        assertEquals("plain", LogText.escape("plain", 5));
    }

    @Test
    void theFirstRefusalsAreLoggedThenOnePerIntervalWithTheCountLeftOut() {
        // The client as the session describes it, escaped already (ClientStartupTest shows that end to end).
        RefusedStatementLog log = new RefusedStatementLog("peer database=d user=u application_name=evil\\nINFO forged",
                events, clock::get);
        try (CapturedLog captured = CapturedLog.start()) {
            for (int i = 0; i < RefusedStatementLog.LOGGED_IN_FULL + 3; i++) {
                log.refused(new SqlError("bad " + i), "DROP TABLE t" + i);
            }
            assertEquals(RefusedStatementLog.LOGGED_IN_FULL, captured.linesWith("statement refused").size());
            String first = captured.linesWith("DROP TABLE t0").getFirst();
            assertTrue(first.startsWith("INFO statement refused (peer database=d user=u application_name=evil\\nINFO forged): "
                    + "42601 bad 0; statement: DROP TABLE t0"), first);
            assertEquals(List.of(), captured.linesWith("DROP TABLE t" + RefusedStatementLog.LOGGED_IN_FULL));

            clock.addAndGet(RefusedStatementLog.INTERVAL.toNanos() - 1);
            log.refused(new SqlError("still too soon"), "x");
            assertEquals(List.of(), captured.linesWith("still too soon"));
            clock.addAndGet(1);
            log.refused(new SqlError("0A000", "after the interval"), "y");
            assertEquals(1, captured.linesWith("0A000 after the interval; statement: y (4 more refused since the previous line,"
                    + " not logged)").size(), "3 of the burst and 1 too soon");
            log.refused(new SqlError("left out"), "z");
            log.sessionEnded();
            assertEquals(1, captured.linesWith("1 more since the previous line, not logged").size());
        }
        assertEquals(RefusedStatementLog.LOGGED_IN_FULL + 6, counted.size(), "every refusal is counted");
        assertEquals("0A000", counted.get(RefusedStatementLog.LOGGED_IN_FULL + 4));
    }
}
