#!/usr/bin/env bash
# Peak memory and time of `keyctl store copy` (docs/performance.md, "store copy"): a sled
# store of LICENSES licenses into a fresh PostgreSQL database, then that database, given one
# activation per license in SQL, back into a new sled directory.
#
#   scripts/with-postgres.sh bash benches/copy.sh
#   LICENSES=20000 scripts/with-postgres.sh bash benches/copy.sh
#   KEYCTL=/tmp/keyctl-old scripts/with-postgres.sh bash benches/copy.sh   # another build
#
# Needs KEYCTL_TEST_POSTGRES (with-postgres.sh sets it, and puts psql on PATH), python3 and
# GNU time (installed with apt-get if missing). Without KEYCTL it builds with
# `cargo build --release`. Everything happens in a temporary directory and a database of its
# own, both removed at the end.
set -euo pipefail

LICENSES=${LICENSES:-200000}

cd "$(dirname "$0")/.."
[ -n "${KEYCTL_TEST_POSTGRES:-}" ] || {
    echo "KEYCTL_TEST_POSTGRES is not set: run this under scripts/with-postgres.sh" >&2
    exit 1
}
[ -x /usr/bin/time ] || {
    echo "installing time with apt-get" >&2
    apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
}
command -v python3 >/dev/null || { echo "python3 is needed to generate the input" >&2; exit 1; }

if [ -z "${KEYCTL:-}" ]; then
    echo "== cargo build --release" >&2
    cargo build --release --quiet --bin keyctl
    KEYCTL=$(realpath "${CARGO_TARGET_DIR:-target}/release/keyctl")
fi

WORK=$(mktemp -d)
DB=keyctl_copy_bench_$$
# The server's URL with the bench's database in place of `postgres`.
URL=${KEYCTL_TEST_POSTGRES%/postgres}/$DB
cleanup() {
    psql -X -q -d "$KEYCTL_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
unset KEYCTL_LOG KEYCTL_CACHE_MB
export KEYCTL_STORE="$WORK/source"

echo "== a sled store of $LICENSES licenses" >&2
"$KEYCTL" init --issuer "Bench Corp" >/dev/null
"$KEYCTL" product add app --name App >/dev/null
"$KEYCTL" product add suite --name Suite >/dev/null
python3 - "$LICENSES" "$WORK/rows.csv" <<'EOF'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as out:
    out.write("licensee,products,expires,activations,features\n")
    for i in range(n):
        products = "app" if i % 4 else "app;suite"
        out.write(f"customer{i}@example.com,{products},365d,{i % 5 + 1},pro;export\n")
EOF
"$KEYCTL" license issue --batch "$WORK/rows.csv" --out "$WORK/issued.jsonl"
psql -X -q -d "$KEYCTL_TEST_POSTGRES" -c "CREATE DATABASE $DB"

# Peak RSS in MB, wall seconds and CPU seconds from a GNU time -v report.
report() {
    awk -F': ' '
        /Maximum resident set size/ { rss = $2 / 1024 }
        /User time/ { cpu += $2 } /System time/ { cpu += $2 }
        /Elapsed \(wall clock\)/ { n = split($2, t, ":"); wall = 0; for (i = 1; i <= n; i++) wall = wall * 60 + t[i] }
        END { printf "%8.1f MB %8.1f s wall %8.1f s CPU", rss, wall, cpu }' "$1"
}

# copy LABEL FROM TO: one `store copy`, measured; its line of the table.
declare -a TABLE
copy() {
    echo "== $1" >&2
    /usr/bin/time -v -o "$WORK/time.txt" "$KEYCTL" store copy --from "$2" --to "$3" >&2
    TABLE+=("$(printf '%-52s %s' "$1" "$(report "$WORK/time.txt")")")
}

copy "sled -> PostgreSQL, $LICENSES licenses" "$WORK/source" "$URL"
psql -X -q -d "$URL" -c "
    INSERT INTO activations (license_id, hwid, machine, \"user\", first_seen, last_seen)
        SELECT id, 'hw-' || md5(id), 'box', 'ann', 1795000000, 1795000000 FROM licenses;
    UPDATE licenses SET seats = 1;"
copy "PostgreSQL -> sled, + $LICENSES activations" "$URL" "$WORK/back"

echo
echo "keyctl store copy ($("$KEYCTL" --version 2>/dev/null || echo "$KEYCTL"))"
printf '%s\n' "${TABLE[@]}"
