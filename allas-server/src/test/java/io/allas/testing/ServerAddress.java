package io.allas.testing;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Where to reach a server and as whom; parsed from a libpq-style URL for an existing server. */
record ServerAddress(String host, int port, String user, String password, String database, Optional<String> sslmode) {

    /** Accepts postgresql://user:pass@host:port/db?sslmode=..., also postgres:// and jdbc:postgresql://. */
    static ServerAddress parse(String url) {
        String s = url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url;
        URI uri;
        try {
            uri = URI.create(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(Settings.PG_URL + " is not a valid URL (" + e.getMessage() + ")", e);
        }
        if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
            throw new IllegalArgumentException(Settings.PG_URL + " must look like postgresql://user:password@host:port/database");
        }
        String user = "postgres";
        String password = "";
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            password = parts.length > 1 ? decode(parts[1]) : "";
        }
        String host = uri.getHost() == null ? "127.0.0.1" : uri.getHost();
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
        String database = path.isEmpty() ? "postgres" : decode(path);
        Optional<String> sslmode = Optional.empty();
        if (uri.getRawQuery() != null) {
            for (String param : uri.getRawQuery().split("&")) {
                if (param.startsWith("sslmode=")) {
                    sslmode = Optional.of(decode(param.substring("sslmode=".length())));
                }
            }
        }
        return new ServerAddress(host, port, user, password, database, sslmode);
    }

    private static String decode(String s) {
        // URLDecoder would turn '+' into a space, which is wrong for a URL's user info and path.
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        // never print the password
        return user + "@" + host + ":" + port + "/" + database;
    }
}
