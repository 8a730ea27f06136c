package io.allas.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.util.PSQLException;

import io.allas.testing.JdbcListener;
import io.allas.testing.Scrape;
import io.allas.testing.TestPostgres;
import io.allas.testing.TestRelay;
import io.allas.testing.WireClient;

/**
 * NOTIFY and pg_notify() sent through allas reach PostgreSQL and every listener, through allas or
 * directly, as if the client had sent them to PostgreSQL itself: once committed, in order, folded
 * as PostgreSQL folds them, with the client's own process ID as the sender's.
 */
class NotifyThroughRelayTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int VOID_OID = 2278;
    private static final int TEXT_OID = 25;

    private static TestRelay relay;

    @BeforeAll
    static void start() {
        relay = TestRelay.builder().trust("app").prometheus().start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static Connection client(String... pgjdbcProperties) throws SQLException {
        return relay.connect("app", "app", null, pgjdbcProperties);
    }

    private static int pid(Connection connection) throws SQLException {
        return connection.unwrap(PGConnection.class).getBackendPID();
    }

    private static void execute(Connection connection, String... sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String each : sql) {
                statement.execute(each);
            }
        }
    }

    private static void pgNotify(Connection connection, String channel, String payload) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            statement.setString(1, channel);
            statement.setString(2, payload);
            statement.executeQuery().close();
        }
    }

    private static List<String> payloads(List<PGNotification> notifications) {
        return notifications.stream().map(PGNotification::getParameter).toList();
    }

    /** What the sender does in {@link #orderFoldingAndSenderAsPostgresDeliversThem}, to allas or to PostgreSQL. */
    private static void sendSequence(Connection sender, String channel) throws SQLException {
        execute(sender, "NOTIFY " + channel + ", 'one'", "SELECT pg_notify('" + channel + "', 'two')");
        pgNotify(sender, channel, "three");
        execute(sender, "NOTIFY " + channel);
        // One transaction: identical notifications folded into the first, the others in order.
        execute(sender, "BEGIN", "NOTIFY " + channel + ", 'four'", "NOTIFY " + channel + ", 'five'",
                "SELECT pg_catalog.pg_notify('" + channel + "', 'four')", "NOTIFY " + channel + ", 'six'", "COMMIT");
        // Across transactions nothing is folded.
        execute(sender, "NOTIFY " + channel + ", 'six'");
        // A multi-statement query is one transaction too.
        execute(sender, "NOTIFY " + channel + ", 'seven'; NOTIFY " + channel + ", 'seven'; NOTIFY " + channel + ", 'eight'");
    }

    /** A pgjdbc connection straight to PostgreSQL in the given query mode. */
    private static Connection direct(String queryMode) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", TestPostgres.shared().user());
        properties.setProperty("password", TestPostgres.shared().password());
        properties.setProperty("preferQueryMode", queryMode);
        return DriverManager.getConnection(TestPostgres.shared().jdbcUrl(), properties);
    }

    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void orderFoldingAndSenderAsPostgresDeliversThem(String queryMode) throws Exception {
        String channel = "sequence_" + queryMode;
        List<String> expected;
        try (JdbcListener direct = new JdbcListener(TestPostgres.shared().connect());
             Connection directSender = direct(queryMode)) {
            direct.execute("LISTEN " + channel);
            sendSequence(directSender, channel);
            execute(directSender, "NOTIFY " + channel + ", 'end'");
            expected = payloads(awaitPayload(direct, "end"));
            assertEquals(List.of("one", "two", "three", "", "four", "five", "six", "six"), expected.subList(0, 8),
                    "the test's expectation, as PostgreSQL delivered it: folded within a transaction only");
        }
        double sentBefore = Scrape.value(relay.httpPort(), "allas_notifications_sent_total");
        try (JdbcListener sender = new JdbcListener(client("preferQueryMode", queryMode));
             JdbcListener other = new JdbcListener(client());
             JdbcListener direct = new JdbcListener(TestPostgres.shared().connect())) {
            sender.execute("LISTEN " + channel);
            other.execute("LISTEN " + channel);
            direct.execute("LISTEN " + channel);
            sendSequence(sender.connection(), channel);
            execute(sender.connection(), "NOTIFY " + channel + ", 'end'");

            int senderPid = pid(sender.connection());
            for (JdbcListener throughRelay : List.of(sender, other)) {
                List<PGNotification> received = throughRelay.await(expected.size(), WAIT);
                assertEquals(expected, payloads(received));
                for (PGNotification notification : received) {
                    assertEquals(channel, notification.getName());
                    assertEquals(senderPid, notification.getPID(), "the sender's PID is the one allas gave it");
                }
            }
            assertEquals(expected, payloads(direct.await(expected.size(), WAIT)), "a direct listener hears them too");
        }
        assertEquals(sentBefore + expected.size(), Scrape.value(relay.httpPort(), "allas_notifications_sent_total"));
    }

    /** Waits until a notification with this payload has arrived. */
    private static List<PGNotification> awaitPayload(JdbcListener listener, String payload) throws SQLException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<PGNotification> received = listener.await(1, WAIT);
        while (received.stream().noneMatch(n -> n.getParameter().equals(payload)) && System.nanoTime() < deadline) {
            received = listener.await(received.size() + 1, Duration.ofMillis(500));
        }
        return received;
    }

    /** The steps of {@link #heldUntilCommitAndDroppedByRollbackOrAFailedBlock}, on the given connections. */
    private static List<String> transactionSequence(Connection sender, JdbcListener listener) throws Exception {
        try (Connection sentinel = TestPostgres.shared().connect()) {
            listener.execute("LISTEN held");
            execute(sender, "BEGIN", "NOTIFY held, 'at commit'");
            // Anything sent before the sentinel would arrive before it: the held one has not been sent.
            pgNotify(sentinel, "held", "sentinel 1");
            assertEquals(List.of("sentinel 1"), payloads(listener.await(1, WAIT)));
            execute(sender, "COMMIT");
            assertEquals(List.of("sentinel 1", "at commit"), payloads(listener.await(2, WAIT)));

            execute(sender, "BEGIN", "NOTIFY held, 'rolled back'", "ROLLBACK");
            execute(sender, "BEGIN", "NOTIFY held, 'in a failed block'");
            assertThrows(SQLException.class, () -> execute(sender, "SELECT nonsense"));
            execute(sender, "COMMIT");
            assertThrows(SQLException.class, () -> execute(sender, "NOTIFY held, 'failed query'; SELECT nonsense"));
            execute(sender, "BEGIN; NOTIFY held, 'rolled back inside the query'; ROLLBACK");
            sender.setAutoCommit(false);
            execute(sender, "NOTIFY held, 'pgjdbc rollback'");
            sender.rollback();
            execute(sender, "NOTIFY held, 'pgjdbc commit'");
            sender.commit();
            pgNotify(sentinel, "held", "sentinel 2");
            return payloads(awaitPayload(listener, "sentinel 2"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void heldUntilCommitAndDroppedByRollbackOrAFailedBlock(String queryMode) throws Exception {
        List<String> expected;
        try (JdbcListener listener = new JdbcListener(TestPostgres.shared().connect());
             Connection sender = direct(queryMode)) {
            expected = transactionSequence(sender, listener);
        }
        try (JdbcListener listener = new JdbcListener(client());
             Connection sender = client("preferQueryMode", queryMode)) {
            assertEquals(expected, transactionSequence(sender, listener));
        }
        assertTrue(expected.containsAll(List.of("at commit", "pgjdbc commit")) && !expected.contains("rolled back")
                && !expected.contains("in a failed block") && !expected.contains("pgjdbc rollback"),
                "the test's expectation, as PostgreSQL delivered it: " + expected);
    }

    @Test
    void aTransactionHearsItsOwnNotificationOnAChannelItStartsListeningTo() throws Exception {
        try (JdbcListener client = new JdbcListener(client())) {
            client.execute("BEGIN; LISTEN own_channel; NOTIFY own_channel, 'to myself'; COMMIT");
            List<PGNotification> received = client.await(1, WAIT);
            assertEquals(List.of("to myself"), payloads(received));
            assertEquals(pid(client.connection()), received.getFirst().getPID());
        }
    }

    @Test
    void aNotificationNobodyHeardIsNotCreditedToTheNextEqualOne() throws Exception {
        try (Connection first = client(); Connection second = client(); JdbcListener listener = new JdbcListener(client())) {
            execute(first, "NOTIFY nobody_yet, 'ping'");
            listener.execute("LISTEN nobody_yet");
            execute(second, "NOTIFY nobody_yet, 'ping'");
            List<PGNotification> received = listener.await(1, WAIT);
            assertEquals(List.of("ping"), payloads(received));
            assertEquals(pid(second), received.getFirst().getPID());
        }
    }

    /**
     * What {@link #pgNotifyInASelectListAsPostgresRunsIt} sends, to allas or to PostgreSQL: each
     * result's columns (name, value) and each error, then the payloads the listener received.
     */
    private static List<String> selectListSequence(Connection sender, JdbcListener listener) throws Exception {
        listener.execute("LISTEN in_a_list");
        List<String> seen = new ArrayList<>();
        for (String sql : List.of(
                "SELECT pg_notify('in_a_list', 'beside'), current_setting('DateStyle') AS style,"
                        + " pg_catalog.pg_notify('in_a_list', 'second') sent",
                "SELECT * FROM pg_notify('in_a_list', 'from') AS f",
                "SELECT pg_notify('in_a_list', 'cast')::text AS t",
                // Called beside a set of no rows too.
                "SELECT pg_listening_channels(), pg_notify('in_a_list', 'beside no rows')")) {
            try (Statement statement = sender.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
                ResultSetMetaData columns = rows.getMetaData();
                while (rows.next()) {
                    for (int i = 1; i <= columns.getColumnCount(); i++) {
                        // Not the type's name: pgjdbc would look void up in pg_type, which allas does not answer.
                        seen.add(columns.getColumnLabel(i) + " '" + rows.getString(i) + "'");
                    }
                }
            }
        }
        // The statement fails at a later column, so it sends nothing.
        seen.add(Failure.of(sender, "SELECT pg_notify('in_a_list', 'failed'), current_setting('no_such_setting')").toString());
        seen.add(Failure.of(sender, "SELECT pg_notify('in_a_list', 'x')::int").toString());
        pgNotify(sender, "in_a_list", "end");
        seen.addAll(payloads(awaitPayload(listener, "end")));
        return seen;
    }

    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void pgNotifyInASelectListAsPostgresRunsIt(String queryMode) throws Exception {
        List<String> expected;
        try (JdbcListener listener = new JdbcListener(TestPostgres.shared().connect());
             Connection sender = direct(queryMode)) {
            expected = selectListSequence(sender, listener);
        }
        try (JdbcListener listener = new JdbcListener(client());
             Connection sender = client("preferQueryMode", queryMode)) {
            assertEquals(expected, selectListSequence(sender, listener));
        }
        assertEquals(List.of("beside", "second", "from", "cast", "beside no rows", "end"),
                expected.subList(expected.size() - 6, expected.size()),
                "the test's expectation, as PostgreSQL delivered it: " + expected);
    }

    @Test
    void aParameterTheSimpleProtocolCannotBindIsRefusedAsPostgresRefusesIt() throws Exception {
        try (Connection relayed = client("preferQueryMode", "simple"); Connection direct = direct("simple")) {
            for (String sql : List.of("SELECT pg_notify($1, 'x')", "SELECT current_setting($2)")) {
                Failure expected = Failure.of(direct, sql);
                assertEquals("42P02", expected.sqlState(), "the test's expectation");
                assertEquals(expected, Failure.of(relayed, sql));
            }
        }
    }

    /** An error as a client sees it: its SQLSTATE and message. */
    private record Failure(String sqlState, String message) {
        static Failure of(Connection connection, String sql) {
            PSQLException e = assertThrows(PSQLException.class, () -> execute(connection, sql), sql);
            return new Failure(e.getSQLState(), e.getServerErrorMessage().getMessage());
        }
    }

    @Test
    void refusedAsPostgresRefusesThem() throws Exception {
        String longChannel = "c".repeat(64);
        try (Connection relayed = client(); Connection direct = TestPostgres.shared().connect()) {
            for (String sql : List.of("NOTIFY too_long, '" + "x".repeat(8000) + "'",
                    "SELECT pg_notify('too_long', '" + "é".repeat(4000) + "')",
                    "SELECT pg_notify('', 'x')", "SELECT pg_notify(NULL, 'x')",
                    "SELECT pg_notify('" + longChannel + "', 'x')")) {
                Failure expected = Failure.of(direct, sql);
                assertEquals(expected, Failure.of(relayed, sql));
            }
            assertEquals(new Failure("22023", "payload string too long"),
                    Failure.of(direct, "NOTIFY too_long, '" + "x".repeat(8000) + "'"), "the test's expectation");

            // The longest payload PostgreSQL takes goes through.
            try (JdbcListener listener = new JdbcListener(client())) {
                listener.execute("LISTEN longest");
                execute(relayed, "NOTIFY longest, '" + "x".repeat(7999) + "'");
                assertEquals(List.of("x".repeat(7999)), payloads(listener.await(1, WAIT)));
            }

            // In a block, as in PostgreSQL, the statement fails, and so does the block.
            execute(relayed, "BEGIN");
            assertEquals(new Failure("22023", "payload string too long"),
                    Failure.of(relayed, "NOTIFY too_long, '" + "x".repeat(8000) + "'"));
            assertEquals("25P02", Failure.of(relayed, "NOTIFY too_long").sqlState());
            execute(relayed, "ROLLBACK");
        }
    }

    @Test
    void anErrorOnlyPostgresSeesComesBackUnchanged() throws Exception {
        try (WireClient client = WireClient.startup(relay.port(), "app", "app")) {
            // A NUL byte in a bound text parameter: PostgreSQL refuses it; allas does not look.
            client.send('P', WireClient.body("", "SELECT pg_notify($1, $2)", (short) 0));
            client.send('B', WireClient.body("", "", (short) 0, (short) 2, 8, "nul_sent".getBytes(StandardCharsets.US_ASCII),
                    3, new byte[]{'a', 0, 'b'}, (short) 0));
            client.send('E', WireClient.body("", 0));
            client.send('S', new byte[0]);
            List<WireClient.Message> response = client.readResponse();
            // PostgreSQL's error comes when allas sends the notification: at Sync, which commits it.
            assertEquals("12DCEZ", WireClient.types(response));
            Map<Character, String> error = response.get(4).fields();
            assertEquals("22021", error.get('C'), error.toString());
            assertEquals("invalid byte sequence for encoding \"UTF8\": 0x00", error.get('M'));
            assertEquals("CZ", WireClient.types(client.roundTrip("NOTIFY after_the_error")), "the session goes on");
        }
    }

    /** RowDescription's only column: name, type OID, format. */
    private record Column(String name, int typeOid, int format) {
        static Column of(WireClient.Message description) {
            ByteBuffer body = ByteBuffer.wrap(description.body());
            assertEquals(1, body.getShort(), "one column");
            int end = body.position();
            while (body.get(end) != 0) {
                end++;
            }
            String name = new String(description.body(), body.position(), end - body.position(), StandardCharsets.UTF_8);
            body.position(end + 1 + 4 + 2);
            int typeOid = body.getInt();
            body.position(body.position() + 2 + 4);
            return new Column(name, typeOid, body.getShort());
        }
    }

    @Test
    void extendedProtocolWithBoundParametersNamedAndUnnamed() throws Exception {
        try (JdbcListener listener = new JdbcListener(client());
             WireClient client = new WireClient(relay.port())) {
            listener.execute("LISTEN bound");
            client.sendStartup(0, Map.of("user", "app", "database", "app"));
            int pid = ByteBuffer.wrap(client.readUntil('K').body()).getInt();
            client.readUntil('Z');

            client.send('P', WireClient.body("named", "SELECT pg_catalog.pg_notify($1, $2::text) AS sent", (short) 0));
            client.send('D', WireClient.body('S', "named"));
            client.send('B', WireClient.body("", "named", (short) 0, (short) 2, 5, "bound".getBytes(StandardCharsets.US_ASCII),
                    5, "first".getBytes(StandardCharsets.US_ASCII), (short) 1, (short) 1));
            client.send('D', WireClient.body('P', ""));
            client.send('E', WireClient.body("", 0));
            client.send('B', WireClient.body("", "named", (short) 0, (short) 2, 5, "bound".getBytes(StandardCharsets.US_ASCII),
                    -1, (short) 0));
            client.send('E', WireClient.body("", 0));
            client.send('P', WireClient.body("", "SELECT pg_notify($1, 'third')", (short) 1, 25));
            client.send('B', WireClient.body("", "", (short) 0, (short) 1, 5, "bound".getBytes(StandardCharsets.US_ASCII), (short) 0));
            client.send('E', WireClient.body("", 0));
            client.send('S', new byte[0]);
            List<WireClient.Message> response = client.readResponse();
            assertEquals("1tT2TDC2DC12DCZ", WireClient.types(response));
            assertEquals(List.of(TEXT_OID, TEXT_OID), parameterTypes(response.get(1)), "as PostgreSQL describes pg_notify");
            assertEquals(new Column("sent", VOID_OID, 0), Column.of(response.get(2)));
            assertEquals(new Column("sent", VOID_OID, 1), Column.of(response.get(4)));
            assertEquals(0, onlyValue(response.get(5)).length, "void is empty, in binary too");
            assertEquals("SELECT 1", new String(response.get(6).body(), 0, response.get(6).body().length - 1, StandardCharsets.US_ASCII));

            List<PGNotification> received = listener.await(3, WAIT);
            assertEquals(List.of("first", "", "third"), payloads(received), "a NULL payload is empty, as in PostgreSQL");
            for (PGNotification notification : received) {
                assertEquals(pid, notification.getPID());
            }
        }
    }

    private static List<Integer> parameterTypes(WireClient.Message description) {
        ByteBuffer body = ByteBuffer.wrap(description.body());
        List<Integer> types = new ArrayList<>();
        for (int i = body.getShort(); i > 0; i--) {
            types.add(body.getInt());
        }
        return types;
    }

    private static byte[] onlyValue(WireClient.Message dataRow) {
        ByteBuffer body = ByteBuffer.wrap(dataRow.body());
        assertEquals(1, body.getShort());
        byte[] value = new byte[body.getInt()];
        body.get(value);
        return value;
    }

    /**
     * Many clients sending the same notification at once: batched into shared transactions, yet
     * none folded into another's, each delivered with its own sender.
     */
    @Test
    void identicalNotificationsOfManyClientsAtOnceAreEachDelivered() throws Exception {
        int clients = 40;
        List<Connection> senders = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try (JdbcListener listener = new JdbcListener(client());
             JdbcListener direct = new JdbcListener(TestPostgres.shared().connect())) {
            listener.execute("LISTEN crowd");
            direct.execute("LISTEN crowd");
            Set<Integer> pids = new HashSet<>();
            for (int i = 0; i < clients; i++) {
                Connection sender = client();
                senders.add(sender);
                pids.add(pid(sender));
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> sent = new ArrayList<>();
            for (Connection sender : senders) {
                sent.add(threads.submit(() -> {
                    go.await();
                    execute(sender, "NOTIFY crowd, 'same'", "NOTIFY crowd, 'same'");
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> each : sent) {
                each.get();
            }
            List<PGNotification> received = listener.await(2 * clients, WAIT);
            assertEquals(2 * clients, received.size());
            Map<Integer, Long> perSender = received.stream().collect(
                    java.util.stream.Collectors.groupingBy(PGNotification::getPID, java.util.stream.Collectors.counting()));
            assertEquals(pids, perSender.keySet(), "each notification carries its own sender's PID");
            assertTrue(perSender.values().stream().allMatch(count -> count == 2), perSender.toString());
            assertEquals(2 * clients, direct.await(2 * clients, WAIT).size());
        } finally {
            threads.shutdownNow();
            for (Connection sender : senders) {
                sender.close();
            }
        }
    }

    /**
     * String literals in their other forms (escape strings, Unicode escapes, dollar quotes), as
     * node-postgres's escapeLiteral and hand-written SQL send them: the payload a listener
     * receives is the one PostgreSQL makes of the same statement sent to it directly.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "NOTIFY literal_forms, E'line\\nbreak, back\\\\slash, \\'quote\\', \\x41\\101, \\u00e9\\U0001F600\\uD83D\\uDE00 \\q'",
            "NOTIFY literal_forms, e'tab\\tand '''",
            "NOTIFY literal_forms, $$it's $1 \\n$$",
            "NOTIFY literal_forms, $tag$a $$ b$tag$",
            "NOTIFY literal_forms, U&'d\\0061t\\+000061 \\\\ \\D83D\\DE00'",
            "SELECT pg_notify('literal_forms', E'\\xc3\\xa9t\\xc3\\xa9')",
            // pgjdbc's own parser does not know a continued E'...', so no quote is escaped in it here
            "NOTIFY literal_forms, E'continued'\n'\\tstill an escape string' -- and\n 'on'",
            "NOTIFY literal_forms, E'\\\uD83D\uDE00'"})
    void otherFormsOfStringLiteralsArriveAsPostgresqlReadsThem(String sql) throws Exception {
        try (Connection through = client();
             Connection direct = TestPostgres.shared().connect();
             JdbcListener listener = new JdbcListener(TestPostgres.shared().connect())) {
            listener.execute("LISTEN literal_forms");
            execute(direct, sql);
            execute(through, sql);
            List<PGNotification> received = listener.await(2, WAIT);
            assertEquals(2, received.size(), "both arrived");
            assertEquals(received.get(0).getParameter(), received.get(1).getParameter());
        }
    }

    /** A malformed escape, or bytes that are not UTF-8, are refused as PostgreSQL refuses them. */
    @ParameterizedTest
    @ValueSource(strings = {"NOTIFY literal_forms, E'\\xc3'", "NOTIFY literal_forms, E'\\u00e'",
            "NOTIFY literal_forms, E'\\0'", "NOTIFY literal_forms, U&'\\00g1'", "NOTIFY literal_forms, E'\\uD83D'",
            "NOTIFY literal_forms, $$unterminated"})
    void malformedLiteralsAreRefusedWithPostgresqlsSqlstate(String sql) throws Exception {
        try (Connection through = client(); Connection direct = TestPostgres.shared().connect()) {
            SQLException directly = assertThrows(SQLException.class, () -> execute(direct, sql));
            SQLException relayed = assertThrows(SQLException.class, () -> execute(through, sql));
            assertEquals(directly.getSQLState(), relayed.getSQLState(), directly.getMessage() + " / " + relayed.getMessage());
            // The session goes on.
            execute(through, "NOTIFY literal_forms, 'fine'");
        }
    }
}
