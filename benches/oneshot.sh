#!/usr/bin/env bash
# One-shot `keyctl verify --public-key` (the release binary) beside an empty Rust program and
# beside jwt-cli 6 (`jwt decode --alg EDDSA --secret @pub.pem TOKEN`), verifying the same
# license with the same key: median wall time with hyperfine, peak RSS with GNU time, and,
# because hyperfine runs each command's runs back to back and a burst of load from other work
# then lands on one command only, a second pass that starts the commands in turn, one run of
# each at a time, and takes each run's CPU time (user + system, from wait4) as well as its wall
# time.
# Figures and their reading: docs/performance.md, "Product side".
#
#   bash benches/oneshot.sh                    # ~1 min once built: 9 repeats of 150 runs each
#   REPEATS=5 RUNS=500 bash benches/oneshot.sh
#   JWT_CLI=/path/to/jwt bash benches/oneshot.sh
#   STATIC=1 bash benches/oneshot.sh           # also keyctl linked statically (+crt-static),
#                                              # built in target/bench-static (~5 min once)
#
# jwt-cli is taken from JWT_CLI, else `jwt` on PATH, else installed once with
# `cargo install jwt-cli --version '^6' --locked --root target/bench-tools` (~3 min).
# hyperfine and GNU time are installed with apt-get if missing. Everything else happens in a
# temporary directory that is removed at the end.
set -euo pipefail

REPEATS=${REPEATS:-9}
STATIC=${STATIC:-0}
RUNS=${RUNS:-150}
RSS_RUNS=${RSS_RUNS:-10}
INTERLEAVED_RUNS=${INTERLEAVED_RUNS:-300}

cd "$(dirname "$0")/.."
TARGET=${CARGO_TARGET_DIR:-target}
install() {
    echo "installing $1 with apt-get" >&2
    apt-get install -y "$1" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$1" >/dev/null; }
}
[ -x /usr/bin/time ] || install time
command -v hyperfine >/dev/null || install hyperfine
command -v python3 >/dev/null || { echo "oneshot.sh: python3 is needed" >&2; exit 1; }

JWT_CLI=${JWT_CLI:-$(command -v jwt || true)}
if [ -z "$JWT_CLI" ]; then
    JWT_CLI=$TARGET/bench-tools/bin/jwt
    if [ ! -x "$JWT_CLI" ]; then
        echo "== cargo install jwt-cli 6 into $TARGET/bench-tools" >&2
        cargo install jwt-cli --version '^6' --locked --quiet --root "$TARGET/bench-tools"
    fi
fi
JWT_CLI=$(realpath "$JWT_CLI")

echo "== cargo build --release -p keyctl" >&2
cargo build --release --locked --quiet -p keyctl
KEYCTL=$(realpath "$TARGET/release/keyctl")
if [ "$STATIC" = 1 ]; then
    # The same code with glibc linked in: no dynamic loader, no shared libraries to map.
    # An explicit --target keeps the flag off build scripts and proc macros.
    host=$(rustc -vV | awk '/^host:/ { print $2 }')
    echo "== cargo build --release -p keyctl, -C target-feature=+crt-static" >&2
    RUSTFLAGS="-C target-feature=+crt-static" CARGO_TARGET_DIR=$TARGET/bench-static \
        cargo build --release --locked --quiet -p keyctl --target "$host"
    KEYCTL_STATIC=$(realpath "$TARGET/bench-static/$host/release/keyctl")
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
printf 'fn main() {}\n' >"$WORK/empty.rs"
rustc -C opt-level=3 -o "$WORK/empty" "$WORK/empty.rs"

