package io.allas.server.session;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.allas.server.protocol.SqlState;
import io.allas.server.relay.Notification;
import io.allas.server.sql.SessionExpression;
import io.allas.server.sql.SessionFunction;
import io.allas.server.sql.SqlError;
import io.allas.server.sql.SqlType;
import io.allas.server.sql.Statement;

/**
 * Answers a {@link Statement.SessionQuery} for this client: its user and database as it
 * connected (not allas's upstream ones), its channels, its process ID, its parameters, the
 * server's version. Values are typed as PostgreSQL types them and sent in the text or binary
 * format asked for. pg_notify() sends the client's notification through its
 * {@link SessionNotifications}, as NOTIFY does.
 */
final class SessionFunctions {

    private static final String INVALID_TEXT_REPRESENTATION = "22P02";

    private final SessionParameters parameters;
    private final SessionChannels channels;
    private final SessionNotifications notifications;
    private final int backendPid;

    SessionFunctions(SessionParameters parameters, SessionChannels channels, SessionNotifications notifications,
                     int backendPid) {
        this.parameters = parameters;
        this.channels = channels;
        this.notifications = notifications;
        this.backendPid = backendPid;
    }

    /** A typed value: String for text types, Long for integers, Boolean, List of String for name[]; null for NULL. */
    private record Datum(SqlType type, Object value) {
    }

    static List<StatementExecutor.Column> columns(Statement.SessionQuery query) {
        return query.columns().stream()
                .map(c -> new StatementExecutor.Column(c.column(), c.type().oid(), c.type().size())).toList();
    }

    /**
     * Evaluates the query; set_config() takes effect here, and pg_notify()'s notifications are
     * sent or held.
     *
     * @param bound         the parameters bound to it (extended protocol), or none
     * @param inTransaction whether its notifications are held for the transaction's end (see
     *                      {@link SessionNotifications#notify})
     */
    StatementExecutor.Result evaluate(Statement.SessionQuery query, StatementExecutor.Bound bound, boolean inTransaction)
            throws SqlError {
        List<List<Datum>> columns = new ArrayList<>();
        List<Notification> sent = new ArrayList<>();
        int rows = 1;
        for (SessionExpression expression : query.columns()) {
            List<Datum> values = call(expression, bound, sent);
            List<Datum> cast = new ArrayList<>(values.size());
            for (Datum value : values) {
                cast.add(expression.cast() == null ? value : cast(value, expression.cast()));
            }
            columns.add(cast);
            if (expression.function().returnsSet()) {
                rows = values.size();
            }
        }
        List<List<StatementExecutor.Value>> result = new ArrayList<>(rows);
        for (int row = 0; row < rows; row++) {
            List<StatementExecutor.Value> values = new ArrayList<>(columns.size());
            for (int i = 0; i < columns.size(); i++) {
                List<Datum> column = columns.get(i);
                values.add(encode(query.columns().get(i).function().returnsSet() ? column.get(row) : column.getFirst()));
            }
            result.add(values);
        }
        // Only once every column is evaluated: a statement that fails sends nothing, as in
        // PostgreSQL (which calls pg_notify() beside a set of no rows all the same).
        if (!sent.isEmpty()) {
            notifications.notify(sent, inTransaction);
        }
        return new StatementExecutor.Result(columns(query), result);
    }

    /**
     * @param sent where pg_notify() puts its notification
     */
    private List<Datum> call(SessionExpression expression, StatementExecutor.Bound bound, List<Notification> sent)
            throws SqlError {
        SessionFunction function = expression.function();
        List<Object> arguments = new ArrayList<>();
        for (int i = 0; i < expression.arguments().size(); i++) {
            arguments.add(argument(expression.arguments().get(i), function.parameterTypes().get(i), bound));
        }
        SqlType type = function.type();
        if (function == SessionFunction.PG_LISTENING_CHANNELS) {
            return channels.listeningChannels().stream().map(channel -> new Datum(type, (Object) channel)).toList();
        }
        Object value = switch (function) {
            case PG_BACKEND_PID -> (long) backendPid;
            case VERSION -> parameters.server().version();
            case CURRENT_DATABASE, CURRENT_CATALOG -> parameters.database();
            case CURRENT_USER, SESSION_USER, CURRENT_ROLE, USER -> parameters.user();
            case CURRENT_SCHEMA -> schemas(false).stream().findFirst().orElse(null);
            case CURRENT_SCHEMAS -> arguments.getFirst() == null ? null : schemas((Boolean) arguments.getFirst());
            case CURRENT_SETTING -> currentSetting((String) arguments.getFirst(),
                    arguments.size() > 1 && Boolean.TRUE.equals(arguments.get(1)));
            case SET_CONFIG -> setConfig((String) arguments.get(0), (String) arguments.get(1), Boolean.TRUE.equals(arguments.get(2)));
            case PG_IS_IN_RECOVERY -> "on".equals(parameters.value("in_hot_standby"));
            case PG_NOTIFY -> {
                Notification notification = new Notification((String) arguments.get(0), (String) arguments.get(1));
                SessionNotifications.check(notification); // refused at the call, before the columns after it
                sent.add(notification);
                yield "";
            }
            case PG_LISTENING_CHANNELS -> throw new IllegalStateException("a set");
        };
        return List.of(new Datum(type, value));
    }

