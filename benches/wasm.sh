#!/usr/bin/env bash
# The product side's JavaScript package (crates/keyctl-wasm, built by scripts/build-wasm.sh):
#   1. its size: keyctl_wasm_bg.wasm raw and gzip -9, and the whole pkg/node gzipped as one
#      tarball (and as `npm pack` would publish it, when npm is here);
#   2. what fills the module: twiggy on the build that still has its names, grouped by crate;
#   3. verifyLicense per second in Node (benches/wasm-verify.js) against native keyctl-core
#      (crates/keyctl-wasm/examples/bench_verify.rs) with and without ed25519-dalek's
#      precomputed tables, in interleaved rounds, as ratios taken within each round.
# Figures and their reading: docs/performance.md, "Product side".
#
#   bash benches/wasm.sh                       # ~4 min: build, sizes, 5 rounds of 3 s runs
#   ROUNDS=3 RUN_SECONDS=2 bash benches/wasm.sh
#   SKIP_BUILD=1 bash benches/wasm.sh          # the package already in crates/keyctl-wasm/pkg
#   VARIANTS="o3 crypto3" bash benches/wasm.sh # also time (and size) other optimization levels
#
# VARIANTS are builds of the same module that the package does not ship, each in its own
# target directory under target/bench-wasm/ (about 1 minute each the first time):
#   o3       the whole module at opt-level 3 instead of "z";
#   crypto3  opt-level 3 for curve25519-dalek, ed25519-dalek and sha2 only, "z" for the rest.
# Needs cargo, node, gzip, python3 and twiggy (cargo install twiggy); wasm-bindgen-cli comes
# with scripts/build-wasm.sh. Nothing outside target/, crates/keyctl-wasm/pkg and a temporary
# directory is written.
set -euo pipefail

ROUNDS=${ROUNDS:-5}
RUN_SECONDS=${RUN_SECONDS:-3}
VARIANTS=${VARIANTS:-}

cd "$(dirname "$0")/.."
TARGET=${CARGO_TARGET_DIR:-target}
PKG=crates/keyctl-wasm/pkg/node
NAMED=$TARGET/wasm32-unknown-unknown/wasm-release/keyctl_wasm.wasm
TWIGGY=${TWIGGY:-$(command -v twiggy || echo "$HOME/.cargo/bin/twiggy")}
for tool in node gzip python3 wasm-bindgen; do
    command -v "$tool" >/dev/null || { echo "wasm.sh: $tool is needed" >&2; exit 1; }