# The license: issued by a throwaway store, valid for a year (jwt-cli requires `exp`).
export KEYCTL_STORE="$WORK/store"
unset KEYCTL_LOG
"$KEYCTL" init --issuer "Bench Corp" >/dev/null
"$KEYCTL" product add app --name "App" >/dev/null
"$KEYCTL" --json license issue --product app --licensee bench@example.com --expires 365d \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["jwt"])' >"$WORK/license.jwt"
"$KEYCTL" key export --format pem >"$WORK/pub.pem"
unset KEYCTL_STORE
TOKEN=$(cat "$WORK/license.jwt")
# A different last signature character changes the signature's last byte.
case ${TOKEN: -1} in A) TAMPERED=${TOKEN%?}Q ;; *) TAMPERED=${TOKEN%?}A ;; esac

# Both must really verify: the genuine token passes and a tampered signature fails, or the
# timing would compare a verifier with a decoder.
expect() { # expect 0|fail COMMAND...
    local want=$1; shift
    if "$@" >/dev/null 2>&1; then got=0; else got=fail; fi
    [ "$got" = "$want" ] || { echo "oneshot.sh: expected $want from: $*" >&2; exit 1; }
}
KEYCTL_CMD=("$KEYCTL" verify --public-key "$WORK/pub.pem" --product app "$TOKEN")
JWT_CMD=("$JWT_CLI" decode --alg EDDSA --secret "@$WORK/pub.pem" "$TOKEN")
expect 0 "${KEYCTL_CMD[@]}"
expect fail "$KEYCTL" verify --public-key "$WORK/pub.pem" --product app "$TAMPERED"
STATIC_CMD=()
if [ "$STATIC" = 1 ]; then
    STATIC_CMD=("$KEYCTL_STATIC" "${KEYCTL_CMD[@]:1}")
    expect 0 "${STATIC_CMD[@]}"
    expect fail "$KEYCTL_STATIC" verify --public-key "$WORK/pub.pem" --product app "$TAMPERED"
fi
expect 0 "${JWT_CMD[@]}"
expect fail "$JWT_CLI" decode --alg EDDSA --secret "@$WORK/pub.pem" "$TAMPERED"
echo "both verify the license and refuse it with a tampered signature" >&2

# Timing: REPEATS whole hyperfine comparisons, each running the three commands in turn.
for repeat in $(seq "$REPEATS"); do
    echo "== hyperfine, repeat $repeat of $REPEATS" >&2
    static_args=()
    [ "$STATIC" = 1 ] && static_args=(-n keyctl-static "${STATIC_CMD[*]}")
    hyperfine -N --warmup 30 --runs "$RUNS" --export-json "$WORK/time-$repeat.json" \
        -n empty "$WORK/empty" \
        -n keyctl "${KEYCTL_CMD[*]}" \
        "${static_args[@]}" \
        -n jwt-cli "${JWT_CMD[*]}" \
        -n keyctl-version "$KEYCTL --version" \
        -n jwt-cli-version "$JWT_CLI --version" >&2
done

# The interleaved pass: rounds of one run of each command, in an order that rotates.
interleaved=("empty=$WORK/empty" "keyctl=${KEYCTL_CMD[*]}")
[ "$STATIC" = 1 ] && interleaved+=("keyctl-static=${STATIC_CMD[*]}")
interleaved+=("jwt-cli=${JWT_CMD[*]}")
echo "== interleaved: $INTERLEAVED_RUNS rounds" >&2
python3 - "$INTERLEAVED_RUNS" "${interleaved[@]}" >"$WORK/interleaved.json" <<'EOF'
import json, os, statistics, sys, time

runs = int(sys.argv[1])
commands = {}
for arg in sys.argv[2:]:
    name, _, line = arg.partition("=")
    commands[name] = line.split()
names = list(commands)
devnull = os.open(os.devnull, os.O_WRONLY)
quiet = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
wall = {name: [] for name in names}
cpu = {name: [] for name in names}
warmup = 20
for round_ in range(warmup + runs):
    shift = round_ % len(names)
    for name in names[shift:] + names[:shift]:
        start = time.perf_counter_ns()
        pid = os.posix_spawn(commands[name][0], commands[name], os.environ, file_actions=quiet)
        _, _, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter_ns() - start
        if round_ >= warmup:
            wall[name].append(elapsed / 1e6)
            cpu[name].append((usage.ru_utime + usage.ru_stime) * 1e3)