    private String currentSetting(String name, boolean missingOk) throws SqlError {
        if (name == null) {
            return null;
        }
        var shown = parameters.show(name);
        if (shown.isEmpty() && !missingOk) {
            throw new SqlError(SqlState.UNDEFINED_OBJECT, "unrecognized configuration parameter \"" + name + "\"");
        }
        return shown.map(Map.Entry::getValue).orElse(null);
    }

    private String setConfig(String name, String value, boolean local) throws SqlError {
        if (name == null) {
            throw new SqlError("22004", "SET requires parameter name");
        }
        return parameters.setValue(name, value, local);
    }

    /**
     * The schemas of search_path that exist, {@code $user} being the client's user; with the
     * implicit ones, pg_catalog first unless search_path places it.
     */
    List<String> schemas(boolean implicit) {
        Set<String> schemas = new LinkedHashSet<>();
        List<String> path = searchPath(parameters.value("search_path"));
        if (implicit && !path.contains("pg_catalog")) {
            schemas.add("pg_catalog");
        }
        for (String schema : path) {
            String name = schema.equals("$user") ? parameters.user() : schema;
            if (parameters.server().schemas().contains(name)) {
                schemas.add(name);
            }
        }
        return List.copyOf(schemas);
    }

    /** search_path's elements: quoted ones as written, others folded to lower case. */
    static List<String> searchPath(String value) {
        List<String> elements = new ArrayList<>();
        if (value == null) {
            return elements;
        }
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < value.length() && value.charAt(i + 1) == '"') {
                    current.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    current.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                wasQuoted = true;
            } else if (c == ',') {
                elements.add(wasQuoted ? current.toString() : current.toString().trim().toLowerCase(Locale.ROOT));
                current.setLength(0);
                wasQuoted = false;
            } else if (!Character.isWhitespace(c) || !current.isEmpty()) {
                current.append(c);
            }
        }
        String last = wasQuoted ? current.toString() : current.toString().trim().toLowerCase(Locale.ROOT);
        if (!last.isEmpty() || wasQuoted) {
            elements.add(last);
        }
        return elements;
    }

    private Object argument(SessionExpression.Argument argument, SqlType type, StatementExecutor.Bound bound) throws SqlError {
        String text;
        switch (argument) {
            case SessionExpression.Argument.Constant constant -> text = constant.value();
            case SessionExpression.Argument.Parameter parameter -> {
                if (parameter.number() > bound.values().size()) {
                    // The simple protocol binds none.
                    throw new SqlError(SqlState.UNDEFINED_PARAMETER, "there is no parameter $" + parameter.number());
                }
                byte[] bytes = bound.value(parameter.number() - 1);
                if (bytes == null) {
                    return null;
                }
                if (bound.binary(parameter.number() - 1) && type == SqlType.BOOL) {
                    return bytes.length == 1 && bytes[0] != 0;
                }
                text = new String(bytes, StandardCharsets.UTF_8);
            }
        }
        if (text == null) {
            return null;
        }
        return type == SqlType.BOOL ? parseBool(text) : text;
    }

    /** PostgreSQL's boolin. */
    private static boolean parseBool(String text) throws SqlError {
        String v = text.trim().toLowerCase(Locale.ROOT);
        if (!v.isEmpty() && ("true".startsWith(v) || "yes".startsWith(v) || v.equals("1") || (v.length() >= 2 && "on".startsWith(v)))) {
            return true;
        }
        if (!v.isEmpty() && ("false".startsWith(v) || "no".startsWith(v) || v.equals("0") || (v.length() >= 2 && "off".startsWith(v)))) {
            return false;
        }
        throw new SqlError(INVALID_TEXT_REPRESENTATION, "invalid input syntax for type boolean: \"" + text + "\"");
    }

    private static Datum cast(Datum datum, SqlType to) throws SqlError {
        if (datum.value() == null) {
            return new Datum(to, null);
        }
        if (datum.type() == SqlType.VOID && to != SqlType.TEXT && to != SqlType.VARCHAR && to != SqlType.NAME) {
            throw new SqlError("42846", "cannot cast type void to " + switch (to) {
                case BOOL -> "boolean";
                case INT4 -> "integer";
                case INT8 -> "bigint";
                default -> "name[]";
            });
        }
        return switch (to) {
            case TEXT, VARCHAR, NAME -> new Datum(to, text(datum, true));
            case INT4, INT8 -> new Datum(to, switch (datum.value()) {
                case Long number -> number;
                case Boolean bool -> bool ? 1L : 0L;
                default -> parseInteger(text(datum, true), to);
            });
            case BOOL -> new Datum(to, switch (datum.value()) {
                case Boolean bool -> bool;
                case Long number -> number != 0;
                default -> parseBool(text(datum, true));
            });
            case NAME_ARRAY -> {
                if (datum.type() != SqlType.NAME_ARRAY) {
                    throw new SqlError(SqlState.FEATURE_NOT_SUPPORTED,
                            "allas cannot cast " + datum.type().name().toLowerCase(Locale.ROOT) + " to an array");
                }
                yield datum;
            }
            case VOID -> throw new IllegalStateException("no cast names void");
        };
    }

    private static long parseInteger(String text, SqlType type) throws SqlError {
        try {
            long value = Long.parseLong(text.trim());
            if (type == SqlType.INT4 && (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE)) {
                throw new SqlError("22003", "value \"" + text + "\" is out of range for type integer");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new SqlError(INVALID_TEXT_REPRESENTATION, "invalid input syntax for type "
                    + (type == SqlType.INT4 ? "integer" : "bigint") + ": \"" + text + "\"");
        }
    }

    /**
     * @param asCast whether for a cast to text, where a Boolean is {@code true}, not its output form {@code t}
     */
    @SuppressWarnings("unchecked")
    private static String text(Datum datum, boolean asCast) {
        return switch (datum.value()) {
            case Boolean bool -> asCast ? bool.toString() : (bool ? "t" : "f");
            case List<?> list -> arrayText((List<String>) list);
            case String string when datum.type() == SqlType.NAME -> truncateName(string);
            default -> datum.value().toString();
        };
    }

    private static String truncateName(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 63) {
            return name;
        }
        int end = 63;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** An array's text form: elements quoted where array_out quotes them. */
    private static String arrayText(List<String> elements) {
        StringBuilder text = new StringBuilder("{");
        for (String element : elements) {
            if (text.length() > 1) {
                text.append(',');
            }
            boolean quote = element.isEmpty() || element.equalsIgnoreCase("null")
                    || element.chars().anyMatch(c -> c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || Character.isWhitespace(c));
            text.append(quote ? '"' + element.replace("\\", "\\\\").replace("\"", "\\\"") + '"' : element);
        }
        return text.append('}').toString();
    }

    @SuppressWarnings("unchecked")
    private static StatementExecutor.Value encode(Datum datum) {
        if (datum.value() == null) {
            return new StatementExecutor.Value(null, null);
        }
        byte[] text = text(datum, false).getBytes(StandardCharsets.UTF_8);
        byte[] binary = switch (datum.type()) {
            case INT4 -> ByteBuffer.allocate(4).putInt(((Long) datum.value()).intValue()).array();
            case INT8 -> ByteBuffer.allocate(8).putLong((Long) datum.value()).array();
            case BOOL -> new byte[] {(byte) (((Boolean) datum.value()) ? 1 : 0)};
            case NAME_ARRAY -> arrayBinary((List<String>) datum.value());
            default -> text;
        };
        return new StatementExecutor.Value(text, binary);
    }

    /** array_send's form of a one-dimensional name[]. */
    private static byte[] arrayBinary(List<String> elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(elements.isEmpty() ? 12 : 20);
        header.putInt(elements.isEmpty() ? 0 : 1).putInt(0).putInt(SqlType.NAME.oid());
        if (!elements.isEmpty()) {
            header.putInt(elements.size()).putInt(1);
        }
        out.writeBytes(header.array());
        for (String element : elements) {
            byte[] bytes = truncateName(element).getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }
}