done
[ -x "$TWIGGY" ] || { echo "wasm.sh: twiggy is needed (cargo install twiggy)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "== bash scripts/build-wasm.sh" >&2
    bash scripts/build-wasm.sh
fi
[ -f "$PKG/keyctl_wasm_bg.wasm" ] && [ -f "$NAMED" ] || { echo "wasm.sh: build the package first" >&2; exit 1; }

declare -a TABLE
row() { TABLE+=("$(printf '%-58s %12s  %s' "$1" "$2" "$3")"); }
gz() { gzip -9 -c "$1" | wc -c; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1000 }'; }

# 1. Sizes. The tarball is deterministic (sorted names, no owners or dates), so two runs on
# the same package give the same bytes.
wasm_raw=$(wc -c <"$PKG/keyctl_wasm_bg.wasm")
wasm_gz=$(gz "$PKG/keyctl_wasm_bg.wasm")
tar -C "$PKG" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$WORK/pkg.tar" .
pkg_raw=$(wc -c <"$WORK/pkg.tar")
pkg_gz=$(gz "$WORK/pkg.tar")
row "keyctl_wasm_bg.wasm (shipped, no name section): raw" "$wasm_raw" "$(kb "$wasm_raw")"
row "keyctl_wasm_bg.wasm: gzip -9" "$wasm_gz" "$(kb "$wasm_gz")"
row "pkg/node, all $(find "$PKG" -type f | wc -l) files as one tar: raw" "$pkg_raw" "$(kb "$pkg_raw")"
row "pkg/node as one tar, gzip -9 (goal <= 120 KB)" "$pkg_gz" \
    "$(kb "$pkg_gz"); headroom $(kb $((120000 - pkg_gz)))"
if command -v npm >/dev/null; then
    npm_size=$(cd "$PKG" && npm pack --dry-run 2>&1 | awk -F': *' '/package size/ { print $2 }')
    row "npm pack --dry-run of pkg/node: package size" "$npm_size" ""
fi

# 2. What fills the module. twiggy on the cargo output, as the brief names it (its sizes
# include what wasm-bindgen later removes), then the shipped module itself with its names
# kept (wasm-bindgen without --remove-name-section), grouped by crate: the same functions,
# so the groups add up to the shipped size less its name section.
echo "== twiggy top -n 25 $NAMED" >&2
"$TWIGGY" top -n 25 "$NAMED" >&2
echo "== twiggy dominators -d 8 -r 40 (the shipped module, names kept)" >&2
wasm-bindgen --target nodejs --remove-producers-section --out-dir "$WORK/named" "$NAMED"
"$TWIGGY" dominators -d 8 -r 40 "$WORK/named/keyctl_wasm_bg.wasm" >&2
"$TWIGGY" top -n 1000000 -f csv "$WORK/named/keyctl_wasm_bg.wasm" >"$WORK/top.csv"
echo "== the shipped module by crate (shallow bytes, name section left out)" >&2
python3 - "$WORK/top.csv" >&2 <<'EOF'
import collections, csv, re, sys

CRATES = (
    (("serde_json", "serde", "serde_core", "zmij", "itoa", "ryu"), "serde_json, serde"),
    (("der", "pem_rfc7468", "base64ct", "spki", "pkcs8", "const_oid"), "der, pem-rfc7468, spki, pkcs8 (PEM keys)"),
    (("curve25519_dalek", "ed25519_dalek", "ed25519", "subtle"), "curve25519-dalek, ed25519-dalek"),
    (("sha2", "digest", "block_buffer", "generic_array", "hmac"), "sha2, hmac, digest"),
    (("base64",), "base64"),
    (("hex",), "hex"),
    (("dlmalloc",), "dlmalloc (the allocator)"),
    (("keyctl_core",), "keyctl_core"),
    (("keyctl_wasm", "wasm_bindgen", "js_sys"), "keyctl_wasm, wasm-bindgen"),
)
CORE = ("core", "alloc", "std", "__rustc")

def group(name):
    """The crate (or part of core) that an item of twiggy's list belongs to: the first crate
    named in it other than core, alloc and std, so that core's generic code instantiated for
    a crate's types (drop_in_place<serde_json::Value>, Vec<Claims>) counts for that crate."""
    if name.startswith('"') and "subsection" in name or name.startswith("custom section"):
        return None
    if name.startswith("data segment") or name.startswith("data["):
        return ".rodata: message text and tables"
    bare = re.sub(r"\[[0-9a-f]+\]", "", name)  # core[c5930c85a12de822] -> core
    if bare.startswith(("__wbindgen", "__wbg", "__externref")) or re.match(
        r"^(verifyLicenseJson|checkClaimsJson|signRequest|mio4Sign|requestDatetimeAt)\b", bare
    ):
        return "keyctl_wasm, wasm-bindgen"
    paths = re.findall(r"(?<![A-Za-z0-9_:])([A-Za-z_][A-Za-z0-9_]*)::", bare)
    if "sha2" in paths:
        return "sha2: SHA-512 (Ed25519)" if "sha512" in bare else "sha2: SHA-256 (kid; HMAC)"
    for path in paths:
        for crates, label in CRATES:
            if path in crates:
                return label
    if "flt2dec" in bare or "bignum" in bare or "float" in bare or re.search(r"\bf64\b|\bf32\b", bare):
        return "core: float formatting"
    if any(path in CORE for path in paths) or re.match(r"^<?&?(str|char|u8|u16|u32|u64|usize|i32|i64|bool|\[)", bare) \
            or bare in ("memcmp", "memcpy", "memset", "memmove", "__multi3"):
        return "core, alloc: fmt, str, Vec, panics"
    return "wasm structure (types, table, exports), unnamed"

sizes = collections.Counter()
for item in csv.DictReader(open(sys.argv[1])):
    label = group(item["Name"])
    if label is not None:
        sizes[label] += int(item["ShallowSize"])
total = sum(sizes.values())
for label, size in sizes.most_common():
    print(f"{size:8d} {100 * size / total:5.1f}%  {label}")
print(f"{total:8d} 100.0%  (all but the name section)")
EOF

# 3. Speed. Two native builds of the same example (the first is what the wasm compiles,
# the second adds ed25519-dalek's precomputed tables, keyctl-core's default), copied out
# because both land on the same path.
echo "== cargo build --release --example bench_verify (without and with keyctl-core/fast)" >&2
cargo build --release --locked --quiet -p keyctl-wasm --example bench_verify
cp "$TARGET/release/examples/bench_verify" "$WORK/native-nofast"
cargo build --release --locked --quiet -p keyctl-wasm --example bench_verify --features keyctl-core/fast
cp "$TARGET/release/examples/bench_verify" "$WORK/native-fast"

# variant NAME: builds the module another way, wraps it like pkg/node, prints its sizes.
variant() {
    local name=$1 dir=$TARGET/bench-wasm/$1 args=()
    case $name in
        o3) args=(--config 'profile.wasm-release.opt-level=3') ;;
        crypto3) for crate in curve25519-dalek ed25519-dalek sha2; do
                args+=(--config "profile.wasm-release.package.$crate.opt-level=3")
            done ;;
        *) echo "wasm.sh: unknown variant $name (o3, crypto3)" >&2; exit 1 ;;
    esac
    echo "== variant $name: cargo build ${args[*]}" >&2
    CARGO_TARGET_DIR=$dir cargo build --locked --quiet -p keyctl-wasm --target wasm32-unknown-unknown \
        --profile wasm-release "${args[@]}"
    cp -r "$PKG" "$WORK/pkg-$name"
    wasm-bindgen --target nodejs --remove-name-section --remove-producers-section \
        --out-dir "$WORK/pkg-$name" "$dir/wasm32-unknown-unknown/wasm-release/keyctl_wasm.wasm"
    tar -C "$WORK/pkg-$name" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$WORK/pkg-$name.tar" .
    local raw wgz tgz
    raw=$(wc -c <"$WORK/pkg-$name/keyctl_wasm_bg.wasm")
    wgz=$(gz "$WORK/pkg-$name/keyctl_wasm_bg.wasm")
    tgz=$(gz "$WORK/pkg-$name.tar")
    row "variant $name: .wasm raw / gzip -9 / pkg tar gzip -9" "$(kb "$tgz")" "$(kb "$raw") / $(kb "$wgz")"
}
for name in $VARIANTS; do variant "$name"; done

