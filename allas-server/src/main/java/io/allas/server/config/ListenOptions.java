package io.allas.server.config;

import static io.allas.server.config.Fallback.byDefault;
import static io.allas.server.config.ValueType.flag;
import static io.allas.server.config.ValueType.integer;
import static io.allas.server.config.ValueType.nonEmptyText;

import java.nio.file.Path;
import java.util.List;

/**
 * The keys of a listener, declared twice: {@code listen} for clients and {@code prometheus.listen}
 * for the metrics endpoint, which differ in their default port.
 *
 * @param port      the port
 * @param host      the address, {@code *} or (for clients) a socket path
 * @param keepalive TCP keepalive on accepted connections
 */
record ListenOptions(Option<Integer> port, Option<String> host, Option<Boolean> keepalive) {

    static final ListenOptions CLIENTS = new ListenOptions(
            new Option<>("listen.port", integer(0, 65535), byDefault(6433), "TCP port for clients"),
            new Option<>("listen.host", nonEmptyText(), byDefault("localhost"),
                    "address to listen on; * for every interface; an absolute path for a UNIX-domain socket"),
            new Option<>("listen.keepalive", flag(), byDefault(true), "TCP keepalive on client connections"));

    /** 9226 is allas's allocated Prometheus port. */
    static final ListenOptions METRICS = new ListenOptions(
            new Option<>("prometheus.listen.port", integer(0, 65535), byDefault(9226), "TCP port of the metrics endpoint"),
            new Option<>("prometheus.listen.host", nonEmptyText(), byDefault("localhost"),
                    "address of the metrics endpoint; * for every interface"),
            new Option<>("prometheus.listen.keepalive", flag(), byDefault(true), "TCP keepalive on metrics connections"));

    List<Declaration> declarations() {
        return List.of(port, host, keepalive);
    }

    /**
     * @param section the section this listener's keys are declared in (the root for both)
     * @return where to listen
     */
    ListenAddress read(ConfigSection section) throws ConfigException {
        int portNumber = section.get(port);
        String address = section.get(host);
        boolean keepaliveOn = section.get(keepalive);
        if (address.startsWith("/")) {
            return new ListenAddress.Unix(Path.of(address));
        }
        return new ListenAddress.Tcp(address.equals("*") ? null : address, portNumber, keepaliveOn);
    }
}
