package io.allas.testing;

import java.nio.file.Path;
import java.util.List;

/**
 * A PostgreSQL server the fixture made for this test run: it may stop it, start it again on the same port
 * with the same data, and remove it. A local cluster ({@link LocalCluster}) or a container
 * ({@link ContainerServer}); an existing server is none, since the tests do not own it.
 */
interface ThrowawayServer {

    /**
     * Settings every throwaway server runs with, as {@code name=value}: room for the tests' connections, and
     * no durability, which is pointless for a throwaway server and costs seconds per test run.
     */
    List<String> SETTINGS = List.of("max_connections=300", "fsync=off", "synchronous_commit=off", "full_page_writes=off");

    /** The host port the server listens on, the same across stop and start. */
    int port();

    /** Fast shutdown (connected clients are disconnected); returns once the server is down. A no-op when stopped. */
    void stop();

    /** Starts the stopped server again on the same port with the same data; a no-op when it is running. */
    void start();

    boolean running();

    /** Kills the server and deletes what it left; safe to call more than once. */
    void destroy();

    /** The CA that signed the server's certificate (issued for localhost). */
    Path serverCa();

    /** The last lines of the server's log, for failure messages. */
    String logTail(int lines);
}