json.dump({name: {"wall": statistics.median(wall[name]), "cpu": statistics.median(cpu[name])}
           for name in names}, sys.stdout)
EOF

# Peak RSS: the largest "Maximum resident set size" of RSS_RUNS runs each, interleaved.
for run in $(seq "$RSS_RUNS"); do
    /usr/bin/time -v -o "$WORK/rss-empty-$run" "$WORK/empty"
    /usr/bin/time -v -o "$WORK/rss-keyctl-$run" "${KEYCTL_CMD[@]}" >/dev/null
    if [ "$STATIC" = 1 ]; then
        /usr/bin/time -v -o "$WORK/rss-keyctl-static-$run" "${STATIC_CMD[@]}" >/dev/null
    fi
    /usr/bin/time -v -o "$WORK/rss-jwt-cli-$run" "${JWT_CMD[@]}" >/dev/null
done

python3 - "$WORK" "$REPEATS" "$RSS_RUNS" "$INTERLEAVED_RUNS" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" "$STATIC" <<'EOF'
import json, re, statistics, sys
work, repeats, rss_runs, interleaved_runs, commit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
names = ("empty", "keyctl", "keyctl-static", "jwt-cli") if sys.argv[6] == "1" else ("empty", "keyctl", "jwt-cli")
medians = {n: [] for n in names + ("keyctl-version", "jwt-cli-version")}
for repeat in range(1, repeats + 1):
    for result in json.load(open(f"{work}/time-{repeat}.json"))["results"]:
        medians[result["command"]].append(result["median"] * 1000)
rss = {}
for n in names:
    peaks = []
    for run in range(1, rss_runs + 1):
        text = open(f"{work}/rss-{n}-{run}").read()
        peaks.append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)))
    rss[n] = max(peaks)
mm = {n: statistics.median(medians[n]) for n in names}
inter = json.load(open(f"{work}/interleaved.json"))
print(f"one-shot verify ({commit}; hyperfine: median of {repeats} medians; interleaved: medians of "
      f"{interleaved_runs} rounds; peak RSS: max of {rss_runs} runs)")
print(f"{'program':<14} {'hyperfine ms':>12} {'wall ms':>8} {'CPU ms':>7} {'peak RSS':>9}  hyperfine repeats")
for n in names:
    each = " ".join(f"{m:.3f}" for m in medians[n])
    print(f"{n:<14} {mm[n]:>12.3f} {inter[n]['wall']:>8.3f} {inter[n]['cpu']:>7.3f} "
          f"{rss[n] / 1024:>6.1f} MB  {each}")
version = {n: statistics.median(medians[f"{n}-version"]) for n in ("keyctl", "jwt-cli")}
print(f"start-up alone (--version, hyperfine): keyctl {version['keyctl']:.3f} ms, jwt-cli {version['jwt-cli']:.3f} ms; "
      f"so verification itself: keyctl {mm['keyctl'] - version['keyctl']:.3f} ms, "
      f"jwt-cli {mm['jwt-cli'] - version['jwt-cli']:.3f} ms")
for n in names[1:-1]:
    for base, goal in (("jwt-cli", "< 1x"), ("empty", "<= 1.4x")):
        print(f"{n} / {base}: hyperfine {mm[n] / mm[base]:.2f}x, interleaved wall "
              f"{inter[n]['wall'] / inter[base]['wall']:.2f}x, CPU {inter[n]['cpu'] / inter[base]['cpu']:.2f}x (goal {goal})")
    print(f"{n} peak RSS / jwt-cli: {rss[n] / rss['jwt-cli']:.2f}x (goal <= 1x)")
EOF
