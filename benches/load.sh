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
#   (b) POST /v1/validate with unique KEYCTL1-signed requests (pre-signed by a small
#       Python implementation of docs/spec/signer-protocol.md, since the server
#       answers a replayed request 409); only 200s are counted. A warm-up pass first
#       presents every license once, so the measured pass sees the server's steady state;
#   (c) durable POST /api/activate of fresh machines (a unique hwid per request);
#   (d) the server's resident memory (VmRSS, and the peak VmHWM) at each step.
# The server is stopped and the temporary directory removed on exit.
set -euo pipefail

LICENSES=${LICENSES:-100000}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
# Measured /v1/validate requests available = LICENSES * VALIDATE_ROUNDS (each unique).
VALIDATE_ROUNDS=${VALIDATE_ROUNDS:-5}

cd "$(dirname "$0")/.."
need() { command -v "$1" >/dev/null 2>&1; }
install() {
    echo "installing $1 with apt-get" >&2
    apt-get install -y "$1" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$1" >/dev/null; }
}
need wrk || install wrk
need curl || install curl
need python3 || { echo "python3 is needed to sign requests" >&2; exit 1; }

echo "== cargo build --release" >&2
cargo build --release --quiet
TARGET=${CARGO_TARGET_DIR:-target}
KEYCTL=$(realpath "$TARGET/release/keyctl")

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

declare -a TABLE
row() { TABLE+=("$(printf '%-58s %8s %9s %9s  %s' "$@")"); }

# ---- seed -----------------------------------------------------------------------------
echo "== seeding $LICENSES licenses" >&2
"$KEYCTL" init --issuer "Bench Corp" >/dev/null
"$KEYCTL" product add app --name "App" >/dev/null
python3 - "$LICENSES" "$WORK/rows.csv" <<'EOF'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as out:
    out.write("licensee,products,expires,activations\n")
    for i in range(n):
        out.write(f"customer{i}@example.com,app,365d,-1\n")
EOF
"$KEYCTL" license issue --batch "$WORK/rows.csv" --out "$WORK/issued.jsonl"
python3 - "$WORK/issued.jsonl" "$WORK/keys.txt" <<'EOF'
import json, sys
with open(sys.argv[1]) as src, open(sys.argv[2], "w") as out:
    for line in src:
        out.write(json.loads(line)["short_key"] + "\n")
EOF

# ---- server ---------------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
KEYCTL_LOG=off "$KEYCTL" serve --listen "127.0.0.1:$PORT" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null || { cat "$WORK/serve.err" >&2; exit 1; }

rss() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status"; }
hwm() { awk '/^VmHWM/ {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status"; }
memory() { row "memory: $1 (VmRSS MB, goal <= 64)" "$(rss)" "" "" "peak VmHWM $(hwm) MB"; }
memory "after start, $LICENSES licenses in store"

# run_wrk NAME SUCCESS-CODE-NOTE wrk-args...: runs wrk, records req/s of successes and latency.
run_wrk() {
    local name=$1 goal=$2 file
    shift 2
    file="$WORK/$(echo "$name" | tr -c 'A-Za-z0-9\n' '_').wrk"
    wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" "$@" >"$file" 2>&1
    cat "$file" >&2
    python3 - "$file" "$name" "$goal" >>"$WORK/rows.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
total, secs = re.search(r"(\d+) requests in ([\d.]+)(m?s)", text).groups()[:2]
unit = re.search(r"\d+ requests in [\d.]+(m?s)", text).group(1)
secs = float(secs) / (1000 if unit == "ms" else 1)
bad = int((re.search(r"Non-2xx or 3xx responses: (\d+)", text) or [0, 0])[1])
errors = re.search(r"Socket errors: (.*)", text)
lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
ok = (int(total) - bad) / secs
note = f"{int(total) - bad} ok, {bad} non-2xx" + (f", socket errors {errors.group(1)}" if errors else "")
print(f"{sys.argv[2]}\t{ok:.0f}\t{lat.get('50', '?')}\t{lat.get('99', '?')}\t{note}\t{sys.argv[3]}")
EOF
    IFS=$'\t' read -r n ok p50 p99 note goal < <(tail -1 "$WORK/rows.txt")
    row "$n req/s ($goal)" "$ok" "$p50" "$p99" "$note"
}

# ---- (a) GET /api/check ---------------------------------------------------------------
KEY=$(head -1 "$WORK/keys.txt")
code=$(curl -sS -o "$WORK/activate.out" -w '%{http_code}' -X POST \
    --data "token=$KEY&machine=bench-box&user=bench&app_id=1&hwid=bench-check-hwid" "$BASE/api/activate")
[ "$code" = 201 ] || { echo "activation failed: $code $(cat "$WORK/activate.out")" >&2; exit 1; }
CHECK="/api/check?token=$KEY&machine=bench-box&user=bench&hwid=bench-check-hwid&app_id=1"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$BASE$CHECK")
[ "$code" = 201 ] || { echo "check failed: $code" >&2; exit 1; }
echo "== (a) GET /api/check" >&2
run_wrk "GET /api/check" "goal >= 30000" "$BASE$CHECK"
memory "after /api/check"

# ---- (b) POST /v1/validate ------------------------------------------------------------
echo "== signing $((LICENSES * (VALIDATE_ROUNDS + 1))) unique KEYCTL1 requests" >&2
python3 - "$WORK/issued.jsonl" "$WORK/validate" "$VALIDATE_ROUNDS" "$THREADS" <<'EOF'
# KEYCTL1-HMAC-SHA256 from docs/spec/signer-protocol.md, independent of keyctl's code.
import hashlib, hmac, json, sys, time
issued, prefix, rounds, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
licenses = [json.loads(line) for line in open(issued)]
# keyctl serve refuses requests dated before it started, so the requests start at now (the
# server is already up); the run ends well inside the 300 s skew window.
base = int(time.time())
keys = {}

def signing_key(secret, date, lid):
    k = keys.get((lid, date))
    if k is None:
        k = hmac.new(("KEYCTL1" + secret).encode(), date.encode(), hashlib.sha256).digest()
        k = hmac.new(k, lid.encode(), hashlib.sha256).digest()
        k = hmac.new(k, b"keyctl1_request", hashlib.sha256).digest()
        keys[(lid, date)] = k
    return k

hashes = [hashlib.sha256(lic["jwt"].encode()).hexdigest() for lic in licenses]

def body(lic, h, t):
    dt = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))
    sts = f"KEYCTL1-HMAC-SHA256\n{dt}\n{dt[:8]}/{lic['id']}/keyctl1_request\n{h}"
    sig = hmac.new(signing_key(lic["secret"], dt[:8], lic["id"]), sts.encode(), hashlib.sha256).hexdigest()
    return json.dumps({"license": lic["jwt"], "datetime": dt, "signature": sig, "product": "app"},
                      separators=(",", ":"))

