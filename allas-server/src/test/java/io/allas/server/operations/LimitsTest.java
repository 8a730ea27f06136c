package io.allas.server.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.allas.testing.CapturedLog;
import io.allas.testing.JdbcListener;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.UpstreamProxy;
import io.allas.testing.WireClient;

/**
 * Each limit, at a small configured value: what the client over it is told.
 */
class LimitsTest {

    private static TestRelay relay;

    @BeforeAll
    static void start() {
        relay = TestRelay.builder().trust("app")
                .extraSections("  \"limits\": {\"max_clients\": 3, \"max_channels_per_client\": 2, "
                        + "\"startup_timeout_ms\": 500, \"max_message_bytes\": 2048},\n")
                .start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    @Test
    void theClientOverMaxClientsGets53300() throws Exception {
        try (Connection first = relay.connect("app", "a", null);
             Connection second = relay.connect("app", "b", null);
             Connection third = relay.connect("app", "c", null)) {
            SQLException e = assertThrows(SQLException.class, () -> relay.connect("app", "d", null));
            assertEquals("53300", e.getSQLState());
            assertTrue(e.getMessage().contains("sorry, too many clients already"), e.getMessage());
        }
        relay.connect("app", "e", null).close();
    }

    @Test
    void listeningOnMoreChannelsThanAllowedIsRefused() throws SQLException {
        try (JdbcListener listener = new JdbcListener(relay.connect("app", "app", null))) {
            listener.execute("LISTEN one", "LISTEN two", "LISTEN one");
            SQLException e = assertThrows(SQLException.class, () -> listener.execute("LISTEN three"));
            assertEquals("53400", e.getSQLState());
            listener.execute("UNLISTEN one", "LISTEN three");
        }
    }

    @Test
    void listeningOnMoreChannelsThanAllowedForAllClientsTogetherIsRefused() throws Exception {
        try (TestRelay small = TestRelay.builder().trust("app")
                .extraSections("  \"limits\": {\"max_channels\": 3},\n").start();
             JdbcListener first = new JdbcListener(small.connect("app", "first", null));
             JdbcListener second = new JdbcListener(small.connect("app", "second", null))) {
            first.execute("LISTEN a", "LISTEN b");
            // A channel already listened on upstream costs nothing more.
            second.execute("LISTEN b", "LISTEN c");
            SQLException e = assertThrows(SQLException.class, () -> second.execute("LISTEN d"));
            assertEquals("53400", e.getSQLState());
            assertTrue(e.getMessage().contains("(limits.max_channels)"), e.getMessage());
            second.execute("LISTEN c");
            // Once the upstream has let a channel go, there is room again.
            first.execute("UNLISTEN a");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {
                try {
                    second.execute("LISTEN d");
                    break;
                } catch (SQLException stillFull) {
                    assertEquals("53400", stillFull.getSQLState());
                    assertTrue(System.nanoTime() < deadline, "channel a was never let go");
                }
            }
        }
    }

    @Test
    void aListenTheUpstreamDoesNotConfirmInTimeIsCanceledWith57014() throws Exception {
        TestPostgres postgres = TestPostgres.shared();
        try (UpstreamProxy proxy = new UpstreamProxy(postgres.host(), postgres.port());
             TestRelay slow = TestRelay.builder().trust("app")
                     .connect(proxy.connectString(postgres))
                     .extraSections("  \"limits\": {\"listen_timeout_ms\": 500},\n"
                             + "  \"upstream\": {\"ping_interval_ms\": 60000, \"ping_timeout_ms\": 60000},\n")
                     .start();
             JdbcListener listener = new JdbcListener(slow.connect("app", "app", null))) {
            listener.execute("LISTEN before");
            // The upstream connection stays up but answers nothing, as a server busy with a long
            // queue of LISTENs does.
            proxy.goSilent();
            try (CapturedLog log = CapturedLog.start()) {
                SQLException e = assertThrows(SQLException.class, () -> listener.execute("LISTEN waiting"));
                assertEquals("57014", e.getSQLState(), e.getMessage());
                assertTrue(e.getMessage().contains("did not confirm it within 500 ms"), e.getMessage());
                log.awaitLine(Duration.ofSeconds(10), "statement refused (", "57014 canceling LISTEN", "LISTEN waiting");
            }
            // Only the statement failed: the session goes on.
            listener.execute("UNLISTEN before");
        }
    }

    @Test
    void aClientThatNeverFinishesStartupIsDisconnected() throws Exception {
        try (CapturedLog log = CapturedLog.start(); WireClient silent = new WireClient(relay.port())) {
            WireClient.Message error = silent.read();
            assertEquals('E', error.type());
            assertEquals("57014", error.fields().get('C'));
            assertEquals("canceling authentication due to timeout", error.fields().get('M'));
            assertTrue(silent.isClosedByServer());
            log.awaitLine(Duration.ofSeconds(10), "client rejected (", "57014 canceling authentication due to timeout");
        }
    }

    @Test
    void aMessageOverTheSizeLimitEndsTheSessionBeforeItIsRead() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            assertEquals("CZ", WireClient.types(client.roundTrip("LISTEN " + "x".repeat(1000))));
            DataOutputStream out = new DataOutputStream(client.rawOutput());
            out.writeByte('Q');
            out.writeInt(4 + 4096);
            out.flush();
            List<WireClient.Message> reply = List.of(client.read());
            assertEquals("FATAL", reply.getFirst().fields().get('S'));
            assertEquals("08P01", reply.getFirst().fields().get('C'));
            assertTrue(client.isClosedByServer());
        }
    }

    @Test
    void connectionsThatNeverAuthenticateAreCappedAndFailedLoginsAreDelayed() throws Exception {
        try (TestRelay guarded = TestRelay.builder().md5("app", "app", "secret")
                .extraSections("  \"limits\": {\"max_unauthenticated\": 2, \"auth_failure_delay_ms\": 400},\n")
                .start();
             WireClient first = new WireClient(guarded.port());
             WireClient second = new WireClient(guarded.port())) {
            // Two connections sit unauthenticated (their SSLRequest answered shows their sessions run) ...
            for (WireClient waiting : List.of(first, second)) {
                waiting.sendStartupPacket((1234 << 16) | 5679, new byte[0]);
                assertEquals('N', waiting.readSingleByte());
            }
            // ... so the third is refused at once.
            WireClient third = new WireClient(guarded.port());
            WireClient.Message refused = third.read();
            third.close();
            assertEquals("53300", refused.fields().get('C'));
            assertEquals("too many connections waiting for authentication", refused.fields().get('M'));
            first.close();
            second.close();
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
            while (true) {
                try {
                    guarded.connect("app", "app", "secret").close();
                    break;
                } catch (SQLException stillFull) {
                    assertEquals("53300", stillFull.getSQLState());
                    assertTrue(System.nanoTime() < deadline, "slots never freed");
                }
            }
            // Clients that authenticated no longer count against the cap.
            List<java.sql.Connection> authenticated = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    authenticated.add(guarded.connect("app", "app", "secret"));
                }
            } finally {
                for (java.sql.Connection connection : authenticated) {
                    connection.close();
                }
            }
            long start = System.nanoTime();
            SQLException wrong = assertThrows(SQLException.class, () -> guarded.connect("app", "app", "guess"));
            assertEquals("28P01", wrong.getSQLState());
            assertTrue((System.nanoTime() - start) / 1_000_000 >= 400, "the failure was answered after the delay");
        }
    }
}
