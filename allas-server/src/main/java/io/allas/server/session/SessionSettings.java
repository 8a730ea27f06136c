package io.allas.server.session;

import io.allas.server.auth.DatabaseAuthenticators;
import io.allas.server.config.Limits;
import io.allas.server.config.NotificationQueue;

/**
 * The settings a reload may change that sessions read, taken together so that a session never
 * sees half of one configuration and half of the next.
 *
 * @param databases         the databases and their authentication and channel rules
 * @param limits            bounds on clients
 * @param notificationQueue when a client counts as unable to keep up
 */
public record SessionSettings(DatabaseAuthenticators databases, Limits limits, NotificationQueue notificationQueue) {
}
