package io.allas.server.sql;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns query text into the statements allas understands. Several statements may be separated
 * by semicolons; an empty query (nothing, only semicolons, only comments) gives an empty list.
 */
public final class StatementParser {

    private StatementParser() {
    }

    /**
     * @param sql query text
     * @return the statements, in order
     * @throws SqlError naming what was not understood
     */
    public static List<Statement> parse(String sql) throws SqlError {
        List<Token> tokens = SqlLexer.tokenize(sql);
        List<List<Token>> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= tokens.size(); i++) {
            if (i == tokens.size() || tokens.get(i).kind() == Token.Kind.SEMICOLON) {
                if (i > start) {
                    parts.add(tokens.subList(start, i));
                }
                start = i + 1;
            }
        }
        List<Statement> statements = new ArrayList<>();
        for (List<Token> part : parts) {
            // A catalog query goes to PostgreSQL as its text: only a query of its own has that text.
            statements.add(parseOne(part, parts.size() == 1 ? sql : null));
        }
        return List.copyOf(statements);
    }

    /**
     * @param sql the query text when this statement is the whole query, else null
     */
    private static Statement parseOne(List<Token> tokens, String sql) throws SqlError {
        Token first = tokens.getFirst();
        if (first.isKeyword("with")) {
            return catalogQuery(tokens, sql);
        }
        if (first.isKeyword("select")) {
            if (tokens.size() == 2 && tokens.get(1).kind() == Token.Kind.NUMBER && tokens.get(1).text().equals("1")) {
                return new Statement.SelectOne();
            }
            if (matches(tokens, 1, "pg_advisory_unlock_all", "(", ")")
                    || matches(tokens, 1, "pg_catalog", ".", "pg_advisory_unlock_all", "(", ")")) {
                return new Statement.AdvisoryUnlockAll();
            }
            Optional<Statement> sessionFunction = SessionFunctionQuery.parse(tokens);
            if (sessionFunction.isPresent()) {
                return sessionFunction.get();
            }
            return catalogQuery(tokens, sql);
        }
        if (first.isKeyword("show")) {
            if (tokens.size() == 2 && tokens.get(1).isKeyword("all")) {
                return new Statement.ShowAll();
            }
            return new Statement.Show(settingName(tokens, 1, true));
        }
        if (first.isKeyword("reset")) {
            if (tokens.size() == 2 && tokens.get(1).isKeyword("all")) {
                return new Statement.Reset(null);
            }
            return new Statement.Reset(settingName(tokens, 1, true));
        }
        if (first.isKeyword("discard")) {
            if (tokens.size() == 2 && tokens.get(1).isKeyword("all")) {
                return new Statement.DiscardAll();
            }
            throw unsupported("DISCARD " + (tokens.size() > 1 ? tokens.get(1).source().toUpperCase(Locale.ROOT) : ""),
                    "only DISCARD ALL is supported");
        }
        if (first.isKeyword("close")) {
            if (tokens.size() == 2 && tokens.get(1).isKeyword("all")) {
                return new Statement.CloseAll();
            }
            throw unsupported("CLOSE", "allas has no cursors; only CLOSE ALL is supported");
        }
        if (first.isKeyword("deallocate")) {
            int index = tokens.size() > 1 && tokens.get(1).isKeyword("prepare") ? 2 : 1;
            if (tokens.size() == index + 1 && tokens.get(index).isKeyword("all")) {
                return new Statement.Deallocate(null);
            }
            if (tokens.size() == index + 1 && tokens.get(index).isName()) {
                return new Statement.Deallocate(tokens.get(index).text());
            }
            throw syntaxErrorAfter(tokens, index);
        }
        if (first.isKeyword("listen")) {
            if (tokens.size() == 2 && tokens.get(1).isName()) {
                return new Statement.Listen(tokens.get(1).text());
            }
            throw syntaxErrorAfter(tokens, 1);
        }
        if (first.isKeyword("unlisten")) {
            if (tokens.size() == 2 && tokens.get(1).isName()) {
                return new Statement.Unlisten(tokens.get(1).text());
            }
            if (tokens.size() == 2 && tokens.get(1).source().equals("*")) {
                return new Statement.Unlisten(null);
            }
            throw syntaxErrorAfter(tokens, 1);
        }
        if (first.isKeyword("notify")) {
            return NotifyStatements.parseNotify(tokens);
        }
        if (first.isKeyword("begin") && onlyTransactionWords(tokens, 1)) {
            return new Statement.Begin("BEGIN");
        }
        if (first.isKeyword("start") && tokens.size() >= 2 && tokens.get(1).isKeyword("transaction")
                && onlyTransactionWords(tokens, 2)) {
            return new Statement.Begin("START TRANSACTION");
        }
        if ((first.isKeyword("commit") || first.isKeyword("end")) && onlyTransactionWords(tokens, 1)) {
            return new Statement.Commit();
        }
        if ((first.isKeyword("rollback") || first.isKeyword("abort")) && onlyTransactionWords(tokens, 1)) {
            return new Statement.Rollback();
        }
        if (first.isKeyword("set")) {
            return parseSet(tokens);
        }
        if (first.kind() == Token.Kind.IDENTIFIER) {
            throw unsupported(first.source().toUpperCase(Locale.ROOT), null);
        }
        throw new SqlError("syntax error at or near \"" + first.source() + "\"");
    }

    /**
     * {@code WORK}, {@code TRANSACTION} and the transaction modes ({@code ISOLATION LEVEL ...},
     * {@code READ ONLY}, {@code DEFERRABLE} ...) change nothing for allas: accept them as words.
     */
    private static boolean onlyTransactionWords(List<Token> tokens, int from) throws SqlError {
        for (Token token : tokens.subList(from, tokens.size())) {
            if (token.kind() != Token.Kind.IDENTIFIER && !token.source().equals(",")) {
                throw new SqlError("syntax error at or near \"" + token.source() + "\"");
            }
        }
        return true;
    }

    /**
     * The name of a parameter after SHOW, RESET or SET: a possibly qualified name
     * ({@code myapp.setting}) or one of SQL's spellings ({@code TIME ZONE}, {@code TRANSACTION
     * ISOLATION LEVEL}, {@code SESSION AUTHORIZATION}).
     *
     * @param whole whether the name must end the statement
     */
    private static String settingName(List<Token> tokens, int from, boolean whole) throws SqlError {
        String sqlName = null;
        int end = from;
        if (matchesAt(tokens, from, "time", "zone")) {
            sqlName = "timezone";
            end = from + 2;
        } else if (whole && matchesAt(tokens, from, "transaction", "isolation", "level")) {
            sqlName = "transaction_isolation";
            end = from + 3;
        } else if (whole && matchesAt(tokens, from, "session", "authorization")) {
            sqlName = "session_authorization";
            end = from + 2;
        }
        if (sqlName == null) {
            if (from >= tokens.size() || !tokens.get(from).isName()) {
                throw syntaxErrorAt(tokens, from);
            }
            StringBuilder name = new StringBuilder(tokens.get(from).text());
            end = from + 1;
            while (end + 1 < tokens.size() && tokens.get(end).source().equals(".") && tokens.get(end + 1).isName()) {
                name.append('.').append(tokens.get(end + 1).text());
                end += 2;
            }
            sqlName = name.toString();
        }
        if (whole && end < tokens.size()) {
            throw syntaxErrorAt(tokens, end);
        }
        return sqlName;
    }

    /**
     * {@code SET [SESSION | LOCAL] name {= | TO} {value [, ...] | DEFAULT}}, and SQL's
     * {@code SET TIME ZONE value}, {@code SET SCHEMA 'schema'}, {@code SET NAMES 'encoding'}. Each
     * value is one constant, as in PostgreSQL's grammar: a string, a number (signed or not) or a
     * word; anything else is a syntax error where it begins ({@code SET application_name = a b c}:
     * at "b").
     */
    private static Statement parseSet(List<Token> tokens) throws SqlError {
        if (matchesAt(tokens, 1, "session", "characteristics", "as", "transaction")) {
            return new Statement.SetTransaction(transactionModes(tokens, 5), true);
        }
        int index = 1;
        boolean local = false;
        if (index + 1 < tokens.size() && (tokens.get(index).isKeyword("session") || tokens.get(index).isKeyword("local"))
                && tokens.get(index + 1).isName() && !tokens.get(index + 1).isKeyword("to")) {
            local = tokens.get(index).isKeyword("local");
            index++;
        }
        if (matchesAt(tokens, index, "transaction") && index + 1 < tokens.size() && tokens.get(index + 1).isName()
                && !tokens.get(index + 1).isKeyword("to")) {
            if (matchesAt(tokens, index + 1, "snapshot")) {
                throw unsupported("SET TRANSACTION SNAPSHOT", "allas holds no snapshots");
            }
            return new Statement.SetTransaction(transactionModes(tokens, index + 1), false);
        }
        if (matchesAt(tokens, index, "time", "zone")) {
            if (matchesAt(tokens, index + 2, "local") || matchesAt(tokens, index + 2, "default")) {
                return endsAt(tokens, index + 3, new Statement.Set("timezone", List.of(), local));
            }
            return new Statement.Set("timezone", values(tokens, index + 2, true), local);
        }
        if (matchesAt(tokens, index, "schema") && index + 1 < tokens.size() && tokens.get(index + 1).kind() == Token.Kind.STRING) {
            return endsAt(tokens, index + 2, new Statement.Set("search_path", List.of(tokens.get(index + 1).text()), local));
        }
        if (matchesAt(tokens, index, "names") && index + 1 < tokens.size() && !tokens.get(index + 1).isKeyword("to")
                && !tokens.get(index + 1).source().equals("=")) {
            if (matchesAt(tokens, index + 1, "default")) {
                return endsAt(tokens, index + 2, new Statement.Set("client_encoding", List.of(), local));
            }
            return new Statement.Set("client_encoding", values(tokens, index + 1, true), local);
        }
        String name = settingName(tokens, index, false);
        index += name.chars().filter(c -> c == '.').count() * 2 + 1;
        if (index >= tokens.size() || !(tokens.get(index).isKeyword("to") || tokens.get(index).source().equals("="))) {
            throw syntaxErrorAt(tokens, index);
        }
        index++;
        if (matchesAt(tokens, index, "default")) {
            return endsAt(tokens, index + 1, new Statement.Set(name, List.of(), local));
        }
        return new Statement.Set(name, values(tokens, index, false), local);
    }

    /**
     * A transaction mode list as PostgreSQL's grammar has it: {@code ISOLATION LEVEL} {@code
     * SERIALIZABLE | REPEATABLE READ | READ COMMITTED | READ UNCOMMITTED}, {@code READ ONLY | READ
     * WRITE}, {@code [NOT] DEFERRABLE}, separated by commas or not; a later mode overrides an
     * earlier one of the same kind.
     */
    private static Map<String, String> transactionModes(List<Token> tokens, int from) throws SqlError {
        Map<String, String> modes = new LinkedHashMap<>();
        int index = from;
        if (index >= tokens.size()) {
            throw syntaxErrorAt(tokens, index);
        }
        while (index < tokens.size()) {
            if (matchesAt(tokens, index, "isolation", "level")) {
                index += 2;
                String level;
                if (matchesAt(tokens, index, "serializable")) {
                    level = "serializable";
                    index += 1;
                } else if (matchesAt(tokens, index, "repeatable", "read")) {
                    level = "repeatable read";
                    index += 2;
                } else if (matchesAt(tokens, index, "read", "committed")) {
                    level = "read committed";
                    index += 2;
                } else if (matchesAt(tokens, index, "read", "uncommitted")) {
                    level = "read uncommitted";
                    index += 2;
                } else {
                    throw syntaxErrorAt(tokens, index);
                }
                modes.put("transaction_isolation", level);
            } else if (matchesAt(tokens, index, "read", "only") || matchesAt(tokens, index, "read", "write")) {
                modes.put("transaction_read_only", tokens.get(index + 1).isKeyword("only") ? "on" : "off");
                index += 2;
            } else if (matchesAt(tokens, index, "deferrable")) {
                modes.put("transaction_deferrable", "on");
                index += 1;
            } else if (matchesAt(tokens, index, "not", "deferrable")) {
                modes.put("transaction_deferrable", "off");
                index += 2;
            } else {
                throw syntaxErrorAt(tokens, index);
            }
            if (index < tokens.size() && tokens.get(index).source().equals(",")) {
                index++;
                if (index == tokens.size()) {
                    throw syntaxErrorAt(tokens, index);
                }
            }
        }
        return modes;
    }

    private static List<String> values(List<Token> tokens, int from, boolean single) throws SqlError {
        List<String> values = new ArrayList<>();
        int index = from;
        while (true) {
            if (index >= tokens.size()) {
                throw new SqlError("syntax error at end of input");
            }
            Token token = tokens.get(index);
            boolean sign = token.source().equals("-") || token.source().equals("+");
            if (sign && index + 1 < tokens.size() && tokens.get(index + 1).kind() == Token.Kind.NUMBER) {
                values.add((token.source().equals("-") ? "-" : "") + tokens.get(index + 1).text());
                index += 2;
            } else if (token.isName() || token.kind() == Token.Kind.STRING || token.kind() == Token.Kind.NUMBER) {
                values.add(token.text());
                index++;
            } else {
                throw syntaxErrorAt(tokens, index);
            }
            if (index == tokens.size()) {
                return List.copyOf(values);
            }
            if (single || !tokens.get(index).source().equals(",")) {
                throw syntaxErrorAt(tokens, index);
            }
            index++;
        }
    }

    private static Statement endsAt(List<Token> tokens, int end, Statement statement) throws SqlError {
        if (end < tokens.size()) {
            throw syntaxErrorAt(tokens, end);
        }
        return statement;
    }

    private static boolean matchesAt(List<Token> tokens, int from, String... words) {
        if (from + words.length > tokens.size()) {
            return false;
        }
        for (int i = 0; i < words.length; i++) {
            if (!tokens.get(from + i).isKeyword(words[i])) {
                return false;
            }
        }
        return true;
    }

    private static SqlError syntaxErrorAt(List<Token> tokens, int index) {
        return index >= tokens.size() ? new SqlError("syntax error at end of input")
                : new SqlError("syntax error at or near \"" + tokens.get(index).source() + "\"");
    }

    /**
     * @return whether the tokens from {@code from} on are exactly these words and symbols
     */
    private static boolean matches(List<Token> tokens, int from, String... expected) {
        if (tokens.size() != from + expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            Token token = tokens.get(from + i);
            boolean word = Character.isLetter(expected[i].charAt(0));
            if (word ? !token.isKeyword(expected[i]) : !token.source().equals(expected[i])) {
                return false;
            }
        }
        return true;
    }

    private static SqlError syntaxErrorAfter(List<Token> tokens, int index) {
        if (index >= tokens.size()) {
            return new SqlError("syntax error at end of input");
        }
        Token offending = tokens.get(index).isName() && tokens.size() > index + 1 ? tokens.get(index + 1) : tokens.get(index);
        return new SqlError("syntax error at or near \"" + offending.source() + "\"");
    }

    /**
     * A query that is none of the above, passed to PostgreSQL if it is a catalog query.
     */
    private static Statement catalogQuery(List<Token> tokens, String sql) throws SqlError {
        List<Statement.CurrentSchemas> currentSchemas;
        try {
            currentSchemas = CatalogQueryCheck.check(tokens);
        } catch (CatalogQueryCheck.Refused e) {
            throw unsupported(tokens.getFirst().source().toUpperCase(Locale.ROOT) + " of this kind", e.getMessage());
        }
        if (sql == null) {
            throw unsupported("a catalog query among other statements", "send it as a query of its own");
        }
        return new Statement.CatalogQuery(sql, List.of(), currentSchemas);
    }

    private static SqlError unsupported(String command, String detail) {
        return new SqlError("allas does not support " + command
                + (detail == null ? "" : " (" + detail + ")")
                + "; it understands LISTEN, UNLISTEN, NOTIFY, SET, SHOW, RESET, DISCARD ALL, SELECT 1,"
                + " SELECT of the session's functions (current_setting(), version(), current_user,"
                + " pg_listening_channels(), pg_backend_pid(), pg_notify() ...), transaction control, and passes to"
                + " PostgreSQL read-only SELECTs of the system catalogs (pg_type, pg_namespace, pg_range,"
                + " pg_enum, pg_attribute, pg_class, pg_proc ...) that call only side-effect-free functions");
    }
}
