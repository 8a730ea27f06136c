package io.allas.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.allas.server.auth.AuthPlugins;
import io.allas.server.auth.DatabaseAuthenticators;
import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigLoader;
import io.allas.server.relay.RelayEvents;
import io.allas.server.upstream.UpstreamRelay;
import io.allas.server.upstream.UpstreamRelays;
import io.allas.server.tls.ServerTlsContext;
import io.allas.testing.SourceTree;
import io.allas.testing.TestCertificates;

/**
 * The configurations in {@code allas-server/examples} load as allas loads them: the file through
 * the configuration loader, each database's {@code auth} through its method, and the TLS section
 * with a certificate and key made for it beside a copy of the file.
 */
class ExampleConfigurationsTest {

    @TempDir
    static Path workspace;

    private static TestCertificates.Pair server;

    @BeforeAll
    static void makeCertificate() throws IOException {
        server = TestCertificates.authority(Files.createDirectories(workspace.resolve("ca"))).issue("server", "allas.internal",
                TestCertificates.KeyForm.PKCS8_RSA);
    }

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(SourceTree.serverModule().resolve("examples"))) {
            return files.filter(file -> file.getFileName().toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @Test
    void theExamplesTheReadmeNamesAreThere() throws IOException {
        assertEquals(List.of("minimal.json", "multi-tenant.json", "production.json", "tls-scram.json"),
                examples().map(file -> file.getFileName().toString()).toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void loads(Path example) throws Exception {
        Path directory = Files.createDirectories(workspace.resolve(example.getFileName().toString().replace(".json", "")));
        Path file = Files.copy(example, directory.resolve("allas.json"));
        Files.copy(server.certificate(), directory.resolve("tls.crt"));
        Files.copy(server.key(), directory.resolve("tls.key"));

        List<String> warnings = new ArrayList<>();
        AllasConfig config = ConfigLoader.load(file, Map.of(), warnings);
        assertEquals(List.of(), warnings);
        assertTrue(DatabaseAuthenticators.configure(config.databases(), AuthPlugins.load(directory.resolve("plugins")))
                .find(config.databases().getFirst().name()).isPresent());
        if (config.tls().isPresent()) {
            ServerTlsContext.load(config.tls().get());
        }
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1);
        try (UpstreamRelays upstreams = UpstreamRelays.configure(config.databases(), config.upstream(),
                config.limits().maxChannels(), config.startupParameters(), timers, (upstream, databases) -> new RelayEvents() { })) {
            // Each connect string translates, and every database has its upstream.
            config.databases().forEach(database -> assertTrue(upstreams.of(database.name()).databases()
                    .contains(database.name())));
        } finally {
            timers.shutdownNow();
        }
    }

    @Test
    void theMultiTenantExampleHasTwoUpstreamsTheTenantsSharingOne() throws Exception {
        Path file = SourceTree.serverModule().resolve("examples/multi-tenant.json");
        AllasConfig config = ConfigLoader.load(file, Map.of(), new ArrayList<>());
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1);
        try (UpstreamRelays upstreams = UpstreamRelays.configure(config.databases(), config.upstream(),
                config.limits().maxChannels(), config.startupParameters(), timers, (upstream, databases) -> new RelayEvents() { })) {
            assertEquals(List.of("db1.internal:5432/orders", "db2.internal:5432/billing"),
                    upstreams.all().stream().map(UpstreamRelay::name).toList());
            assertEquals(upstreams.of("acme"), upstreams.of("globex"));
        } finally {
            timers.shutdownNow();
        }
    }
}
