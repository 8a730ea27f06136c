package io.allas.server.session;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import io.allas.auth.spi.AuthResult;
import io.allas.server.auth.AdminUsers;
import io.allas.server.auth.DatabaseAuthenticators;
import io.allas.server.log.LogText;
import io.allas.server.protocol.ProtocolException;
import io.allas.server.protocol.SqlState;
import io.allas.server.protocol.backend.Authentication;
import io.allas.server.protocol.backend.BackendKeyData;
import io.allas.server.protocol.backend.ParameterStatus;
import io.allas.server.protocol.frontend.FrontendMessageDecoder;
import io.allas.server.protocol.frontend.StartupRequest;
import io.allas.server.upstream.UpstreamRelay;
import io.allas.server.tls.RenegotiationRefusedException;

/**
 * One client from its first byte to its last: startup, authentication, then queries. Runs on
 * the connection's own (virtual) thread and returns when the session is over.
 */
public final class ClientSession {

    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Enough of a client's value to recognise it in a log line; a startup packet may hold 10,000 bytes. */
    private static final int MAX_LOGGED_CHARS = 200;

    private final ClientConnection connection;
    private final SessionServices services;
    private final ClientStateMachine states = new ClientStateMachine();
    private volatile SessionParameters parameters;
    /** The upstream of the client's database; set once it is known. */
    private UpstreamRelay upstream;
    /** The channels the client may use; set once it has authenticated. */
    private ChannelAccess channelAccess;
    /** What BackendKeyData told the client, and pg_backend_pid() answers. */
    /** What BackendKeyData told the client; 0 until then. Volatile: the registry reads it when the session ends. */
    private volatile int backendPid;
    private volatile String database;
    private volatile String description;
    private volatile NotificationOutbox outbox;
    /** For the admin console: the client's number, what it said at startup, its channels. */
    private volatile long id;
    private final Instant connectedAt = Instant.now();
    private volatile String user = "";
    private volatile String applicationName = "";
    private volatile SessionChannels channels;
    /** Set when the client authenticated to the admin console. */
    private AdminEntrance.Console console;
    private String consoleUser;
    /** Ends a client that does not finish connecting in time; cancelled once it has authenticated. */
    private ScheduledFuture<?> startupTimer;

    public ClientSession(ClientConnection connection, SessionServices services) {
        this.connection = connection;
        this.services = services;
    }

    /**
     * Serves the client until it leaves, breaks the protocol, or fails to authenticate.
     */
    public void run() {
        services.events().connected();
        id = services.registry().add(this);
        description = connection.peer().map(Object::toString).orElse("local socket");
        // A client that never finishes connecting must not hold a connection slot forever.
        startupTimer = services.timers().schedule(() -> {
            LOG.log(System.Logger.Level.INFO, "client rejected ({0}): {1} {2}", description,
                    Termination.AUTHENTICATION_TIMEOUT.sqlState(), Termination.AUTHENTICATION_TIMEOUT.message());
            terminate(Termination.AUTHENTICATION_TIMEOUT);
        }, services.limits().startupTimeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            // A flood of connections that never authenticate is refused at once, before any work.
            if (services.registry().unauthenticated() > services.limits().maxUnauthenticated()) {
                reject(SqlState.TOO_MANY_CONNECTIONS, "too many connections waiting for authentication");
                return;
            }
            StartupPhase.Outcome outcome;
            try {
                outcome = new StartupPhase(connection, services.tls()).run();
            } finally {
                // A load balancer's PROXY header may have named the client.
                description = connection.peer().map(Object::toString).orElse("local socket");
            }
            connection.tlsSession().ifPresent(tls -> services.events().tlsEstablished(tls.getProtocol()));
            switch (outcome) {
                case StartupPhase.Outcome.Proceed proceed -> {
                    describe(proceed.startup());
                    if (authenticate(proceed.startup())) {
                        if (console != null) {
                            console.serve(connection, consoleUser);
                        } else {
                            serveQueries();
                        }
                    }
                }
                case StartupPhase.Outcome.Refuse refuse -> {
                    refuse.startup().ifPresent(this::describe);
                    reject(refuse.sqlState(), refuse.message());
                }
                case StartupPhase.Outcome.Close close -> {
                    // Nothing to say.
                }
            }
        } catch (ProtocolException e) {
            if (states.current().awaitsClient()) {
                // The broken message arrived while the client was idle: no notification after the FATAL.
                states.transition(ClientState.BUSY);
            }
            reject(e.sqlState(), e.getMessage());
        } catch (EOFException e) {
            // The client closed the connection: nothing to say.
        } catch (RenegotiationRefusedException e) {
            LOG.log(System.Logger.Level.INFO, "TLS session with {0} ended: {1}", description, e.getMessage());
        } catch (SSLException e) {
            if (connection.tlsSession().isEmpty()) {
                services.refusalLog().log("TLS handshake with {0} failed: {1}", description, e.getMessage());
                services.events().tlsHandshakeFailed(e.getMessage());
            } else {
                LOG.log(System.Logger.Level.DEBUG, "TLS session with {0} failed: {1}", description, e.getMessage());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "client connection failed: {0}", e.toString());
        } catch (RuntimeException e) {
            // A bug (ours or a plugin's) ends this session only, and the client hears why in one line.
            LOG.log(System.Logger.Level.ERROR, "client session failed", e);
            connection.sendFatal(SqlState.INTERNAL_ERROR, "internal error in allas: " + e.getClass().getSimpleName());
        } catch (OutOfMemoryError e) {
            // Whatever this session held is garbage once the error has unwound its stack, so the
            // others go on; unnoticed, it would end the session without a word.
            LOG.log(System.Logger.Level.ERROR, "client session ({0}) ran out of memory: {1}", description, e.getMessage());
            connection.sendFatal(SqlState.OUT_OF_MEMORY, "out of memory");
        } finally {
            states.transition(ClientState.CLOSED);
            startupTimer.cancel(false);
            services.registry().remove(this);
            services.events().disconnected();
        }
    }

