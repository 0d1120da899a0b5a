// The package's API against the committed signing vectors and its argument rules.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { pkg, vectors } = require("./helpers.js");
const keyctl = require(pkg);

test("signRequest reproduces every KEYCTL1 vector", () => {
  const all = vectors("keyctl1.json");
  assert.ok(all.length >= 10);
  for (const v of all) {
    assert.equal(keyctl.signRequest(v.input, v.secret, v.datetime), v.signature, v.name);
  }
});

test("mio4Sign reproduces every MIO4 vector", () => {
  const all = vectors("mio4.json");
  assert.ok(all.length >= 5);
  for (const v of all) {
    assert.equal(keyctl.mio4Sign(v.input, v.secret, v.datetime), v.signature, v.name);
  }
});

test("requestDatetime writes YYYYMMDDTHHMMSSZ, now by default", () => {
  assert.equal(keyctl.requestDatetime(Date.UTC(2026, 10, 23, 9, 15, 0, 999)), "20261123T091500Z");
  assert.match(keyctl.requestDatetime(), /^\d{8}T\d{6}Z$/);
  assert.throws(() => keyctl.requestDatetime(NaN), TypeError);
});

test("programming errors throw; outcomes never do", () => {
  assert.throws(() => keyctl.verifyLicense("x"), /options \{keys, product\} are required/);
  assert.throws(() => keyctl.verifyLicense("x", { product: "app" }), /options.keys/);
  assert.throws(() => keyctl.verifyLicense("x", { keys: "{}", product: 3 }), /options.product/);
  assert.throws(() => keyctl.verifyLicense("x", { keys: "not a key", product: "app" }), /keys: neither a PEM key nor JSON/);
  assert.throws(() => keyctl.signRequest("x", "s", "yesterday"), /datetime `yesterday` is not of the form/);
  const garbage = keyctl.verifyLicense("not.a.jwt", { keys: vectorsKey(), product: "app" });
  assert.deepEqual(
    { valid: garbage.valid, code: garbage.code, license: garbage.license },
    { valid: false, code: "malformed", license: null },
  );
});

function vectorsKey() {
  const fs = require("node:fs");
  const path = require("node:path");
  return fs.readFileSync(path.join(__dirname, "..", "..", "..", "tests", "fixtures", "vendor.pub.pem"), "utf8");
}
