package io.allas.server.network;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import io.helidon.common.socket.SocketOptions;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.allas.server.config.ConfigException;
import io.allas.server.config.ListenAddress;
import io.allas.server.config.ProxyProtocol;
import io.allas.server.session.ClientSession;
import io.allas.server.session.SessionServices;

/**
 * The Helidon WebServer that hosts allas: the PostgreSQL protocol on a listener of its own
 * (no protocol discovery, our selector only), and, when {@code prometheus} is configured, the
 * metrics and health endpoints on Helidon's default HTTP listener. Without it there is no HTTP
 * listener at all: the PostgreSQL listener then takes the default listener's place.
 */
public final class AllasServer {

    /** The name of the PostgreSQL listener when the default listener serves HTTP. */
    public static final String POSTGRES_LISTENER = "postgres";

    private final WebServer webServer;
    private final boolean httpEnabled;

    private AllasServer(WebServer webServer, boolean httpEnabled) {
        this.webServer = webServer;
        this.httpEnabled = httpEnabled;
    }

    /**
     * Binds the listeners and starts serving.
     *
     * @param listen        where clients connect
     * @param proxyProtocol the load balancers whose connections begin with a PROXY header
     * @param prometheus    where the HTTP endpoint listens, or null for none
     * @param services      what sessions share
     * @param upstreamsDown the upstreams down now, by name, for the readiness check
     * @return the running server
     * @throws ConfigException when a listen address cannot be used
     */
    public static AllasServer start(ListenAddress listen, Optional<ProxyProtocol> proxyProtocol,
                                    ListenAddress.Tcp prometheus, SessionServices services,
                                    Supplier<List<String>> upstreamsDown) throws ConfigException {
        PostgresConnectionSelector selector = new PostgresConnectionSelector(
                connection -> new ClientSession(connection, services)::run, proxyProtocol);
        WebServerConfig.Builder builder = WebServer.builder().shutdownHook(false);
        if (prometheus == null) {
            configurePostgres(builder, listen, selector);
        } else {
            bindTcp(builder, prometheus);
            builder.routing(HttpRouting.builder()
                            // allas users scrape /metrics; Helidon serves the same under /observe/metrics.
                            .get("/metrics", (req, res) -> res.reroute("/observe/metrics")))
                    .addFeature(ObserveFeature.builder()
                            .observersDiscoverServices(false)
                            .addObserver(MetricsObserver.create())
                            .addObserver(HealthObserver.builder()
                                    .details(true)
                                    // Not ready while an upstream is down: allas would refuse its clients with 57A01.
                                    .addCheck(() -> {
                                        List<String> down = upstreamsDown.get();
                                        HealthCheckResponse.Builder response = HealthCheckResponse.builder()
                                                .status(down.isEmpty())
                                                .detail("upstream", down.isEmpty() ? "connected" : "down");
                                        // Which of several: an operator looks at that one.
                                        down.forEach(name -> response.detail(name, "down"));
                                        return response.build();
                                    }, HealthCheckType.READINESS, "upstream")
                                    .build())
                            .build())
                    .putSocket(POSTGRES_LISTENER, postgresSocket(listen, selector));
        }
        try {
            WebServer webServer = builder.build().start();
            // Helidon logs a listener that cannot bind and stops, rather than throwing: check.
            if (!webServer.isRunning()) {
                webServer.stop();
                throw new ConfigException("cannot listen on " + listen
                        + (prometheus == null ? "" : " and " + prometheus)
                        + ": a listener could not bind (address already in use, or not allowed)");
            }
            return new AllasServer(webServer, prometheus != null);
        } catch (RuntimeException e) {
            throw new ConfigException("cannot listen on " + listen
                    + (prometheus == null ? "" : " and " + prometheus) + ": " + rootMessage(e), e);
        }
    }

    private static void configurePostgres(ListenerConfig.BuilderBase<?, ?> listener, ListenAddress listen,
                                          PostgresConnectionSelector selector) throws ConfigException {
        listener.protocolsDiscoverServices(false)
                .addConnectionSelector(selector)
                // A storm of thousands of clients connecting at once must not overflow the accept
                // queue (Helidon's default is 1024; the kernel caps it at net.core.somaxconn).
                .backlog(8192)
                .idleConnectionTimeout(java.time.Duration.ofDays(365 * 100));
        switch (listen) {
            case ListenAddress.Tcp tcp -> {
                bindTcp(listener, tcp);
                // Helidon's plain socket holds one 8 KB buffer per connection where its NIO socket
                // holds two: at ten thousand idle listeners that is 80 MB. (UNIX-domain sockets
                // need the NIO one.)
                listener.useNio(false);
            }
            case ListenAddress.Unix unix -> {
                removeStaleSocket(unix.path());
                listener.bindAddress(UnixDomainSocketAddress.of(unix.path()));
            }
        }
    }

    private static ListenerConfig postgresSocket(ListenAddress listen, PostgresConnectionSelector selector)
            throws ConfigException {
        ListenerConfig.Builder socket = ListenerConfig.builder().name(POSTGRES_LISTENER);
        configurePostgres(socket, listen, selector);
        return socket.build();
    }

    private static void bindTcp(ListenerConfig.BuilderBase<?, ?> listener, ListenAddress.Tcp tcp) {
        if (tcp.host() == null) {
            listener.bindAddress(new InetSocketAddress(tcp.port()));
        } else {
            listener.host(tcp.host()).port(tcp.port());
        }
        listener.connectionOptions(SocketOptions.builder()
                .socketKeepAlive(tcp.keepalive())
                .tcpNoDelay(true)
                .build());
    }

    private static void removeStaleSocket(Path path) throws ConfigException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & 0170000) != 0140000) {
                throw new ConfigException("invalid value for option \"listen.host\": \"" + path
                        + "\" exists and is not a socket");
            }
            if (inUse(path)) {
                throw new ConfigException("invalid value for option \"listen.host\": the socket \"" + path
                        + "\" is in use: another server listens on it");
            }
            Files.delete(path);
        } catch (IOException e) {
            throw new ConfigException("cannot remove stale socket \"" + path + "\": " + e.getMessage(), e);
        }
    }

    /** A socket left by a process that died refuses connections; a live one accepts them. */
    private static boolean inUse(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    /**
     * @return the port clients connect to (-1 on a UNIX-domain socket)
     */
    public int postgresPort() {
        return httpEnabled ? webServer.port(POSTGRES_LISTENER) : webServer.port();
    }

    /**
     * @return the port of the HTTP endpoint, or -1 when it is off
     */
    public int httpPort() {
        return httpEnabled ? webServer.port() : -1;
    }

    /**
     * Stops listening and closes every connection.
     */
    public void stop() {
        webServer.stop();
    }
}
