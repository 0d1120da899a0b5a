#!/usr/bin/env bash
# Whole-command benchmarks of keyctl (issue 5, "Speed"): bulk issuance and bulk
# verification end to end, their peak memory, and the start-up of a one-shot
# `keyctl verify --public-key` against a trivial Rust program.
#
#   bash benches/cli.sh                 # 100 000 rows, then 1 000 000 rows for peak memory
#   BIG_ROWS=0 bash benches/cli.sh      # skip the 1 000 000-row run (about 2-3 min)
#   ROWS=20000 BIG_ROWS=0 bash benches/cli.sh
#   REFS=1 bash benches/cli.sh          # every row with a `ref` (an order number)
#
# Needs cargo, python3, GNU time and hyperfine (both installed with apt-get if missing).
# Everything happens in a temporary directory that is removed at the end.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

ROWS=${ROWS:-100000}
BIG_ROWS=${BIG_ROWS:-1000000}
RUNS=${RUNS:-200}
REFS=${REFS:-0}

cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || install time
need hyperfine || install hyperfine
need python3 || { echo "python3 is needed to generate the input" >&2; exit 1; }

release_build

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export KEYCTL_STORE="$WORK/store"
unset KEYCTL_LOG

# suite_store PEM: a new store with the products app and suite; its public key in PEM.
suite_store() {
    new_store
    "$KEYCTL" product add suite --name "Suite" >/dev/null
    "$KEYCTL" key export --format pem >"$1"
}
suite_store "$WORK/public.pem"

# rows.csv with N rows: licensee, products, expiry, seats, features, and with REFS=1 an
# order number (every row valid).
gen_rows() {
    python3 - "$1" "$2" "$REFS" <<'EOF'
import sys
n, path, refs = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
with open(path, "w") as out:
    out.write("licensee,products,expires,activations,features" + (",ref" if refs else "") + "\n")
    for i in range(n):
        products = "app" if i % 4 else "app;suite"
        ref = f",ORD-{1000000 + i}" if refs else ""
        out.write(f"customer{i}@example.com,{products},365d,{i % 5 + 1},pro;export{ref}\n")
EOF
}

secs() { date +%s.%N; }
# Peak RSS in MB and elapsed seconds from a GNU time -v report.
peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$1"; }

TABLE_ROW='%-64s %12s  %s'

# issue_and_verify N LABEL: issues N licenses from a fresh store, then verifies them all.
issue_and_verify() {
    local n=$1 label=$2 dir="$WORK/$2"
    mkdir -p "$dir"
    gen_rows "$n" "$dir/rows.csv"
    rm -rf "$KEYCTL_STORE"
    suite_store "$dir/public.pem"

    echo "== $label: license issue --batch ($n rows)" >&2
    local t0 t1
    t0=$(secs)
    /usr/bin/time -v -o "$dir/issue.time" "$KEYCTL" license issue --batch "$dir/rows.csv" \
        --out "$dir/issued.jsonl" 2>"$dir/issue.err"
    t1=$(secs)
    cat "$dir/issue.err" >&2
    local issue_s issue_rate
    issue_s=$(echo "$t1 - $t0" | bc -l)
    issue_rate=$(echo "$n / $issue_s" | bc -l)
    [ "$(wc -l <"$dir/issued.jsonl")" -eq "$n" ] || { echo "expected $n issued licenses" >&2; exit 1; }
    row "$label issue --batch: licenses/s (goal >= 30000)" "$(printf '%.0f' "$issue_rate")" "$(printf '%.2f s' "$issue_s")"
    row "$label issue --batch: peak RSS MB (goal < 100 @1M)" "$(peak_mb "$dir/issue.time")" ""
    du -sk "$KEYCTL_STORE" | awk -v l="$label" '{printf "%s store size: %.0f MB\n", l, $1/1024}' >&2

    jsonl_field jwt "$dir/issued.jsonl" "$dir/jwts.txt"

    echo "== $label: verify --batch --public-key ($n licenses)" >&2
    t0=$(secs)
    /usr/bin/time -v -o "$dir/verify.time" "$KEYCTL" verify --batch "$dir/jwts.txt" \
        --public-key "$dir/public.pem" --product app >"$dir/verified.jsonl"
    t1=$(secs)
    local verify_s
    verify_s=$(echo "$t1 - $t0" | bc -l)
    tail -1 "$dir/verified.jsonl" >&2
    grep -q "\"valid\":$n" "$dir/verified.jsonl" || { echo "not every license verified" >&2; exit 1; }
    row "$label verify --batch --public-key: licenses/s (goal >= 60000)" \
        "$(printf '%.0f' "$(echo "$n / $verify_s" | bc -l)")" "$(printf '%.2f s' "$verify_s")"
    row "$label verify --batch --public-key: peak RSS MB" "$(peak_mb "$dir/verify.time")" ""

    echo "== $label: verify --batch with the store (revocation checked per license)" >&2
    t0=$(secs)
    /usr/bin/time -v -o "$dir/verify-store.time" "$KEYCTL" verify --batch "$dir/jwts.txt" \
        --product app >"$dir/verified-store.jsonl"
    t1=$(secs)
    verify_s=$(echo "$t1 - $t0" | bc -l)
    grep -q "\"valid\":$n" "$dir/verified-store.jsonl" || { echo "not every license verified" >&2; exit 1; }
    row "$label verify --batch (store): licenses/s" \
        "$(printf '%.0f' "$(echo "$n / $verify_s" | bc -l)")" "$(printf '%.2f s' "$verify_s")"
    row "$label verify --batch (store): peak RSS MB" "$(peak_mb "$dir/verify-store.time")" ""
    head -1 "$dir/jwts.txt" >"$WORK/one.jwt"
    cp "$dir/public.pem" "$WORK/one.pem"
    rm -f "$dir/rows.csv" "$dir/verified.jsonl" "$dir/verified-store.jsonl"
}

