package io.allas.auth.spi;

import java.util.List;
import java.util.Optional;

/**
 * The channels one authenticated client may use, as a plugin grants them (per token, per
 * certificate ...). Patterns are channel names with {@code *} standing for any run of
 * characters, matched against the name as PostgreSQL names the channel (unquoted names folded to
 * lower case, truncated to 63 bytes). allas applies the narrower of these and the database's own
 * {@code channels}: a channel must be allowed by both.
 *
 * @param listenPatterns the patterns of the channels the client may LISTEN on; empty: no restriction from the plugin
 * @param notifyPatterns the patterns of the channels the client may NOTIFY; empty: no restriction from the plugin
 */
public record ChannelPermissions(Optional<List<String>> listenPatterns, Optional<List<String>> notifyPatterns) {

    /**
     * @param listenPatterns the LISTEN patterns, or empty
     * @param notifyPatterns the NOTIFY patterns, or empty
     */
    public ChannelPermissions {
        listenPatterns = listenPatterns.map(List::copyOf);
        notifyPatterns = notifyPatterns.map(List::copyOf);
    }

    /**
     * @param listen the patterns of the channels the client may LISTEN on ({@code List.of()}: none)
     * @param notify the patterns of the channels the client may NOTIFY ({@code List.of()}: none)
     * @return permissions restricting both
     */
    public static ChannelPermissions of(List<String> listen, List<String> notify) {
        return new ChannelPermissions(Optional.of(listen), Optional.of(notify));
    }
}
