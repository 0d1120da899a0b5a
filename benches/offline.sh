#!/usr/bin/env bash
# Offline artefacts as whole commands (issue 12): `keyctl status-list publish` on a store of
# 1 000 000 licenses with 1% revoked (its time and the list's size), and the one-shot time
# of `keyctl machine verify --public-key`, without and with that status list, against an
# empty Rust program.
#
#   bash benches/offline.sh                  # 1 000 000 licenses, 1% revoked
#   LICENSES=100000 bash benches/offline.sh
#
# Needs cargo, python3 and hyperfine (installed with apt-get if missing). The store is
# seeded with `keyctl license issue --batch`, and the 1% revoked with the `revoke_ids`
# example (the store's own rules, one process). Everything happens in a temporary
# directory that is removed at the end.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

LICENSES=${LICENSES:-1000000}
RUNS=${RUNS:-100}

cd "$(dirname "$0")/.."
need hyperfine || install hyperfine
need python3 || { echo "python3 is needed to generate the input" >&2; exit 1; }

release_build --bin keyctl --example revoke_ids
REVOKE=$(realpath "$TARGET/release/examples/revoke_ids")

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export KEYCTL_STORE="$WORK/store"
unset KEYCTL_LOG

new_store
"$KEYCTL" key export --format pem >"$WORK/public.pem"

echo "== seeding: license issue --batch ($LICENSES rows)" >&2
python3 - "$LICENSES" "$WORK/rows.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as out:
    out.write("licensee,products,activations\n")
    for i in range(n):
        out.write(f"customer{i}@example.com,app,{i % 5 + 1}\n")
PY
"$KEYCTL" license issue --batch "$WORK/rows.csv" --out "$WORK/issued.jsonl"
rm -f "$WORK/rows.csv"
python3 - "$WORK/issued.jsonl" "$WORK/revoke.txt" "$WORK/one.jwt" <<'PY'
import json, random, sys
# 1% chosen at random (a fixed seed): a regular pattern would compress far better than
# real revocations do. The machine file's license is the first one that stays valid.
n = sum(1 for _ in open(sys.argv[1]))
chosen = set(random.Random(12).sample(range(n), n // 100))
with open(sys.argv[1]) as src, open(sys.argv[2], "w") as ids, open(sys.argv[3], "w") as one:
    kept = False
    for i, line in enumerate(src):
        row = json.loads(line)
        if i in chosen:
            ids.write(row["id"] + "\n")
        elif not kept:
            one.write(row["jwt"] + "\n")
            kept = True
PY
rm -f "$WORK/issued.jsonl"
echo "== seeding: revoking 1% ($(wc -l <"$WORK/revoke.txt") licenses)" >&2
"$REVOKE" "$KEYCTL_STORE" "$WORK/revoke.txt" >&2

echo "== status-list publish (hyperfine)" >&2
# `status-list uri` opens the same store and reads one setting: what publishing costs beyond
# opening a store of this size.
hyperfine -N --warmup 1 --runs 10 --export-json "$WORK/publish.json" \
    -n publish "$KEYCTL status-list publish --out $WORK/list.jwt --force" \
    -n open-store "$KEYCTL status-list uri" >&2
LIST_BYTES=$(wc -c <"$WORK/list.jwt")
read -r LST_BYTES LISTED_REVOKED < <(python3 - "$WORK/list.jwt" <<'PY'
import base64, json, sys
token = open(sys.argv[1]).read().strip()
payload = token.split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
lst = claims["status_list"]["lst"]
import zlib
raw = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
revoked = sum(((byte >> shift) & 3) == 1 for byte in raw for shift in (0, 2, 4, 6))
print(len(lst), revoked)
PY
)
[ "$LISTED_REVOKED" -eq "$(wc -l <"$WORK/revoke.txt")" ] || { echo "the list marks $LISTED_REVOKED revoked" >&2; exit 1; }

echo "== machine verify one-shot (hyperfine)" >&2
LICENSE_ID=$(python3 -c "import base64,json,sys; p=open(sys.argv[1]).read().split('.')[1]; print(json.loads(base64.urlsafe_b64decode(p+'='*(-len(p)%4)))['jti'])" "$WORK/one.jwt")
"$KEYCTL" machine checkout "$LICENSE_ID" --hwid bench-machine --activate --out "$WORK/machine.jwt" >/dev/null
mkdir -p "$WORK/empty"
printf 'fn main() {}\n' >"$WORK/empty/empty.rs"
rustc -O -o "$WORK/empty/empty" "$WORK/empty/empty.rs"
VERIFY="$KEYCTL machine verify $WORK/machine.jwt --hwid bench-machine --product app --public-key $WORK/public.pem"
$VERIFY --status-list "$WORK/list.jwt" >/dev/null
hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$WORK/verify.json" \
    -n empty "$WORK/empty/empty" \
    -n machine-verify "$VERIFY" \
    -n machine-verify-with-list "$VERIFY --status-list $WORK/list.jwt" >&2

python3 - "$WORK/publish.json" "$WORK/verify.json" "$LICENSES" "$LIST_BYTES" "$LST_BYTES" \
    "$(du -sk "$KEYCTL_STORE" | cut -f1)" <<'PY'
import json, sys
opened = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
publish, open_store = opened["publish"], opened["open-store"]
verify = {r["command"]: r for r in json.load(open(sys.argv[2]))["results"]}
n, list_bytes, lst_bytes, store_kb = (int(x) for x in sys.argv[3:7])
ms = lambda r: f'{r["mean"] * 1000:.2f} ± {r["stddev"] * 1000:.2f} ms'
print(f"\nkeyctl offline benchmarks ({n} licenses, 1% revoked, store {store_kb / 1024:.0f} MB)")
print(f"status-list publish                     {ms(publish)} (min {publish['min'] * 1000:.2f} ms)")
print(f"status-list uri (opening the store)      {ms(open_store)}")
print(f"signed list                             {list_bytes} bytes (lst {lst_bytes} characters)")
for name in ("empty", "machine-verify", "machine-verify-with-list"):
    print(f"{name:<40}{ms(verify[name])}")
PY
