#!/usr/bin/env bash
# Load benchmark of `keyctl serve` over loopback (issue 4, "Speed").
#
#   bash benches/load.sh
#   LICENSES=20000 DURATION=5s bash benches/load.sh     # a quicker run
#
# Seeds a fresh store with LICENSES licenses (unlimited seats) through
# `keyctl license issue --batch`, starts `keyctl serve` on a free 127.0.0.1 port with
# KEYCTL_LOG=off, and loads it with wrk (installed with apt-get if missing), THREADS
# threads and CONNECTIONS connections for DURATION per endpoint:
#   (a) GET /api/check for an activated machine of one license;
#   (b) POST /v1/validate with unique KEYCTL1-signed requests (pre-signed by
#       benches/lib/sign.py, a small Python implementation of docs/spec/signer-protocol.md,
#       since the server answers a replayed request 409); only 200s are counted. A warm-up pass first
#       presents every license once, so the measured pass sees the server's steady state;
#   (c) durable POST /api/activate of fresh machines (a unique hwid per request);
#   (d) the server's resident memory (VmRSS, and the peak VmHWM) at each step.
# The server is stopped and the temporary directory removed on exit.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

LICENSES=${LICENSES:-100000}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
# Measured /v1/validate requests available = LICENSES * VALIDATE_ROUNDS (each unique).
VALIDATE_ROUNDS=${VALIDATE_ROUNDS:-5}

cd "$(dirname "$0")/.."
need wrk || install wrk
need curl || install curl
need python3 || { echo "python3 is needed to sign requests" >&2; exit 1; }

release_build

WORK=$(mktemp -d)
SERVER_PID=
WRK_PID=
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
trap '[ -z "$WRK_PID" ] || kill "$WRK_PID" 2>/dev/null; stop_server; rm -rf "$WORK"' EXIT
export KEYCTL_STORE="$WORK/store"

TABLE_ROW='%-58s %8s %9s %9s  %s'

# ---- seed -----------------------------------------------------------------------------
echo "== seeding $LICENSES licenses" >&2
new_store
unlimited_rows "$LICENSES" "$WORK/rows.csv"
"$KEYCTL" license issue --batch "$WORK/rows.csv" --out "$WORK/issued.jsonl"
jsonl_field short_key "$WORK/issued.jsonl" "$WORK/keys.txt"

# ---- server ---------------------------------------------------------------------------
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
KEYCTL_LOG=off "$KEYCTL" serve --listen "127.0.0.1:$PORT" 2>"$WORK/serve.err" &
SERVER_PID=$!
wait_healthy "$BASE" "$WORK/serve.err"

rss() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status"; }
hwm() { awk '/^VmHWM/ {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status"; }
memory() { row "memory: $1 (VmRSS MB, goal <= 64)" "$(rss)" "" "" "peak VmHWM $(hwm) MB"; }
memory "after start, $LICENSES licenses in store"

# run_wrk NAME SUCCESS-CODE-NOTE wrk-args...: runs wrk, records req/s of successes and latency.
run_wrk() {
    local name=$1 goal=$2 file rate ok bad errors p50 p99 note
    shift 2
    file="$WORK/$(echo "$name" | tr -c 'A-Za-z0-9\n' '_').wrk"
    wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" "$@" >"$file" 2>&1
    cat "$file" >&2
    IFS=$'\t' read -r rate _ _ ok bad errors p50 p99 < <(python3 "$BENCH_LIB/wrk_summary.py" "$file")
    note="$ok ok, $bad non-2xx"
    [ "$errors" = - ] || note+=", socket errors $errors"
    row "$name req/s ($goal)" "$rate" "$p50" "$p99" "$note"
}

# ---- (a) GET /api/check ---------------------------------------------------------------
check_machine "$BASE" "$(head -1 "$WORK/keys.txt")"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$BASE$CHECK")
[ "$code" = 201 ] || { echo "check failed: $code" >&2; exit 1; }
echo "== (a) GET /api/check" >&2
run_wrk "GET /api/check" "goal >= 30000" "$BASE$CHECK"
memory "after /api/check"

# ---- (b) POST /v1/validate ------------------------------------------------------------
echo "== signing $((LICENSES * (VALIDATE_ROUNDS + 1))) unique KEYCTL1 requests" >&2
# keyctl serve refuses requests dated before it started, so the requests start at now (the
# server is already up); the run ends well inside the 300 s skew window. The probe is dated
# now, the warm-up (one round) the second after, then the measured rounds; (license,
# datetime) pairs never repeat.
NOW=$(date +%s)
python3 "$BENCH_LIB/sign.py" --licenses 1 "$WORK/issued.jsonl" "$NOW" 1 1 "$WORK/validate.probe"
python3 "$BENCH_LIB/sign.py" "$WORK/issued.jsonl" $((NOW + 1)) 1 "$THREADS" "$WORK/validate.warm"
python3 "$BENCH_LIB/sign.py" "$WORK/issued.jsonl" $((NOW + 2)) "$VALIDATE_ROUNDS" "$THREADS" "$WORK/validate.run"
curl -sS -H 'Content-Type: application/json' --data-binary "@$WORK/validate.probe.0" "$BASE/v1/validate" >"$WORK/probe.out"
grep -q '"valid":true' "$WORK/probe.out" || { echo "validate probe failed: $(cat "$WORK/probe.out")" >&2; exit 1; }
# The warm-up presents every license once (a license seen for the first time costs a full
# Ed25519 verification; later ones hit the server's cache of verified JWTs). wrk cannot stop
# by itself when its requests run out, so the server's /metrics tells when they are used up.
echo "== (b) POST /v1/validate warm-up: every license once" >&2
WARM_START=$(date +%s.%N)
wrk -t "$THREADS" -c "$CONNECTIONS" -d 300s -s "$BENCH_LIB/post.lua" "$BASE" -- validate "$WORK/validate.warm" \
    >"$WORK/warm.wrk" 2>&1 &
WRK_PID=$!
for _ in $(seq 3000); do
    [ "$(validated "$BASE")" -gt "$LICENSES" ] && break
    sleep 0.1
done
kill -INT "$WRK_PID" 2>/dev/null || true
wait "$WRK_PID" || true
WRK_PID=
WARM_S=$(python3 -c "import time; print(f'{time.time() - $WARM_START:.1f}')")
row "POST /v1/validate warm-up, $LICENSES cold licenses (s)" "$WARM_S" "" "" "first sight of each JWT: Ed25519 verify"
cat "$WORK/warm.wrk" >&2
memory "after /v1/validate warm-up"
echo "== (b) POST /v1/validate" >&2
run_wrk "POST /v1/validate" "goal >= 15000" -s "$BENCH_LIB/post.lua" "$BASE" -- validate "$WORK/validate.run"
memory "after /v1/validate"

# ---- (c) POST /api/activate, fresh machines -------------------------------------------
echo "== (c) POST /api/activate (fresh machines, durable)" >&2
# A unique hwid per request (fresh-<thread>-<n>), over the licenses in turn (all have
# unlimited seats).
run_wrk "POST /api/activate" "goal >= 3000" -s "$BENCH_LIB/post.lua" "$BASE" -- activate "$WORK/keys.txt" fresh 0 2
memory "after /api/activate"

stop_server
grep -v '^$' "$WORK/serve.err" >&2 || true

echo
echo "keyctl serve under wrk ($THREADS threads, $CONNECTIONS connections, $DURATION each; $LICENSES licenses; $(nproc) cores shared by server and wrk; $(revision src))"
print_table "what" "figure" "p50" "p99" "detail"
