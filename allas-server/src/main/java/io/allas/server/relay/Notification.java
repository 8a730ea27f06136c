package io.allas.server.relay;

/**
 * A notification a client sends through allas, as PostgreSQL's {@code pg_notify(channel, payload)}
 * takes it: a NULL argument is the empty string.
 *
 * @param channel the channel, exactly as PostgreSQL names it (NOTIFY's identifier already folded)
 * @param payload the payload; empty when none was given
 */
public record Notification(String channel, String payload) {

    public Notification {
        channel = channel == null ? "" : channel;
        payload = payload == null ? "" : payload;
    }
}