    /**
     * @return the process ID the client was told in BackendKeyData; 0 before it was told one
     */
    int processId() {
        return backendPid;
    }

    /**
     * @return the database the client authenticated to, or null before that
     */
    String database() {
        return database;
    }

    long id() {
        return id;
    }

    /**
     * @return the session as the admin console shows it
     */
    ClientInfo info() {
        SessionChannels listening = channels;
        NotificationOutbox queue = outbox;
        SessionParameters reported = parameters;
        String current = database;
        return new ClientInfo(id, connection.peer().map(ClientSession::address).orElse("unix"),
                current == null ? "" : current, user, reported == null ? applicationName : reported.applicationName(),
                listening == null ? 0 : listening.listeningChannels().size(), queue == null ? 0 : queue.queued(),
                stateName(states.current()), connectedAt);
    }

    private static String address(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet
                ? inet.getAddress().getHostAddress() + ":" + inet.getPort() : peer.toString();
    }

    /** In pg_stat_activity's words. */
    private static String stateName(ClientState state) {
        return switch (state) {
            case STARTUP -> "starting";
            case BUSY, SKIPPING_TO_SYNC -> "active";
            case IDLE -> "idle";
            case IDLE_IN_TRANSACTION -> "idle in transaction";
            case CLOSED -> "closing";
        };
    }

    /**
     * @return how full the client's notification queue is, from 0 to 1
     */
    double queueRatio() {
        NotificationOutbox current = outbox;
        return current == null ? 0 : current.fillRatio();
    }

    /**
     * Ends the session from another thread with a FATAL error. Notifications still queued for the
     * client are counted as dropped.
     */
    void terminate(Termination reason) {
        NotificationOutbox current = outbox;
        if (current == null) {
            connection.terminate(reason, reason.grace(services.notificationQueue().stallTimeout()));
        } else {
            current.terminate(reason);
        }
    }

    /**
     * From now on, log lines about the client name what it asked for; escaped, since a client
     * that could put a line break in its user name could write lines of its own into the log.
     */
    private void describe(StartupRequest.StartupMessage startup) {
        user = startup.parameters().getOrDefault("user", "");
        applicationName = startup.parameters().getOrDefault("application_name", "");
        description = connection.peer().map(Object::toString).orElse("local socket")
                + " database=" + clientText(databaseName(startup))
                + " user=" + clientText(startup.parameters().getOrDefault("user", ""))
                + " application_name=" + clientText(startup.parameters().getOrDefault("application_name", ""));
    }

    /** What a client sent, as a log line may show it. */
    private static String clientText(String value) {
        return LogText.escape(value, MAX_LOGGED_CHARS);
    }

    /** As PostgreSQL: the database defaults to the user's name. */
    private static String databaseName(StartupRequest.StartupMessage startup) {
        String user = startup.parameters().getOrDefault("user", "");
        String database = startup.parameters().getOrDefault("database", user);
        return database.isEmpty() ? user : database;
    }

