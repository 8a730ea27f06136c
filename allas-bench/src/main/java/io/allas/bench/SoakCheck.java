package io.allas.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code soak} scenario's verdict on what one client received: per producer, every
 * notification at most once and in order, and none missing unless a gap the client was told of
 * excuses it. A hole is excused only by a report that names its channel and
 * <ul>
 *   <li>{@code upstream_lost}: covers the hole's commits, i.e. each missing notification's COMMIT
 *       was sent no later than the report's {@code to} and returned no earlier than its {@code from}
 *       less the lead (the relay finds the loss a little after PostgreSQL's backend died with
 *       notifications still unsent: those committed just before {@code from} are lost too);</li>
 *   <li>{@code slow_client}: is the hole just before the report in the stream, exactly as long as
 *       its {@code dropped} count;</li>
 * </ul>
 * or the missing notification's transaction is uncertain (a fault cut off its COMMIT's answer).
 * A LISTEN acknowledged at time t must receive every notification whose COMMIT was sent after t.
 */
final class SoakCheck {

    /** A gap report as the relay sends it on the gap channel (a JSON payload), times in epoch milliseconds. */
    record GapReport(String reason, long fromMillis, long toMillis, Set<String> channels, long dropped) {

        private static final Pattern FIELD = Pattern.compile("\"(reason|from|to)\": \"([^\"]*)\"");
        private static final Pattern CHANNELS = Pattern.compile("\"channels\": \\[([^\\]]*)]");
        private static final Pattern DROPPED = Pattern.compile("\"dropped\": (\\d+)");

        static GapReport parse(String json) {
            String reason = null;
            long from = 0;
            long to = 0;
            Matcher m = FIELD.matcher(json);
            while (m.find()) {
                switch (m.group(1)) {
                    case "reason" -> reason = m.group(2);
                    case "from" -> from = Instant.parse(m.group(2)).toEpochMilli();
                    default -> to = Instant.parse(m.group(2)).toEpochMilli();
                }
            }
            Set<String> channels = new LinkedHashSet<>();
            Matcher c = CHANNELS.matcher(json);
            if (c.find()) {
                for (String quoted : c.group(1).split(",")) {
                    String name = quoted.trim();
                    if (name.length() >= 2) {
                        channels.add(name.substring(1, name.length() - 1));
                    }
                }
            }
            Matcher d = DROPPED.matcher(json);
            long dropped = d.find() ? Long.parseLong(d.group(1)) : 0;
            if (reason == null || from == 0 || to == 0) {
                throw new IllegalArgumentException("not a gap report: " + json);
            }
            return new GapReport(reason, from, to, channels, dropped);
        }
    }

    /** The counts of one or many clients. */
    static final class Tally {
        long delivered;
        long duplicated;
        long reordered;
        long lost;
        long excusedUpstream;
        long excusedSlow;
        long excusedUncertain;
        long gapReports;
        long slowReports;
        long slowMismatches;
        long afterUnlisten;
        /** How long before a report's {@code from} the earliest excused commit returned, in ms (0 if none did). */
        long maxLeadMillis;
        final List<String> problems = new ArrayList<>();

        void add(Tally t) {
            delivered += t.delivered;
            duplicated += t.duplicated;
            reordered += t.reordered;
            lost += t.lost;
            excusedUpstream += t.excusedUpstream;
            excusedSlow += t.excusedSlow;
            excusedUncertain += t.excusedUncertain;
            gapReports += t.gapReports;
            slowReports += t.slowReports;
            slowMismatches += t.slowMismatches;
            afterUnlisten += t.afterUnlisten;
            maxLeadMillis = Math.max(maxLeadMillis, t.maxLeadMillis);
            for (String p : t.problems) {
                if (problems.size() < 10) {
                    problems.add(p);
                }
            }
        }

        boolean clean() {
            return duplicated == 0 && reordered == 0 && lost == 0 && slowMismatches == 0 && afterUnlisten == 0;
        }
    }

    /** A run of missing sequence numbers, inclusive; {@code slow} when a slow-client report claims it. */
    private static final class Hole {
        final int producer;
        long from;
        long to;
        final SlowClaim slow;

        Hole(int producer, long from, long to, SlowClaim slow) {
            this.producer = producer;
            this.from = from;
            this.to = to;
            this.slow = slow;
        }

        long size() {
            return to - from + 1;
        }
    }

