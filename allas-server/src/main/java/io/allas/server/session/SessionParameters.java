package io.allas.server.session;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.allas.server.sql.SqlError;

/**
 * The run-time parameters one client sees: those reported to it with ParameterStatus at startup
 * (the upstream's, overridden by {@code startup_parameters}, and its own application_name).
 * As in PostgreSQL, setting a reported parameter reports its new value.
 */
final class SessionParameters {

    private final Map<String, String> initial;
    private final Map<String, String> reported = new LinkedHashMap<>();
    private final Map<String, String> canonicalNames = new LinkedHashMap<>();

    SessionParameters(Map<String, String> initial) {
        this.initial = Map.copyOf(initial);
        initial.forEach((name, value) -> {
            reported.put(name, value);
            canonicalNames.put(name.toLowerCase(Locale.ROOT), name);
        });
    }

    /**
     * @param name a parameter name, in any case
     * @return its PostgreSQL spelling and current value, when it is one allas reports
     */
    Optional<Map.Entry<String, String>> show(String name) {
        String canonical = canonicalNames.get(name.toLowerCase(Locale.ROOT));
        return canonical == null ? Optional.empty() : Optional.of(Map.entry(canonical, reported.get(canonical)));
    }

    /**
     * Records a RESET.
     *
     * @return the name and value to report, when a reported parameter changed back
     */
    Optional<Map.Entry<String, String>> reset(String name) {
        String canonical = canonicalNames.get(name.toLowerCase(Locale.ROOT));
        if (canonical == null || initial.get(canonical).equals(reported.get(canonical))) {
            return Optional.empty();
        }
        reported.put(canonical, initial.get(canonical));
        return Optional.of(Map.entry(canonical, initial.get(canonical)));
    }

    /**
     * Records a RESET ALL.
     *
     * @return the reported parameters that changed back, to report
     */
    java.util.List<Map.Entry<String, String>> resetAll() {
        return java.util.List.copyOf(canonicalNames.keySet()).stream()
                .map(this::reset)
                .flatMap(Optional::stream)
                .toList();
    }

    Map<String, String> reported() {
        return reported;
    }

    /**
     * Records a SET.
     *
     * @param name  the parameter as written (lower-cased by the lexer unless quoted)
     * @param value the new value
     * @return the name and value to report, when the parameter is one that is reported
     */
    Optional<Map.Entry<String, String>> set(String name, String value) throws SqlError {
        String canonical = canonicalNames.get(name.toLowerCase(Locale.ROOT));
        if (canonical == null) {
            return Optional.empty();
        }
        if (canonical.equals("client_encoding") && !value.replace("-", "").equalsIgnoreCase("utf8")
                && !value.equalsIgnoreCase("unicode")) {
            // Notification payloads are relayed as the upstream sends them, in UTF-8.
            throw new SqlError("0A000", "allas supports only client_encoding UTF8, not \"" + value + "\"");
        }
        if (canonical.equals("client_encoding")) {
            value = "UTF8";
        }
        reported.put(canonical, value);
        return Optional.of(Map.entry(canonical, value));
    }
}
