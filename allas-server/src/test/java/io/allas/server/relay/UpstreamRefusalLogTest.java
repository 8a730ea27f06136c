package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.allas.testing.CapturedLog;
import io.allas.testing.JdbcListener;
import io.allas.testing.ReplicationPair;
import io.allas.testing.TestRelay;

/**
 * A LISTEN the upstream server refuses is logged with the statement, which names the client's
 * channel: a channel name is the client's to choose, line breaks included, so it is escaped and
 * cannot forge a log line (issue 17, defect 2). A hot standby refuses every LISTEN.
 */
class UpstreamRefusalLogTest {

    @Test
    void aRefusedListenIsLoggedWithTheChannelNameEscaped() throws Exception {
        String forged = "x\n2026-01-01T00:00:00 SEVERE forged line";
        try (ReplicationPair pair = ReplicationPair.start();
             CapturedLog log = CapturedLog.start();
             TestRelay relay = TestRelay.builder().trust("app").connect(pair.standby().libpqConnectString()).start();
             JdbcListener listener = new JdbcListener(relay.connect("app", "app", null))) {
            SQLException refused = assertThrows(SQLException.class,
                    () -> listener.execute("LISTEN \"" + forged + "\""));
            assertEquals("25006", refused.getSQLState(), refused.getMessage());
            String line = log.awaitLine(Duration.ofSeconds(10), "upstream refused");
            assertTrue(line.contains("x\\n2026-01-01T00:00:00 SEVERE forged line"), line);
            assertFalse(line.contains("\n"), "one log line: " + line);
        }
    }
}