    /**
     * What slow-client reports say was dropped, and what was missing before them. Checked once a
     * notification after them shows the hole (a client cut off right after a report shows none).
     */
    private static final class SlowClaim {
        long expected;
        long claimed;
    }

    /** One producer's stream as this client sees it, from its LISTEN to its UNLISTEN. */
    private static final class Stream {
        boolean listening;
        /** When its LISTEN was acknowledged; 0 until then. */
        long ackNanos;
        long first = -1;
        long last = -1;
        SlowClaim pendingSlow;
    }

    private final String who;
    private final SoakLedger[] ledgers;
    private final String[] channels;
    private final Stream[] streams;
    private final List<Hole> holes = new ArrayList<>();
    private final List<GapReport> upstreamGaps = new ArrayList<>();
    private final List<SlowClaim> slowClaims = new ArrayList<>();
    private final Tally tally = new Tally();

    /**
     * @param who      the client, as problems name it
     * @param ledgers  each producer's transactions
     * @param channels each producer's channel
     */
    SoakCheck(String who, SoakLedger[] ledgers, String[] channels) {
        this.who = who;
        this.ledgers = ledgers;
        this.channels = channels;
        this.streams = new Stream[ledgers.length];
        for (int i = 0; i < streams.length; i++) {
            streams[i] = new Stream();
        }
    }

    /** The producer whose channel this is, or -1. */
    int producerOf(String channel) {
        for (int i = 0; i < channels.length; i++) {
            if (channels[i].equals(channel)) {
                return i;
            }
        }
        return -1;
    }

    /** The client sent LISTEN on producer {@code p}'s channel: what arrives from now on is checked. */
    void listenSent(int p) {
        Stream s = streams[p];
        s.listening = true;
        s.ackNanos = 0;
        s.first = -1;
        s.last = -1;
        s.pendingSlow = null;
    }

    /**
     * The LISTEN was acknowledged at {@code ackNanos} (System.nanoTime): every notification whose
     * COMMIT was sent after it must arrive. When some arrived already, the first of them must not
     * come after the first such one.
     */
    void listenAcked(int p, long ackNanos) {
        Stream s = streams[p];
        s.ackNanos = ackNanos;
        if (s.first >= 0) {
            long required = ledgers[p].firstSentAfter(ackNanos);
            if (s.first > required) {
                holes.add(new Hole(p, required, s.first - 1, null));
            }
        }
    }

    /** The client's UNLISTEN was acknowledged: nothing more may arrive on the channel. */
    void unlistened(int p) {
        streams[p].listening = false;
    }

    void deliver(int p, long seq) {
        tally.delivered++;
        Stream s = streams[p];
        if (!s.listening) {
            tally.afterUnlisten++;
            problem("notification %d on %s after its UNLISTEN", seq, channels[p]);
            return;
        }
        if (s.last < 0) {
            s.first = seq;
            if (s.ackNanos != 0) {
                long required = ledgers[p].firstSentAfter(s.ackNanos);
                if (seq > required) {
                    hole(p, s, required, seq - 1);
                }
            }
            s.last = seq;
        } else if (seq == s.last + 1) {
            if (s.pendingSlow != null) {
                // the report said notifications were dropped, yet none is missing here
                slowClaims.add(s.pendingSlow);
                s.pendingSlow = null;
            }
            s.last = seq;
        } else if (seq > s.last) {
            hole(p, s, s.last + 1, seq - 1);
            s.last = seq;
        } else if (fillHole(p, seq)) {
            tally.reordered++;
            problem("%s %d arrived after %d (out of order)", channels[p], seq, s.last);
        } else {
            tally.duplicated++;
            problem("%s %d arrived twice (last %d)", channels[p], seq, s.last);
        }
    }

    void gap(GapReport g) {
        tally.gapReports++;
        if (Gap.SLOW.equals(g.reason())) {
            tally.slowReports++;
            SlowClaim claim = new SlowClaim();
            for (int p = 0; p < channels.length; p++) {
                Stream s = streams[p];
                if (g.channels().contains(channels[p]) && s.listening) {
                    // reports with nothing delivered between them claim one hole together
                    if (s.pendingSlow != null) {
                        claim = s.pendingSlow;
                    }
                    s.pendingSlow = claim;
                }
            }
            claim.expected += g.dropped();
        } else {
            upstreamGaps.add(g);
        }
    }

