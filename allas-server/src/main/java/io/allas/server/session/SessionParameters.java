package io.allas.server.session;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.allas.server.protocol.SqlState;
import io.allas.server.relay.ServerSettings;
import io.allas.server.sql.SqlError;

/**
 * The run-time parameters one client sees, as a session of PostgreSQL keeps them: what a fresh
 * session of the upstream user gets ({@link ServerSettings}; for the reported ones, what the
 * relay tells clients, {@code startup_parameters} included), overlaid with what the client sent
 * in its startup packet (as PostgreSQL's source "client", which RESET returns to), then with its
 * SETs, then with its SET LOCALs. SET and RESET inside a transaction are undone by its rollback;
 * SET LOCAL ends with the transaction.
 *
 * <p>Every session starts from the same shared maps and holds only what it changed: thousands of
 * idle listeners cost no copies.
 */
final class SessionParameters {

    private static final String APPLICATION_NAME = "application_name";
    private static final String CANT_CHANGE_RUNTIME_PARAM = "55P02";
    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    /** Startup packet entries that are no parameters. */
    private static final Set<String> NOT_PARAMETERS = Set.of("user", "database", "options", "replication");

    /** Parameters that RESET ALL leaves alone (PostgreSQL's GUC_NO_RESET_ALL). */
    private static final Set<String> NO_RESET_ALL = Set.of("transaction_isolation", "transaction_read_only",
            "transaction_deferrable", "session_authorization", "role");

    /** The transaction parameters, which outside a SET LOCAL follow their default_ ones. */
    private static final Set<String> TRANSACTION_PARAMETERS = Set.of("transaction_isolation", "transaction_read_only",
            "transaction_deferrable");

    /**
     * The lower-case names of one relay map of reported parameters, made once for every session
     * that starts from it (compared by identity; rebuilt when the relay reconnects).
     */
    private record ReportedNames(Map<String, String> source, Map<String, String> names) {
        static ReportedNames of(Map<String, String> source) {
            Map<String, String> names = new HashMap<>();
            source.keySet().forEach(name -> names.put(name.toLowerCase(Locale.ROOT), name));
            names.put(APPLICATION_NAME, APPLICATION_NAME);
            return new ReportedNames(source, Map.copyOf(names));
        }
    }

    private static volatile ReportedNames sharedNames = ReportedNames.of(Map.of());

    private final Map<String, String> reportedDefaults;
    /** Lower-case name to the reported spelling. */
    private final Map<String, String> reportedNames;
    private final ServerSettings server;
    private final String user;
    private final String database;
    /** What the startup packet set, by lower-case name. */
    private final Map<String, String> initial;
    private Map<String, String> session;
    private Map<String, String> local;
    /** Custom parameters ({@code myapp.x}) that a SET made known to this session. */
    private Set<String> placeholders;
    private boolean inTransaction;
    private Map<String, String> sessionBeforeTransaction;
    /** The application_name last reported to the client, for other threads (the admin console). */
    private volatile String applicationName;

    /**
     * @param reportedDefaults what clients are told at startup (the relay's map, shared)
     * @param server           what a fresh upstream session sees
     * @param user             the client's user name
     * @param database         the database name the client asked for
     * @param startup          the client's startup packet
     */
    SessionParameters(Map<String, String> reportedDefaults, ServerSettings server, String user, String database,
                      Map<String, String> startup) {
        this.reportedDefaults = reportedDefaults;
        this.server = server;
        this.user = user;
        this.database = database;
        ReportedNames names = sharedNames;
        if (names.source() != reportedDefaults) {
            names = ReportedNames.of(reportedDefaults);
            sharedNames = names;
        }
        this.reportedNames = names.names();
        this.initial = startupValues(startup);
        this.applicationName = value(APPLICATION_NAME);
    }

    private static final String STANDARD_CONFORMING_STRINGS = "standard_conforming_strings";

    /**
     * What the client's startup packet sets, as PostgreSQL takes it; but where PostgreSQL refuses
     * the connection for an unknown parameter or a bad value, allas keeps the default, as it did
     * before it looked. client_encoding is always UTF8, standard_conforming_strings always on, and
     * {@code startup_parameters} win.
     */
    private Map<String, String> startupValues(Map<String, String> startup) {
        Map<String, String> values = new HashMap<>(2);
        values.put(APPLICATION_NAME, startup.getOrDefault(APPLICATION_NAME, ""));
        startup.forEach((name, value) -> {
            String key = name.toLowerCase(Locale.ROOT);
            Optional<ServerSettings.Setting> setting = server.find(key);
            if (NOT_PARAMETERS.contains(key) || key.equals(APPLICATION_NAME) || key.equals("client_encoding")
                    || key.equals(STANDARD_CONFORMING_STRINGS)
                    || setting.isEmpty() || overridden(key) || !(setting.get().context().equals("user")
                    || setting.get().context().equals("backend") || setting.get().context().equals("superuser-backend"))) {
                return;
            }
            try {
                values.put(key, SettingValue.canonical(name, setting.get(), value, defaultValue(key)));
            } catch (SqlError e) {
                // keep the default
            }
        });
        return values;
    }