    private boolean authenticate(StartupRequest.StartupMessage startup) throws IOException {
        String user = startup.parameters().get("user");
        String databaseName = databaseName(startup);
        if (services.registry().isClosing()) {
            reject(SqlState.CANNOT_CONNECT_NOW, "the database system is shutting down");
            return false;
        }
        Optional<AdminEntrance> admin = services.admin().filter(a -> a.users().database().equals(databaseName));
        if (admin.isPresent()) {
            // Before the client limit: an operator must get in to see who fills it.
            return authenticateAdmin(admin.get(), user, databaseName, startup);
        }
        if (services.registry().size() > services.limits().maxClients()) {
            reject(SqlState.TOO_MANY_CONNECTIONS, "sorry, too many clients already");
            return false;
        }
        Optional<DatabaseAuthenticators.Database> database = services.databases().find(databaseName);
        if (database.isEmpty()) {
            reject(SqlState.INVALID_CATALOG_NAME, "database \"" + databaseName + "\" does not exist");
            return false;
        }
        upstream = services.upstreams().of(databaseName);
        if (!upstream.relay().isConnected() && services.upstream().connectWait().isZero()) {
            reject(SqlState.NO_SERVER_CONNECTION, "no server connection available");
            return false;
        }
        AuthResult result = database.get().auth().authenticate(new ClientAuthExchange(connection, user, databaseName));
        if (result instanceof AuthResult.Failure failure) {
            services.events().authenticationFailed(databaseName, database.get().method(), failure.reason());
            LOG.log(System.Logger.Level.INFO, "authentication failed ({0}, method {1}): {2}",
                    description, database.get().method(), clientText(failure.reason()));
            failAuthentication(failure.sqlState(), failure.message(), failure.detail());
            return false;
        }
        services.registry().authenticated(this);
        this.database = databaseName;
        if (services.databases().find(databaseName).isEmpty()) {
            // A reload removed the database while this client authenticated: its clients are terminated,
            // and the reload's walk over them may have passed this one before its database was set.
            connection.sendFatal(Termination.ADMIN_SHUTDOWN.sqlState(), Termination.ADMIN_SHUTDOWN.message());
            return false;
        }
        channelAccess = ChannelAccess.of(databaseName, database.get().channels(),
                ((AuthResult.Success) result).channels(), otherPrefixes(databaseName), services.events());
        // As PostgreSQL's log_connections: off unless asked for, since a busy relay sees thousands.
        LOG.log(System.Logger.Level.DEBUG, "connection authorized ({0})", description);
        // Authenticated: a wait for the upstream is bounded by upstream.connect_wait_ms, not by the startup timeout.
        startupTimer.cancel(false);
        if (!awaitUpstream()) {
            return false;
        }
        connection.writer().send(Authentication.OK);
        // As PostgreSQL does, report the client's own application_name back to it.
        parameters = new SessionParameters(upstream.relay().parameterStatus(), upstream.relay().serverSettings(),
                user, databaseName, startup.parameters());
        for (Map.Entry<String, String> parameter : parameters.reported().entrySet()) {
            connection.writer().send(new ParameterStatus(parameter.getKey(), parameter.getValue()));
        }
        backendPid = services.registry().assignProcessId();
        connection.writer().send(new BackendKeyData(backendPid, RANDOM.nextInt()));
        return true;
    }

