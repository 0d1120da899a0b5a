#!/usr/bin/env bash
# Builds keyctl and runs its main job end to end in a throw-away store: create a signing
# key, add a product, issue a license, verify it offline (as a CI pipeline would, with the
# exported public key only), sign a request for it and validate that request.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked --quiet
keyctl="$PWD/target/release/keyctl"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KEYCTL_STORE="$work/store"

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }
run() { step "keyctl $*"; "$keyctl" "$@"; }

run init --issuer "Example Corp"
run product add player --name "Example Player" --support-message "Write to support@example.com"
run license issue --product player --licensee alice@example.com --expires 365d --activations 3 --feature pro
id=$("$keyctl" license list --json | sed -n 's/.*"id": "\(lic_[a-z0-9]*\)".*/\1/p' | head -n 1)
jwt=$("$keyctl" license show "$id" --jwt)
"$keyctl" license show "$id" --secret > "$work/signer.secret"
"$keyctl" key export --format pem --out "$work/vendor.pub.pem"

step "keyctl verify \$LICENSE --product player --public-key vendor.pub.pem"
"$keyctl" verify "$jwt" --product player --public-key "$work/vendor.pub.pem"
echo "exit code $?"

step "keyctl verify \$LICENSE --product editor --public-key vendor.pub.pem   # not covered"
code=0
"$keyctl" verify "$jwt" --product editor --public-key "$work/vendor.pub.pem" || code=$?
echo "exit code $code"

step "keyctl sign \$LICENSE --secret-file signer.secret"
signed=$("$keyctl" sign "$jwt" --secret-file "$work/signer.secret")
echo "$signed"
datetime=$(echo "$signed" | awk '/^datetime/ {print $2}')
signature=$(echo "$signed" | awk '/^signature/ {print $2}')

step "keyctl verify-request \$LICENSE --datetime $datetime --signature ${signature:0:12}… --product player"
"$keyctl" verify-request "$jwt" --datetime "$datetime" --signature "$signature" --product player
echo "exit code $?"
