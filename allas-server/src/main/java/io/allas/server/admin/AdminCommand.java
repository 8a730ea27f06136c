package io.allas.server.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.allas.server.protocol.SqlState;
import io.allas.server.sql.SqlError;
import io.allas.server.sql.SqlLexer;
import io.allas.server.sql.Statement;
import io.allas.server.sql.StatementParser;
import io.allas.server.sql.Token;

/**
 * A command of the admin console, as an operator types it in psql: case does not matter, a
 * semicolon ends it.
 */
sealed interface AdminCommand {

    /** {@code SHOW CLIENTS}, {@code SHOW CHANNELS} ...: a table. */
    record Show(Topic topic) implements AdminCommand {
    }

    /** {@code RELOAD}: the configuration file read again. */
    record Reload() implements AdminCommand {
    }

    /** {@code KILL CLIENT <id>}: one client terminated with 57P01. */
    record KillClient(long id) implements AdminCommand {
    }

    /**
     * {@code SET} of a parameter drivers set as they connect (pgjdbc sends {@code SET application_name}):
     * answered, with no effect, so that they connect.
     */
    record SetAtConnect() implements AdminCommand {
    }

    /** What SHOW lists. */
    enum Topic { CLIENTS, CHANNELS, UPSTREAMS, STATS, CONFIG, VERSION }

    /** What the console answers, for the errors that list it. */
    String COMMANDS = "SHOW CLIENTS, SHOW CHANNELS, SHOW UPSTREAMS, SHOW STATS, SHOW CONFIG, SHOW VERSION, RELOAD, KILL CLIENT <id>";

    /** The parameters drivers set at connect time. */
    Set<String> SET_AT_CONNECT = Set.of("application_name", "extra_float_digits", "client_encoding", "datestyle");

    /**
     * @param sql a query string: commands separated by semicolons
     * @return its commands, in order; none for an empty query
     * @throws SqlError 0A000 for a statement the console does not take (LISTEN, SELECT ...), 42601
     *                  for a malformed command; nothing is run then
     */
    static List<AdminCommand> parseAll(String sql) throws SqlError {
        List<Token> tokens = SqlLexer.tokenize(sql);
        List<AdminCommand> commands = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= tokens.size(); i++) {
            if (i == tokens.size() || tokens.get(i).kind() == Token.Kind.SEMICOLON) {
                if (i > start) {
                    List<Token> command = tokens.subList(start, i);
                    Token last = command.getLast();
                    commands.add(parse(command, sql.substring(command.getFirst().start(), last.start() + last.source().length())));
                }
                start = i + 1;
            }
        }
        return List.copyOf(commands);
    }

    private static AdminCommand parse(List<Token> tokens, String text) throws SqlError {
        Token first = tokens.getFirst();
        if (first.isKeyword("show")) {
            if (tokens.size() == 2 && tokens.get(1).kind() == Token.Kind.IDENTIFIER) {
                for (Topic topic : Topic.values()) {
                    if (tokens.get(1).isKeyword(topic.name().toLowerCase(Locale.ROOT))) {
                        return new Show(topic);
                    }
                }
            }
            throw new SqlError(SqlState.SYNTAX_ERROR, "unknown SHOW command \"" + text
                    + "\" on the admin console; it takes " + COMMANDS);
        }
        if (first.isKeyword("reload") && tokens.size() == 1) {
            return new Reload();
        }
        if (first.isKeyword("kill")) {
            if (tokens.size() == 3 && tokens.get(1).isKeyword("client") && tokens.get(2).kind() == Token.Kind.NUMBER) {
                try {
                    return new KillClient(Long.parseLong(tokens.get(2).text()));
                } catch (NumberFormatException e) {
                    // below
                }
            }
            throw new SqlError(SqlState.SYNTAX_ERROR, "KILL CLIENT takes a client's id, a number from SHOW CLIENTS");
        }
        if (first.isKeyword("set") && StatementParser.parse(text).getFirst() instanceof Statement.Set set
                && SET_AT_CONNECT.contains(set.name())) {
            return new SetAtConnect();
        }
        if (first.isKeyword("reload")) {
            throw new SqlError(SqlState.SYNTAX_ERROR, "RELOAD takes no arguments");
        }
        throw new SqlError(SqlState.FEATURE_NOT_SUPPORTED, "the admin console does not take "
                + first.source().toUpperCase(Locale.ROOT) + "; it takes " + COMMANDS);
    }
}
