package io.allas.server.admin;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

import io.allas.server.config.AllasConfig;
import io.allas.server.config.DatabaseConfig;
import io.allas.server.metrics.AllasMetrics;
import io.allas.server.relay.ChannelUsage;
import io.allas.server.session.ClientInfo;
import io.allas.server.session.SessionRegistry;
import io.allas.server.upstream.UpstreamRelay;
import io.allas.server.upstream.UpstreamRelays;

/**
 * What each SHOW command of the admin console lists, read from the running relay at the moment
 * it is asked.
 */
public final class AdminTables {

    private final SessionRegistry sessions;
    private final UpstreamRelays upstreams;
    private final Supplier<List<AllasMetrics.Stat>> stats;
    private final Supplier<AllasConfig> config;
    private final String version;

    /**
     * @param sessions  the client sessions
     * @param upstreams the upstream connections and their channels
     * @param stats     the counters and gauges
     * @param config    the configuration in effect
     * @param version   allas's version
     */
    public AdminTables(SessionRegistry sessions, UpstreamRelays upstreams, Supplier<List<AllasMetrics.Stat>> stats,
                       Supplier<AllasConfig> config, String version) {
        this.sessions = sessions;
        this.upstreams = upstreams;
        this.stats = stats;
        this.config = config;
        this.version = version;
    }

    Table show(AdminCommand.Topic topic) {
        return switch (topic) {
            case CLIENTS -> clients();
            case CHANNELS -> channels();
            case UPSTREAMS -> upstreams();
            case STATS -> stats();
            case CONFIG -> config();
            case VERSION -> new Table(List.of("version"), List.of(List.of("allas " + version)));
        };
    }

    private Table clients() {
        List<List<String>> rows = new ArrayList<>();
        for (ClientInfo client : sessions.clients()) {
            rows.add(List.of(Long.toString(client.id()), client.address(), client.database(), client.user(),
                    client.applicationName(), Integer.toString(client.channels()), Integer.toString(client.queued()),
                    client.state(), client.connectedAt().truncatedTo(ChronoUnit.SECONDS).toString()));
        }
        return new Table(List.of("id", "address", "database", "user", "application_name", "channels",
                "queued_notifications", "state", "connected_since"), rows);
    }

    private Table channels() {
        List<List<String>> rows = new ArrayList<>();
        for (UpstreamRelay upstream : upstreams.all()) {
            for (ChannelUsage channel : upstream.relay().channelUsage()) {
                rows.add(List.of(channel.channel(), upstream.name(), Integer.toString(channel.listeners()),
                        Long.toString(channel.delivered())));
            }
        }
        return new Table(List.of("channel", "upstream", "listeners", "delivered"), rows);
    }

    private Table upstreams() {
        List<List<String>> rows = new ArrayList<>();
        for (UpstreamRelay upstream : upstreams.all()) {
            rows.add(List.of(upstream.name(), upstream.target(), String.join(",", upstream.databases().stream().sorted().toList()),
                    upstream.relay().isConnected() ? "connected" : "down",
                    Integer.toString(upstream.relay().activeChannels()),
                    Integer.toString(sessions.clientsOf(upstream.databases()))));
        }
        return new Table(List.of("upstream", "target", "databases", "state", "channels", "clients"), rows);
    }

    private Table stats() {
        List<List<String>> rows = new ArrayList<>();
        for (AllasMetrics.Stat stat : stats.get()) {
            rows.add(List.of(stat.name(), stat.labels(), stat.value()));
        }
        return new Table(List.of("name", "labels", "value"), rows);
    }

    /**
     * The settings in effect, without secrets: upstream servers as logs show them, no auth objects.
     */
    private Table config() {
        AllasConfig current = config.get();
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("listen", current.listen().toString()));
        rows.add(List.of("listen.tls", current.tls().map(tls -> tls.mode().toString().toLowerCase(Locale.ROOT)).orElse("off")));
        rows.add(List.of("listen.proxy_protocol.trusted",
                current.proxyProtocol().map(proxy -> proxy.trusted().toString()).orElse("off")));
        rows.add(List.of("log_level", current.logLevel().toString().toLowerCase(Locale.ROOT)));
        rows.add(List.of("prometheus", current.prometheus().map(Object::toString).orElse("off")));
        addRecord(rows, "notification_queue", current.notificationQueue());
        addRecord(rows, "limits", current.limits());
        addRecord(rows, "upstream", current.upstream());
        for (DatabaseConfig database : current.databases()) {
            rows.add(List.of("databases." + database.name(), "auth " + database.authMethod() + ", upstream "
                    + upstreams.of(database.name()).target()));
        }
        current.admin().ifPresent(admin -> rows.add(List.of("admin.database", admin.database())));
        current.admin().ifPresent(admin -> rows.add(List.of("admin.users",
                String.join(",", admin.users().stream().map(user -> user.user() + " (" + user.method() + ")").toList()))));
        current.startupParameters().forEach((name, value) -> rows.add(List.of("startup_parameters." + name, value)));
        return new Table(List.of("key", "value"), rows);
    }

    /** A section's settings by the names of its keys; durations in milliseconds, as the keys take them. */
    private static void addRecord(List<List<String>> rows, String section, Record settings) {
        for (RecordComponent component : settings.getClass().getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(settings);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + component, e);
            }
            String key = section + "." + snakeCase(component.getName());
            String text = switch (value) {
                case Duration duration -> Long.toString(duration.toMillis());
                case Optional<?> optional -> optional.map(Object::toString).orElse("");
                case Enum<?> constant -> constant.toString().toLowerCase(Locale.ROOT);
                default -> String.valueOf(value);
            };
            rows.add(List.of(value instanceof Duration ? key + "_ms" : key, text));
        }
    }

    private static String snakeCase(String camel) {
        StringBuilder snake = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                snake.append('_').append(Character.toLowerCase(c));
            } else {
                snake.append(c);
            }
        }
        return snake.toString();
    }
}
