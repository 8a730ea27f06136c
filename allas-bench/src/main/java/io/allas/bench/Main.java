package io.allas.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** {@code java -jar allas-bench.jar <scenario> [options]}, or {@code report <results-file>}. */
public final class Main {

    private static final String USAGE = """
            usage: java -jar allas-bench.jar <scenario> [options]
                   java -jar allas-bench.jar report <results-file> [<title>]

            scenarios:
              fanout     N listeners on one channel; the producer sends M notifications in transactions of B
                         (--listeners N --notifications M --batch B [--warmup W] [--rate DELIVERIES_PER_S]
                         [--window W] [--payload-bytes P] [--reference] [--start-gate FILE] [--notify-channel C]); deliveries/s,
                         latency p50/p99/p99.9, and the target's CPU for the measured deliveries (after the warm-up);
                         --start-gate: once warmed up, create FILE.ready-<pid> and wait for FILE (several
                         generators measuring one target together); --notify-channel: the channel the
                         producer notifies, when the target names it otherwise (a relay's channel_prefix);
                         --reference: one more listener directly on the producer's PostgreSQL, and the latency
                         the target adds to it per delivery (added_p50_ms ... added_max_ms)
              channels   N listeners each on its own channel; the producer notifies every channel M times,
                         B rounds a transaction (same options; M and B count rounds)
              channelcount  one connection LISTENs on C channels in statements of B LISTENs (timed), then on a
                         probe channel, last; a reference connection directly on PostgreSQL on the probe alone.
                         On the probe: bursts of M notifications in one transaction (notifications/s), and P
                         one at a time (latency, and added_*_ms: the target's read minus the reference's)
                         (--channels C [--listen-batch B] [--notifications M] [--bursts R] [--paced P])
              idle       N idle listeners; the target's memory per client and its CPU while idle
                         (--listeners N --target-pid PID [--settle S] [--idle-seconds S])
              storm      N clients connect, authenticate and LISTEN at once; time until all are acknowledged,
                         LISTEN latency p50/p99 (--listeners N [--channels C] [--warmup-clients W]: an
                         unmeasured storm of W clients first, that connect, LISTEN and leave)
              producers  K producers run one-NOTIFY transactions for D seconds while N listeners are attached;
                         the producers' transactions/s (--producers K --listeners N --duration D)
              notifiers  as producers, but the producers notify through the target (NOTIFY through the relay,
                         against NOTIFY to PostgreSQL directly): their transactions/s, each acknowledged once
                         committed (same options)
              failover   N listeners on one channel and the gap channel while a producer notifies at a steady
                         rate; PostgreSQL is restarted by --restart-command (a shell command). From PostgreSQL
                         accepting connections again: the first notification delivered to a listener, and every
                         listener having one; listeners disconnected (they reconnect and LISTEN again) and when
                         all are back (--listeners N --rate NOTIFICATIONS_PER_S --restart-command CMD [--before S]
                         [--timeout S] [--reconnect-delay-ms MS] [--gap-channel C])
              soak       N steady listeners and C churning clients (connect, LISTEN some channels, UNLISTEN and
                         LISTEN again, leave) while K producers notify sequence numbers at R notifications/s each in
                         transactions of B, until D deliveries are checked; faults injected in turn every F s:
                         kill_backend (pg_terminate_backend of the relay's upstream backend), restart (PostgreSQL,
                         by --restart-command), slow_client, stopped_client, garbage. Counts deliveries checked, lost
                         outside the gaps the clients were told of, duplicated, reordered, gaps, faults. For a relay
                         with upstream.on_loss keep and notification_queue.on_overflow gap (--listeners N --churners C
                         --producers K --rate R --batch B --deliveries D --duration S --faults LIST|none
                         --fault-interval F --restart-command CMD --stall-timeout-ms MS (the relay's) --flood M --flood-payload-bytes P
                         --gap-lead-ms MS --upstream-application-name A --gap-channel C --timeout S
                         --garbage type,length)

            the target (what listeners connect to; any PostgreSQL-protocol server):
              --host H --port P --user U --password PW --database D      (default 127.0.0.1:5432 postgres)
            the producer's PostgreSQL (pgjdbc; must be the database the target relays):
              --pg-host --pg-port --pg-user --pg-password --pg-database (default: the target's)
            common:
              --label L            name of the target in the RESULT line (e.g. relay, postgres)
              --case C             name of the case in the RESULT line (default: the scenario)
              --threads T          selector threads for the listeners (default: the number of cores)
              --target-pid PID     the target's process, for its CPU (and memory in idle); with children
              --connect-concurrency C  connections per thread between connect and LISTEN ack (default 64)
              --connect-timeout S  --stall-timeout S   (defaults 120 and 30)

            Every run verifies that each listener received every notification exactly once and in order;
            a listener closed or an ErrorResponse fails the run at once. Prints one RESULT line; exit
            status 1 when the run failed, 2 on a usage error.
            """;

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.print(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        try {
            if (args[0].equals("report")) {
                if (args.length < 2) {
                    throw new Options.UsageException("report needs a results file");
                }
                System.out.print(Report.render(Path.of(args[1]), args.length > 2 ? args[2] : null));
                return;
            }
            List<String> rest = Arrays.asList(args).subList(1, args.length);
            Result r = new Scenarios(new Options(rest)).run(args[0]);
            System.out.println(r.line());
            if (r.failure != null) {
                System.err.println("allas-bench: " + args[0] + " FAILED: " + r.failure);
                System.exit(1);
            }
            System.exit(0);
        } catch (Options.UsageException e) {
            System.err.println("allas-bench: " + e.getMessage());
            System.err.println("(java -jar allas-bench.jar --help for the usage)");
            System.exit(2);
        }
    }
}
