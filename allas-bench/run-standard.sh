#!/usr/bin/env bash
# The standard benchmark set of issue 5: a throwaway PostgreSQL, allas in front of it, and every
# scenario run against the relay and against PostgreSQL directly, in one run. Writes the raw RESULT
# lines and a Markdown table to $OUT (default allas-bench/target/standard/).
#
#   allas-bench/run-standard.sh                 # the standard set (a few minutes on 2 cores)
#   QUICK=1 allas-bench/run-standard.sh         # a scaled-down set (a smoke test of the script)
#   SKIP_BUILD=1 ...                            # use the jars already built
#   RELAY_JAVA_OPTS='-XX:+UseG1GC' ...          # JVM options for the relay (default: those of its
#                                               # launcher allas-server/bin/allas, as users run it)
#   PROFILE=1 ...                               # JFR of the relay per phase, heap histogram and native
#                                               # memory of the relay with its idle listeners, into $OUT
#   CASES="fanout_N1 storm_N10000" ...          # run only these cases (e.g. CASES="notifiers_K1_N10 notifiers_K64_N10")
#   CASES="failover_N1000_keep failover_N1000_terminate" ...  # only the failover runs (PostgreSQL restarted)
#   CASES="upstreams_U1_N1x1000 upstreams_U4_N4x250 upstreams_U1_N4x250 upstreams_U1_N4x250_prefixed" ...
#                                               # several upstream databases against one, and 4 tenants behind
#                                               # channel prefixes on one; UPSTREAMS_ROUNDS rounds (5) of UPSTREAMS_M
#                                               # notifications (60000); directly on PostgreSQL once with
#                                               # UPSTREAMS_DIRECT_M (20000), or UPSTREAMS_DIRECT=0: not at all
#   HALF_RATE=1500000 CASES=fanout_N1000_half_rate ...  # the paced case at this many deliveries/s
#                                               # (default: half each target's fanout_N1000 figure of this run)
#   CASES="channelcount_C1000 channelcount_C10000 channelcount_C100000" ...  # what a channel count costs
#   PACED_N=100 HALF_RATE=440000 CASES=fanout_N100_half_rate ...  # the paced case with 100 listeners
#   CASES=soak ...                              # the soak with faults (issue 17; not in the set by default:
#                                               # ~10 min); SOAK_DELIVERIES=10000000 how many to check,
#                                               # SOAK_FAULT_INTERVAL=15 seconds between faults
#
# All traffic stays on 127.0.0.1. Must run as root or as a user that can run PostgreSQL; as root,
# PostgreSQL runs as the OS user "postgres".
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

OUT="${OUT:-$ROOT/allas-bench/target/standard}"
mkdir -p "$OUT"
RESULTS="$OUT/results.txt"
: > "$RESULTS"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
    echo "run-standard: no PostgreSQL server binaries (set PGBIN, or apt-get install postgresql)" >&2
    exit 1
fi

# ---------------------------------------------------------------- JDK, build
if [ -z "${JAVA_HOME:-}" ]; then
    for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64; do
        if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; break; fi
    done
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if [ -z "${SKIP_BUILD:-}" ]; then
    echo "building allas and allas-bench ..." >&2
    ./mvnw -B -q -DskipTests package -pl allas-server,allas-bench -am 2>&1 | grep -v '^WARNING' >&2 || true
fi
RELAY_JAR="$ROOT/allas-server/target/allas.jar"
RELAY_LAUNCHER="$ROOT/allas-server/bin/allas"
BENCH_JAR="$ROOT/allas-bench/target/allas-bench.jar"
[ -f "$RELAY_JAR" ] && [ -f "$BENCH_JAR" ] || { echo "run-standard: jars missing; build first" >&2; exit 1; }

# ---------------------------------------------------------------- limits
# 10,000 listeners mean 10,000 sockets in the generator and 10,000 in the relay.
ulimit -Hn 1048576 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
echo "open files limit: $(ulimit -n)" >&2

