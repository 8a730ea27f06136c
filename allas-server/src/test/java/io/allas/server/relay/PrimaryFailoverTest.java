package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.postgresql.PGNotification;

import io.allas.testing.JdbcListener;
import io.allas.testing.ReplicationPair;
import io.allas.testing.TestRelay;

/**
 * The relay follows a primary failover: {@code connect} names a primary and its streaming
 * standby with {@code target_session_attrs=read-write}; the primary is stopped and the standby
 * promoted with {@code pg_ctl promote}. In keep mode the listening clients stay connected, are
 * told of the gap, and receive what is committed on the new primary.
 *
 * <p>The pair is the test's own ({@link ReplicationPair}), made from local server binaries that
 * include pg_basebackup: those of {@code ALLAS_TEST_PG_BIN}, else the system's, whichever source
 * the other tests' server comes from. Where there are none (only the zonky bundle, an existing
 * server, or a container on a machine without PostgreSQL installed) the test fails saying so; it
 * does not skip.
 */
class PrimaryFailoverTest {

    private static final String KEEP = "  \"upstream\": {\"on_loss\": \"keep\"},\n";

    @Test
    void afterThePrimaryIsStoppedAndTheStandbyPromotedKeptClientsHearOfTheGapAndReceiveFromTheNewPrimary()
            throws Exception {
        try (ReplicationPair pair = ReplicationPair.start();
             TestRelay relay = TestRelay.builder().trust("app").connect(pair.libpqConnectString()).extraSections(KEEP).start();
             JdbcListener listener = new JdbcListener(relay.connect("app", "app", null))) {
            listener.execute("LISTEN orders", "LISTEN allas_gap");
            notify(pair.primary().connect(), "before");
            assertEquals("before", listener.await(1, Duration.ofSeconds(10)).getFirst().getParameter());
            assertEquals(1, relayBackends(pair.primary().connect()), "the relay listens on the primary");

            pair.primary().stop();
            long promoting = System.nanoTime();
            pair.standby().promote();

            PGNotification gap = listener.await(2, Duration.ofSeconds(30)).get(1);
            long toldMillis = Duration.ofNanos(System.nanoTime() - promoting).toMillis();
            assertEquals("allas_gap", gap.getName(), "the gap notification, " + toldMillis + " ms after pg_ctl promote");
            Config payload = ConfigFactory.parseString(gap.getParameter());
            assertEquals("upstream_lost", payload.getString("reason"));
            assertEquals(List.of("orders"), payload.getStringList("channels"));
            System.out.println("[PrimaryFailoverTest] gap notification " + toldMillis + " ms after pg_ctl promote began");

            assertEquals(1, relayBackends(pair.standby().connect()), "the relay listens on the promoted standby");
            notify(pair.standby().connect(), "after");
            List<PGNotification> all = listener.await(3, Duration.ofSeconds(10));
            assertEquals(List.of("before", gap.getParameter(), "after"), all.stream().map(PGNotification::getParameter).toList(),
                    "the same connection, nothing twice");
            try (Statement statement = listener.connection().createStatement();
                 ResultSet rs = statement.executeQuery("SELECT 1")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "the client's connection still serves");
            }
        }
    }

    private static void notify(Connection producer, String payload) throws SQLException {
        try (producer; Statement statement = producer.createStatement()) {
            statement.execute("NOTIFY orders, '" + payload + "'");
        }
    }

    private static int relayBackends(Connection server) throws SQLException {
        try (server; Statement statement = server.createStatement();
             ResultSet rs = statement.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'allas'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
