package io.allas.server.relay;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import io.allas.server.protocol.SqlState;
import io.allas.server.sql.SqlError;

/**
 * Sends the clients' notifications to the upstream server on a connection of its own, never the
 * one that LISTENs (whose reading must not wait for a commit). A client that finds nobody sending
 * sends on its own thread; those that come while someone sends queue up, and the publisher's
 * thread sends them together: many clients' sends in one transaction and one round trip. Each
 * client is answered once its notifications have committed. The connection is opened when a
 * notification comes and closed after an idle interval.
 *
 * <p>The server folds identical notifications within one transaction: a client's own duplicates
 * come folded already, as PostgreSQL folds them, and two clients' identical notifications go in
 * separate transactions, so each is delivered. Each notification is recorded with its client
 * before it commits, so that {@link SenderAttribution} can credit the client when it is delivered.
 */
final class NotifyPublisher implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NotifyPublisher.class.getName());

    /** One statement, one transaction, one round trip for a whole batch, in the arrays' order. */
    private static final String SEND = "SELECT count(pg_notify(c, p)) FROM unnest(?::text[], ?::text[]) AS t(c, p)";
    /** The most notifications sent in one transaction. */
    private static final int MAX_BATCH = 1000;

    /** One client's notifications, committed together. */
    private record Request(int clientPid, List<Notification> notifications, CompletableFuture<Void> done) {
    }

    private final UpstreamTarget target;
    private final Duration statementTimeout;
    private final Duration idleTimeout;
    private final SenderAttribution attribution;
    private final UnaryOperator<Set<String>> deliverable;
    private final RelayEvents events;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition requested = lock.newCondition();
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    /** Held by whoever sends: the publisher's thread, or a client's while nobody else sends. Guards the connection. */
    private final ReentrantLock sending = new ReentrantLock();
    private final Thread thread;
    private boolean running = true;
    private Connection connection;
    /** Whether the connection is open, for the decision to send on a client's thread. */
    private volatile boolean open;
    private int senderPid;
    /** Whether the upstream refused the batch statement, as an allas does: it gets NOTIFY statements. */
    private boolean upstreamIsAllas;
    private long lastUsedNanos;

    /**
     * @param statementTimeout how long a client waits for its notifications to commit, and a
     *                         statement or connection attempt may take
     * @param idleTimeout      how long the connection is kept open without notifications
     * @param deliverable      of some channels, those the relay listens on or is about to: only
     *                         notifications it may receive are recorded for attribution
     */
    NotifyPublisher(UpstreamTarget target, Duration statementTimeout, Duration idleTimeout,
                    SenderAttribution attribution, UnaryOperator<Set<String>> deliverable, RelayEvents events) {
        this.target = target;
        this.statementTimeout = statementTimeout;
        this.idleTimeout = idleTimeout;
        this.attribution = attribution;
        this.deliverable = deliverable;
        this.events = events;
        this.thread = Thread.ofPlatform().name("allas-notify").daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /**
     * Sends one client's notifications in one transaction.
     *
     * @param clientPid     the process ID the client was given, which its notifications carry
     * @param notifications the notifications, folded as PostgreSQL folds a transaction's
     * @return completes once the server has committed them; fails with the {@link SqlError} the
     *         client is to be told, within the statement timeout
     */
    CompletableFuture<Void> send(int clientPid, List<Notification> notifications) {
        Request request = new Request(clientPid, List.copyOf(notifications), new CompletableFuture<>());
        // A request still queued when the time is up was never sent; one in flight may have been.
        CompletableFuture<Void> answer = request.done().orTimeout(statementTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(e -> {
                    if (e instanceof java.util.concurrent.TimeoutException) {
                        return CompletableFuture.failedFuture(new SqlError(SqlState.SERVER_CONNECTION_LOST,
                                "could not NOTIFY upstream: no answer within " + statementTimeout.toMillis()
                                        + " ms; the notifications may or may not have been sent"));
                    }
                    return CompletableFuture.failedFuture(e);
                });
        boolean sendHere;
        lock.lock();
        try {
            if (!running) {
                request.done().completeExceptionally(notSent("allas is shutting down"));
                return answer;
            }
            // Nobody sending and nobody waiting: the caller sends itself, without waking the publisher's
            // thread and waiting for it (two thread switches on every round trip of a lone producer).
            // Connecting is left to the publisher's thread, whose wait the client's is bounded against.
            sendHere = open && queue.isEmpty() && sending.tryLock();
            if (!sendHere) {
                queue.addLast(request);
                requested.signal();
            }
        } finally {
            lock.unlock();
        }
        if (sendHere) {
            try {
                publish(List.of(request));
            } finally {
                sending.unlock();
            }
        }
        return answer;
    }

    /** The publisher's thread: sends what queued up while someone was sending, and closes an idle connection. */
    private void run() {
        while (true) {
            lock.lock();
            try {
                if (running && queue.isEmpty()) {
                    // Wakes at least every idle interval to see whether the connection has been idle that long.
                    requested.await(idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
                }
                if (!running) {
                    queue.forEach(r -> r.done().completeExceptionally(notSent("allas is shutting down")));
                    queue.clear();
                    break;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
                continue;
            } finally {
                lock.unlock();
            }
            sending.lock();
            try {
                List<Request> batch = nextBatch();
                if (!batch.isEmpty()) {
                    publish(batch);
                } else if (connection != null && System.nanoTime() - lastUsedNanos >= idleTimeout.toNanos()) {
                    closeConnection();
                }
            } finally {
                sending.unlock();
            }
        }
        sending.lock();
        try {
            closeConnection();
        } finally {
            sending.unlock();
        }
    }

    /**
     * Takes as many queued requests as share one transaction without two equal notifications.
     */
    private List<Request> nextBatch() {
        lock.lock();
        try {
            List<Request> batch = new ArrayList<>();
            Set<Notification> inBatch = new HashSet<>();
            int size = 0;
            for (Iterator<Request> it = queue.iterator(); it.hasNext(); ) {
                Request request = it.next();
                if (request.done().isDone()) {
                    it.remove(); // timed out while waiting
                    continue;
                }
                if (!batch.isEmpty() && (size + request.notifications().size() > MAX_BATCH
                        || request.notifications().stream().anyMatch(inBatch::contains))) {
                    break; // first come, first sent: the rest wait for the next transaction
                }
                it.remove();
                batch.add(request);
                inBatch.addAll(request.notifications());
                size += request.notifications().size();
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private void publish(List<Request> batch) {
        try {
            if (connection == null) {
                connect();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not connect to {0} to send notifications: {1}", target, e.getMessage());
            batch.forEach(r -> r.done().completeExceptionally(notSent("could not connect: " + e.getMessage())));
            return;
        }
        try {
            execute(batch);
        } catch (SQLException e) {
            if (isBroken(e)) {
                LOG.log(System.Logger.Level.WARNING, "lost the connection sending notifications to {0}: {1}", target, e.getMessage());
                closeConnection();
                batch.forEach(r -> r.done().completeExceptionally(new SqlError(SqlState.SERVER_CONNECTION_LOST,
                        "could not NOTIFY upstream: " + e.getMessage() + "; the notifications may or may not have been sent")));
            } else if (batch.size() == 1) {
                batch.getFirst().done().completeExceptionally(serverError(e));
            } else {
                // One client's notification was refused: each alone, so that only its sender hears of it.
                for (Request request : batch) {
                    publish(List.of(request));
                }
            }
        }
    }

    private void execute(List<Request> batch) throws SQLException {
        List<String> channels = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        for (Request request : batch) {
            for (Notification notification : request.notifications()) {
                channels.add(notification.channel());
                payloads.add(notification.payload());
            }
        }
        // One the relay will never receive would stay recorded, and could be credited in place of
        // a later equal one of another client.
        Set<String> received = deliverable.apply(new HashSet<>(channels));
        List<SenderAttribution.Sent> sent = new ArrayList<>();
        for (Request request : batch) {
            for (Notification notification : request.notifications()) {
                if (received.contains(notification.channel())) {
                    sent.add(new SenderAttribution.Sent(notification.channel(), notification.payload(), request.clientPid()));
                }
            }
        }
        // Before the commit: the LISTEN connection may read a notification before this one hears COMMIT.
        attribution.record(senderPid, sent);
        try {
            if (upstreamIsAllas) {
                sendAsStatements(channels, payloads);
            } else {
                try (PreparedStatement statement = connection.prepareStatement(SEND)) {
                    statement.setArray(1, connection.createArrayOf("text", channels.toArray()));
                    statement.setArray(2, connection.createArrayOf("text", payloads.toArray()));
                    statement.executeQuery().close();
                } catch (SQLException e) {
                    if (!SqlState.SYNTAX_ERROR.equals(e.getSQLState())) {
                        throw e;
                    }
                    // PostgreSQL runs the batch statement; only an upstream allas refuses it as syntax.
                    LOG.log(System.Logger.Level.INFO, "{0} does not run the batched pg_notify() ({1}): sending"
                            + " NOTIFY statements in a transaction, as to an upstream that is itself an allas",
                            target, e.getMessage());
                    upstreamIsAllas = true;
                    sendAsStatements(channels, payloads);
                }
            }
        } catch (SQLException | RuntimeException e) {
            attribution.forget(senderPid, sent);
            throw e;
        }
        lastUsedNanos = System.nanoTime();
        events.notificationsSent(channels.size());
        batch.forEach(r -> r.done().complete(null));
    }

    /**
     * The batch as what an upstream allas understands: NOTIFY statements between BEGIN and COMMIT,
     * in one round trip.
     */
    private void sendAsStatements(List<String> channels, List<String> payloads) throws SQLException {
        StringBuilder sql = new StringBuilder("BEGIN;");
        for (int i = 0; i < channels.size(); i++) {
            sql.append(" NOTIFY \"").append(channels.get(i).replace("\"", "\"\""))
                    .append("\", '").append(payloads.get(i).replace("'", "''")).append("';");
        }
        sql.append(" COMMIT");
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql.toString());
        } catch (SQLException e) {
            rollBack();
            throw e;
        }
    }

    private void rollBack() {
        try (Statement statement = connection.createStatement()) {
            statement.execute("ROLLBACK");
        } catch (SQLException e) {
            // The connection is broken: the caller closes it.
        }
    }

    private void connect() throws SQLException {
        Properties properties = target.properties(statementTimeout);
        // Parameters bound, not inlined; the batch statement is prepared once per connection.
        properties.setProperty("preferQueryMode", "extended");
        // Told apart from the LISTEN connection in pg_stat_activity, as the catalog connection is.
        properties.setProperty("ApplicationName", properties.getProperty("ApplicationName", "allas") + " notify");
        connection = DriverManager.getConnection(target.url(), properties);
        senderPid = connection.unwrap(PGConnection.class).getBackendPID();
        lastUsedNanos = System.nanoTime();
        open = true;
        LOG.log(System.Logger.Level.DEBUG, "connected to {0} to send notifications (backend PID {1})",
                target, String.valueOf(senderPid));
    }

    private boolean isBroken(SQLException e) {
        try {
            return connection.isClosed() || e.getSQLState() == null || e.getSQLState().startsWith("08");
        } catch (SQLException closed) {
            return true;
        }
    }

    private void closeConnection() {
        open = false;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // Closing a broken connection: nothing left to release.
            }
            connection = null;
        }
    }

    /** The server's own error, as the client would have had it from PostgreSQL directly. */
    private static SqlError serverError(SQLException e) {
        ServerErrorMessage server = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
        if (server != null && server.getSQLState() != null && server.getMessage() != null) {
            return new SqlError(server.getSQLState(), server.getMessage());
        }
        return new SqlError(e.getSQLState() == null ? SqlState.INTERNAL_ERROR : e.getSQLState(), e.getMessage());
    }

    private static SqlError notSent(String reason) {
        return new SqlError(SqlState.NO_SERVER_CONNECTION, "could not NOTIFY upstream: " + reason
                + "; the notifications were not sent");
    }

    @Override
    public void close() {
        lock.lock();
        try {
            running = false;
            requested.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
