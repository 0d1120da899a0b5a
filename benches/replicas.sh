#!/usr/bin/env bash
# Replicas benchmark: `keyctl serve` on PostgreSQL, one and then three replicas on one
# database, beside the sled baseline measured in the same run (issue 11).
#
#   bash benches/replicas.sh
#   LICENSES=20000 DURATION=5s SUSTAIN=10s bash benches/replicas.sh   # a quicker run
#   PROFILE=1 bash benches/replicas.sh   # also pg_stat_statements for every PostgreSQL phase
#
# Starts a throwaway PostgreSQL through scripts/with-postgres.sh (it re-runs itself under it
# when KEYCTL_TEST_POSTGRES is unset; with a server of your own it creates and drops a
# database `keyctl_bench_<pid>` in it). Seeds two stores with LICENSES licenses (unlimited
# seats) through `keyctl license issue --batch`: a sled directory and that database. Then,
# over 127.0.0.1, with wrk (installed with apt-get if missing):
#   sled, one server (the baseline):
#     GET /api/check (one activated machine), POST /v1/validate (unique KEYCTL1-signed
#     requests, after a warm-up that presents every license once), durable
#     POST /api/activate of fresh machines with 8 and with 64 connections;
#   PostgreSQL, one replica: the same four loads;
#   PostgreSQL, three replicas: the same four, one wrk per replica at once, summed; then
#     POST /v1/validate sustained for SUSTAIN, and the replay table's rows and size.
# Each figure comes with p50/p99 (the highest among the wrk instances of a load), its ratio
# to the sled figure, and where the CPU went: microseconds of keyctl and of PostgreSQL per
# successful request, and the machine's idle share. Everything (servers, PostgreSQL, wrk)
# shares the machine's cores. Servers, wrk and the database are stopped and removed on exit.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")/.."
if [ -z "${KEYCTL_TEST_POSTGRES:-}" ]; then
    exec scripts/with-postgres.sh bash "$0" "$@"
fi

LICENSES=${LICENSES:-100000}
DURATION=${DURATION:-10s}
SUSTAIN=${SUSTAIN:-30s}
CONNECTIONS=${CONNECTIONS:-64}
POOL_SIZE=${POOL_SIZE:-16}
PROFILE=${PROFILE:-0}
# Every server may hold this many signed requests in its own replay cache, so that the
# cache never bounds the rate measured here (the default, 1 000 000, sustains ~3 300/s).
REPLAY_CAPACITY=${REPLAY_CAPACITY:-5000000}

need wrk || install wrk
need curl || install curl
need psql || { echo "psql is needed (it comes with PostgreSQL)" >&2; exit 1; }
need python3 || { echo "python3 is needed to sign requests" >&2; exit 1; }
seconds() { case $1 in *m) echo $((${1%m} * 60)) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac; }

