package io.allas.server.relay;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a client session needs of the relay, and all it may reach: subscriptions, whether the
 * upstream is there, and the parameters clients are told. {@link RelayService} is the real one;
 * a session's unit tests give it their own.
 */
public interface Relay {

    /**
     * @return whether the upstream connection is up, so that clients can be served
     */
    boolean isConnected();

    /**
     * @return completes once the upstream connection is up: at once when it is up now
     */
    CompletableFuture<Void> whenConnected();

    /**
     * @return what clients are told in ParameterStatus: the upstream's values, overridden by {@code startup_parameters}
     */
    Map<String, String> parameterStatus();

    /**
     * @return what a fresh session on the upstream sees: its parameters, version and schemas
     *         (refreshed whenever the relay reconnects)
     */
    ServerSettings serverSettings();

    /**
     * Subscribes a client to a channel.
     *
     * @return completes once the upstream LISTEN is in effect, so no notification sent after it
     *         completes can be missed; fails if the upstream cannot listen
     */
    CompletableFuture<Void> listen(Subscriber subscriber, String channel);

    /**
     * Unsubscribes a client; the last listener to leave a channel causes an upstream UNLISTEN.
     */
    void unlisten(Subscriber subscriber, String channel);
}
