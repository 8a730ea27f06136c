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

    private final Map<String, String> reported = new LinkedHashMap<>();
    private final Map<String, String> canonicalNames = new LinkedHashMap<>();

    SessionParameters(Map<String, String> initial) {
        initial.forEach((name, value) -> {
            reported.put(name, value);
            canonicalNames.put(name.toLowerCase(Locale.ROOT), name);
        });
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