    /** @return whether {@code startup_parameters} set what clients are told of this parameter */
    private boolean overridden(String key) {
        String reported = reportedNames.get(key);
        return reported != null && server.find(key).map(s -> !s.value().equals(reportedDefaults.get(reported))).orElse(true);
    }

    String user() {
        return user;
    }

    String database() {
        return database;
    }

    ServerSettings server() {
        return server;
    }

    /**
     * @return every reported parameter and its value now, as sent at startup
     */
    Map<String, String> reported() {
        Map<String, String> all = new LinkedHashMap<>();
        reportedDefaults.keySet().forEach(name -> all.put(name, value(name.toLowerCase(Locale.ROOT))));
        all.put(APPLICATION_NAME, value(APPLICATION_NAME));
        return all;
    }

    /**
     * @param before {@link #reported()} before a change
     * @return the reported parameters whose values the change changed, to report
     */
    List<Map.Entry<String, String>> reportedChanges(Map<String, String> before) {
        List<Map.Entry<String, String>> changes = new ArrayList<>();
        reported().forEach((name, value) -> {
            if (!value.equals(before.get(name))) {
                changes.add(Map.entry(name, value));
            }
        });
        applicationName = value(APPLICATION_NAME);
        return changes;
    }

    /**
     * @return the application_name last reported to the client; safe from any thread
     */
    String applicationName() {
        return applicationName;
    }

    /**
     * @param name a parameter name, in any case
     * @return its PostgreSQL spelling and current value; empty when there is no such parameter
     */
    Optional<Map.Entry<String, String>> show(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        String value = value(key);
        return value == null ? Optional.empty() : Optional.of(Map.entry(canonicalName(key), value));
    }

