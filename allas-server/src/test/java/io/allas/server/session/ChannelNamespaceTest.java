package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGNotification;

import io.allas.testing.JdbcListener;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

/**
 * Channel namespaces: two tenants on one upstream database, each behind its own
 * {@code channel_prefix}, use the same channel names without hearing each other.
 */
class ChannelNamespaceTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static TestRelay.Builder twoTenants() {
        return TestRelay.builder()
                .databaseJson("{\"name\": \"t1\", \"auth\": {\"method\": \"trust\"}, \"channel_prefix\": \"t1_\"}")
                .databaseJson("{\"name\": \"t2\", \"auth\": {\"method\": \"trust\"}, \"channel_prefix\": \"t2_\"}")
                .trust("plain");
    }

    private static List<String> names(List<PGNotification> notifications) {
        return notifications.stream().map(n -> n.getName() + ":" + n.getParameter()).toList();
    }

    private static List<String> listening(Connection connection) throws SQLException {
        List<String> channels = new ArrayList<>();
        try (ResultSet rows = connection.createStatement().executeQuery("SELECT * FROM pg_listening_channels()")) {
            while (rows.next()) {
                channels.add(rows.getString(1));
            }
        }
        return channels;
    }

    @ParameterizedTest(name = "{0} protocol")
    @ValueSource(strings = {"simple", "extended"})
    void tenantsWithTheSameChannelNamesHearOnlyTheirOwnUnderTheirOwnNames(String mode) throws Exception {
        try (TestRelay relay = twoTenants().start();
             JdbcListener one = new JdbcListener(relay.connect("t1", "app", null, "preferQueryMode", mode));
             JdbcListener two = new JdbcListener(relay.connect("t2", "app", null, "preferQueryMode", mode));
             JdbcListener plain = new JdbcListener(relay.connect("plain", "app", null, "preferQueryMode", mode));
             Connection producer = TestPostgres.shared().connect()) {
            one.execute("LISTEN orders");
            // In a transaction block, the LISTEN takes effect at COMMIT, prefixed all the same.
            two.connection().setAutoCommit(false);
            two.execute("LISTEN orders");
            two.connection().commit();
            two.connection().setAutoCommit(true);
            plain.execute("LISTEN orders");
            assertEquals(List.of("orders"), listening(one.connection()));

            producer.createStatement().execute("NOTIFY t2_orders, 'for two'");
            assertEquals(List.of("orders:for two"), names(two.await(1, WAIT)));
            producer.createStatement().execute("NOTIFY orders, 'unprefixed'");
            assertEquals(List.of("orders:unprefixed"), names(plain.await(1, WAIT)));
            producer.createStatement().execute("NOTIFY t1_orders, 'for one'");
            // Had two's or the unprefixed notification reached one, it would have come first.
            assertEquals(List.of("orders:for one"), names(one.await(1, WAIT)));
            assertEquals(List.of("orders:for two"), names(two.await(1, Duration.ZERO)));
            assertEquals(List.of("orders:unprefixed"), names(plain.await(1, Duration.ZERO)));

            one.execute("UNLISTEN orders");
            assertEquals(List.of(), listening(one.connection()));
        }
    }

    @ParameterizedTest(name = "{0} protocol")
    @ValueSource(strings = {"simple", "extended"})
    void aTenantsNotifyGoesOutUnderItsPrefixAndReachesOnlyItsOwnListeners(String mode) throws Exception {
        try (TestRelay relay = twoTenants().start();
             Connection sender = relay.connect("t1", "app", null, "preferQueryMode", mode);
             JdbcListener one = new JdbcListener(relay.connect("t1", "app", null));
             JdbcListener two = new JdbcListener(relay.connect("t2", "app", null));
             JdbcListener direct = new JdbcListener(TestPostgres.shared().connect())) {
            one.execute("LISTEN orders");
            two.execute("LISTEN orders");
            direct.execute("LISTEN t1_orders");
            sender.createStatement().execute("NOTIFY orders, 'first'");
            sender.createStatement().execute("SELECT pg_notify('orders', 'second')");
            assertEquals(List.of("t1_orders:first", "t1_orders:second"), names(direct.await(2, WAIT)));
            assertEquals(List.of("orders:first", "orders:second"), names(one.await(2, WAIT)));
            // two's sentinel, sent after: had t1's notifications reached two, they would have come first.
            try (Connection producer = TestPostgres.shared().connect()) {
                producer.createStatement().execute("NOTIFY t2_orders, 'sentinel'");
            }
            assertEquals(List.of("orders:sentinel"), names(two.await(1, WAIT)));
        }
    }

    private static void assertDenied(Connection connection, String sql, String channel) {
        SQLException e = assertThrows(SQLException.class, () -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        });
        assertEquals("42501", e.getSQLState(), e.getMessage());
        assertEquals("ERROR: permission denied for channel \"" + channel + "\"", e.getMessage().lines().findFirst().orElseThrow());
    }

    /**
     * A database without a prefix on the same upstream names channels as the upstream does: the
     * names under a tenant's prefix are the tenant's, and neither LISTEN nor NOTIFY reaches them.
     */
    @ParameterizedTest(name = "{0} protocol")
    @ValueSource(strings = {"simple", "extended"})
    void aDatabaseWithoutAPrefixCannotReachATenantsChannels(String mode) throws Exception {
        try (TestRelay relay = twoTenants().start();
             JdbcListener plain = new JdbcListener(relay.connect("plain", "app", null, "preferQueryMode", mode));
             JdbcListener one = new JdbcListener(relay.connect("t1", "app", null))) {
            one.execute("LISTEN orders");
            assertDenied(plain.connection(), "LISTEN t1_orders", "t1_orders");
            assertDenied(plain.connection(), "NOTIFY t1_orders, 'injected'", "t1_orders");
            assertDenied(plain.connection(), "SELECT pg_notify('t2_orders', 'injected')", "t2_orders");
            assertEquals(List.of(), listening(plain.connection()));
            // The session goes on, and its own channels are its own.
            plain.execute("LISTEN t3_orders", "LISTEN orders");
            assertEquals(List.of("t3_orders", "orders"), listening(plain.connection()));
            // Had the injected notification gone out, it would have come before this one.
            try (Connection producer = TestPostgres.shared().connect()) {
                producer.createStatement().execute("NOTIFY t1_orders, 'from the server'");
            }
            assertEquals(List.of("orders:from the server"), names(one.await(1, WAIT)));
        }
    }

    /** With nested prefixes, the outer tenant's names stop where the inner tenant's begin. */
    @Test
    void aTenantCannotReachTheChannelsOfATenantWhosePrefixExtendsItsOwn() throws Exception {
        try (TestRelay relay = TestRelay.builder()
                .databaseJson("{\"name\": \"outer\", \"auth\": {\"method\": \"trust\"}, \"channel_prefix\": \"a_\"}")
                .databaseJson("{\"name\": \"inner\", \"auth\": {\"method\": \"trust\"}, \"channel_prefix\": \"a_b_\"}")
                .start();
             Connection outer = relay.connect("outer", "app", null);
             Connection inner = relay.connect("inner", "app", null)) {
            assertDenied(outer, "LISTEN b_orders", "b_orders");
            outer.createStatement().execute("LISTEN orders");
            // The inner tenant's names all begin with the outer's prefix, and are its own.
            inner.createStatement().execute("LISTEN orders");
            assertEquals(List.of("orders"), listening(outer));
            assertEquals(List.of("orders"), listening(inner));
        }
    }

    @Test
    void aPrefixedNameLongerThanPostgresKeepsIsRefusedWith42622() throws Exception {
        try (TestRelay relay = twoTenants().start();
             Connection connection = relay.connect("t1", "app", null)) {
            String fits = "c".repeat(60);   // 63 bytes with "t1_"
            String over = "c".repeat(61);
            connection.createStatement().execute("LISTEN " + fits);
            SQLException e = assertThrows(SQLException.class, () -> {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + over);
                }
            });
            assertEquals("42622", e.getSQLState(), e.getMessage());
            assertEquals("ERROR: channel name \"" + over + "\" is too long: with the prefix of database \"t1\" it is 64 bytes,"
                    + " more than the 63 PostgreSQL allows", e.getMessage().lines().findFirst().orElseThrow());
            assertEquals(List.of(fits), listening(connection));
            SQLException notify = assertThrows(SQLException.class, () -> {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("NOTIFY " + over);
                }
            });
            assertEquals("42622", notify.getSQLState(), notify.getMessage());
        }
    }

    @Test
    void aGapNamesTheClientsOwnChannels() throws Exception {
        try (TestRelay relay = twoTenants().extraSections("  \"upstream\": {\"on_loss\": \"keep\"},\n").start();
             JdbcListener one = new JdbcListener(relay.connect("t1", "app", null))) {
            one.execute("LISTEN orders", "LISTEN jobs", "LISTEN allas_gap");
            assertEquals(1, TestPostgres.shared().terminateBackends(relay.upstreamApplicationName()));
            PGNotification gap = one.await(1, WAIT).getFirst();
            assertEquals("allas_gap", gap.getName());
            Config payload = ConfigFactory.parseString(gap.getParameter());
            assertEquals(Set.of("orders", "jobs"), Set.copyOf(payload.getStringList("channels")), gap.getParameter());
        }
    }
}
