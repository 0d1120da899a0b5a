# shellcheck shell=bash
# What the shell benchmarks in benches/ share. Each sources it first thing:
#   . "$(dirname "$0")/lib.sh"
# Sourcing only defines functions and variables. The functions expect the repository's root
# as the current directory, where every benchmark works.
#
# The pieces the benchmarks hand to python3 and wrk are files in benches/lib/:
#   sign.py         KEYCTL1-signed POST /v1/validate requests (docs/spec/signer-protocol.md)
#   post.lua        wrk's POST /v1/validate and POST /api/activate loads
#   wrk_summary.py  successes/s and latency from wrk's output

# shellcheck disable=SC2034 # for the benchmarks
BENCH_LIB=benches/lib
TARGET=${CARGO_TARGET_DIR:-target}

need() { command -v "$1" >/dev/null 2>&1; }
# install PACKAGE: with apt-get; the package lists are updated only when the first try fails.
install() {
    echo "installing $1 with apt-get" >&2
    apt-get install -y "$1" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$1" >/dev/null; }
}

# release_build [CARGO-ARGS...]: `cargo build --release --quiet CARGO-ARGS`; sets KEYCTL, the
# release keyctl's absolute path.
# shellcheck disable=SC2120 # the arguments are optional
release_build() {
    echo "== cargo build --release${*:+ $*}" >&2
    cargo build --release --quiet "$@"
    KEYCTL=$(realpath "$TARGET/release/keyctl")
}

# new_store: a store at KEYCTL_STORE (issuer "Bench Corp") with the product app.
new_store() {
    "$KEYCTL" init --issuer "Bench Corp" >/dev/null
    "$KEYCTL" product add app --name "App" >/dev/null
}

# unlimited_rows N CSV: `license issue --batch` input of N licenses of app, a year, unlimited seats.
unlimited_rows() {
    awk -v n="$1" 'BEGIN {
        print "licensee,products,expires,activations"
        for (i = 0; i < n; i++) printf "customer%d@example.com,app,365d,-1\n", i
    }' >"$2"
}

# jsonl_field FIELD JSONL OUT: FIELD of every line of JSONL (`license issue --batch --out`), one a line.
jsonl_field() {
    python3 -c '
import json, sys
with open(sys.argv[2]) as src, open(sys.argv[3], "w") as out:
    for line in src:
        out.write(json.loads(line)[sys.argv[1]] + "\n")' "$@"
}

# revision [DIR]: the commit measured, "+dirty DIR" appended when DIR (default src) has changes.
revision() {
    local dir=${1:-src}
    echo "$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- "$dir" 2>/dev/null || echo "+dirty $dir")"
}

# The table a benchmark ends with: TABLE_ROW is the printf format of a row (set before the
# first row), `row FIELD...` adds one, `print_table HEADING...` prints the headings and rows.
declare -a TABLE=()
# shellcheck disable=SC2059 # the format is TABLE_ROW
row() { TABLE+=("$(printf "$TABLE_ROW" "$@")"); }
# shellcheck disable=SC2059 # the format is TABLE_ROW
print_table() {
    printf "$TABLE_ROW\n" "$@"
    printf '%s\n' "${TABLE[@]}"
}

# ---- keyctl serve ---------------------------------------------------------------------
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_healthy URL LOG: returns once URL/healthz answers 200 (up to 10 s); otherwise prints
# LOG (the server's stderr) and exits 1.
wait_healthy() {
    for _ in $(seq 100); do
        curl -fsS "$1/healthz" >/dev/null 2>&1 && return
        sleep 0.1
    done
    cat "$2" >&2
    exit 1
}
# check_machine URL KEY: activates on the license KEY the machine that GET /api/check asks
# about, and sets CHECK to that request's path and query.
check_machine() {
    local code
    # shellcheck disable=SC2034 # for the benchmark
    CHECK="/api/check?token=$2&machine=bench-box&user=bench&hwid=bench-check-hwid&app_id=1"
    code=$(curl -sS -o "$WORK/activate.out" -w '%{http_code}' -X POST \
        --data "token=$2&machine=bench-box&user=bench&app_id=1&hwid=bench-check-hwid" "$1/api/activate")
    [ "$code" = 201 ] || { echo "activation failed: $code $(cat "$WORK/activate.out")" >&2; exit 1; }
}
# validated URL: how many POST /v1/validate requests the server has answered, whatever the status.
validated() {
    curl -fsS "$1/metrics" | awk '/^keyctl_requests_total\{route="\/v1\/validate"/ {n += $2} END {print n + 0}'
}
