package io.allas.server.config;

import java.util.List;
import java.util.stream.Stream;

/**
 * Every declared key, in the order of the configuration reference in README.md (a test holds the
 * two together).
 */
final class ConfigReference {

    static final List<Declaration> DECLARATIONS = Stream.of(
            ListenOptions.CLIENTS.declarations(),
            List.<Declaration>of(AllasConfig.CONNECT, AllasConfig.STARTUP_PARAMETERS),
            NotificationQueue.DECLARATIONS,
            Limits.DECLARATIONS,
            Upstream.DECLARATIONS,
            List.<Declaration>of(AllasConfig.LOG_LEVEL, AllasConfig.PROMETHEUS),
            ListenOptions.METRICS.declarations(),
            DatabaseConfig.DECLARATIONS,
            List.<Declaration>of(AllasConfig.PLUGIN_DIRECTORY),
            TlsSettings.DECLARATIONS,
            ProxyProtocol.DECLARATIONS,
            AdminConsole.DECLARATIONS)
            .flatMap(List::stream)
            .toList();

    /** The keys under which keys exist. */
    static final KeyTree TREE = KeyTree.of(DECLARATIONS);

    private ConfigReference() {
    }
}
