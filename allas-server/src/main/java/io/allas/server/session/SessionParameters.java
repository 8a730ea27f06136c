package io.allas.server.session;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.allas.server.protocol.SqlState;
import io.allas.server.sql.SqlError;

/**
 * The run-time parameters one client sees: those reported to it with ParameterStatus at startup
 * (the upstream's, overridden by {@code startup_parameters}, and its own application_name).
 * As in PostgreSQL, setting a reported parameter reports its new value.
 *
 * <p>Every session starts from the same values, so they are kept once ({@link Defaults}) and a
 * session holds only what it changed: thousands of idle listeners share one map.
 */
final class SessionParameters {

    private static final String APPLICATION_NAME = "application_name";

    /**
     * The values every session starts from, with their PostgreSQL spellings by lower-case name.
     *
     * @param source         the relay's map these were made from (compared by identity)
     * @param values         the values, application_name excluded
     * @param canonicalNames lower-case name to PostgreSQL's spelling, application_name included
     */
    private record Defaults(Map<String, String> source, Map<String, String> values, Map<String, String> canonicalNames) {
        static Defaults of(Map<String, String> source) {
            Map<String, String> values = new LinkedHashMap<>(source);
            values.remove(APPLICATION_NAME);
            Map<String, String> names = new LinkedHashMap<>();
            values.keySet().forEach(name -> names.put(name.toLowerCase(Locale.ROOT), name));
            names.put(APPLICATION_NAME, APPLICATION_NAME);
            return new Defaults(source, Collections.unmodifiableMap(values), Map.copyOf(names));
        }
    }

    /** The defaults of the latest upstream parameter map; rebuilt when the relay reconnects. */
    private static volatile Defaults shared = Defaults.of(Map.of());

    private final Defaults defaults;
    private final String initialApplicationName;
    private Map<String, String> changed;

    /**
     * @param upstream        the relay's parameter map (the same instance for every session until it reconnects)
     * @param applicationName the client's own application_name
     */
    SessionParameters(Map<String, String> upstream, String applicationName) {
        Defaults current = shared;
        if (current.source() != upstream) {
            current = Defaults.of(upstream);
            shared = current;
        }
        this.defaults = current;
        this.initialApplicationName = applicationName;
    }

    /**
     * @return every reported parameter and its value now, as sent at startup
     */
    Map<String, String> reported() {
        Map<String, String> all = new LinkedHashMap<>(defaults.values());
        all.put(APPLICATION_NAME, initialApplicationName);
        if (changed != null) {
            all.putAll(changed);
        }
        return all;
    }

    /**
     * @param name a parameter name, in any case
     * @return its PostgreSQL spelling and current value, when it is one allas reports
     */
    Optional<Map.Entry<String, String>> show(String name) {
        String canonical = defaults.canonicalNames().get(name.toLowerCase(Locale.ROOT));
        return canonical == null ? Optional.empty() : Optional.of(Map.entry(canonical, current(canonical)));
    }

    /**
     * Records a SET.
     *
     * @param name  the parameter as written (lower-cased by the lexer unless quoted)
     * @param value the new value
     * @return the name and value to report, when the parameter is one that is reported
     */
    Optional<Map.Entry<String, String>> set(String name, String value) throws SqlError {
        String canonical = defaults.canonicalNames().get(name.toLowerCase(Locale.ROOT));
        if (canonical == null) {
            return Optional.empty();
        }
        if (canonical.equals("client_encoding") && !value.replace("-", "").equalsIgnoreCase("utf8")
                && !value.equalsIgnoreCase("unicode")) {
            // Notification payloads are relayed as the upstream sends them, in UTF-8.
            throw new SqlError(SqlState.FEATURE_NOT_SUPPORTED, "allas supports only client_encoding UTF8, not \"" + value + "\"");
        }
        if (canonical.equals("client_encoding")) {
            value = "UTF8";
        }
        if (changed == null) {
            changed = new LinkedHashMap<>();
        }
        changed.put(canonical, value);
        return Optional.of(Map.entry(canonical, value));
    }

    /**
     * Records a RESET.
     *
     * @return the name and value to report, when a reported parameter changed back
     */
    Optional<Map.Entry<String, String>> reset(String name) {
        String canonical = defaults.canonicalNames().get(name.toLowerCase(Locale.ROOT));
        if (canonical == null || changed == null || !changed.containsKey(canonical)) {
            return Optional.empty();
        }
        String before = changed.remove(canonical);
        String initial = initial(canonical);
        return before.equals(initial) ? Optional.empty() : Optional.of(Map.entry(canonical, initial));
    }

    /**
     * Records a RESET ALL.
     *
     * @return the reported parameters that changed back, to report
     */
    List<Map.Entry<String, String>> resetAll() {
        if (changed == null) {
            return List.of();
        }
        return List.copyOf(changed.keySet()).stream().map(this::reset).flatMap(Optional::stream).toList();
    }

    private String current(String canonical) {
        return changed != null && changed.containsKey(canonical) ? changed.get(canonical) : initial(canonical);
    }

    private String initial(String canonical) {
        return canonical.equals(APPLICATION_NAME) ? initialApplicationName : defaults.values().get(canonical);
    }
}
