// verifyLicense per second in Node, for the comparison with native keyctl-core in
// benches/wasm.sh (docs/performance.md, "Product side").
//
//   node benches/wasm-verify.js [SECONDS]      # default 3 s, after a 1 s warm-up
//
// Needs the built package (bash scripts/build-wasm.sh), or another build of it in the
// directory named by KEYCTL_PKG (benches/wasm.sh uses that to compare optimization levels). Verifies the shared vector
// `valid_all_claims` of tests/vectors/licenses.json with its SPKI PEM key, the way a product
// calls the package: every call parses the key and verifies the Ed25519 signature (the
// package keeps no cache). Prints one line of JSON: calls per second of the public
// `verifyLicense` and of the raw export `verifyLicenseJson` underneath it (no argument checks,
// no JSON.parse of the answer), and of that export on the vector `untrusted_kid` (the same
// work but the Ed25519 verification: parse the key, decode, refuse the unknown key id),
// each counted over SECONDS of a tight loop.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const pkg = process.env.KEYCTL_PKG || path.join(root, "crates", "keyctl-wasm", "pkg", "node");
const seconds = Number(process.argv[2] || 3);
if (!(seconds > 0)) {
  console.error("wasm-verify: SECONDS must be a positive number");
  process.exit(2);
}

const api = require(pkg);
const raw = require(path.join(pkg, "keyctl_wasm.js"));
const file = JSON.parse(fs.readFileSync(path.join(root, "tests", "vectors", "licenses.json"), "utf8"));
const vector = file.vectors.find((v) => v.name === "valid_all_claims");
const keys = file.keys.pem;
const options = { keys, product: vector.product, now: vector.now * 1000, leeway: vector.leeway };

// A wrong answer would make the figure meaningless: check it before timing anything.
const verdict = api.verifyLicense(vector.token, options);
if (!verdict.valid || verdict.license.jti !== vector.license.jti) {
  console.error(`wasm-verify: the vector does not verify: ${JSON.stringify(verdict)}`);
  process.exit(1);
}
const tampered = vector.token.slice(0, -2) + (vector.token.endsWith("AA") ? "AB" : "AA");
if (api.verifyLicense(tampered, options).code !== "bad_signature") {
  console.error("wasm-verify: a tampered signature was not refused");
  process.exit(1);
}

/** Calls `call` in a loop for `ms` milliseconds; returns calls per second. */
function rate(call, ms) {
  let calls = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  while (now < end) {
    // Batches of 16 keep the clock reads out of the figure (a verification is ~50 µs).
    for (let i = 0; i < 16; i++) call();
    calls += 16;
    now = process.hrtime.bigint();
  }
  return calls / (Number(now - start) / 1e9);
}

const untrusted = file.vectors.find((v) => v.name === "untrusted_kid");
if (api.verifyLicense(untrusted.token, { ...options, now: untrusted.now * 1000 }).code !== "bad_signature") {
  console.error("wasm-verify: the vector untrusted_kid was not refused");
  process.exit(1);
}

const nowSeconds = vector.now;
const publicApi = () => api.verifyLicense(vector.token, options);
const rawExport = () => raw.verifyLicenseJson(vector.token, keys, vector.product, undefined, nowSeconds, vector.leeway);

const withoutSignature = () =>
  raw.verifyLicenseJson(untrusted.token, keys, untrusted.product, undefined, untrusted.now, untrusted.leeway);

rate(publicApi, 1000);
rate(rawExport, 300);
rate(withoutSignature, 300);
const result = {
  node: process.version,
  verifyLicense_per_s: Math.round(rate(publicApi, seconds * 1000)),
  verifyLicenseJson_per_s: Math.round(rate(rawExport, seconds * 1000)),
  without_signature_per_s: Math.round(rate(withoutSignature, seconds * 1000)),
};
console.log(JSON.stringify(result));
