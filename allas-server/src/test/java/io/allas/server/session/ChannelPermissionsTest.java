package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGNotification;

import io.allas.auth.spi.AuthMethodProvider;
import io.allas.testing.JdbcListener;
import io.allas.testing.PluginJarBuilder;
import io.allas.testing.Scrape;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;

/**
 * Channel permissions: a database's {@code channels} patterns, narrowed per client by its
 * authentication plugin. A channel outside them gets PostgreSQL's {@code 42501} and the session
 * goes on, in both query protocols and inside transaction blocks.
 */
class ChannelPermissionsTest {

    @TempDir
    static Path workspace;

    private static TestRelay relay;

    @BeforeAll
    static void start() throws Exception {
        Path spi = Path.of(AuthMethodProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path plugin = PluginJarBuilder.buildExamplePlugin(spi, workspace.resolve("build"));
        relay = TestRelay.builder().prometheus()
                .pluginDirectory(plugin.getParent())
                .databaseJson("{\"name\": \"app\", \"auth\": {\"method\": \"trust\"},"
                        + " \"channels\": {\"listen\": [\"orders_*\", \"*_events\", \"a*b*c\", \"billing_*\"], \"notify\": []}}")
                // The token grants orders_* and shipping_*; the database billing_* and orders_*: only orders_* is both.
                .databaseJson("{\"name\": \"shop\", \"auth\": {\"method\": \"token\", \"token\": \"open-sesame\","
                        + " \"channels\": \"orders_*,shipping_*\"},"
                        + " \"channels\": {\"listen\": [\"orders_*\", \"billing_*\"]}}")
                .start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static Connection connect(String database, String password, String mode) throws SQLException {
        return relay.connect(database, "app", password, "preferQueryMode", mode);
    }

    private static SQLException denied(Connection connection, String sql) {
        return assertThrows(SQLException.class, () -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        });
    }

    private static void assertDenied(Connection connection, String sql, String channel) {
        SQLException e = denied(connection, sql);
        assertEquals("42501", e.getSQLState(), e.getMessage());
        assertEquals("ERROR: permission denied for channel \"" + channel + "\"", e.getMessage().lines().findFirst().orElseThrow());
    }

    @ParameterizedTest(name = "{0} protocol")
    @ValueSource(strings = {"simple", "extended"})
    void aChannelTheDatabaseAllowsIsListenedOnAndAnyOtherIsDeniedWith42501(String mode) throws Exception {
        try (Connection connection = connect("app", null, mode);
             JdbcListener listener = new JdbcListener(connection);
             Connection producer = TestPostgres.shared().connect()) {
            // Wildcards at the end, the start and in between; unquoted names folded first, as PostgreSQL names them.
            listener.execute("LISTEN orders_new", "LISTEN shipment_events", "LISTEN axxbyyc", "LISTEN ORDERS_Upper");
            assertDenied(connection, "LISTEN billing", "billing");
            assertDenied(connection, "LISTEN \"Orders_quoted\"", "Orders_quoted");
            assertDenied(connection, "LISTEN axxbyy", "axxbyy");
            assertDenied(connection, "UNLISTEN stock", "stock");
            // The session goes on, still listening.
            producer.createStatement().execute("NOTIFY orders_upper, 'folded'");
            List<PGNotification> received = listener.await(1, Duration.ofSeconds(20));
            assertEquals("orders_upper", received.getFirst().getName());
            listener.execute("UNLISTEN orders_new", "UNLISTEN *");
        }
    }

    @ParameterizedTest(name = "{0} protocol")
    @ValueSource(strings = {"simple", "extended"})
    void aDeniedListenInsideATransactionBlockFailsTheBlock(String mode) throws Exception {
        try (Connection connection = connect("app", null, mode)) {
            connection.setAutoCommit(false);
            connection.createStatement().execute("LISTEN orders_in_block");
            assertDenied(connection, "LISTEN secrets", "secrets");
            SQLException aborted = denied(connection, "LISTEN orders_after");
            assertEquals("25P02", aborted.getSQLState(), aborted.getMessage());
            connection.rollback();
            connection.setAutoCommit(true);
            try (var rows = connection.createStatement().executeQuery("SELECT * FROM pg_listening_channels()")) {
                assertEquals(false, rows.next(), "the rolled-back block listened on nothing");
            }
        }
    }

    @Test
    void aPluginNarrowsTheDatabasesPermissionsAndDenialsAreCounted() throws Exception {
        double before = Scrape.value(relay.httpPort(), "allas_channel_denials_total\\{database=\"shop\",operation=\"listen\"");
        try (Connection connection = connect("shop", "open-sesame", "extended")) {
            connection.createStatement().execute("LISTEN orders_paid");
            assertDenied(connection, "LISTEN billing_due", "billing_due");   // the database allows it, the token not
            assertDenied(connection, "LISTEN shipping_out", "shipping_out"); // the token allows it, the database not
        }
        assertEquals(before + 2, Scrape.value(relay.httpPort(),
                "allas_channel_denials_total\\{database=\"shop\",operation=\"listen\""));
        assertEquals(0.0, Scrape.value(relay.httpPort(),
                "allas_channel_denials_total\\{database=\"shop\",operation=\"notify\""));
    }

    @ParameterizedTest(name = "{0} protocol")
    @ValueSource(strings = {"simple", "extended"})
    void notifyIsCheckedAgainstTheNotifyPatterns(String mode) throws Exception {
        double before = Scrape.value(relay.httpPort(), "allas_channel_denials_total\\{database=\"app\",operation=\"notify\"");
        try (Connection app = connect("app", null, mode);
             Connection shop = connect("shop", "open-sesame", mode);
             JdbcListener listener = new JdbcListener(TestPostgres.shared().connect())) {
            listener.execute("LISTEN orders_sent");
            // The database app may notify nothing ([]); shop's database restricts no NOTIFY, its token grants
            // orders_* and shipping_*.
            assertDenied(app, "NOTIFY orders_sent, 'no'", "orders_sent");
            assertDenied(app, "SELECT pg_notify('orders_sent', 'no')", "orders_sent");
            app.setAutoCommit(false);
            assertDenied(app, "NOTIFY orders_sent, 'no'", "orders_sent");
            app.rollback();
            assertDenied(shop, "NOTIFY billing_due, 'no'", "billing_due");
            shop.createStatement().execute("NOTIFY orders_sent, 'yes'");
            assertEquals(List.of("yes"), listener.await(1, Duration.ofSeconds(20)).stream()
                    .map(PGNotification::getParameter).toList());
        }
        assertEquals(before + 3, Scrape.value(relay.httpPort(),
                "allas_channel_denials_total\\{database=\"app\",operation=\"notify\""));
    }

    /**
     * allas_gap is the relay's own channel for gap reports: a client may listen on it whatever its
     * permissions allow, and PostgreSQL's channel of that name does not reach it.
     */
    @Test
    void theGapChannelIsEveryClientsOwnAndNotPostgresqls() throws Exception {
        try (Connection connection = connect("app", null, "simple");
             JdbcListener listener = new JdbcListener(connection);
             Connection producer = TestPostgres.shared().connect()) {
            listener.execute("LISTEN allas_gap", "LISTEN orders_gap_probe");
            List<String> listening = new ArrayList<>();
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT pg_listening_channels()")) {
                while (rows.next()) {
                    listening.add(rows.getString(1));
                }
            }
            assertEquals(List.of("allas_gap", "orders_gap_probe"), listening);
            // Committed in this order: had the relay passed PostgreSQL's allas_gap on, it would come first.
            producer.createStatement().execute("NOTIFY allas_gap, 'from postgresql'");
            producer.createStatement().execute("NOTIFY orders_gap_probe, 'after it'");
            PGNotification first = listener.await(1, Duration.ofSeconds(20)).getFirst();
            assertEquals("orders_gap_probe", first.getName());
        }
    }
}
