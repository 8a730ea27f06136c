package io.allas.server.relay;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a fresh session of the upstream user on the upstream database sees, read once per upstream
 * connection: every run-time parameter (as {@code pg_settings} lists it, with the value PostgreSQL
 * would give a new session rather than the one allas's own driver asked for), the server's
 * {@code version()} and its schemas. Sessions answer SHOW, current_setting() and the session
 * functions from it without a round trip.
 *
 * @param settings by lower-case name, in name order (the order of SHOW ALL)
 * @param version  what {@code version()} answers
 * @param schemas   the schemas that exist, for {@code current_schema()} and {@code current_schemas()}
 * @param superuser whether the upstream user is a superuser, who may set superuser parameters
 */
public record ServerSettings(Map<String, Setting> settings, String version, Set<String> schemas, boolean superuser) {

    /** Before the first upstream connection: nothing is known. */
    public static final ServerSettings NONE = new ServerSettings(Map.of(), "", Set.of(), false);

    /**
     * One parameter, as {@code pg_settings} describes it.
     *
     * @param name        PostgreSQL's spelling ({@code TimeZone})
     * @param value       the value a fresh session has, formatted as SHOW formats it
     * @param description {@code short_desc}, SHOW ALL's third column
     * @param type        {@code vartype}: bool, integer, real, string, enum
     * @param unit        {@code unit} ({@code kB}, {@code 8kB}, {@code ms} ...), empty when none
     * @param min         {@code min_val}, null when none
     * @param max         {@code max_val}, null when none
     * @param enumValues  {@code enumvals}, empty unless an enum
     * @param context     {@code context}: who may change it, and when ({@code user}, {@code superuser} ...)
     */
    public record Setting(String name, String value, String description, String type, String unit, String min,
                          String max, List<String> enumValues, String context) {
        public Setting {
            enumValues = List.copyOf(enumValues);
        }
    }

    public ServerSettings {
        settings = Collections.unmodifiableMap(new TreeMap<>(settings));
        schemas = Set.copyOf(schemas);
    }

    /**
     * @param name a parameter's name in any case
     * @return the parameter, when the server has it
     */
    public Optional<Setting> find(String name) {
        return Optional.ofNullable(settings.get(name.toLowerCase(Locale.ROOT)));
    }
}