# Rounds: every program once per round, in the same order, so a burst of load from other
# work on the machine hits one round of all of them rather than all runs of one.
echo "== $ROUNDS rounds of ${RUN_SECONDS} s per figure" >&2
: >"$WORK/rounds.jsonl"
for round in $(seq "$ROUNDS"); do
    line="{\"round\":$round"
    line+=",\"nofast\":$("$WORK/native-nofast" "$RUN_SECONDS")"
    line+=",\"fast\":$("$WORK/native-fast" "$RUN_SECONDS")"
    line+=",\"node\":$(node benches/wasm-verify.js "$RUN_SECONDS")"
    for name in $VARIANTS; do
        line+=",\"node_$name\":$(KEYCTL_PKG="$(realpath "$WORK/pkg-$name")" node benches/wasm-verify.js "$RUN_SECONDS")"
    done
    echo "$line}" | tee -a "$WORK/rounds.jsonl" >&2
done

mapfile -t SPEED < <(python3 - "$WORK/rounds.jsonl" "$VARIANTS" <<'EOF'
import json, statistics, sys
rounds = [json.loads(line) for line in open(sys.argv[1])]
variants = sys.argv[2].split()
med = lambda values: statistics.median(values)
def fig(label, value, detail=""):
    print(f"{label:<58s} {value:>12s}  {detail}")
def rate(key, field):
    return med([r[key][field] for r in rounds])
def ratio(key, field, base, base_field="verify_per_s"):
    return med([r[key][field] / r[base][base_field] for r in rounds])
fig("native license::verify, no tables (/s)", f"{rate('nofast', 'verify_per_s'):.0f}", "what the wasm compiles")
fig("native license::verify, tables (fast) (/s)", f"{rate('fast', 'verify_per_s'):.0f}",
    f"{ratio('fast', 'verify_per_s', 'nofast'):.2f}x no tables")
fig("native verify_license_json, no tables (/s)", f"{rate('nofast', 'like_wasm_per_s'):.0f}", "the export's work, natively")
fig("native check_signature alone, no tables (/s)", f"{rate('nofast', 'signature_per_s'):.0f}", "Ed25519 verify_strict")
for key, label in [("node", "shipped (z)")] + [(f"node_{v}", v) for v in variants]:
    fig(f"Node verifyLicense, {label} (/s)", f"{rate(key, 'verifyLicense_per_s'):.0f}",
        f"{100 * ratio(key, 'verifyLicense_per_s', 'nofast'):.1f}% of no tables, "
        f"{100 * ratio(key, 'verifyLicense_per_s', 'fast'):.1f}% of tables (goal >= 40%)")
    fig(f"Node verifyLicenseJson (raw export), {label} (/s)", f"{rate(key, 'verifyLicenseJson_per_s'):.0f}",
        f"{100 * ratio(key, 'verifyLicenseJson_per_s', 'nofast', 'like_wasm_per_s'):.1f}% of the same function natively")
    fig(f"Node, all but the signature, {label} (/s)", f"{rate(key, 'without_signature_per_s'):.0f}",
        "vector untrusted_kid: parse key, decode, verdict")
EOF
)
TABLE+=("${SPEED[@]}")

echo
echo "keyctl JavaScript package ($(nproc) cores, node $(node --version), $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- crates 2>/dev/null || echo '+dirty crates'); medians of $ROUNDS rounds, ratios within each round)"
printf '%-58s %12s  %s\n' "what" "figure" "detail"
printf '%s\n' "${TABLE[@]}"
