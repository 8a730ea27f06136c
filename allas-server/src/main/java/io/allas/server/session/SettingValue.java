package io.allas.server.session;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.allas.server.relay.ServerSettings;
import io.allas.server.sql.SqlError;

/**
 * Checks a SET's value against what {@code pg_settings} says of the parameter and writes it as
 * PostgreSQL shows it, following PostgreSQL's own rules (guc.c): booleans as {@code on} /
 * {@code off}; numbers in range, in the largest unit that holds them whole ({@code 8192} kB of
 * work_mem is {@code 8MB}); enums in their listed spelling; DateStyle as {@code ISO, MDY}; list
 * parameters joined with {@code ", "} and, for search_path and the like, quoted as identifiers.
 * Strings are taken as written (TimeZone's spelling is not checked against the zone database).
 */
final class SettingValue {

    private static final String INVALID_PARAMETER_VALUE = "22023";

    /** Parameters whose value is a list (GUC_LIST_INPUT); the second set quotes its elements (GUC_LIST_QUOTE). */
    private static final Set<String> LISTS = Set.of("datestyle", "search_path", "temp_tablespaces", "log_destination",
            "session_preload_libraries", "local_preload_libraries", "shared_preload_libraries", "unix_socket_directories");
    private static final Set<String> QUOTED_LISTS = Set.of("search_path", "temp_tablespaces",
            "session_preload_libraries", "local_preload_libraries", "shared_preload_libraries", "unix_socket_directories");

    /** A unit and its size in bytes or microseconds, largest first within each kind, as guc.c's tables. */
    private record Unit(String name, boolean memory, double size) {
    }

    private static final List<Unit> UNITS = List.of(
            new Unit("TB", true, 1024.0 * 1024 * 1024 * 1024), new Unit("GB", true, 1024.0 * 1024 * 1024),
            new Unit("MB", true, 1024.0 * 1024), new Unit("kB", true, 1024), new Unit("B", true, 1),
            new Unit("d", false, 86_400e6), new Unit("h", false, 3_600e6), new Unit("min", false, 60e6),
            new Unit("s", false, 1e6), new Unit("ms", false, 1e3), new Unit("us", false, 1));

    private static final Pattern NUMBER_AND_UNIT = Pattern.compile("\\s*([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)\\s*([a-zA-Z]*)\\s*");

    private SettingValue() {
    }

    /**
     * @param values what SET gave (one value, or several for a list parameter)
     * @return them as one value, as PostgreSQL's flatten_set_variable_args makes it
     */
    static String flatten(String name, List<String> values) throws SqlError {
        String key = name.toLowerCase(Locale.ROOT);
        if (values.size() > 1 && !LISTS.contains(key)) {
            throw new SqlError(INVALID_PARAMETER_VALUE, "SET " + name + " takes only one argument");
        }
        if (QUOTED_LISTS.contains(key)) {
            return String.join(", ", values.stream().map(SettingValue::quoteIdentifier).toList());
        }
        return String.join(", ", values);
    }

    /**
     * @param name    the parameter's name as written, which PostgreSQL's errors quote
     * @param setting the parameter
     * @param value   the value to set, flattened
     * @param current its value now (DateStyle keeps the half that is not given)
     * @return the value as SHOW will show it
     * @throws SqlError 22023 when PostgreSQL would refuse the value
     */
    static String canonical(String name, ServerSettings.Setting setting, String value, String current) throws SqlError {
        return switch (setting.type()) {
            case "bool" -> parseBool(value).orElseThrow(() -> new SqlError(INVALID_PARAMETER_VALUE,
                    "parameter \"" + name + "\" requires a Boolean value"));
            case "integer", "real" -> number(name, setting, value);
            case "enum" -> enumValue(name, setting, value);
            default -> setting.name().equalsIgnoreCase("DateStyle") ? dateStyle(name, setting, value, current) : value;
        };
    }

    /**
     * PostgreSQL's parse_bool: any prefix of true, false, yes, no (and on, off from two letters), 1, 0.
     */
    static Optional<String> parseBool(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if ("true".startsWith(v) || "yes".startsWith(v) || v.equals("1") || (v.length() >= 2 && "on".startsWith(v))) {
            return Optional.of("on");
        }
        if ("false".startsWith(v) || "no".startsWith(v) || v.equals("0") || (v.length() >= 2 && "off".startsWith(v))) {
            return Optional.of("off");
        }
        return Optional.empty();
    }

    private static String enumValue(String name, ServerSettings.Setting setting, String value) throws SqlError {
        for (String allowed : setting.enumValues()) {
            if (allowed.equalsIgnoreCase(value.trim())) {
                return allowed;
            }
        }
        // Enums that take on and off also take the other spellings of a Boolean, unlisted.
        var bool = parseBool(value);
        if (bool.isPresent() && setting.enumValues().contains(bool.get())) {
            return bool.get();
        }
        throw invalidValue(name, value);
    }

