package io.allas.server.session;

import java.time.Instant;

/**
 * One client session as the admin console shows it.
 *
 * @param id              its number, for KILL CLIENT
 * @param address         where it comes from ({@code host:port}, or {@code unix})
 * @param database        the database it authenticated to; empty before that
 * @param user            the user it connects as; empty before its StartupMessage
 * @param applicationName its application_name
 * @param channels        the channels it listens on now
 * @param queued          the notifications queued for it now
 * @param state           as PostgreSQL's pg_stat_activity: starting, active, idle, idle in transaction
 * @param connectedAt     when it connected
 */
public record ClientInfo(long id, String address, String database, String user, String applicationName,
                         int channels, int queued, String state, Instant connectedAt) {
}