with open(f"{prefix}.probe", "w") as out:
    out.write(body(licenses[0], hashes[0], base))
# Round 0 is the warm-up; rounds 1..R are measured. (license, datetime) pairs never repeat.
for name, first, last in (("warm", 0, 0), ("run", 1, rounds)):
    files = [open(f"{prefix}.{name}.{t}", "w") for t in range(threads)]
    i = 0
    for r in range(first, last + 1):
        for lic, h in zip(licenses, hashes):
            files[i % threads].write(body(lic, h, base + 1 + r) + "\n")
            i += 1
    for f in files:
        f.close()
EOF
cat >"$WORK/validate.lua" <<'EOF'
-- Each wrk thread replays its own file of unique signed requests, in order.
local counter = 0
function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
end
function init(args)
    bodies = {}
    for line in io.lines(args[1] .. "." .. tid) do
        bodies[#bodies + 1] = line
    end
    i = 0
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
end
function request()
    i = i + 1
    if i > #bodies then i = 1 end -- wrapped: replays, answered 409 and counted as failures
    return wrk.format(nil, "/v1/validate", nil, bodies[i])
end
EOF
curl -sS -H 'Content-Type: application/json' --data-binary "@$WORK/validate.probe" "$BASE/v1/validate" >"$WORK/probe.out"
grep -q '"valid":true' "$WORK/probe.out" || { echo "validate probe failed: $(cat "$WORK/probe.out")" >&2; exit 1; }
# The warm-up presents every license once (a license seen for the first time costs a full
# Ed25519 verification; later ones hit the server's cache of verified JWTs). wrk cannot stop
# by itself when its requests run out, so the server's /metrics tells when they are used up.
validated() {
    curl -fsS "$BASE/metrics" | awk '/^keyctl_requests_total\{route="\/v1\/validate"/ {n += $2} END {print n + 0}'
}
echo "== (b) POST /v1/validate warm-up: every license once" >&2
WARM_START=$(date +%s.%N)
wrk -t "$THREADS" -c "$CONNECTIONS" -d 300s -s "$WORK/validate.lua" "$BASE" -- "$WORK/validate.warm" \
    >"$WORK/warm.wrk" 2>&1 &
WRK_PID=$!
for _ in $(seq 3000); do
    [ "$(validated)" -gt "$LICENSES" ] && break
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
run_wrk "POST /v1/validate" "goal >= 15000" -s "$WORK/validate.lua" "$BASE" -- "$WORK/validate.run"
memory "after /v1/validate"

# ---- (c) POST /api/activate, fresh machines -------------------------------------------
cat >"$WORK/activate.lua" <<'EOF'
-- A unique hwid per request, over the licenses in turn (all have unlimited seats).
local counter = 0
function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
end
function init(args)
    keys = {}
    for line in io.lines(args[1]) do
        keys[#keys + 1] = line
    end
    n = 0
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
function request()
    n = n + 1
    local key = keys[(n * 2 + tid) % #keys + 1]
    local body = "token=" .. key .. "&machine=bench-box&user=bench&app_id=1&hwid=fresh-" .. tid .. "-" .. n
    return wrk.format(nil, "/api/activate", nil, body)
end
EOF
echo "== (c) POST /api/activate (fresh machines, durable)" >&2
run_wrk "POST /api/activate" "goal >= 3000" -s "$WORK/activate.lua" "$BASE" -- "$WORK/keys.txt"
memory "after /api/activate"

stop_server
grep -v '^$' "$WORK/serve.err" >&2 || true

echo
echo "keyctl serve under wrk ($THREADS threads, $CONNECTIONS connections, $DURATION each; $LICENSES licenses; $(nproc) cores shared by server and wrk; $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- src 2>/dev/null || echo '+dirty src'))"
printf '%-58s %8s %9s %9s  %s\n' "what" "figure" "p50" "p99" "detail"
printf '%s\n' "${TABLE[@]}"