TAKEN_PORTS=" "
free_port() { # sets PORT; not $(...), so that the ports handed out are remembered and never repeat
    local p
    for _ in $(seq 1 50); do
        # below the ephemeral range (32768-60999), which thousands of client sockets fill
        p=$(( 20000 + RANDOM % 12000 ))
        [[ "$TAKEN_PORTS" == *" $p "* ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then TAKEN_PORTS+="$p "; PORT="$p"; return; fi
    done
    echo "run-standard: no free port" >&2; exit 1
}

# ---------------------------------------------------------------- PostgreSQL
WORK="$(mktemp -d /tmp/allas-bench.XXXXXX)"
AS_PG=()
if [ "$(id -u)" = 0 ]; then
    AS_PG=(runuser -u postgres --)
    chown postgres "$WORK"
fi
free_port; PGPORT="$PORT"
RELAY_PID=""
cleanup() {
    set +e
    [ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
    "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "initdb in $WORK ..." >&2
(cd "$WORK" && "${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth-local=trust --auth-host=md5 \
    -E UTF8 --locale=C --no-sync >"$WORK/initdb.log" 2>&1) || { cat "$WORK/initdb.log" >&2; exit 1; }
cat >>"$WORK/data/postgresql.conf" <<CONF
# allas-bench: a throwaway cluster, tuned for many connections and no durability
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$WORK'
max_connections = 1200
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = md5
log_min_messages = warning
CONF
(cd "$WORK" && "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgresql.log" -w -t 60 start >/dev/null) \
    || { tail -20 "$WORK/postgresql.log" >&2; exit 1; }
PSQL=("${AS_PG[@]}" "$PGBIN/psql" -X -q -h "$WORK" -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
"${PSQL[@]}" -c "CREATE ROLE bench LOGIN PASSWORD 'bench'" -c "CREATE DATABASE bench OWNER bench"
POSTMASTER_PID="$(head -1 "$WORK/data/postmaster.pid")"
PG_VERSION="$("${PSQL[@]}" -At -c 'SHOW server_version')"
echo "PostgreSQL $PG_VERSION on 127.0.0.1:$PGPORT (pid $POSTMASTER_PID)" >&2

# ---------------------------------------------------------------- the relay
free_port; RELAY_PORT="$PORT"
free_port; METRICS_PORT="$PORT"
write_config() { # write_config <upstream.on_loss> [more sections, each ending with a comma]
    cat >"$WORK/allas.json" <<JSON
{${2:-}
    "listen": {"port": $RELAY_PORT, "host": "127.0.0.1"},
    "connect": "host=127.0.0.1 port=$PGPORT dbname=bench user=bench password=bench sslmode=disable",
    "prometheus": {"listen": {"port": $METRICS_PORT, "host": "127.0.0.1"}},
    "upstream": {"on_loss": "$1"},
    "databases": [{"name": "bench", "auth": {"method": "md5", "user": "bench", "password": "bench"}}]
}
JSON
}
write_config terminate
PHASE=0
start_relay() {
    stop_relay
    PHASE=$((PHASE + 1))
    local profile=""
    if [ -n "${PROFILE:-}" ]; then
        profile="-XX:StartFlightRecording=filename=$OUT/relay-$PHASE-$1.jfr,settings=profile,dumponexit=true"
        profile="$profile -XX:NativeMemoryTracking=summary"
    fi
    # The launcher execs java: $! is the relay's JVM. RELAY_JAVA_OPTS, when set, replaces its options.
    if [ -n "${RELAY_JAVA_OPTS+set}" ]; then
        ALLAS_JAVA_OPTS="$RELAY_JAVA_OPTS" JDK_JAVA_OPTIONS="$profile" \
            "$RELAY_LAUNCHER" "$WORK/allas.json" >"$OUT/relay-$PHASE-$1.log" 2>&1 &
    else
        JDK_JAVA_OPTIONS="$profile" "$RELAY_LAUNCHER" "$WORK/allas.json" >"$OUT/relay-$PHASE-$1.log" 2>&1 &
    fi
    RELAY_PID=$!
    for _ in $(seq 1 300); do
        if curl -fs "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null | grep -q '^allas_upstream_connected.* 1'; then
            RELAY_COMMAND="$(ps -o args= -p "$RELAY_PID")"
            echo "relay started (pid $RELAY_PID, port $RELAY_PORT) for $1: $RELAY_COMMAND" >&2
            return
        fi
        kill -0 "$RELAY_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "run-standard: the relay did not start; its log:" >&2
    cat "$OUT/relay-$PHASE-$1.log" >&2
    exit 1
}
stop_relay() {
    if [ -n "$RELAY_PID" ]; then
        curl -fs "http://127.0.0.1:$METRICS_PORT/metrics" >"$OUT/relay-$PHASE-metrics.txt" 2>/dev/null || true
        kill "$RELAY_PID" 2>/dev/null || true
        wait "$RELAY_PID" 2>/dev/null || true
        RELAY_PID=""
    fi
}

PRODUCER=(--pg-host 127.0.0.1 --pg-port "$PGPORT" --pg-user bench --pg-password bench --pg-database bench)
# shellcheck disable=SC2086
bench() { # bench relay|postgres <scenario> <case> [options]
    local target="$1" scenario="$2" case="$3"
    shift 3
    if [ -n "${CASES:-}" ] && [[ " $CASES " != *" $case "* ]]; then return; fi
    if [ -n "${PROFILE:-}" ] && [ "$scenario" = idle ] && [ "$target" = relay ]; then
        snapshot_idle_relay "$case" "$2" &
    fi
    local where=(--host 127.0.0.1 --user bench --password bench --database bench)
    if [ "$target" = relay ]; then
        where+=(--port "$RELAY_PORT" --target-pid "$RELAY_PID")
    else
        where+=(--port "$PGPORT" --target-pid "$POSTMASTER_PID")
    fi
    echo "== $case on $target" >&2
    local line
    # The generator is a short-lived JVM per case. In a storm, C2 would spend seconds of the 2 shared
    # cores compiling its connection path during the very run it measures; C1 alone compiles at once.
    local jvm="-Xss512k"
    [ "$scenario" = storm ] && jvm="$jvm -XX:TieredStopAtLevel=1"
    line="$("$JAVA" ${BENCH_JAVA_OPTS:-$jvm} -jar "$BENCH_JAR" "$scenario" "${where[@]}" "${PRODUCER[@]}" \
        --label "$target" --case "$case" "$@" | grep '^RESULT ' || true)"
    if [ -z "$line" ]; then
        line="RESULT scenario=$scenario case=$case label=$target ok=false reason=the generator printed no result"
    fi
    echo "$line" | tee -a "$RESULTS" >&2
    sleep 1 # let sockets and backends wind down
}
warm_up() { # warm_up relay|postgres <scenario> [options]: a run whose result is discarded
    local target="$1" scenario="$2"
    shift 2
    CASES="" bench "$target" "$scenario" warm-up "$@" >/dev/null 2>&1 || true
    sed -i '/ case=warm-up /d' "$RESULTS"
}
snapshot_idle_relay() { # once all listeners are connected: the relay's heap histogram and native memory
    for _ in $(seq 1 600); do
        n="$(curl -fs "http://127.0.0.1:$METRICS_PORT/metrics" | sed -n 's/^allas_client_connections{[^}]*} *//p' | cut -d. -f1)"
        if [ "${n:-0}" -ge "$2" ]; then
            sleep 1
            "$JAVA_HOME/bin/jcmd" "$RELAY_PID" GC.class_histogram >"$OUT/$1-histogram.txt" 2>&1
            "$JAVA_HOME/bin/jcmd" "$RELAY_PID" VM.native_memory summary >"$OUT/$1-nmt.txt" 2>&1
            "$JAVA_HOME/bin/jcmd" "$RELAY_PID" Thread.print >"$OUT/$1-threads.txt" 2>&1
            # virtual threads too: each idle session parks one, and its stack is kept on the heap
            rm -f "$OUT/$1-all-threads.txt"
            "$JAVA_HOME/bin/jcmd" "$RELAY_PID" Thread.dump_to_file "$OUT/$1-all-threads.txt" >/dev/null 2>&1
            return
        fi
        sleep 0.1
    done
}
figure() { # figure <case> <label> <metric> (empty when that run failed)
    { grep "case=$1 label=$2 ok=true" "$RESULTS" || true; } | tr ' ' '\n' | sed -n "s/^$3=//p" | head -1
}

# ---------------------------------------------------------------- the standard set
if [ -n "${QUICK:-}" ]; then
    F1_M=200000; F1K_M=1000; CH_M=20; IDLE_N=2000; STORM_N=2000; DIRECT_N=300; PROD_N=100; PROD_D=2; FAILOVER_N=200
    CC_SIZES="1000 10000"; CC_M=1000; CC_P=50
else
    F1_M=2000000; F1K_M=5000; CH_M=100; IDLE_N=10000; STORM_N=10000; DIRECT_N=1000; PROD_N=500; PROD_D=5; FAILOVER_N=1000
    CC_SIZES="1000 10000 100000"; CC_M=5000; CC_P=200
fi

# idle memory is measured on a freshly started relay
start_relay idle
bench relay idle "idle_N$IDLE_N" --listeners "$IDLE_N"
start_relay storm
# A storm on a relay just started (as after a restart: its JIT has compiled nothing yet), then one
# on the same relay once warm (as when clients reconnect after an upstream failover). The connection
# path runs once per connection, so the JIT compiles it only after tens of thousands: the warm case
# follows a discarded storm, and the generator's own unmeasured storm of the same size (which also
# warms the generator), i.e. the relay has served 3 x N connections before the storm that counts.
bench relay storm "storm_N${STORM_N}_cold" --listeners "$STORM_N"
if [ -z "${CASES:-}" ] || [[ " $CASES " == *" storm_N$STORM_N "* ]]; then
    warm_up relay storm --listeners "$STORM_N"
fi
bench relay storm "storm_N$STORM_N" --listeners "$STORM_N" --warmup-clients "$STORM_N"
start_relay rest
bench relay idle "idle_N$DIRECT_N" --listeners "$DIRECT_N"
bench postgres idle "idle_N$DIRECT_N" --listeners "$DIRECT_N"
bench relay storm "storm_N$DIRECT_N" --listeners "$DIRECT_N" --warmup-clients "$DIRECT_N"
bench postgres storm "storm_N$DIRECT_N" --listeners "$DIRECT_N" --warmup-clients "$DIRECT_N"

# The relay is a fresh JVM: a discarded pass lets its JIT compile the delivery path first, as in a
# relay that has been running (without it, compiler threads take ~40% of the relay's CPU during
# fanout_N1 on 2 cores). PostgreSQL has nothing to warm; it gets the same pass for symmetry.
if [ -z "${CASES:-}" ] || [[ " $CASES " == *" fanout_"* ]]; then
    for t in relay postgres; do
        warm_up "$t" fanout --listeners 1 --notifications $((F1_M * 3)) --batch 1000
    done
fi
for t in relay postgres; do
    bench "$t" fanout fanout_N1 --listeners 1 --notifications "$F1_M" --batch 1000 --warmup $((F1_M / 2))
done
for t in relay postgres; do
    bench "$t" fanout fanout_N1000 --listeners 1000 --notifications "$F1K_M" --batch 100 --warmup 1000
done
# Latency at half the fan-out rate, each target at half its own (below), ~5 s of it. --reference
# adds a listener directly on PostgreSQL and reports the latency the target adds to it (added_*_ms): on the
# relay, the relay's own; on postgres, the difference between two direct listeners, i.e. the floor to judge
# the relay's figure against (PostgreSQL waking its 1,000 backends in turn, and the generator's reading).
# PACED_B: 100 notifications a transaction, measured against smaller ones (relay target, warm relay at
# 1.5M deliveries/s; added p50/p99 ms, the relay's CPU s, the generator's % of a core):
#   B=1: 56/322, and the relay sustained only 1.24M/s     B=10: 20-28/346-508, 6.8 s, 86-94%
#   B=25: 19/311, 6.5 s, 94%    B=50: 12/48, 5.3 s, 81% (at 2M/s: 12/120, 90%)    B=100: 12/44, 3.1 s, 67%
# A smaller transaction is a smaller burst (100 x 1,000 deliveries take ~50 ms at 2M/s, the last late by
# construction), but the relay pays per client and round, and the generator per read: below B=50 the 2
# shared cores saturate and p99 measures that queueing, and p50 does not fall below ~12 ms at B=50
# either. B=100 leaves the most headroom. PostgreSQL direct commits only ~15 transactions/s with 1,000
# listening backends at any B (it wakes every backend on every commit): half its own rate is ~6-9
# transactions/s at B=100, which it sustains, but 60-90 at B=10, which it cannot.
PACED_B=100
# PACED_N: listeners in the paced case (default 1,000; with another N, give HALF_RATE too), to see how the
# latency the relay adds grows with the number of sockets a round is written to.
PACED_N="${PACED_N:-1000}"
half_of() { # half_of <label>: half that target's fanout_N1000 rate (HALF_RATE overrides)
    if [ -n "${HALF_RATE:-}" ]; then echo "$HALF_RATE"; return; fi
    local rate
    rate="$(figure fanout_N1000 "$1" deliveries_per_s)"
    rate="${rate%%.*}"
    echo $(( ${rate:-1000000} / 2 ))
}
# Each target at half its own rate: PostgreSQL cannot sustain half the relay's (its run would crawl for
# minutes), and its figure is only the floor against which to read the relay's.
for t in relay postgres; do
    HALF="$(half_of "$t")"
    PACED_M=$(( HALF / PACED_N * 5 / PACED_B * PACED_B )); [ "$PACED_M" -ge "$PACED_B" ] || PACED_M=$PACED_B
    bench "$t" fanout "fanout_N${PACED_N}_half_rate" --listeners "$PACED_N" --notifications "$PACED_M" --batch "$PACED_B" \
        --warmup 1000 --rate "$HALF" --reference
done
for t in relay postgres; do
    bench "$t" channels channels_N1000 --listeners 1000 --notifications "$CH_M" --batch 1 --warmup 0
done
for t in relay postgres; do
    bench "$t" producers "producers_K4_N$PROD_N" --producers 4 --listeners "$PROD_N" --duration "$PROD_D"
done
# NOTIFY through the relay against NOTIFY to PostgreSQL: the producers connect to the target. One producer
# measures a round trip (the relay adds its hop and its own commit round trip); many measure the batching
# (the relay commits many clients' notifications in one transaction, PostgreSQL one per client). A discarded
# pass first, as for the fan-out: the relay's JIT compiles the sending path (its session, pgjdbc) before
# the runs that count.
if [ -z "${CASES:-}" ] || [[ " $CASES " == *" notifiers_"* ]]; then
    for t in relay postgres; do
        warm_up "$t" notifiers --producers 8 --listeners 10 --duration "$PROD_D"
    done
fi
for k in 1 64; do
    for t in relay postgres; do
        bench "$t" notifiers "notifiers_K${k}_N10" --producers "$k" --listeners 10 --duration "$PROD_D"
    done
done

# Several upstream databases (issue 15): the fan-out of fanout_N1000 split over 4 upstream databases of
# 250 listeners each (one relay database per upstream database, so 4 upstream connections, each with its
# own relay thread), against the same 4 x 250 listeners in 4 relay databases that share ONE upstream
# database (one connection, 4 channels). 4 generators run at once, each with its own producer, channel
# and database; deliveries/s is their sum, the latencies the worst of the 4. Directly on PostgreSQL the
# same: 4 databases against 4 channels of one database.
bench_split() { # bench_split relay|postgres <case> <target databases> <producer databases> [options]
    local target="$1" case="$2"
    local -a tdbs=($3) pdbs=($4)
    shift 4
    if [ -n "${CASES:-}" ] && [[ " $CASES " != *" $case "* ]]; then return; fi
    local port pid
    if [ "$target" = relay ]; then port="$RELAY_PORT"; pid="$RELAY_PID"; else port="$PGPORT"; pid="$POSTMASTER_PID"; fi
    # SPLIT_PORTS / SPLIT_PIDS: a relay port (and the relay's pid) per generator, as for the leaves of a tree.
    local -a ports=(${SPLIT_PORTS:-}) tpids=(${SPLIT_PIDS:-})
    # SPLIT_PREFIXES: each generator's database's channel_prefix, which its producer (on PostgreSQL) puts before the channel.
    local -a prefixes=(${SPLIT_PREFIXES:-})
    echo "== $case on $target (${#tdbs[@]} generators)" >&2
    local pids=() i gate="$WORK/start-gate"
    rm -f "$gate" "$gate".ready-*
    for i in "${!tdbs[@]}"; do
        "$JAVA" ${BENCH_JAVA_OPTS:--Xss512k} -jar "$BENCH_JAR" fanout --host 127.0.0.1 --port "${ports[$i]:-$port}" \
            --user bench --password bench --database "${tdbs[$i]}" --target-pid "${tpids[$i]:-$pid}" \
            --pg-host 127.0.0.1 --pg-port "$PGPORT" --pg-user bench --pg-password bench --pg-database "${pdbs[$i]}" \
            --channel "bench_$i" --notify-channel "${prefixes[$i]:-}bench_$i" \
            --label "$target" --case "$case" --start-gate "$gate" "$@" >"$WORK/split-$i.out" 2>&1 &
        pids+=($!)
    done
    # Every generator connected and warmed up, then all measure at once (StartGate); one that died lets the rest go.
    local ready alive
    while :; do
        ready=$(find "$WORK" -maxdepth 1 -name 'start-gate.ready-*' | wc -l)
        alive=0
        for i in "${pids[@]}"; do kill -0 "$i" 2>/dev/null && alive=$((alive + 1)); done
        if [ "$ready" -ge "${#pids[@]}" ] || [ "$ready" -ge "$alive" ]; then break; fi
        sleep 0.05
    done
    touch "$gate"
    for i in "${pids[@]}"; do wait "$i" || true; done
    local lines
    lines="$(cat "$WORK"/split-*.out | grep '^RESULT ' || true)"
    rm -f "$WORK"/split-*.out
    # The sum of the deliveries/s, the worst latencies, the generators' CPU summed.
    echo "$lines" | awk -v case="$case" -v label="$target" -v k="${#tdbs[@]}" -v round="${SPLIT_ROUND:-}" '
        { n++; ok = ok && ($0 ~ / ok=true /) }
        BEGIN { ok = 1 }
        { for (f = 1; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
          dps += v["deliveries_per_s"]; d += v["deliveries"]; cpu += v["bench_cpu_s"]
          if (v["p50_ms"] > p50) p50 = v["p50_ms"]; if (v["p99_ms"] > p99) p99 = v["p99_ms"]
          if (v["max_ms"] > mx) mx = v["max_ms"]; if (v["wall_s"] > wall) wall = v["wall_s"]
          if (v["target_cpu_s"] > tcpu) tcpu = v["target_cpu_s"]; nl = v["param.N"]; m = v["param.M"]
          # the target CPU over the generators common measured window: they started together (the start gate)
          if (n == 1 || v["measured_target_cpu_from_s"] < from) from = v["measured_target_cpu_from_s"]
          if (v["measured_target_cpu_to_s"] > to) to = v["measured_target_cpu_to_s"]
          if ("added_p50_ms" in v) { added = 1; if (v["added_p50_ms"] > a50) a50 = v["added_p50_ms"]; if (v["added_p99_ms"] > a99) a99 = v["added_p99_ms"] } }
        END {
          if (n != k || !ok) { printf "RESULT scenario=fanout case=%s label=%s ok=false reason=%d of %d generators succeeded\n", case, label, ok ? n : 0, k; exit }
          printf "RESULT scenario=fanout case=%s label=%s ok=true param.N=%dx%d param.M=%s deliveries=%d deliveries_per_s=%.0f p50_ms=%s p99_ms=%s max_ms=%s target_cpu_s=%s bench_cpu_s=%.2f wall_s=%s",
                 case, label, k, nl, m, d, dps, p50, p99, mx, tcpu, cpu, wall
          printf " measured_target_cpu_s=%.2f target_us_per_delivery=%.4f", to - from, (to - from) * 1e6 / d
          if (round != "") printf " round=%s", round
          if (added) printf " added_p50_ms=%s added_p99_ms=%s", a50, a99
          printf "\n" }' | tee -a "$RESULTS" >&2
    sleep 1
}
if [ -z "${CASES:-}" ] || [[ " $CASES " == *" upstreams_"* ]]; then
    for j in 1 2 3 4; do
        "${PSQL[@]}" -c "CREATE DATABASE bench_$j OWNER bench" 2>/dev/null || true
    done
    DBS=""
    for j in 1 2 3 4; do
        DBS="$DBS{\"name\": \"own_$j\", \"auth\": {\"method\": \"md5\", \"user\": \"bench\", \"password\": \"bench\"},
         \"connect\": \"host=127.0.0.1 port=$PGPORT dbname=bench_$j user=bench password=bench sslmode=disable\"},
        {\"name\": \"shared_$j\", \"auth\": {\"method\": \"md5\", \"user\": \"bench\", \"password\": \"bench\"}},
        {\"name\": \"tenant_$j\", \"auth\": {\"method\": \"md5\", \"user\": \"bench\", \"password\": \"bench\"},
         \"channel_prefix\": \"t${j}_\"}$([ $j -lt 4 ] && echo , || true)"
    done
    cat >"$WORK/allas.json" <<JSON
{
    "listen": {"port": $RELAY_PORT, "host": "127.0.0.1"},
    "connect": "host=127.0.0.1 port=$PGPORT dbname=bench user=bench password=bench sslmode=disable",
    "prometheus": {"listen": {"port": $METRICS_PORT, "host": "127.0.0.1"}},
    "databases": [{"name": "bench", "auth": {"method": "md5", "user": "bench", "password": "bench"}}, $DBS]
}
JSON
    start_relay upstreams
    for _ in $(seq 1 100); do # every upstream connected, not only the first
        curl -fs "http://127.0.0.1:$METRICS_PORT/metrics" | grep '^allas_upstream_connected' | grep -Eq ' 0(\.0)?$' || break
        sleep 0.1
    done
    # The JIT's compiled delivery path serves every relay thread: one warm-up (on the database "bench")
    # warms all five upstreams' threads.
    warm_up relay fanout --listeners 1 --notifications $((F1_M * 3)) --batch 1000
    # The same 1,000 listeners as one database on one upstream, as 4 x 250 on 4 upstreams, and as 4 x 250 on
    # one upstream, in one relay, in rounds of alternating order, so that no case always runs on a warmer
    # or a cooler relay than another. The relay's CPU is measured over the deliveries alone (start gate).
    # 60M deliveries a case (QUICK: 12M): the relay's CPU, counted in 10 ms ticks, is then near a second.
    U_M="${UPSTREAMS_M:-$((F1K_M * 12))}"
    U_OPTS=(--notifications "$U_M" --batch 100 --warmup 1000)
    U_CASES=("upstreams_U1_N1x1000 bench bench 1000" "upstreams_U4_N4x250 own_1,own_2,own_3,own_4 bench_1,bench_2,bench_3,bench_4 250"
             "upstreams_U1_N4x250 shared_1,shared_2,shared_3,shared_4 bench,bench,bench,bench 250"
             "upstreams_U1_N4x250_prefixed tenant_1,tenant_2,tenant_3,tenant_4 bench,bench,bench,bench 250 t1_,t2_,t3_,t4_")
    for round in $(seq 1 "${UPSTREAMS_ROUNDS:-5}"); do
        order=(0 1 2 3)
        [ $((round % 2)) = 0 ] && order=(3 2 1 0)
        for c in "${order[@]}"; do
            read -r ucase tdbs pdbs n prefixes <<<"${U_CASES[$c]}"
            SPLIT_ROUND=$round SPLIT_PREFIXES="${prefixes//,/ }" bench_split relay "$ucase" "${tdbs//,/ }" "${pdbs//,/ }" \
                --listeners "$n" "${U_OPTS[@]}"
        done
    done
    write_config terminate
    stop_relay
    # Directly on PostgreSQL once (UPSTREAMS_DIRECT=0: not at all): the listeners of 4 databases against one database's.
    for c in $([ "${UPSTREAMS_DIRECT:-1}" = 0 ] || echo 0 1 2); do
        read -r ucase tdbs pdbs n <<<"${U_CASES[$c]}"
        tdbs="${pdbs}"
        # PostgreSQL delivers a tenth as fast: a third of the notifications keeps the run short.
        bench_split postgres "$ucase" "${tdbs//,/ }" "${pdbs//,/ }" --listeners "$n" \
            --notifications "${UPSTREAMS_DIRECT_M:-$((F1K_M * 4))}" --batch 100 --warmup 1000
    done
fi

# Channel count (issue 17 defect 4): one connection LISTENing on C channels, then a probe channel, last in
# its backend's list; bursts of CC_M notifications on the probe, and CC_P one at a time against a reference
# listener directly on PostgreSQL. Through the relay the backend that holds the channels is the relay's
# upstream one; the relay's limits are raised above the largest C. One relay for every C: a client that
# leaves takes its channels off the upstream backend (UNLISTEN, long done before the next case), and a
# discarded pass of 10,000 channels first lets the relay's JIT compile its LISTEN path, as for the fan-out.
if [ -z "${CASES:-}" ] || [[ " $CASES " == *" channelcount_"* ]]; then
    write_config terminate
    sed -i 's/^{$/{\n    "limits": {"max_channels": 200000, "max_channels_per_client": 200000},/' "$WORK/allas.json"
    start_relay channelcount
    for t in relay postgres; do
        warm_up "$t" channelcount --channels 10000 --notifications 1000 --bursts 1 --paced 20
    done
    for c in $CC_SIZES; do
        for t in relay postgres; do
            bench "$t" channelcount "channelcount_C$c" --channels "$c" --notifications "$CC_M" --bursts 3 --paced "$CC_P"
        done
    done
    write_config terminate
fi

# Relays in front of relays (issue 16): a tree of three (a root relay on PostgreSQL, two leaf relays
# whose connect names the root), 2 generators of 500 listeners, one on each leaf, against the same 2 x 500
# on the one root relay, and directly on PostgreSQL: deliveries/s, then latency at a fixed rate (each
# generator at a quarter of this run's one-relay fanout_N1000 figure, i.e. half in all) with --reference:
# added_* is what the target adds to a listener directly on PostgreSQL (on the tree: both hops).
TREE_CASES=" tree3_N2x500 tree1_N2x500 tree3_N2x500_paced tree1_N2x500_paced "
tree_selected() { [ -z "${CASES:-}" ] && return 0; for c in $CASES; do [[ "$TREE_CASES" == *" $c "* ]] && return 0; done; return 1; }
if tree_selected; then
    write_config terminate
    start_relay tree-root
    LEAF_PORTS=() LEAF_PIDS=()
    for leaf in 1 2; do
        free_port; LEAF_PORT="$PORT"; free_port; LEAF_METRICS="$PORT"
        cat >"$WORK/leaf-$leaf.json" <<JSON
{
    "listen": {"port": $LEAF_PORT, "host": "127.0.0.1"},
    "connect": "host=127.0.0.1 port=$RELAY_PORT dbname=bench user=bench password=bench sslmode=disable",
    "prometheus": {"listen": {"port": $LEAF_METRICS, "host": "127.0.0.1"}},
    "databases": [{"name": "bench", "auth": {"method": "md5", "user": "bench", "password": "bench"}}]
}
JSON
        "$RELAY_LAUNCHER" "$WORK/leaf-$leaf.json" >"$OUT/relay-$PHASE-leaf-$leaf.log" 2>&1 &
        LEAF_PIDS+=($!); LEAF_PORTS+=("$LEAF_PORT")
        for _ in $(seq 1 300); do
            curl -fs "http://127.0.0.1:$LEAF_METRICS/metrics" 2>/dev/null | grep -q '^allas_upstream_connected.* 1' && break
            sleep 0.1
        done
    done
    TREE_RATE=$(( $(half_of relay) / 2 ))
    TREE_M=$(( TREE_RATE / 500 * 5 / PACED_B * PACED_B )); [ "$TREE_M" -ge "$PACED_B" ] || TREE_M=$PACED_B
    # A discarded pass on each leaf and on the root: their JIT compiles the delivery path first.
    SPLIT_PORTS="${LEAF_PORTS[*]}" SPLIT_PIDS="${LEAF_PIDS[*]}" CASES=warm-up \
        bench_split relay warm-up "bench bench" "bench bench" --listeners 1 --notifications $((F1_M * 3)) --batch 1000
    CASES=warm-up bench_split relay warm-up "bench bench" "bench bench" --listeners 1 --notifications $((F1_M * 3)) --batch 1000
    sed -i '/ case=warm-up /d' "$RESULTS"
    SPLIT_PORTS="${LEAF_PORTS[*]}" SPLIT_PIDS="${LEAF_PIDS[*]}" \
        bench_split relay tree3_N2x500 "bench bench" "bench bench" --listeners 500 --notifications "$F1K_M" --batch 100 --warmup 1000
    bench_split relay tree1_N2x500 "bench bench" "bench bench" --listeners 500 --notifications "$F1K_M" --batch 100 --warmup 1000
    SPLIT_PORTS="${LEAF_PORTS[*]}" SPLIT_PIDS="${LEAF_PIDS[*]}" \
        bench_split relay tree3_N2x500_paced "bench bench" "bench bench" --listeners 500 --notifications "$TREE_M" \
        --batch "$PACED_B" --warmup 1000 --rate "$TREE_RATE" --reference
    bench_split relay tree1_N2x500_paced "bench bench" "bench bench" --listeners 500 --notifications "$TREE_M" \
        --batch "$PACED_B" --warmup 1000 --rate "$TREE_RATE" --reference
    for t in tree3_N2x500 tree1_N2x500; do
        bench_split postgres "$t" "bench bench" "bench bench" --listeners 500 --notifications "$F1K_M" --batch 100 --warmup 1000
    done
    for pid in "${LEAF_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    stop_relay
fi

# Failover (issue 14): PostgreSQL restarted (pg_ctl restart -m fast) under a steady stream of 100
# notifications/s, once per upstream.on_loss mode on a relay started for it; the terminate case also
# with the listeners directly on PostgreSQL, which lose their connections the same way. Last: each
# restart gives the postgres cases a new postmaster.
RESTART="cd '$WORK' && ${AS_PG[*]} '$PGBIN/pg_ctl' -D '$WORK/data' -l '$WORK/postgresql.log' -m fast -w -t 60 restart"
for mode in keep terminate; do
    if [ -n "${CASES:-}" ] && [[ " $CASES " != *" failover_N${FAILOVER_N}_$mode "* ]]; then continue; fi
    write_config "$mode"
    start_relay "failover-$mode"
    bench relay failover "failover_N${FAILOVER_N}_$mode" --listeners "$FAILOVER_N" --rate 100 --restart-command "$RESTART"
    POSTMASTER_PID="$(head -1 "$WORK/data/postmaster.pid")"
done
stop_relay
if [ -z "${CASES:-}" ] || [[ " $CASES " == *" failover_N${FAILOVER_N}_terminate "* ]]; then
    bench postgres failover "failover_N${FAILOVER_N}_terminate" --listeners "$FAILOVER_N" --rate 100 \
        --restart-command "$RESTART"
    POSTMASTER_PID="$(head -1 "$WORK/data/postmaster.pid")"
fi

# The soak with faults (issue 17): only when asked for (CASES=soak), it takes ~10 minutes. A relay that
# keeps its clients through an upstream loss and tells slow clients of a gap; a small queue and a short
# stall timeout, so that the slow and stopped clients' faults take seconds.
if [[ " ${CASES:-} " == *" soak "* ]]; then
    SOAK_STALL_MS=5000
    write_config keep "
    \"notification_queue\": {\"on_overflow\": \"gap\", \"max_notifications\": 1000, \"stall_timeout_ms\": $SOAK_STALL_MS},"
    start_relay soak
    if [ -n "${QUICK:-}" ]; then SOAK_D="${SOAK_DELIVERIES:-300000}"; else SOAK_D="${SOAK_DELIVERIES:-10000000}"; fi
    bench relay soak soak --listeners 100 --churners 20 --producers 4 --rate 50 --batch 5 --deliveries "$SOAK_D" \
        --fault-interval "${SOAK_FAULT_INTERVAL:-15}" --restart-command "$RESTART" --stall-timeout-ms "$SOAK_STALL_MS"
    POSTMASTER_PID="$(head -1 "$WORK/data/postmaster.pid")"
    stop_relay
fi

{
    echo "# allas-bench standard set"
    echo
    echo "$(lscpu | sed -n "s/^Model name: *//p"); Linux $(uname -r)"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB;" \
        "PostgreSQL $PG_VERSION; $("$JAVA" -version 2>&1 | head -1);" \
        "relay: \`${RELAY_COMMAND:-?}\`"
    echo
    "$JAVA" -jar "$BENCH_JAR" report "$RESULTS"
} >"$OUT/report.md"
cat "$OUT/report.md"
