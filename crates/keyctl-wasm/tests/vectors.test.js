// Every shared license vector (tests/vectors/licenses.json), as the Rust core and the CLI
// assert them too: the wasm build cannot drift from them.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { pkg, vectors } = require("./helpers.js");
const keyctl = require(pkg);

const file = vectors("licenses.json");

test("the vector file covers every outcome the contract names", () => {
  const codes = new Set(file.vectors.map((v) => v.code));
  for (const code of ["valid", "malformed", "bad_signature", "expired", "not_yet_valid", "scope_mismatch"]) {
    assert.ok(codes.has(code), `no vector for ${code}`);
  }
});

for (const [form, keys] of [["JWKS", file.keys.jwks], ["SPKI PEM", file.keys.pem]]) {
  test(`verifyLicense agrees with every vector (keys as ${form})`, () => {
    for (const v of file.vectors) {
      const options = { keys, product: v.product, now: v.now * 1000, leeway: v.leeway };
      if (v.domain !== null) options.domain = v.domain;
      const verdict = keyctl.verifyLicense(v.token, options);
      assert.deepEqual(
        { valid: verdict.valid, code: verdict.code, error: verdict.error, license: verdict.license },
        { valid: v.code === "valid", code: v.code, error: v.error, license: v.license },
        v.name,
      );
      assert.equal(verdict.revocation_checked, false, v.name);
    }
  });
}
