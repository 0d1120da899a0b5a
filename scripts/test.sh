#!/usr/bin/env bash
# Runs every test of the workspace, installing what the tests need on a fresh machine (from
# the package registries only): the Rust suites (the binary end to end against real stores
# and servers on loopback, including a throwaway PostgreSQL server from
# scripts/with-postgres.sh, the core, its vectors and jsonwebtoken interop), then the
# JavaScript package's suite under Node against the same vectors and a real signer and server.
set -euo pipefail
cd "$(dirname "$0")/.."

# Independent implementations the interop tests check keyctl against: OpenSSL, Python's
# PyJWT and cryptography; Node for the JavaScript package.
missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v node >/dev/null || missing+=(nodejs)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! python3 -c 'import jwt, cryptography' 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore pyjwt cryptography
fi

bash scripts/build-wasm.sh
scripts/with-postgres.sh cargo test --locked --workspace
node --test crates/keyctl-wasm/tests/
