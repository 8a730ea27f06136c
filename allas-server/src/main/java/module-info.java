/**
 * allas: a PostgreSQL LISTEN/NOTIFY relay.
 */
module io.allas.server {
    requires io.allas.auth.spi;
    requires io.helidon.webserver;
    requires io.helidon.common.buffers;
    requires io.helidon.common.socket;
    requires io.helidon.common.pki;
    requires io.helidon.common.configurable;
    requires io.helidon.common.media.type;
    requires io.helidon.common.concurrency.limits;
    requires io.helidon.config;
    requires io.helidon.config.hocon;
    requires io.helidon.json;
    requires io.helidon.metrics.api;
    requires io.helidon.webserver.observe;
    requires io.helidon.webserver.observe.metrics;
    requires io.helidon.webserver.observe.health;
    requires io.helidon.health;
    requires jdk.unsupported;
    requires typesafe.config;
    requires java.sql;
    requires java.logging;
    requires org.postgresql.jdbc;

    uses io.allas.auth.spi.AuthMethodProvider;

    exports io.allas.server;
    // pgjdbc instantiates the upstream socket factory by name.
    exports io.allas.server.relay;
    // pgjdbc instantiates the catalog connection's TLS socket factory by name.
    exports io.allas.server.catalog;
    exports io.allas.server.network;
    exports io.allas.server.config;
    exports io.allas.server.session;
}