    /**
     * An operator connecting to the admin console: authenticated by their own entry of
     * {@code admin.users}; the console needs no upstream.
     */
    private boolean authenticateAdmin(AdminEntrance admin, String user, String databaseName,
                                      StartupRequest.StartupMessage startup) throws IOException {
        Optional<AdminUsers.User> operator = admin.users().find(user == null ? "" : user);
        if (operator.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "admin console refused ({0}): not an admin user", description);
            failAuthentication(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "user \"" + user + "\" may not use the admin console", null);
            return false;
        }
        AuthResult result = operator.get().auth().authenticate(new ClientAuthExchange(connection, user, databaseName));
        if (result instanceof AuthResult.Failure failure) {
            LOG.log(System.Logger.Level.INFO, "admin console authentication failed ({0}, method {1}): {2}",
                    description, operator.get().method(), clientText(failure.reason()));
            failAuthentication(failure.sqlState(), failure.message(), failure.detail());
            return false;
        }
        services.registry().authenticated(this);
        this.database = databaseName;
        startupTimer.cancel(false);
        LOG.log(System.Logger.Level.INFO, "admin console opened ({0})", description);
        connection.writer().send(Authentication.OK);
        for (Map.Entry<String, String> parameter : consoleParameters(startup).entrySet()) {
            connection.writer().send(new ParameterStatus(parameter.getKey(), parameter.getValue()));
        }
        backendPid = services.registry().assignProcessId();
        connection.writer().send(new BackendKeyData(backendPid, RANDOM.nextInt()));
        states.transition(ClientState.IDLE);
        console = admin.console();
        consoleUser = user;
        return true;
    }

    /**
     * What psql and drivers check at startup: the first upstream's values (its server_version
     * above all) where it has reported them, the encoding and date style allas speaks.
     */
    private Map<String, String> consoleParameters(StartupRequest.StartupMessage startup) {
        Map<String, String> parameters = new java.util.LinkedHashMap<>();
        services.upstreams().all().stream().findFirst()
                .ifPresent(first -> parameters.putAll(first.relay().parameterStatus()));
        parameters.put("client_encoding", "UTF8");
        parameters.putIfAbsent("server_encoding", "UTF8");
        parameters.put("DateStyle", "ISO, MDY");
        parameters.put("integer_datetimes", "on");
        parameters.put("standard_conforming_strings", "on");
        parameters.put("application_name", startup.parameters().getOrDefault("application_name", ""));
        return parameters;
    }

    /**
     * As PostgreSQL's auth_delay: a refusal waits, which slows password guessing. The session's
     * thread is virtual, so waiting holds no platform thread.
     */
    private void failAuthentication(String sqlState, String message, String detail) {
        try {
            Thread.sleep(services.limits().authFailureDelay());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connection.sendFatal(sqlState, message, detail);
    }

    /** The {@code channel_prefix} of each other database on this client's upstream. */
    private List<String> otherPrefixes(String databaseName) {
        return upstream.databases().stream()
                .filter(name -> !name.equals(databaseName))
                .map(services.databases()::find)
                .flatMap(Optional::stream)
                .map(other -> other.channels().prefix())
                .toList();
    }

    /**
     * A client that authenticated while the upstream connection is down (at start, or during a
     * reconnect) waits for it, as pgbouncer queues a client until a server connection is free,
     * rather than being refused. Its startup is answered once the relay serves: the
     * ParameterStatus values come from the upstream. The wait holds only this virtual thread.
     *
     * @return false when the session is over: the wait ran out, or the session was terminated
     */
    private boolean awaitUpstream() {
        CompletableFuture<Void> connected = upstream.relay().whenConnected();
        if (connected.isDone() && !connected.isCompletedExceptionally()) {
            return true;
        }
        services.events().upstreamWaitStarted();
        try {
            // Terminated while waiting (shutdown, startup timeout): the FATAL has gone out once this completes.
            CompletableFuture<Void> terminated = connection.terminated();
            CompletableFuture.anyOf(connected, terminated).get(services.upstream().connectWait().toMillis(), TimeUnit.MILLISECONDS);
            return !terminated.isDone();
        } catch (TimeoutException e) {
            reject(SqlState.NO_SERVER_CONNECTION, "no server connection available",
                    "allas waited " + services.upstream().connectWait().toMillis() + " ms (upstream.connect_wait_ms) for its upstream connection");
            return false;
        } catch (ExecutionException e) {
            // The relay is shutting down; the session's termination says so.
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            services.events().upstreamWaitEnded();
        }
    }

    private void reject(String sqlState, String message) {
        reject(sqlState, message, null);
    }

    private void reject(String sqlState, String message, String detail) {
        // The message may quote what the client sent (its database's name, its user name).
        services.refusalLog().log("client rejected ({0}): {1} {2}", description, sqlState, clientText(message));
        connection.sendFatal(sqlState, message, detail);
    }

    private void serveQueries() throws IOException {
        NotificationOutbox outbox = new NotificationOutbox(connection, states, services.notificationQueue(),
                services.events(), () -> {
                    LOG.log(System.Logger.Level.WARNING, "terminating slow client ({0}): it could not keep up", description);
                    services.events().slowClientTerminated();
                });
        states.deliverTo(outbox);
        this.outbox = outbox;
        String gapChannel = services.upstream().gapChannel();
        SessionChannels channels = new SessionChannels(upstream.relay(), channelAccess, outbox,
                services.limits().maxChannelsPerClient(), services.limits().listenTimeout(), gapChannel);
        this.channels = channels;
        outbox.filterBy(channels::isListening);
        outbox.reportGapsWith(new GapReport(gapChannel, channels::isListening));
        RefusedStatementLog refusals = new RefusedStatementLog(description, services.events(), System::nanoTime);
        try {
            QueryProcessor queries = new QueryProcessor(connection.writer(), channels, parameters, states,
                    new SessionNotifications(upstream.relay(), channelAccess, backendPid), backendPid, refusals, upstream.catalog());
            queries.readyForQuery();
            while (queries.handle(FrontendMessageDecoder.decode(
                    connection.reader().readMessage(services.limits().maxMessageBytes())))) {
                // each message is answered inside handle()
            }
        } finally {
            channels.unlistenAll();
            outbox.discard();
            refusals.sessionEnded();
        }
    }
}