    /** The producers have stopped: a steady client must have everything up to {@code lastSeq} of producer {@code p}. */
    void finish(int p, long lastSeq) {
        Stream s = streams[p];
        if (s.last < 0) {
            long required = ledgers[p].firstSentAfter(s.ackNanos);
            if (required <= lastSeq) {
                hole(p, s, required, lastSeq);
            }
        } else if (s.last < lastSeq) {
            hole(p, s, s.last + 1, lastSeq);
            s.last = lastSeq;
        }
    }

    /** Whether this client has everything of producer {@code p} up to {@code seq}. */
    boolean reached(int p, long seq) {
        return streams[p].last >= seq;
    }

    /** Excuses what the gaps and uncertain commits excuse; counts the rest as lost. */
    Tally evaluate(long leadMillis) {
        Map<SlowClaim, Boolean> slowOk = new IdentityHashMap<>();
        for (SlowClaim c : slowClaims) {
            boolean ok = c.claimed == c.expected;
            if (slowOk.put(c, ok) == null && !ok) {
                tally.slowMismatches++;
                problem("a slow_client report said %d dropped, but %d were missing before it", c.expected, c.claimed);
            }
        }
        for (Hole h : holes) {
            if (h.slow != null && slowOk.getOrDefault(h.slow, false)) {
                tally.excusedSlow += h.size();
                continue;
            }
            long lostHere = 0;
            for (long seq = h.from; seq <= h.to; ) {
                SoakLedger ledger = ledgers[h.producer];
                int txn = ledger.transactionOf(seq);
                if (txn < 0) {
                    lostHere += h.to - seq + 1;
                    break;
                }
                long n = Math.min(h.to, ledger.firstSeq(txn) + ledger.count(txn) - 1) - seq + 1;
                if (ledger.uncertain(txn)) {
                    tally.excusedUncertain += n;
                } else {
                    long lead = excusingLead(channels[h.producer], ledger.sentMillis(txn), ledger.returnedMillis(txn),
                            leadMillis);
                    if (lead < 0) {
                        lostHere += n;
                    } else {
                        tally.excusedUpstream += n;
                        tally.maxLeadMillis = Math.max(tally.maxLeadMillis, lead);
                    }
                }
                seq += n;
            }
            if (lostHere > 0) {
                tally.lost += lostHere;
                problem("%d of %s %d-%d lost outside any gap it was told of", lostHere, channels[h.producer], h.from,
                        h.to);
            }
        }
        holes.clear();
        return tally;
    }

    /**
     * How long before the excusing report's {@code from} this commit returned (0 when not before),
     * or -1 when no upstream gap report excuses it.
     */
    private long excusingLead(String channel, long sentMs, long returnedMs, long leadMillis) {
        long best = -1;
        for (GapReport g : upstreamGaps) {
            // `to` is truncated to the millisecond: a commit sent within that millisecond still counts
            if (g.channels().contains(channel) && sentMs <= g.toMillis() + 1 && returnedMs >= g.fromMillis() - leadMillis) {
                long lead = Math.max(0, g.fromMillis() - returnedMs);
                best = best < 0 ? lead : Math.min(best, lead);
            }
        }
        return best;
    }

    private void hole(int p, Stream s, long from, long to) {
        SlowClaim slow = s.pendingSlow;
        s.pendingSlow = null;
        if (slow != null) {
            slow.claimed += to - from + 1;
            slowClaims.add(slow);
        }
        holes.add(new Hole(p, from, to, slow));
    }

    /** Removes {@code seq} from the hole that holds it; false when no hole does (it arrived before). */
    private boolean fillHole(int p, long seq) {
        for (int i = 0; i < holes.size(); i++) {
            Hole h = holes.get(i);
            if (h.producer != p || seq < h.from || seq > h.to) {
                continue;
            }
            if (h.from == h.to) {
                holes.remove(i);
            } else if (seq == h.from) {
                h.from++;
            } else if (seq == h.to) {
                h.to--;
            } else {
                holes.add(i + 1, new Hole(p, seq + 1, h.to, h.slow));
                h.to = seq - 1;
            }
            return true;
        }
        return false;
    }

    private void problem(String format, Object... args) {
        if (tally.problems.size() < 5) {
            tally.problems.add(who + ": " + String.format(Locale.ROOT, format, args));
        }
    }

    /** The gap reports' reasons, as the relay names them. */
    static final class Gap {
        static final String UPSTREAM = "upstream_lost";
        static final String SLOW = "slow_client";

        private Gap() {
        }
    }
}
