package io.allas.server.session;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import io.allas.auth.spi.ChannelPermissions;

import io.allas.server.config.DatabaseConfig;
import io.allas.server.protocol.SqlState;
import io.allas.server.sql.SqlError;

/**
 * Which channels one client may use: its database's {@code channels} and what its authentication
 * plugin granted it, the narrower of the two (a channel must be allowed by both); and what they
 * are called upstream, behind its database's {@code channel_prefix}. PostgreSQL has no
 * permissions on channels; this is what keeps one tenant of a shared relay from listening to
 * another's.
 */
final class ChannelAccess {

    /** What a client does with a channel, as the denial metric labels it. */
    enum Operation {
        LISTEN("listen"), NOTIFY("notify");

        final String label;

        Operation(String label) {
            this.label = label;
        }
    }

    /** PostgreSQL's identifier limit (NAMEDATALEN - 1), which a channel name is truncated to. */
    private static final int MAX_NAME_BYTES = 63;

    private final String database;
    private final String prefix;
    private final SessionEvents events;
    /** Each list of patterns must allow a channel; no list: every channel. */
    private final List<List<String>> listen;
    private final List<List<String>> notify;
    /**
     * The prefixes of other databases on the same upstream that names of this client's could
     * begin with (all of them for a database without a prefix; {@code a_b_} for {@code a_}):
     * the channels under them are those databases' own.
     */
    private final List<String> otherNamespaces;

    private ChannelAccess(String database, String prefix, SessionEvents events, List<List<String>> listen,
                          List<List<String>> notify, List<String> otherNamespaces) {
        this.database = database;
        this.prefix = prefix;
        this.events = events;
        this.listen = listen;
        this.notify = notify;
        this.otherNamespaces = otherNamespaces;
    }

    /**
     * @param database      the client's database
     * @param rules         the database's rules
     * @param granted       what the authentication plugin granted; empty when it restricts nothing
     * @param otherPrefixes the {@code channel_prefix} of every other database on the same upstream
     * @param events        counts denials
     */
    static ChannelAccess of(String database, DatabaseConfig.ChannelRules rules, Optional<ChannelPermissions> granted,
                            Collection<String> otherPrefixes, SessionEvents events) {
        String prefix = rules.prefix();
        return new ChannelAccess(database, prefix, events,
                both(rules.listenPatterns(), granted.flatMap(ChannelPermissions::listenPatterns)),
                both(rules.notifyPatterns(), granted.flatMap(ChannelPermissions::notifyPatterns)),
                otherPrefixes.stream().filter(other -> other.length() > prefix.length() && other.startsWith(prefix))
                        .distinct().toList());
    }

    private static List<List<String>> both(Optional<List<String>> first, Optional<List<String>> second) {
        return Stream.of(first, second).flatMap(Optional::stream).toList();
    }

    /**
     * @param channel the channel as PostgreSQL names it (folded and truncated)
     * @throws SqlError {@code 42501 permission denied for channel "x"}, as PostgreSQL words a denied object
     */
    void check(Operation operation, String channel) throws SqlError {
        // Another tenant's channel on the shared upstream: never this client's, whatever its patterns allow.
        boolean denied = !otherNamespaces.isEmpty() && otherNamespaces.stream().anyMatch((prefix + channel)::startsWith);
        for (List<String> patterns : operation == Operation.LISTEN ? listen : notify) {
            denied = denied || patterns.stream().noneMatch(pattern -> matches(pattern, channel));
        }
        if (denied) {
            // Logged (rate-limited) with the client's other refused statements.
            events.channelDenied(database, operation.label);
            throw new SqlError(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied for channel \"" + channel + "\"");
        }
    }

    /**
     * @return whether the client's channels have other names upstream
     */
    boolean namespaced() {
        return !prefix.isEmpty();
    }

    /**
     * @return the database's {@code channel_prefix}: empty when the client's channels have the same names upstream
     */
    String prefix() {
        return prefix;
    }

    /**
     * @param channel the channel as the client names it
     * @return its name upstream
     * @throws SqlError {@code 42622} when the prefixed name is longer than PostgreSQL keeps: it
     *                  would be truncated, and two channels could become one
     */
    String upstreamName(String channel) throws SqlError {
        if (prefix.isEmpty()) {
            return channel;
        }
        String upstream = prefix + channel;
        int bytes = upstream.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) {
            throw new SqlError(SqlState.NAME_TOO_LONG, "channel name \"" + channel + "\" is too long: with the prefix of database \""
                    + database + "\" it is " + bytes + " bytes, more than the " + MAX_NAME_BYTES + " PostgreSQL allows");
        }
        return upstream;
    }

    /** {@code *} stands for any run of characters, everything else for itself. */
    static boolean matches(String pattern, String channel) {
        int p = 0;
        int c = 0;
        int star = -1;
        int resume = 0;
        while (c < channel.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                resume = c;
            } else if (p < pattern.length() && pattern.charAt(p) == channel.charAt(c)) {
                p++;
                c++;
            } else if (star >= 0) {
                // Let the last star take one more character and try again from there.
                p = star + 1;
                c = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
