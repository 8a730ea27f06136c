package io.allas.server.relay;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a client session needs of the relay, and all it may reach: subscriptions, notifications
 * to send, whether the upstream is there, and the parameters clients are told. {@link RelayService} implements it.
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
     * @param prefix a database's {@code channel_prefix}
     * @param client a client of that database
     * @return the client as it must subscribe: it listens upstream on {@code <prefix>orders} and
     *         hears it as {@code orders}, renamed once per round for all clients behind the prefix
     */
    Subscriber behindPrefix(String prefix, Subscriber client);

    /**
     * Unsubscribes a client; the last listener to leave a channel causes an upstream UNLISTEN.
     */
    void unlisten(Subscriber subscriber, String channel);

    /**
     * Sends one client's notifications to the upstream server in one transaction.
     *
     * @param clientPid     the process ID the client was given in BackendKeyData: listeners see
     *                      it as the sender of these notifications
     * @param notifications the notifications, in order, folded as PostgreSQL folds one
     *                      transaction's identical notifications
     * @return completes once the server has committed them; fails with the
     *         {@link io.allas.server.sql.SqlError} to tell the client, within the statement timeout
     */
    CompletableFuture<Void> notify(int clientPid, List<Notification> notifications);
}
