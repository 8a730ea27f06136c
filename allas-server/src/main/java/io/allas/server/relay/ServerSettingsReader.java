package io.allas.server.relay;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@link ServerSettings} over allas's own upstream connection, right after it connects.
 *
 * <p>pgjdbc sends some parameters in its startup packet (client_encoding, DateStyle, TimeZone,
 * extra_float_digits, application_name: {@code pg_settings.source = 'client'}), so this session's
 * values of those are pgjdbc's, not what a fresh session would get. For those the value a
 * session would start with is looked up as PostgreSQL itself chooses it: the database's and the
 * role's defaults ({@code pg_db_role_setting}: database and role, then role, then database, then
 * all), else the configuration file ({@code pg_file_settings}, readable by superusers and
 * members of pg_read_all_settings only), else the built-in default ({@code boot_val}). The
 * limit: for a user who may not read pg_file_settings, a value set only in postgresql.conf (such
 * as the TimeZone and DateStyle that initdb writes there) is seen as its built-in default. The
 * value found is canonicalised by the server itself ({@code set_config(..., true)} returns it
 * formatted as SHOW would, and undoes itself with the statement's transaction).
 */
final class ServerSettingsReader {

    private static final System.Logger LOG = System.getLogger(ServerSettingsReader.class.getName());

    private static final String SETTINGS = """
            SELECT name, current_setting(name), short_desc, vartype, coalesce(unit, ''), min_val, max_val,
                   coalesce(enumvals, '{}'::text[]), context, source, boot_val
            FROM pg_catalog.pg_settings""";

    /** Database and role defaults that apply to this session, most specific first. */
    private static final String DATABASE_ROLE_DEFAULTS = """
            SELECT unnest(s.setconfig)
            FROM pg_catalog.pg_db_role_setting s
            WHERE s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))
              AND s.setrole IN (0, (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = session_user))
            ORDER BY (s.setdatabase <> 0 AND s.setrole <> 0) DESC, s.setrole <> 0 DESC, s.setdatabase <> 0 DESC""";

    private static final String FILE_SETTINGS = """
            SELECT name, setting FROM pg_catalog.pg_file_settings WHERE applied AND error IS NULL""";

    private ServerSettingsReader() {
    }

    /**
     * @param upstreamIsAllas whether the upstream is itself an allas, which does not answer
     *                        pg_settings: then SHOW ALL is read
     */
    static ServerSettings read(Connection connection, boolean upstreamIsAllas) throws SQLException {
        return upstreamIsAllas ? readFromShowAll(connection) : readFromServer(connection);
    }

    /**
     * What an upstream allas answers: SHOW ALL (name, value, description, the values a fresh
     * session of its own upstream has) and version(). The types and contexts it does not tell are
     * taken as a string any user may set: a SET's value is checked less than PostgreSQL would.
     */
    private static ServerSettings readFromShowAll(Connection connection) throws SQLException {
        Map<String, ServerSettings.Setting> settings = new HashMap<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery("SHOW ALL")) {
            while (rows.next()) {
                String name = rows.getString(1);
                settings.put(name.toLowerCase(Locale.ROOT), new ServerSettings.Setting(name, rows.getString(2),
                        rows.getString(3), "string", "", null, null, List.of(), "user"));
            }
        }
        ServerSettings.Setting superuser = settings.get("is_superuser");
        return new ServerSettings(settings, scalar(connection, "SELECT pg_catalog.version()"), schemas(connection),
                superuser != null && "on".equals(superuser.value()));
    }

    private static ServerSettings readFromServer(Connection connection) throws SQLException {
        Map<String, ServerSettings.Setting> settings = new HashMap<>();
        Map<String, String> bootValues = new HashMap<>();
        List<String> fromClient = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(SETTINGS)) {
            while (rows.next()) {
                String name = rows.getString(1);
                settings.put(name.toLowerCase(Locale.ROOT), new ServerSettings.Setting(name, rows.getString(2),
                        rows.getString(3), rows.getString(4), rows.getString(5), rows.getString(6), rows.getString(7),
                        List.of(textArray(rows.getArray(8))), rows.getString(9)));
                if ("client".equals(rows.getString(10))) {
                    fromClient.add(name.toLowerCase(Locale.ROOT));
                }
                bootValues.put(name.toLowerCase(Locale.ROOT), rows.getString(11));
            }
        }
        Map<String, String> databaseRole = firstByName(connection, DATABASE_ROLE_DEFAULTS, true);
        Map<String, String> file = firstByName(connection, FILE_SETTINGS, false);
        for (String name : fromClient) {
            String raw = databaseRole.getOrDefault(name, file.getOrDefault(name, bootValues.get(name)));
            ServerSettings.Setting setting = settings.get(name);
            settings.put(name, new ServerSettings.Setting(setting.name(), canonical(connection, setting.name(), raw),
                    setting.description(), setting.type(), setting.unit(), setting.min(), setting.max(),
                    setting.enumValues(), setting.context()));
        }
        return new ServerSettings(settings, scalar(connection, "SELECT pg_catalog.version()"), schemas(connection),
                "on".equals(scalar(connection, "SELECT pg_catalog.current_setting('is_superuser')")));
    }

    /**
     * @param nameValuePairs whether the query returns {@code name=value} strings rather than two columns
     * @return the first value of each name (lower case); empty when the query may not be run
     */
    private static Map<String, String> firstByName(Connection connection, String sql, boolean nameValuePairs) {
        Map<String, String> values = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                String name;
                String value;
                if (nameValuePairs) {
                    String pair = rows.getString(1);
                    int equals = pair.indexOf('=');
                    name = pair.substring(0, Math.max(equals, 0));
                    value = pair.substring(equals + 1);
                } else {
                    name = rows.getString(1);
                    value = rows.getString(2);
                }
                values.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
            }
        } catch (SQLException e) {
            // pg_file_settings is for superusers and pg_read_all_settings: fall back to the built-in defaults.
            LOG.log(System.Logger.Level.DEBUG, "cannot read the server''s defaults ({0}): {1}", sql, e.getMessage());
        }
        return values;
    }

    private static String canonical(Connection connection, String name, String raw) {
        if (raw == null) {
            return "";
        }
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_catalog.set_config(?, ?, true)")) {
            statement.setString(1, name);
            statement.setString(2, raw);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getString(1);
            }
        } catch (SQLException e) {
            return raw;
        }
    }

    private static String scalar(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static Set<String> schemas(Connection connection) throws SQLException {
        Set<String> schemas = new HashSet<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT nspname FROM pg_catalog.pg_namespace")) {
            while (rows.next()) {
                schemas.add(rows.getString(1));
            }
        }
        return schemas;
    }

    private static String[] textArray(Array array) throws SQLException {
        return array == null ? new String[0] : (String[]) array.getArray();
    }
}