release_build

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d)
DB=keyctl_bench_$$
ADMIN=$KEYCTL_TEST_POSTGRES
PG=${ADMIN%/*}/$DB
declare -A SERVER_PID=()
declare -a WRK_PIDS=()
stop_server() {
    local pid=${SERVER_PID[$1]:-}
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    unset "SERVER_PID[$1]"
}
cleanup() {
    local name pid
    for pid in "${WRK_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for name in "${!SERVER_PID[@]}"; do stop_server "$name"; done
    psql -XAtq "$ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
sql() { psql -XAtq -v ON_ERROR_STOP=1 "$PG" -c "$1"; }

# ---- PostgreSQL -----------------------------------------------------------------------
if [ "$PROFILE" = 1 ] && [ "$(psql -XAtq "$ADMIN" -c 'SHOW shared_preload_libraries')" != pg_stat_statements ]; then
    [ -n "${KEYCTL_TEST_POSTGRES_CTL:-}" ] || { echo "PROFILE=1 needs pg_stat_statements preloaded in your server" >&2; exit 1; }
    echo "== loading pg_stat_statements (restarts the throwaway server)" >&2
    psql -XAtq "$ADMIN" -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
    "$KEYCTL_TEST_POSTGRES_CTL" stop >/dev/null && "$KEYCTL_TEST_POSTGRES_CTL" start >/dev/null
fi
psql -XAtq -v ON_ERROR_STOP=1 "$ADMIN" -c "CREATE DATABASE $DB" >/dev/null
[ "$PROFILE" = 1 ] && sql "CREATE EXTENSION pg_stat_statements" >/dev/null
# The postmaster (the first line of postmaster.pid); its children are the server's processes.
POSTMASTER=$(head -1 "$(sql 'SHOW data_directory')/postmaster.pid")
SETTINGS=$(sql "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)
    FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes',
    'wal_sync_method', 'shared_buffers', 'max_connections', 'commit_delay', 'server_version')")

# The disk decides durable activations: how long an 8 KiB write and fdatasync take here,
# on the filesystem of $WORK (with-postgres.sh puts the database in the same TMPDIR).
fsync_probe() {
    python3 - "$WORK/fsync.probe" <<'EOF'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)
block, took, end = b"\0" * 8192, [], time.monotonic() + 1
while time.monotonic() < end:
    start = time.perf_counter()
    os.pwrite(fd, block, 8192 * (len(took) % 128))
    os.fdatasync(fd)
    took.append(time.perf_counter() - start)
os.close(fd)
os.unlink(sys.argv[1])
took.sort()
print(f"median {took[len(took) // 2] * 1e6:.0f} µs, p99 {took[len(took) * 99 // 100] * 1e6:.0f} µs")
EOF
}
FSYNC_START=$(fsync_probe)

# ---- seed -----------------------------------------------------------------------------
unlimited_rows "$LICENSES" "$WORK/rows.csv"
note() { TABLE+=("$*"); }
# seed NAME STORE: a store with LICENSES licenses; their JWTs in NAME.jsonl, keys in NAME.keys.
seed() {
    local name=$1 store=$2 start elapsed
    echo "== seeding $LICENSES licenses into $name" >&2
    KEYCTL_STORE=$store new_store
    start=$(date +%s.%N)
    KEYCTL_STORE=$store "$KEYCTL" license issue --batch "$WORK/rows.csv" --out "$WORK/$name.jsonl" 2>/dev/null
    elapsed=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
    jsonl_field short_key "$WORK/$name.jsonl" "$WORK/$name.keys"
    note "seeding $name: license issue --batch of $LICENSES in $elapsed s ($(python3 -c "print(round($LICENSES / $elapsed))")/s)"
}
SLED_STORE=$WORK/sled
seed sled "$SLED_STORE"
seed postgres "$PG"

# ---- servers --------------------------------------------------------------------------
declare -A PORT=() STARTED=()
# url SERVER: where the server answers.
url() { echo "http://127.0.0.1:${PORT[$1]}"; }
# start_server NAME STORE: `keyctl serve` on a free port, once /healthz answers 200.
start_server() {
    local name=$1 store=$2 port
    port=$(free_port)
    KEYCTL_STORE=$store KEYCTL_LOG=warn "$KEYCTL" serve --listen "127.0.0.1:$port" \
        --replay-capacity "$REPLAY_CAPACITY" --pool-size "$POOL_SIZE" 2>"$WORK/$name.err" &
    SERVER_PID[$name]=$!
    PORT[$name]=$port
    STARTED[$name]=$(date +%s)
    wait_healthy "$(url "$name")" "$WORK/$name.err"
}
rss() { awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/${SERVER_PID[$1]}/status"; }

# CPU ticks (user + system, all threads) of the given processes.
ticks() { for pid in "$@"; do cat "/proc/$pid/stat" 2>/dev/null || true; done | awk '{s += $14 + $15} END {print s + 0}'; }
pg_ticks() {
    local children
    mapfile -t children < <(ps -o pid= --ppid "$POSTMASTER" | tr -d ' ')
    ticks "$POSTMASTER" "${children[@]}"
}
# The machine's ticks: processes (user, nice, system), interrupts (irq, softirq, steal), idle
# (idle, iowait); then the ticks of the kernel's threads (kthreadd's children).
machine() {
    local kthreads
    mapfile -t kthreads < <(ps -o pid= --ppid 2 | tr -d ' ')
    awk '/^cpu / {print $2 + $3 + $4, $7 + $8 + $9, $5 + $6}' /proc/stat
    ticks 2 "${kthreads[@]}"
}
wal() { sql "SELECT pg_current_wal_lsn() - '0/0'"; }

declare -A LAST_SECOND=()
# sign STORE ROUNDS THREADS PREFIX...: requests for the servers of STORE (sled or postgres),
# dated with whole seconds never used before on that store, the earliest that are allowed:
# at most 30 s old, and for sled after its server started (it refuses anything older).
# Dating them in the past keeps sled off its path for requests dated ahead of its clock
# (written to the store, and acknowledged after a sync); a shared store records every
# request whatever its date.
sign() {
    local store=$1 rounds=$2 threads=$3 first need now
    shift 3
    need=$((rounds * $#))
    now=$(date +%s)
    first=$((now - 30))
    [ "$store" != sled ] || [ "$first" -gt "$((STARTED[sled] + 1))" ] || first=$((STARTED[sled] + 2))
    [ "$first" -gt "${LAST_SECOND[$store]:-0}" ] || first=$((${LAST_SECOND[$store]} + 1))
    LAST_SECOND[$store]=$((first + need - 1))
    [ "$store" != sled ] || [ "${LAST_SECOND[$store]}" -le "$now" ] ||
        echo "note: some sled requests are dated up to $((LAST_SECOND[$store] - now)) s ahead" >&2
    echo "== signing $((need * LICENSES)) requests for $store" >&2
    python3 "$BENCH_LIB/sign.py" "$WORK/$store.jsonl" "$first" "$rounds" "$threads" "$@"
}

cat >"$WORK/cpu.py" <<'EOF'
# cpu.py OK "K0 K1" "P0 P1" "MACHINE0 MACHINE1" "W0 W1" TIMES0 TIMES1 STATUS0 STATUS1:
# CPU µs per success of keyctl (K, ticks), PostgreSQL (P) and wrk (the children's line of
# bash's `times`); the machine's idle share, the kernel's (its threads and interrupts) and
# the share taken by anything else; WAL bytes per success; the failed answers by status
# and route (from the servers' /metrics). MACHINE is "PROCS IRQS IDLE KTHREADS" ticks.
import collections, os, re, sys
ok = max(int(sys.argv[1]), 1)
tick = 1_000_000 / os.sysconf("SC_CLK_TCK")
k0, k1 = map(int, sys.argv[2].split())
p0, p1 = map(int, sys.argv[3].split())
procs0, irqs0, idle0, kthreads0, procs1, irqs1, idle1, kthreads1 = map(int, sys.argv[4].split())
w0, w1 = map(int, sys.argv[5].split())
def children(path):
    times = re.findall(r"(\d+)m([\d.]+)s", open(path).read().splitlines()[1])
    return sum(int(m) * 60 + float(s) for m, s in times)
wrk = (children(sys.argv[7]) - children(sys.argv[6])) * 1_000_000
total = max(procs1 + irqs1 + idle1 - procs0 - irqs0 - idle0, 1)
keyctl, pg = (k1 - k0) * tick, (p1 - p0) * tick
kernel = (irqs1 - irqs0 + kthreads1 - kthreads0) * tick
other = (procs1 - procs0 - kthreads1 + kthreads0) * tick - keyctl - pg - wrk
def counts(path):
    found = collections.Counter()
    for line in open(path):
        route, status, n = line.split()
        found[(status, route)] += int(n)
    return found
failed = counts(sys.argv[9])
failed.subtract(counts(sys.argv[8]))
failures = ", ".join(f"{n} × {status} {route}" for (status, route), n in sorted(failed.items())
                     if n > 0 and not status.startswith("2"))
print(f"{keyctl / ok:.0f}", f"{pg / ok:.0f}", f"{wrk / ok:.0f}", f"{(idle1 - idle0) / total:.0%}",
      f"{kernel / (total * tick):.0%}", f"{max(other, 0) / (total * tick):.0%}", f"{(w1 - w0) / ok:.0f}",
      failures or "-", sep="\t")
EOF
# ---- loads ----------------------------------------------------------------------------
TABLE_ROW='%-44s %7s %7s %8s %6s %6s %6s %5s %5s %5s %5s %4s  %s'
# shellcheck disable=SC2059 # the format is TABLE_ROW
printf -v HEADER "$TABLE_ROW" "what" "req/s" "p50 ms" "p99 ms" "×sled" "keyctl" "pg" "wrk" "idle" "kern" "other" "RSS" "detail"
declare -A FIGURE=() RATE=()
# load NAME KEY CONNECTIONS SERVERS TEMPLATE: one wrk per server (named in SERVERS, which
# share CONNECTIONS between them), all at once for DURATION (or $LOAD_DURATION); each runs
# `wrk TEMPLATE` with {url}, {i} (the wrk's number) and {offset} (i × LICENSES / wrks)
# replaced. Records one table row:
# successes/s summed, the worst p50/p99, the ratio to the sled figure KEY, CPU µs per
# success of keyctl (all servers) and of PostgreSQL, the machine's idle share, the largest
# server RSS (MB).
load() {
    local name=$1 key=$2 connections=$3 servers=$4 template=$5
    local duration=${LOAD_DURATION:-$DURATION} n i=0 files=() pids=() server threads conns args
    read -ra list <<<"$servers"
    n=${#list[@]}
    for server in "${list[@]}"; do pids+=("${SERVER_PID[$server]}"); done
    local k0 p0 m0 w0 k1 p1 m1 w1
    statuses "${list[@]}" >"$WORK/status.before"
    [ "$PROFILE" = 1 ] && sql "SELECT pg_stat_statements_reset()" >/dev/null
    k0=$(ticks "${pids[@]}") p0=$(pg_ticks) m0=$(machine | paste -sd ' ') w0=$(wal)
    # This shell's `times` counts the CPU of the children it waited for: here, the wrks.
    times >"$WORK/times.before"
    WRK_PIDS=()
    for server in "${list[@]}"; do
        conns=$(((connections + n - 1 - i) / n))
        threads=$((n == 1 ? 2 : 1))
        [ "$conns" -ge "$threads" ] || threads=$conns
        args=${template//\{url\}/$(url "$server")}
        args=${args//\{i\}/$i}
        args=${args//\{offset\}/$((i * LICENSES / n))}
        files+=("$WORK/load.$i.wrk")
        # shellcheck disable=SC2086 # the template is words
        wrk --latency -t "$threads" -c "$conns" -d "$duration" $args >"$WORK/load.$i.wrk" 2>&1 &
        WRK_PIDS+=($!)
        i=$((i + 1))
    done
    for pid in "${WRK_PIDS[@]}"; do wait "$pid"; done
    WRK_PIDS=()
    times >"$WORK/times.after"
    k1=$(ticks "${pids[@]}") p1=$(pg_ticks) m1=$(machine | paste -sd ' ') w1=$(wal)
    statuses "${list[@]}" >"$WORK/status.after"
    cat "${files[@]}" >&2
    local rate p50 p99 ok errs
    IFS=$'\t' read -r rate p50 p99 ok _ errs _ < <(python3 "$BENCH_LIB/wrk_summary.py" "${files[@]}")
    local ratio=-
    [[ $name == sled* ]] && FIGURE[$key]=$rate
    [[ $name == sled* ]] || [ -z "${FIGURE[$key]:-}" ] || ratio=$(python3 -c "print(f'{$rate / ${FIGURE[$key]}:.2f}')")
    local keyctl_us pg_us wrk_us idle kernel other wal_per failures
    IFS=$'\t' read -r keyctl_us pg_us wrk_us idle kernel other wal_per failures < <(python3 "$WORK/cpu.py" "$ok" \
        "$k0 $k1" "$p0 $p1" "$m0 $m1" "$w0 $w1" "$WORK/times.before" "$WORK/times.after" \
        "$WORK/status.before" "$WORK/status.after")
    [[ $name == pg* ]] || pg_us=-
    local memory=0 m
    for server in "${list[@]}"; do m=$(rss "$server"); [ "$m" -le "$memory" ] || memory=$m; done
    local detail="$ok ok"
    [ "$failures" = - ] || detail+=", failed: $failures"
    [ "$errs" = - ] || detail+=", wrk socket errors: $errs"
    [[ $name == sled* ]] || detail+=", WAL $wal_per B/req"
    row "$name" "$rate" "$p50" "$p99" "$ratio" "$keyctl_us" "$pg_us" "$wrk_us" \
        "$idle" "$kernel" "$other" "$memory" "$detail"
    LAST_RATE=$rate
    RATE[$name]=$rate
    if [ "$PROFILE" = 1 ] && [[ $name == pg* ]]; then
        local here="dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
        {
            echo "-- $name: executor µs per success $(sql "SELECT round(sum(total_exec_time)::numeric * 1000 / $ok)
                FROM pg_stat_statements WHERE $here"); by total time: calls per success | mean µs | share | statement"
            sql "SELECT '   ' || round(calls::numeric / $ok, 2) || ' | ' || round(mean_exec_time::numeric * 1000)
                    || ' | ' || round((100 * total_exec_time / sum(total_exec_time) OVER ())::numeric) || '% | '
                    || left(regexp_replace(query, '\s+', ' ', 'g'), 100)
                 FROM pg_stat_statements WHERE $here ORDER BY total_exec_time DESC LIMIT 5"
        } >>"$WORK/profile.txt"
    fi
}

# check_setup STORE SERVER: activates the machine /api/check asks about, once per store.
check_setup() { check_machine "$(url "$2")" "$(head -1 "$WORK/$1.keys")"; }

# statuses SERVER...: "route status count" lines of the servers' request counters.
statuses() {
    local server
    for server in "$@"; do
        curl -fsS "$(url "$server")/metrics" |
            sed -n 's/^keyctl_requests_total{route="\([^"]*\)",status="\([^"]*\)"} \([0-9]*\)$/\1 \2 \3/p'
    done
}

# warm_up STORE SERVER...: every server sees every license once (the first sight of a JWT
# costs an Ed25519 verification; later ones hit the server's cache of verified JWTs).
warm_up() {
    local store=$1 prefixes=() targets=() server i=0 start done_count
    shift
    for server in "$@"; do prefixes+=("$WORK/warm.$server"); done
    sign "$store" 1 1 "${prefixes[@]}"
    echo "== warm-up of $*: every license once" >&2
    start=$(date +%s.%N)
    WRK_PIDS=()
    for server in "$@"; do
        targets+=($(($(validated "$(url "$server")") + LICENSES)))
        wrk -t 1 -c $((CONNECTIONS / $#)) -d 600s -s "$BENCH_LIB/post.lua" \
            "$(url "$server")" -- validate "$WORK/warm.$server" >"$WORK/warm.$server.wrk" 2>&1 &
        WRK_PIDS+=($!)
    done
    for _ in $(seq 6000); do
        done_count=0
        i=0
        for server in "$@"; do
            [ "$(validated "$(url "$server")")" -lt "${targets[$i]}" ] || done_count=$((done_count + 1))
            i=$((i + 1))
        done
        [ "$done_count" -lt $# ] || break
        sleep 0.1
    done
    for pid in "${WRK_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; wait "$pid" || true; done
    WRK_PIDS=()
    local secs
    secs=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
    note "warm-up of $* ($LICENSES licenses each, first sight): $secs s, $(python3 -c "print(round($LICENSES * $# / $secs))") validations/s"
}
# validate STORE NAME KEY SERVER...: signs enough unique requests for the last measured rate
# of these servers (the /api/check before it) over the load's duration, then the load.
validate() {
    local store=$1 name=$2 key=$3 duration rounds prefixes=() server i=0
    shift 3
    duration=$(seconds "${LOAD_DURATION:-$DURATION}")
    rounds=$(python3 -c "import math; print(max(1, math.ceil($LAST_RATE * $duration * 1.3 / $# / $LICENSES)))")
    for server in "$@"; do prefixes+=("$WORK/run.$i"); i=$((i + 1)); done
    sign "$store" "$rounds" $(($# == 1 ? 2 : 1)) "${prefixes[@]}"
    echo "== $name" >&2
    load "$name" "$key" "$CONNECTIONS" "$*" "-s $BENCH_LIB/post.lua {url} -- validate $WORK/run.{i}"
}

RUN=0
# activate NAME KEY CONNECTIONS SERVER...: fresh machines (hwids unique across the whole run).
activate() {
    local name=$1 key=$2 connections=$3
    shift 3
    RUN=$((RUN + 1))
    echo "== $name" >&2
    load "$name" "$key" "$connections" "$*" "-s $BENCH_LIB/post.lua {url} -- activate $WORK/$STORE.keys run$RUN-{i} {offset}"
}

# ---- sled, one server: the baseline --------------------------------------------------
STORE=sled
start_server sled "$SLED_STORE"
check_setup sled sled
echo "== sled GET /api/check" >&2
load "sled: GET /api/check" check "$CONNECTIONS" sled "{url}$CHECK"
warm_up sled sled
validate sled "sled: POST /v1/validate" validate sled
activate "sled: POST /api/activate, 8 connections" act8 8 sled
activate "sled: POST /api/activate, 64 connections" act64 64 sled
stop_server sled

# ---- PostgreSQL, one replica ---------------------------------------------------------
STORE=postgres
start_server pg1 "$PG"
check_setup postgres pg1
echo "== pg 1 replica GET /api/check" >&2
load "pg, 1 replica: GET /api/check" check "$CONNECTIONS" pg1 "{url}$CHECK"
warm_up postgres pg1
validate postgres "pg, 1 replica: POST /v1/validate" validate pg1
activate "pg, 1 replica: POST /api/activate, 8 conn." act8 8 pg1
activate "pg, 1 replica: POST /api/activate, 64 conn." act64 64 pg1

# ---- PostgreSQL, three replicas ------------------------------------------------------
start_server pg2 "$PG"
start_server pg3 "$PG"
# The new replicas see every license once (and fill their pools) before they are measured.
warm_up postgres pg2 pg3
echo "== pg 3 replicas GET /api/check" >&2
load "pg, 3 replicas: GET /api/check" check "$CONNECTIONS" "pg1 pg2 pg3" "{url}$CHECK"
validate postgres "pg, 3 replicas: POST /v1/validate" validate pg1 pg2 pg3
activate "pg, 3 replicas: POST /api/activate, 8 conn." act8 8 pg1 pg2 pg3
activate "pg, 3 replicas: POST /api/activate, 64 conn." act64 64 pg1 pg2 pg3

# ---- the replay table under a sustained rate ------------------------------------------
REPLAY_BEFORE=$(sql "SELECT count(*) || ' rows, ' || pg_size_pretty(pg_total_relation_size('replay')) FROM replay")
LAST_RATE=${RATE["pg, 3 replicas: POST /v1/validate"]}
LOAD_DURATION=$SUSTAIN validate postgres "pg, 3 replicas: POST /v1/validate, $SUSTAIN" validate pg1 pg2 pg3
REPLAY_AFTER=$(sql "SELECT count(*) || ' rows, ' || pg_total_relation_size('replay') || ' bytes ('
    || pg_size_pretty(pg_total_relation_size('replay')) || '), '
    || round(pg_total_relation_size('replay')::numeric / greatest(count(*), 1)) || ' bytes/row; oldest expiry in '
    || coalesce(min(expires) - extract(epoch FROM now())::bigint, 0) || ' s' FROM replay")

# ---- PostgreSQL alone (PROFILE=1) ----------------------------------------------------
# pgbench in keyctl's place, on the same database and cores: what a lean C client gets.
#   grant: keyctl's own GRANT_SEAT statement (read from the source), a fresh machine on a
#     random license, one statement and one commit an activation. Its `renewed` step joins
#     activations.license_id (default collation) to licenses.id (COLLATE "C"), which no
#     index serves: every activation reads the whole activations table.
#   grant, renewal by $1: the same statement with `a.license_id = $1` there (what if), which
#     the activations' primary key serves; with synchronous_commit off (not durable: what
#     the WAL flush costs) and with commit_delay (commits wait to share a flush);
#   check, 4 statements: what /api/check asks today (product by number, license id by short
#     key, the license, the activation), each its own round trip;
#   check, 1 statement: the same answers in one (what if).
declare -a ALONE=()
pgbench_row() {
    local name=$1 clients=$2 script=$3
    shift 3
    echo "== pgbench: $name, $clients clients" >&2
    pgbench -n -M prepared -c "$clients" -j 2 -T "$(seconds "$DURATION")" -f "$script" "$@" "$PG" \
        >"$WORK/pgbench.out" 2>&1 || { cat "$WORK/pgbench.out" >&2; exit 1; }
    ALONE+=("$(printf '%-56s %7s %8s' "$name, $clients clients" \
        "$(sed -n 's/^tps = \([0-9]*\).*/\1/p' "$WORK/pgbench.out")" \
        "$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$WORK/pgbench.out")")")
}
if [ "$PROFILE" = 1 ]; then
    for name in "${!SERVER_PID[@]}"; do stop_server "$name"; done
    ROWS=$(sql "SELECT (SELECT count(*) FROM licenses) || ' licenses, ' || (SELECT count(*) FROM activations)
        || ' activations, ' || (SELECT count(*) FROM replay) || ' replay rows'")
    sql "CREATE TABLE bench_ids AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM licenses;
         ALTER TABLE bench_ids ADD PRIMARY KEY (n); ANALYZE" >/dev/null
    grant=$(sed -n '/^const GRANT_SEAT: &str = "/,/";$/p' src/store/postgres/mod.rs |
        sed '1d; $s/";$//; s/\\"/"/g')
    [ -n "$grant" ] || { echo "GRANT_SEAT not found in src/store/postgres/mod.rs" >&2; exit 1; }
    grant=${grant//\$1/:lid}
    grant=${grant//\$2/(\'pgbench-\' || :h)}
    grant=${grant//\$3/extract(epoch FROM now())::bigint}
    grant=${grant//\$4/\'bench-box\'}
    grant=${grant//\$5/\'bench\'}
    grant=${grant//\$6/10000}
    # The license id is read first (an extra indexed read a transaction), so that the
    # statement gets it as a parameter, as from keyctl.
    printf '\\set n random(1, %s)\n\\set h random(1, 1000000000000000)\nSELECT id AS lid FROM bench_ids WHERE n = :n \\gset\n%s;\n' \
        "$LICENSES" "$grant" >"$WORK/grant.sql"
    license=$(sql "SELECT license_id FROM activations WHERE hwid = 'bench-check-hwid'")
    short=$(sql "SELECT short_key FROM licenses WHERE id = '$license'")
    cat >"$WORK/check4.sql" <<'EOF'
SELECT id, number, name, support_message, created FROM products WHERE number = 1;
SELECT id FROM licenses WHERE short_key = :short;
SELECT * FROM licenses WHERE id = :license;
SELECT 1 FROM activations WHERE license_id = :license AND hwid = 'bench-check-hwid';
EOF
    cat >"$WORK/check1.sql" <<'EOF'
SELECT p.id, p.number, p.name, p.support_message, p.created, l.*,
       EXISTS (SELECT 1 FROM activations a
               WHERE a.license_id = l.id COLLATE "default" AND a.hwid = 'bench-check-hwid')
FROM licenses l, products p WHERE l.short_key = :short AND p.number = 1;
EOF
    sed 's/a\.license_id = license\.id/a.license_id = :lid/' \
        "$WORK/grant.sql" >"$WORK/grant-indexed.sql"
    ! cmp -s "$WORK/grant.sql" "$WORK/grant-indexed.sql" || { echo "GRANT_SEAT changed: no renewal join found" >&2; exit 1; }
    pgbench_row "grant (as shipped)" 8 "$WORK/grant.sql"
    pgbench_row "grant (as shipped)" 64 "$WORK/grant.sql"
    pgbench_row "grant, renewal by \$1" 8 "$WORK/grant-indexed.sql"
    pgbench_row "grant, renewal by \$1" 64 "$WORK/grant-indexed.sql"
    PGOPTIONS="-c synchronous_commit=off" pgbench_row "grant, renewal by \$1, synchronous_commit=off" 64 "$WORK/grant-indexed.sql"
    PGOPTIONS="-c commit_delay=200" pgbench_row "grant, renewal by \$1, commit_delay=200µs" 64 "$WORK/grant-indexed.sql"
    pgbench_row "check, 4 statements" "$POOL_SIZE" "$WORK/check4.sql" -D "short=$short" -D "license=$license"
    pgbench_row "check, 1 statement" "$POOL_SIZE" "$WORK/check1.sql" -D "short=$short"
fi

# ---- report ---------------------------------------------------------------------------
echo
echo "keyctl serve, sled vs PostgreSQL replicas, under wrk over 127.0.0.1 ($(revision src))"
echo "$LICENSES licenses; $DURATION per load ($SUSTAIN sustained); $CONNECTIONS connections unless said; wrk -t 2 on one server, -t 1 each on three"
echo "$(nproc) cores shared by the servers, PostgreSQL and wrk; --pool-size $POOL_SIZE; --replay-capacity $REPLAY_CAPACITY"
echo "PostgreSQL: $SETTINGS"
echo "8 KiB write + fdatasync: $FSYNC_START at the start, $(fsync_probe) at the end; load average at the start: $LOAD_START"
echo "keyctl, pg, wrk: CPU µs per successful request (keyctl: all the servers of a load); idle: the machine's idle share;"
echo "kern: the kernel's threads and interrupts (loopback TCP, the disk); other: anything else (another engineer); RSS: largest server, MB"
echo
echo "$HEADER"
printf '%s\n' "${TABLE[@]}" | grep -v '^seeding\|^warm-up'
echo
printf '%s\n' "${TABLE[@]}" | grep '^seeding\|^warm-up'
echo "replay table before the sustained run: $REPLAY_BEFORE"
echo "replay table after it: $REPLAY_AFTER"
for name in sled pg1 pg2 pg3; do
    if grep -qv 'listening on' "$WORK/$name.err"; then
        echo "$name's log (warnings and errors), by message:"
        grep -v 'listening on' "$WORK/$name.err" | sed -E 's/^[0-9T:.-]+Z +//' | sort | uniq -c | sort -rn | head -5 || true
    fi
done
if [ "$PROFILE" = 1 ]; then
    echo
    cat "$WORK/profile.txt"
    echo
    echo "PostgreSQL alone: pgbench -M prepared -j 2 in keyctl's place, $DURATION each"
    printf '%-56s %7s %8s\n' "what" "tx/s" "mean ms"
    printf '%s\n' "${ALONE[@]}"
    echo "the database before pgbench: $ROWS"
fi
