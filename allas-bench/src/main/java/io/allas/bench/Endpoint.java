package io.allas.bench;

/** Where a PostgreSQL-protocol server is, and whom to log in as. */
record Endpoint(String host, int port, String user, String password, String database) {

    static Endpoint from(Options o, String prefix, Endpoint defaults) {
        return new Endpoint(
                o.string(prefix + "host", defaults == null ? "127.0.0.1" : defaults.host()),
                o.intValue(prefix + "port", defaults == null ? 5432 : defaults.port()),
                o.string(prefix + "user", defaults == null ? "postgres" : defaults.user()),
                o.string(prefix + "password", defaults == null ? "" : defaults.password()),
                o.string(prefix + "database", defaults == null ? null : defaults.database()));
    }

    String databaseOrUser() {
        return database == null ? user : database;
    }

    String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + databaseOrUser() + "?sslmode=disable";
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + databaseOrUser();
    }
}
