#!/usr/bin/env bash
# Builds the JavaScript package of keyctl-core:
#   crates/keyctl-wasm/pkg/node  CommonJS, for require() from Node 18+
#   crates/keyctl-wasm/pkg/web   an ES module for browsers (await init() first)
# Installs what it needs on a fresh machine, from the package registries only: the wasm32
# target, and wasm-bindgen-cli at exactly the version in Cargo.lock (skipped when present).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
[ -n "$version" ] || { echo "build-wasm: no wasm-bindgen in Cargo.lock" >&2; exit 1; }
if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$version" ]; then
  echo "build-wasm: installing wasm-bindgen-cli $version (about 10 minutes on 2 cores, once)" >&2
  # Not --locked: the CLI's own lockfile can pin versions the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$version" --quiet
fi

cargo build --locked -p keyctl-wasm --target wasm32-unknown-unknown --profile wasm-release --quiet
wasm=target/wasm32-unknown-unknown/wasm-release/keyctl_wasm.wasm
crate=crates/keyctl-wasm
pkg=$crate/pkg
rm -rf "$pkg"

# One API source (js/api.js), written as CommonJS for Node and as an ES module for browsers.
# The name section (function names for stack traces) is a quarter of the module; leave it out.
wasm-bindgen --target nodejs --remove-name-section --remove-producers-section --out-dir "$pkg/node" "$wasm"
{
  echo '"use strict";'
  echo 'const raw = require("./keyctl_wasm.js");'
  cat "$crate/js/api.js"
  echo 'module.exports = makeApi(raw);'
} >"$pkg/node/index.js"
cp "$crate/js/index.d.ts" "$pkg/node/index.d.ts"

wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$pkg/web" "$wasm"
{
  echo 'import init, * as raw from "./keyctl_wasm.js";'
  cat "$crate/js/api.js"
  echo 'const api = makeApi(raw);'
  echo 'export default init;'
  echo 'export const { verifyLicense, verifyMachineFile, verifyStatusList, machineRequest, requestDatetime, signRequest, mio4Sign, validateOnline } = api;'
} >"$pkg/web/index.js"
{
  echo '/** Loads the WebAssembly module; call (and await) once before anything else. */'
  echo 'export default function init(module_or_path?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module | { module_or_path: RequestInfo | URL | Response | BufferSource | WebAssembly.Module }): Promise<unknown>;'
  cat "$crate/js/index.d.ts"
} >"$pkg/web/index.d.ts"

crate_version=$(awk -F '"' '/^version = / { print $2; exit }' "$crate/Cargo.toml")
for flavour in node web; do
  case $flavour in
    node) kind='"type": "commonjs"' ;;
    web) kind='"type": "module"' ;;
  esac
  cat >"$pkg/$flavour/package.json" <<JSON
{
  "name": "keyctl-$flavour",
  "version": "$crate_version",
  "description": "keyctl license, machine file and status list verification and request signing (WebAssembly, $flavour)",
  "license": "MIT OR Apache-2.0",
  $kind,
  "main": "index.js",
  "types": "index.d.ts",
  "files": ["index.js", "index.d.ts", "keyctl_wasm.js", "keyctl_wasm.d.ts", "keyctl_wasm_bg.wasm", "keyctl_wasm_bg.wasm.d.ts", "README.md"],
  "engines": { "node": ">=18" }
}
JSON
  cp "$crate/js/README.md" "$pkg/$flavour/README.md"
done

raw=$(wc -c <"$pkg/node/keyctl_wasm_bg.wasm")
gz=$(gzip -9 -c "$pkg/node/keyctl_wasm_bg.wasm" | wc -c)
echo "build-wasm: $pkg/node and $pkg/web; keyctl_wasm_bg.wasm is $raw bytes, $gz gzipped" >&2