    private static String number(String name, ServerSettings.Setting setting, String value) throws SqlError {
        Matcher matcher = NUMBER_AND_UNIT.matcher(value);
        if (!matcher.matches()) {
            throw invalidValue(name, value);
        }
        double number = Double.parseDouble(matcher.group(1));
        Unit base = unit(setting.unit());
        double baseSize = base == null ? 1 : base.size() * baseMultiple(setting.unit());
        if (!matcher.group(2).isEmpty()) {
            Unit given = UNITS.stream().filter(u -> u.name().equals(matcher.group(2))).findFirst().orElse(null);
            if (base == null || given == null || given.memory() != base.memory()) {
                throw invalidValue(name, value);
            }
            number = number * given.size() / baseSize;
        }
        boolean integer = setting.type().equals("integer");
        if (integer) {
            number = Math.rint(number);
        }
        double min = setting.min() == null ? Double.NEGATIVE_INFINITY : Double.parseDouble(setting.min());
        double max = setting.max() == null ? Double.POSITIVE_INFINITY : Double.parseDouble(setting.max());
        if (number < min || number > max) {
            String unitText = setting.unit().isEmpty() ? "" : " " + setting.unit();
            throw new SqlError(INVALID_PARAMETER_VALUE, format(number, integer) + unitText
                    + " is outside the valid range for parameter \"" + name + "\" ("
                    + format(min, integer) + " .. " + format(max, integer) + ")");
        }
        if (base == null || number <= 0) {
            return format(number, integer);
        }
        // The largest unit that holds the value whole (guc.c's convert_*_from_base_unit); integers
        // never go below their base unit, reals go down to the smallest unit.
        String shown = format(number, integer);
        for (Unit unit : UNITS) {
            if (unit.memory() != base.memory()) {
                continue;
            }
            double multiplier = unit.size() / baseSize;
            double converted = number / multiplier;
            shown = format(integer ? Math.rint(converted) : converted, integer) + unit.name();
            if ((integer && multiplier <= 1.0) || Math.abs(Math.rint(converted) / converted - 1.0) <= 1e-8) {
                return shown;
            }
        }
        return shown;
    }

    private static Unit unit(String unit) {
        String name = unit.replaceFirst("^\\d+", "");
        return UNITS.stream().filter(u -> u.name().equals(name)).findFirst().orElse(null);
    }

    /** A base unit such as {@code 8kB} (blocks) counts several of its named unit. */
    private static double baseMultiple(String unit) {
        Matcher matcher = Pattern.compile("^(\\d+)").matcher(unit);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 1;
    }

    /** Integers as integers; reals as C's {@code %g}, which PostgreSQL shows them with. */
    private static String format(double value, boolean integer) {
        if (integer || (value == Math.rint(value) && Math.abs(value) < 1e15)) {
            if (Double.isInfinite(value)) {
                return value > 0 ? "inf" : "-inf";
            }
            if (!integer && Math.abs(value) >= 1e6) {
                return gFormat(value);
            }
            return Long.toString((long) value);
        }
        return gFormat(value);
    }

    private static String gFormat(double value) {
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(6)).stripTrailingZeros();
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            BigDecimal mantissa = rounded.movePointLeft(exponent).stripTrailingZeros();
            return mantissa.toPlainString() + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        return rounded.toPlainString();
    }

    /**
     * PostgreSQL's check_datestyle: an output style (ISO, SQL, Postgres, German) and a field order
     * (YMD, DMY, MDY), in either order, with their synonyms; what is not given is kept.
     */
    private static String dateStyle(String name, ServerSettings.Setting setting, String value, String current) throws SqlError {
        String style = null;
        String order = null;
        boolean orderGiven = false;
        String[] now = current == null ? new String[0] : current.split(",\\s*");
        for (String word : value.split("[,\\s]+")) {
            String token = word.trim().toUpperCase(Locale.ROOT);
            String newStyle = null;
            String newOrder = null;
            switch (token) {
                case "" -> { }
                case "ISO" -> newStyle = "ISO";
                case "SQL" -> newStyle = "SQL";
                case "POSTGRES" -> newStyle = "Postgres";
                case "GERMAN" -> newStyle = "German";
                case "YMD" -> newOrder = "YMD";
                case "DMY", "EURO", "EUROPEAN" -> newOrder = "DMY";
                case "MDY", "US", "NONEURO", "NONEUROPEAN" -> newOrder = "MDY";
                case "DEFAULT" -> {
                    newStyle = setting.value().split(",\\s*")[0];
                    newOrder = setting.value().contains(",") ? setting.value().split(",\\s*")[1] : null;
                }
                default -> throw invalidValue(setting.name(), value);
            }
            if ((newStyle != null && style != null && !style.equals(newStyle))
                    || (newOrder != null && orderGiven && !order.equals(newOrder))) {
                // A check hook's error names the parameter as PostgreSQL spells it.
                throw invalidValue(setting.name(), value);
            }
            if (newStyle != null) {
                style = newStyle;
                if (newStyle.equals("German") && order == null) {
                    order = "DMY";
                }
            }
            if (newOrder != null) {
                order = newOrder;
                orderGiven = true;
            }
        }
        if (style == null) {
            style = now.length > 0 ? now[0] : "ISO";
        }
        if (order == null) {
            order = now.length > 1 ? now[1] : "MDY";
        }
        return style + ", " + order;
    }

    private static SqlError invalidValue(String name, String value) {
        return new SqlError(INVALID_PARAMETER_VALUE, "invalid value for parameter \"" + name + "\": \"" + value + "\"");
    }

    /** PostgreSQL's quote_identifier, less its keyword check. */
    static String quoteIdentifier(String name) {
        if (!name.isEmpty() && name.matches("[a-z_][a-z0-9_$]*")) {
            return name;
        }
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
