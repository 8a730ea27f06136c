package io.allas.server.session;

import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

import io.allas.server.auth.DatabaseAuthenticators;
import io.allas.server.config.Limits;
import io.allas.server.config.NotificationQueue;
import io.allas.server.config.Upstream;
import io.allas.server.tls.ServerTlsContext;
import io.allas.server.upstream.UpstreamRelays;

/**
 * What every client session shares.
 *
 * @param settings           the settings of the running configuration, which a reload replaces: read
 *                           through here each time, never kept
 * @param upstreams          the upstream of each database: its relay (channels, notifications, ParameterStatus
 *                           values) and its catalog queries
 * @param upstream           how long an authenticated client waits for the upstream connection, the gap channel
 * @param events             hears of sessions coming and going
 * @param registry           the sessions alive now
 * @param timers             runs the startup timeouts
 * @param tls                client TLS; empty when allas answers SSLRequest with N
 * @param refusalLog         where refused connections and failed TLS handshakes are logged
 * @param admin              the admin console; empty when there is no {@code admin} section
 */
public record SessionServices(Supplier<SessionSettings> settings,
                              UpstreamRelays upstreams,
                              Upstream upstream,
                              SessionEvents events,
                              SessionRegistry registry,
                              ScheduledExecutorService timers,
                              Optional<ServerTlsContext> tls,
                              ConnectionRefusalLog refusalLog,
                              Optional<AdminEntrance> admin) {

    /**
     * @return the databases configured now
     */
    public DatabaseAuthenticators databases() {
        return settings.get().databases();
    }

    /**
     * @return the limits configured now
     */
    public Limits limits() {
        return settings.get().limits();
    }

    /**
     * @return the notification queue settings configured now
     */
    public NotificationQueue notificationQueue() {
        return settings.get().notificationQueue();
    }
}
