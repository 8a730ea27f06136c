package io.allas.server.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code connect} setting: a libpq connection string, in {@code key=value} form or as a
 * {@code postgresql://} URI, parsed as libpq parses it. Only keywords allas can honour are
 * accepted; any other is a configuration error that names it, rather than silently ignored.
 *
 * @param parameters keyword to value, in the order written
 */
public record ConnectionString(Map<String, String> parameters) {

    /** The keywords allas translates for its upstream connection. */
    public static final Set<String> SUPPORTED = Set.of(
            "host", "port", "dbname", "user", "password", "sslmode", "sslrootcert", "sslcert", "sslkey",
            "sslpassword", "connect_timeout", "application_name", "fallback_application_name",
            "target_session_attrs", "options", "keepalives");

    /**
     * @param text the setting
     * @return the parsed string
     * @throws ConfigException for a syntax error or an unsupported keyword, naming it
     */
    public static ConnectionString parse(String text) throws ConfigException {
        String trimmed = text.strip();
        Map<String, String> parameters = trimmed.startsWith("postgresql://") || trimmed.startsWith("postgres://")
                ? parseUri(trimmed)
                : parseKeyValue(trimmed);
        for (String keyword : parameters.keySet()) {
            if (!SUPPORTED.contains(keyword)) {
                throw new ConfigException("invalid value for option \"connect\": unsupported connection keyword \""
                        + keyword + "\" (allas supports " + String.join(", ", SUPPORTED.stream().sorted().toList()) + ")");
            }
        }
        return new ConnectionString(java.util.Collections.unmodifiableMap(parameters));
    }

    public String get(String keyword) {
        return parameters.get(keyword);
    }

    public String getOrDefault(String keyword, String defaultValue) {
        return parameters.getOrDefault(keyword, defaultValue);
    }

    private static Map<String, String> parseKeyValue(String text) throws ConfigException {
        Map<String, String> parameters = new LinkedHashMap<>();
        int i = 0;
        while (true) {
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= text.length()) {
                return parameters;
            }
            int keyStart = i;
            while (i < text.length() && text.charAt(i) != '=' && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            String key = text.substring(keyStart, i);
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= text.length() || text.charAt(i) != '=') {
                throw new ConfigException("invalid value for option \"connect\": missing \"=\" after \"" + key + "\"");
            }
            i++;
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < text.length() && text.charAt(i) == '\'') {
                i++;
                while (true) {
                    if (i >= text.length()) {
                        throw new ConfigException("invalid value for option \"connect\": unterminated quoted string");
                    }
                    char c = text.charAt(i++);
                    if (c == '\\' && i < text.length()) {
                        value.append(text.charAt(i++));
                    } else if (c == '\'') {
                        break;
                    } else {
                        value.append(c);
                    }
                }
            } else {
                while (i < text.length() && !Character.isWhitespace(text.charAt(i))) {
                    char c = text.charAt(i++);
                    if (c == '\\' && i < text.length()) {
                        c = text.charAt(i++);
                    }
                    value.append(c);
                }
            }
            parameters.put(key, value.toString());
        }
    }

    private static Map<String, String> parseUri(String text) throws ConfigException {
        Map<String, String> parameters = new LinkedHashMap<>();
        String rest = text.substring(text.indexOf("://") + 3);
        int query = rest.indexOf('?');
        String queryPart = query >= 0 ? rest.substring(query + 1) : "";
        rest = query >= 0 ? rest.substring(0, query) : rest;
        int slash = rest.indexOf('/');
        String authority = slash >= 0 ? rest.substring(0, slash) : rest;
        if (slash >= 0 && slash + 1 < rest.length()) {
            parameters.put("dbname", decode(rest.substring(slash + 1)));
        }
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon >= 0) {
                parameters.put("user", decode(userInfo.substring(0, colon)));
                parameters.put("password", decode(userInfo.substring(colon + 1)));
            } else if (!userInfo.isEmpty()) {
                parameters.put("user", decode(userInfo));
            }
        }
        if (!authority.isEmpty()) {
            List<String> hosts = new ArrayList<>();
            List<String> ports = new ArrayList<>();
            for (String hostPort : authority.split(",", -1)) {
                String host = hostPort;
                String port = "";
                if (hostPort.startsWith("[")) {
                    int close = hostPort.indexOf(']');
                    if (close < 0) {
                        throw new ConfigException("invalid value for option \"connect\": unterminated IPv6 address");
                    }
                    host = hostPort.substring(1, close);
                    port = hostPort.length() > close + 2 ? hostPort.substring(close + 2) : "";
                } else if (hostPort.contains(":")) {
                    host = hostPort.substring(0, hostPort.indexOf(':'));
                    port = hostPort.substring(hostPort.indexOf(':') + 1);
                }
                hosts.add(decode(host));
                ports.add(port);
            }
            parameters.put("host", String.join(",", hosts));
            if (ports.stream().anyMatch(p -> !p.isEmpty())) {
                parameters.put("port", String.join(",", ports));
            }
        }
        if (!queryPart.isEmpty()) {
            for (String pair : queryPart.split("&")) {
                int eq = pair.indexOf('=');
                if (eq < 0) {
                    throw new ConfigException("invalid value for option \"connect\": missing \"=\" in URI parameter \"" + pair + "\"");
                }
                parameters.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
        }
        return parameters;
    }

    private static String decode(String text) throws ConfigException {
        try {
            return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // Not the value itself: it may be (part of) a password.
            throw new ConfigException("invalid value for option \"connect\": invalid percent-encoding in the URI");
        }
    }

    @Override
    public String toString() {
        // Never print the password: this is what logs show of the upstream target.
        StringBuilder out = new StringBuilder();
        parameters.forEach((k, v) -> {
            if (!k.equals("password") && !k.equals("sslpassword")) {
                out.append(out.isEmpty() ? "" : " ").append(k).append('=').append(v);
            }
        });
        return out.toString();
    }
}
