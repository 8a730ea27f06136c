package io.allas.server.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigException;
import io.allas.server.config.ConfigLoader;
import io.allas.server.relay.RelayEvents;

/**
 * Which databases share an upstream, what each upstream is called, and a bad {@code connect}
 * named by its key. Nothing connects: the upstreams are configured, never started.
 */
@Tag("unit")
class UpstreamRelaysTest {

    @TempDir
    Path directory;

    private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1);

    @AfterEach
    void stopTimers() {
        timers.shutdownNow();
    }

    private UpstreamRelays configure(String databases) throws Exception {
        Path file = directory.resolve("allas.json");
        Files.writeString(file, "{\"connect\": \"host=db1 dbname=app user=allas\", \"databases\": [" + databases + "]}");
        AllasConfig config = ConfigLoader.load(file, Map.of(), new ArrayList<>());
        return UpstreamRelays.configure(config.databases(), config.upstream(), config.limits().maxChannels(),
                config.startupParameters(), timers, (upstream, served) -> new RelayEvents() { });
    }

    private static String database(String name, String connect) {
        return "{\"name\": \"" + name + "\", \"auth\": {\"method\": \"trust\"}"
                + (connect == null ? "" : ", \"connect\": \"" + connect + "\"") + "}";
    }

    @Test
    void theSameServerDatabaseAndUserShareOneUpstreamWhateverElseDiffers() throws Exception {
        try (UpstreamRelays upstreams = configure(String.join(", ",
                database("a", null),
                database("b", "host=db1 port=5432 dbname=app user=allas password=other connect_timeout=3"),
                database("c", "host=db1 dbname=app user=reporter"),
                database("d", "host=db2 dbname=app user=allas")))) {
            assertSame(upstreams.of("a"), upstreams.of("b"));
            // Two upstreams on one database that differ only in the user are told apart by it.
            assertEquals(List.of("allas@db1:5432/app", "reporter@db1:5432/app",
                    "db2:5432/app"), upstreams.all().stream().map(UpstreamRelay::name).toList());
            assertEquals(Set.of("a", "b"), upstreams.of("a").databases());
        }
    }

    @Test
    void aBadConnectOfADatabaseIsNamedByItsKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> configure(String.join(", ",
                database("a", null), database("b", "host=db2 sslmode=nope"))));
        assertEquals("invalid value for option \"databases[1].connect\": invalid sslmode value: \"nope\"", e.getMessage());
        e = assertThrows(ConfigException.class, () -> configure(database("a", "host=db2 nonsense=1")));
        assertEquals("invalid value for option \"databases[0].connect\": unsupported connection keyword \"nonsense\"",
                e.getMessage().substring(0, e.getMessage().indexOf("\"nonsense\"") + 10));
    }
}
