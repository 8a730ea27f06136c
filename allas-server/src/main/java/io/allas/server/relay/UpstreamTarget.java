package io.allas.server.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.allas.server.config.ConfigException;
import io.allas.server.config.ConnectionString;

/**
 * The upstream server as pgjdbc wants it: a URL and properties translated faithfully from the
 * libpq connection string, so that {@code connect} means what it would mean to psql.
 *
 * @param url        the JDBC URL (hosts, ports, database)
 * @param properties the driver properties (user, password, TLS, timeouts ...)
 * @param display    the target for logs, without secrets
 */
public record UpstreamTarget(String url, Properties properties, String display) {

    private static final Map<String, String> TARGET_SESSION_ATTRS = Map.of(
            "any", "any",
            "read-write", "primary",
            "primary", "primary",
            "read-only", "secondary",
            "standby", "secondary",
            "prefer-standby", "preferSecondary");

    /**
     * @param connect the {@code connect} setting
     * @return the target
     * @throws ConfigException when a value cannot be honoured, naming it
     */
    public static UpstreamTarget from(ConnectionString connect) throws ConfigException {
        // libpq's defaults, without consulting the environment (PGHOST, PGUSER ... are ignored).
        String user = connect.getOrDefault("user", System.getProperty("user.name"));
        List<String> hosts = List.of(connect.getOrDefault("host", "localhost").split(",", -1));
        List<String> ports = List.of(connect.getOrDefault("port", "5432").split(",", -1));
        if (ports.size() != 1 && ports.size() != hosts.size()) {
            throw invalid("could not match " + ports.size() + " port numbers to " + hosts.size() + " hosts");
        }
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            String host = hosts.get(i).isEmpty() ? "localhost" : hosts.get(i);
            if (host.startsWith("/")) {
                throw invalid("host \"" + host + "\" is a UNIX-domain socket directory; allas reaches the server over TCP only");
            }
            String port = ports.size() == 1 ? ports.getFirst() : ports.get(i);
            port = port.isEmpty() ? "5432" : port;
            if (!port.matches("[0-9]{1,5}")) {
                throw invalid("invalid port number: \"" + port + "\"");
            }
            addresses.add((host.contains(":") ? "[" + host + "]" : host) + ":" + port);
        }
        String database = connect.getOrDefault("dbname", user);
        String url = "jdbc:postgresql://" + String.join(",", addresses) + "/" + urlEncode(database);

        Properties properties = new Properties();
        properties.setProperty("user", user);
        copy(connect, "password", properties, "password");
        properties.setProperty("sslmode", connect.getOrDefault("sslmode", "prefer"));
        if (!List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full").contains(properties.getProperty("sslmode"))) {
            throw invalid("invalid sslmode value: \"" + properties.getProperty("sslmode") + "\"");
        }
        copy(connect, "sslrootcert", properties, "sslrootcert");
        copy(connect, "sslcert", properties, "sslcert");
        copy(connect, "sslkey", properties, "sslkey");
        copy(connect, "sslpassword", properties, "sslpassword");
        copy(connect, "options", properties, "options");
        String timeout = connect.getOrDefault("connect_timeout", "10");
        if (!timeout.matches("[0-9]{1,6}")) {
            throw invalid("invalid integer value \"" + timeout + "\" for connection option \"connect_timeout\"");
        }
        properties.setProperty("connectTimeout", timeout.equals("0") ? "0" : String.valueOf(Math.max(2, Integer.parseInt(timeout))));
        String applicationName = connect.get("application_name");
        properties.setProperty("ApplicationName", applicationName != null ? applicationName
                : connect.getOrDefault("fallback_application_name", "allas"));
        String attrs = connect.getOrDefault("target_session_attrs", "any");
        String serverType = TARGET_SESSION_ATTRS.get(attrs);
        if (serverType == null) {
            throw invalid("invalid target_session_attrs value: \"" + attrs + "\"");
        }
        // pgjdbc remembers each host's role for hostRecheckSeconds (10) and skips hosts of the wrong
        // role, but tries every host when that leaves none: after a promotion the old primary
        // fails to connect and the standby was last seen as one, so the next attempt tries both
        // and finds the new primary at once (PrimaryFailoverTest). The default is kept.
        properties.setProperty("targetServerType", serverType);
        String keepalives = connect.getOrDefault("keepalives", "1");
        properties.setProperty("tcpKeepAlive", String.valueOf(!keepalives.equals("0")));
        // One round trip for a batch of LISTENs: the simple protocol carries them in one message.
        properties.setProperty("preferQueryMode", "simple");
        properties.setProperty("assumeMinServerVersion", "9.0");
        return new UpstreamTarget(url, properties, connect.toString());
    }

    /**
     * @param statementTimeout how long a statement, or the startup, may go unanswered before the
     *                         connection counts as dead
     * @return a copy of the driver properties with that bound
     */
    Properties properties(Duration statementTimeout) {
        Properties copy = new Properties();
        copy.putAll(properties);
        // pgjdbc counts in whole seconds: round up.
        String seconds = String.valueOf(Math.max(1, (statementTimeout.toMillis() + 999) / 1000));
        copy.setProperty("socketTimeout", seconds);
        // Nor may the startup itself hang on a server that accepted the connection but says nothing.
        copy.setProperty("loginTimeout", seconds);
        return copy;
    }

    private static void copy(ConnectionString connect, String keyword, Properties properties, String property) {
        String value = connect.get(keyword);
        if (value != null) {
            properties.setProperty(property, value);
        }
    }

    private static ConfigException invalid(String message) {
        return new ConfigException("invalid value for option \"connect\": " + message);
    }

    private static String urlEncode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return display;
    }
}