need bc || install bc
START=$(secs)
issue_and_verify "$ROWS" "$(printf '%dk' $((ROWS / 1000)))"
echo "100k phase took $(printf '%.0f' "$(echo "$(secs) - $START" | bc -l)") s" >&2

# One-shot start-up: keyctl verify vs an empty Rust program, both with hyperfine.
echo "== one-shot start-up (hyperfine, $RUNS runs each)" >&2
mkdir -p "$WORK/hello"
printf 'fn main() {}\n' >"$WORK/hello/empty.rs"
printf 'fn main() { println!("hello"); }\n' >"$WORK/hello/hello.rs"
rustc -O -o "$WORK/hello/empty" "$WORK/hello/empty.rs"
rustc -O -o "$WORK/hello/hello" "$WORK/hello/hello.rs"
"$KEYCTL" verify --public-key "$WORK/one.pem" --product app "@$WORK/one.jwt" >/dev/null
hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$WORK/startup.json" \
    -n hello "$WORK/hello/hello" \
    -n empty "$WORK/hello/empty" \
    -n keyctl-verify "$KEYCTL verify --public-key $WORK/one.pem --product app @$WORK/one.jwt" \
    -n keyctl-version "$KEYCTL --version" >&2
read -r hello_ms empty_ms verify_ms version_ms < <(python3 - "$WORK/startup.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(*(f'{r[n]["mean"]*1000:.3f}' for n in ("hello", "empty", "keyctl-verify", "keyctl-version")))
EOF
)
row "one-shot: empty Rust program (ms)" "$empty_ms" ""
row "one-shot: hello-world Rust program (ms)" "$hello_ms" ""
row "one-shot: keyctl --version (ms)" "$version_ms" ""
row "one-shot: keyctl verify --public-key (ms)" "$verify_ms" \
    "$(printf '%.2fx hello-world (goal <= 2x)' "$(echo "$verify_ms / $hello_ms" | bc -l)")"

if [ "$BIG_ROWS" -gt 0 ]; then
    START=$(secs)
    issue_and_verify "$BIG_ROWS" "$(printf '%dk' $((BIG_ROWS / 1000)))"
    row "1M phase wall time (generate, issue, extract, verify x2)" \
        "$(printf '%.0f s' "$(echo "$(secs) - $START" | bc -l)")" ""
fi

echo
echo "keyctl whole-command benchmarks ($(nproc) cores, $(revision src)$([ "$REFS" = 1 ] && echo ', rows with refs'))"
print_table "what" "figure" "detail"
