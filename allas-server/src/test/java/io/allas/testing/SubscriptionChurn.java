package io.allas.testing;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client that LISTENs on a new channel and UNLISTENs it again, over and over, until closed: each
 * LISTEN is an upstream statement, and each request wakes the relay, while notifications flow.
 * It stops at its first error; what that error meant is for the test's own assertions to name.
 */
public final class SubscriptionChurn implements AutoCloseable {

    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    private SubscriptionChurn(JdbcListener client, String channelPrefix) {
        this.thread = Thread.ofPlatform().name("subscription-churn").unstarted(() -> {
            for (int i = 0; !stop.get(); i++) {
                try {
                    client.execute("LISTEN " + channelPrefix + i, "UNLISTEN " + channelPrefix + i);
                } catch (SQLException e) {
                    return;
                }
            }
        });
    }

    /** A churn not yet started. */
    public static SubscriptionChurn of(JdbcListener client, String channelPrefix) {
        return new SubscriptionChurn(client, channelPrefix);
    }

    public SubscriptionChurn start() {
        thread.start();
        return this;
    }

    /** Stops after the statement under way. */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        if (thread.isAlive()) {
            thread.join();
        }
    }
}
