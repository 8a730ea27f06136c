package io.allas.server.relay;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import io.allas.server.protocol.backend.NotificationRun;

/**
 * The notifications of the round being dispatched, renamed for the clients behind one channel
 * prefix: each run is rebuilt once for all of them, not once per client. Only the latest round is
 * kept, so what this holds is what the clients' queues hold anyway.
 */
final class PrefixRenames {

    /** A round with more runs than this renames the rest once per client: correct, if slower. */
    private static final int MAX_RUNS = 256;

    private final String prefix;
    /** The latest round's runs, by identity: the relay hands every client the same run objects. */
    private final Map<NotificationRun, NotificationRun> renamed = new IdentityHashMap<>();
    /** When the newest run in {@link #renamed} was read; runs of a later round were read later. */
    private long newestNanos;
    /** A round on one channel reaches every client as the same list: the renamed list is shared as well. */
    private List<NotificationRun> lastRuns;
    private List<NotificationRun> lastRenamed;

    PrefixRenames(String prefix) {
        this.prefix = prefix;
    }

    /**
     * @param upstream a channel's name upstream
     * @return its name for the clients behind the prefix
     */
    String clientName(String upstream) {
        return upstream.startsWith(prefix) ? upstream.substring(prefix.length()) : upstream;
    }

    /**
     * Called on the relay's thread; synchronized all the same, as the lock is uncontended and the
     * maps must never be shared unguarded.
     *
     * @param runs notifications as the upstream named their channels; not changed
     * @return the same notifications as the clients name their channels; must not be changed
     */
    synchronized List<NotificationRun> rename(List<NotificationRun> runs) {
        if (runs == lastRuns) {
            return lastRenamed;
        }
        List<NotificationRun> out = new ArrayList<>(runs.size());
        for (NotificationRun run : runs) {
            out.add(rename(run));
        }
        lastRuns = runs;
        lastRenamed = Collections.unmodifiableList(out);
        return lastRenamed;
    }

    private NotificationRun rename(NotificationRun run) {
        NotificationRun done = renamed.get(run);
        if (done != null) {
            return done;
        }
        // A run read after every one held here belongs to a later round: the earlier ones are done with.
        if (renamed.isEmpty() || run.receivedNanos() - newestNanos > 0 || renamed.size() >= MAX_RUNS) {
            renamed.clear();
            newestNanos = run.receivedNanos();
        }
        done = run.withChannel(clientName(run.channel()));
        renamed.put(run, done);
        return done;
    }
}
