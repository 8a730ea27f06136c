package io.allas.server.session;

import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

import io.allas.server.auth.DatabaseAuthenticators;
import io.allas.server.config.Limits;
import io.allas.server.config.Upstream;
import io.allas.server.config.NotificationQueue;
import io.allas.server.upstream.UpstreamRelays;
import io.allas.server.tls.ServerTlsContext;

/**
 * What every client session shares.
 *
 * @param databases          the databases and their authentication
 * @param upstreams          the upstream of each database: its relay (channels, notifications, ParameterStatus
 *                           values) and its catalog queries
 * @param upstream           how long an authenticated client waits for the upstream connection, the gap channel
 * @param limits             bounds on client input
 * @param notificationQueue  when a client counts as unable to keep up
 * @param events             hears of sessions coming and going
 * @param registry           the sessions alive now
 * @param timers             runs the startup timeouts
 * @param tls                client TLS; empty when allas answers SSLRequest with N
 * @param refusalLog         where refused connections and failed TLS handshakes are logged
 * @param admin              the admin console; empty when there is no {@code admin} section
 */
public record SessionServices(DatabaseAuthenticators databases,
                              UpstreamRelays upstreams,
                              Upstream upstream,
                              Limits limits,
                              NotificationQueue notificationQueue,
                              SessionEvents events,
                              SessionRegistry registry,
                              ScheduledExecutorService timers,
                              Optional<ServerTlsContext> tls,
                              ConnectionRefusalLog refusalLog,
                              Optional<AdminEntrance> admin) {
}
