package io.allas.server.admin;

import java.util.List;
import java.util.Locale;

import io.allas.server.protocol.SqlState;
import io.allas.server.sql.SqlError;

/**
 * A command of the admin console, as an operator types it in psql: case does not matter, a
 * trailing semicolon may end it.
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

    /** What SHOW lists. */
    enum Topic { CLIENTS, CHANNELS, UPSTREAMS, STATS, CONFIG, VERSION }

    /** What the console answers, for the error that lists it. */
    String COMMANDS = "SHOW CLIENTS, SHOW CHANNELS, SHOW UPSTREAMS, SHOW STATS, SHOW CONFIG, SHOW VERSION, RELOAD, KILL CLIENT <id>";

    /**
     * @param text one command, not empty
     * @return the command
     * @throws SqlError 0A000 for a statement the console does not take (LISTEN, SELECT ...), 42601
     *                  for a malformed command
     */
    static AdminCommand parse(String text) throws SqlError {
        String trimmed = text.strip();
        while (trimmed.endsWith(";")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1).strip();
        }
        List<String> words = List.of(trimmed.toUpperCase(Locale.ROOT).split("\\s+"));
        switch (words.getFirst()) {
            case "SHOW" -> {
                if (words.size() == 2) {
                    for (Topic topic : Topic.values()) {
                        if (topic.name().equals(words.get(1))) {
                            return new Show(topic);
                        }
                    }
                }
                throw new SqlError(SqlState.SYNTAX_ERROR, "unknown SHOW command \"" + trimmed
                        + "\" on the admin console; it takes " + COMMANDS);
            }
            case "RELOAD" -> {
                if (words.size() == 1) {
                    return new Reload();
                }
            }
            case "KILL" -> {
                if (words.size() == 3 && words.get(1).equals("CLIENT")) {
                    try {
                        return new KillClient(Long.parseLong(words.get(2)));
                    } catch (NumberFormatException e) {
                        throw new SqlError(SqlState.SYNTAX_ERROR, "KILL CLIENT takes a client's id, a number from SHOW CLIENTS");
                    }
                }
            }
            default -> throw new SqlError(SqlState.FEATURE_NOT_SUPPORTED, "the admin console does not take "
                    + words.getFirst() + "; it takes " + COMMANDS);
        }
        throw new SqlError(SqlState.SYNTAX_ERROR, "malformed admin command \"" + trimmed + "\"; the console takes " + COMMANDS);
    }
}