    /**
     * @return SHOW ALL's rows: name, value, description
     */
    List<List<String>> showAll() {
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, ServerSettings.Setting> setting : server.settings().entrySet()) {
            rows.add(Arrays.asList(setting.getValue().name(), value(setting.getKey()), setting.getValue().description()));
        }
        return rows;
    }

    /**
     * A SET, or set_config().
     *
     * @param values the values; none for DEFAULT
     * @param local  SET LOCAL: outside a transaction it is checked but has no effect
     * @return the value as it is now shown
     * @throws SqlError as PostgreSQL refuses it: 42704 for an unknown name, 22023 for a bad value,
     *                  55P02 for a parameter that cannot be changed in a session
     */
    String set(String name, List<String> values, boolean local) throws SqlError {
        return setValue(name, values.isEmpty() ? null : SettingValue.flatten(name, values), local);
    }

    /**
     * set_config(), and SET once its values are one.
     *
     * @param value the value, or null for DEFAULT
     */
    String setValue(String name, String value, boolean local) throws SqlError {
        String key = name.toLowerCase(Locale.ROOT);
        ServerSettings.Setting setting = server.find(key).orElse(null);
        if (setting == null) {
            if (!key.contains(".")) {
                checkKnown(key, name);
                throw new SqlError(CANT_CHANGE_RUNTIME_PARAM, "parameter \"" + canonicalName(key) + "\" cannot be changed");
            }
            if (placeholders == null) {
                placeholders = new HashSet<>();
            }
            placeholders.add(key);
        } else {
            checkChangeable(setting);
            if (value != null) {
                value = canonical(name, setting, value, key);
            }
        }
        if (value == null) {
            value = resetValue(key);
        }
        if (local) {
            if (inTransaction) {
                if (this.local == null) {
                    this.local = new HashMap<>();
                }
                this.local.put(key, value);
            }
            return value;
        }
        if (session == null) {
            session = new HashMap<>();
        }
        session.put(key, value);
        if (this.local != null) {
            this.local.remove(key);
        }
        return value;
    }

    private String canonical(String name, ServerSettings.Setting setting, String value, String key) throws SqlError {
        if (key.equals("client_encoding")) {
            if (!value.replace("-", "").equalsIgnoreCase("utf8") && !value.equalsIgnoreCase("unicode")) {
                // Notification payloads are relayed as the upstream sends them, in UTF-8.
                throw new SqlError(SqlState.FEATURE_NOT_SUPPORTED, "allas supports only client_encoding UTF8, not \"" + value + "\"");
            }
            return "UTF8";
        }
        String canonical = SettingValue.canonical(name, setting, value, value(key));
        if (key.equals(STANDARD_CONFORMING_STRINGS) && canonical.equals("off")) {
            // allas reads the client's string literals (LISTEN, NOTIFY, the catalog queries it checks) as written.
            throw new SqlError(SqlState.FEATURE_NOT_SUPPORTED,
                    "allas supports only standard_conforming_strings on: backslashes in string literals are characters");
        }
        return canonical;
    }

    private static void checkChangeable(ServerSettings.Setting setting) throws SqlError {
        String reason = switch (setting.context()) {
            case "internal" -> "cannot be changed";
            case "postmaster" -> "cannot be changed without restarting the server";
            case "sighup" -> "cannot be changed now";
            case "backend", "superuser-backend" -> "cannot be set after connection start";
            default -> null;
        };
        if (reason != null) {
            throw new SqlError(CANT_CHANGE_RUNTIME_PARAM, "parameter \"" + setting.name() + "\" " + reason);
        }
    }

    private void checkKnown(String key, String name) throws SqlError {
        if (value(key) == null) {
            throw new SqlError(SqlState.UNDEFINED_OBJECT, "unrecognized configuration parameter \"" + name + "\"");
        }
    }

    /**
     * A RESET.
     */
    void reset(String name) throws SqlError {
        String key = name.toLowerCase(Locale.ROOT);
        checkKnown(key, name);
        if (session != null) {
            session.remove(key);
        }
        if (local != null) {
            local.remove(key);
        }
    }

    /**
     * RESET ALL, and DISCARD ALL's part of it.
     */
    void resetAll() {
        if (session != null) {
            session.keySet().removeIf(key -> !NO_RESET_ALL.contains(key));
        }
        if (local != null) {
            local.keySet().removeIf(key -> !NO_RESET_ALL.contains(key));
        }
    }

    /**
     * A transaction begins: what it changes can be undone, and its isolation level, read-only and
     * deferrable modes are fixed from their defaults now, as PostgreSQL fixes them (a later
     * {@code SET default_transaction_isolation} or {@code SET SESSION CHARACTERISTICS} inside the
     * block is for the next transaction).
     */
    void beginTransaction() {
        inTransaction = true;
        sessionBeforeTransaction = session == null ? null : new HashMap<>(session);
        local = new HashMap<>();
        for (String key : TRANSACTION_PARAMETERS) {
            local.put(key, value(key));
        }
    }

    /** The transaction committed: its SETs stay, its SET LOCALs end. */
    void commit() {
        inTransaction = false;
        local = null;
        sessionBeforeTransaction = null;
    }

    /** The transaction rolled back: its SETs are undone. */
    void rollback() {
        inTransaction = false;
        local = null;
        session = sessionBeforeTransaction;
        sessionBeforeTransaction = null;
    }

    /**
     * @return the value now, or null when there is no such parameter
     */
    String value(String key) {
        if (local != null && local.containsKey(key)) {
            return local.get(key);
        }
        if (session != null && session.containsKey(key)) {
            return session.get(key);
        }
        return resetValue(key);
    }

    /** @return what RESET returns a parameter to: the startup packet's value, else the default */
    private String resetValue(String key) {
        String initialValue = initial.get(key);
        return initialValue != null ? initialValue : defaultValue(key);
    }

    private String defaultValue(String key) {
        if (TRANSACTION_PARAMETERS.contains(key)) {
            return value("default_" + key);
        }
        switch (key) {
            case "session_authorization" -> {
                return user;
            }
            case "is_superuser" -> {
                return "off";
            }
            case "role" -> {
                return "none";
            }
            default -> {
            }
        }
        String reported = reportedNames.get(key);
        if (reported != null && reportedDefaults.containsKey(reported)) {
            return reportedDefaults.get(reported);
        }
        Optional<ServerSettings.Setting> setting = server.find(key);
        if (setting.isPresent()) {
            return setting.get().value();
        }
        return placeholders != null && placeholders.contains(key) ? "" : null;
    }

    private String canonicalName(String key) {
        Optional<ServerSettings.Setting> setting = server.find(key);
        if (setting.isPresent()) {
            return setting.get().name();
        }
        return reportedNames.getOrDefault(key, key);
    }
}
