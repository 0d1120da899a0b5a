// The offline side of the package: machine files, request codes, status lists and the clock
// state, against the shared offline vectors (tests/vectors/offline.json) that the Rust core
// checks too, and the cases the contract names one by one.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { pkg, vectors } = require("./helpers.js");
const keyctl = require(pkg);

const file = vectors("offline.json");
const keys = file.keys.pem;
const lists = new Map(file.status_lists.map((l) => [l.name, l.token]));
const HOUR = 3600;

function options(v) {
  const o = { keys, product: v.product, now: v.now * 1000, leeway: v.leeway };
  if (v.status_list !== null) o.statusList = lists.get(v.status_list);
  o.state = v.state;
  return o;
}

/** The verdict as the vector file holds it: `state` is the core's `clock_state`, no `valid`. */
function asVector(result) {
  const { valid, state, ...rest } = result;
  assert.equal(valid, rest.code === "valid");
  return { ...rest, clock_state: state };
}

function byName(list, name) {
  const found = list.find((v) => v.name === name);
  assert.ok(found, `no vector ${name}`);
  return found;
}

test("the offline vectors cover every outcome machine files and status lists can have", () => {
  const codes = (cases) => new Set(cases.map((v) => v.verdict.code));
  const machine = codes(file.machine_files);
  for (const code of ["valid", "malformed", "bad_signature", "expired", "not_yet_valid", "scope_mismatch", "revoked", "status_unknown", "clock_rollback"]) {
    assert.ok(machine.has(code), `no machine file vector for ${code}`);
  }
  const license = codes(file.license_checks);
  for (const code of ["valid", "revoked", "status_unknown", "clock_rollback"]) {
    assert.ok(license.has(code), `no license check vector for ${code}`);
  }
});

test("verifyMachineFile agrees with every machine file vector", () => {
  assert.ok(file.machine_files.length >= 10);
  for (const v of file.machine_files) {
    const o = { ...options(v), hwid: v.hwid };
    if (v.nonce !== null) o.nonce = v.nonce;
    const result = keyctl.verifyMachineFile(v.token, o);
    const { revocation_checked, ...verdict } = asVector(result);
    assert.deepEqual(verdict, v.verdict, v.name);
    assert.equal(revocation_checked, ["valid", "revoked"].includes(v.verdict.code) && v.verdict.status_list === "checked", v.name);
  }
});

test("verifyLicense with a status list and a state agrees with every license vector", () => {
  assert.ok(file.license_checks.length >= 10);
  for (const v of file.license_checks) {
    const { revocation_checked, ...verdict } = asVector(keyctl.verifyLicense(v.token, options(v)));
    assert.deepEqual(verdict, v.verdict, v.name);
    assert.equal(typeof revocation_checked, "boolean", v.name);
  }
});

test("machineRequest makes the core's code for the same nonce", () => {
  for (const v of file.request_codes.filter((r) => r.error === null)) {
    const request = keyctl.machineRequest({ licenseId: v.lic, hwid: v.hwid, product: v.product, nonce: v.nonce });
    assert.deepEqual(request, { code: v.code, lic: v.lic, hwid: v.hwid_hash, product: v.product, nonce: v.nonce }, v.name);
    assert.ok(request.code.length < 300, v.name);
  }
});

test("machineRequest takes the id from a license JWT, and draws a fresh nonce when none is given", () => {
  const license = vectors("licenses.json").vectors.find((v) => v.name === "valid_native");
  const nonce = "AAECAwQFBgcICQoL";
  const fromToken = keyctl.machineRequest({ license: license.token, hwid: "hw-1", product: "app", nonce });
  const fromId = keyctl.machineRequest({ licenseId: "lic_vector_native", hwid: "hw-1", product: "app", nonce });
  assert.deepEqual(fromToken, fromId);
  const a = keyctl.machineRequest({ licenseId: "lic_a", hwid: "hw-1", product: "app" });
  const b = keyctl.machineRequest({ licenseId: "lic_a", hwid: "hw-1", product: "app" });
  assert.match(a.nonce, /^[A-Za-z0-9_-]{16}$/);
  assert.notEqual(a.nonce, b.nonce);
  assert.throws(() => keyctl.machineRequest({ licenseId: "lic a", hwid: "hw", product: "app" }), /request code: lic: not a license id/);
  assert.throws(() => keyctl.machineRequest({ hwid: "hw", product: "app" }), /options.license or options.licenseId/);
});

test("a machine file made by another key, or edited by hand, is refused", () => {
  for (const name of ["machine_signed_by_other_key_under_vendor_kid", "machine_by_untrusted_key", "machine_edited_exp"]) {
    const v = byName(file.machine_files, name);
    const result = keyctl.verifyMachineFile(v.token, { keys, hwid: v.hwid, product: "app", now: v.now * 1000 });
    assert.equal(result.valid, false, name);
    assert.equal(result.code, "bad_signature", name);
    assert.equal(result.machine, null, name);
  }
});

test("a status list with a flipped bit but the old signature is refused", () => {
  const token = lists.get("revoked_entry_cleared_under_old_signature");
  const v = byName(file.license_checks, "status_list_revoked_entry_cleared");
  const verdict = keyctl.verifyLicense(v.token, { keys, product: "app", now: v.now * 1000, statusList: token });
  assert.equal(verdict.code, "status_unknown");
  assert.match(verdict.error, /signature does not verify/);
  const list = keyctl.verifyStatusList(token, { keys, now: v.now * 1000 });
  assert.deepEqual({ valid: list.valid, code: list.code, status_list: list.status_list }, { valid: false, code: "status_unknown", status_list: null });
});

test("an expired status list gives status_unknown, never valid", () => {
  const v = byName(file.license_checks, "status_list_expired");
  const verdict = keyctl.verifyLicense(v.token, { keys, product: "app", now: v.now * 1000, statusList: lists.get("expired") });
  assert.equal(verdict.code, "status_unknown");
  assert.equal(verdict.valid, false);
  assert.equal(verdict.revocation_checked, false);
  const current = keyctl.verifyStatusList(lists.get("current"), { keys, now: v.now * 1000 });
  assert.deepEqual(
    current.status_list,
    { sub: "https://licenses.example.com/v1/status-list", iat: v.now - HOUR, exp: v.now - HOUR + 86400, ttl: 86400, bits: 2, size: 16 },
  );
});

test("a clock set back an hour with the kept state is clock_rollback", () => {
  const v = byName(file.license_checks, "state_advances_to_now");
  // First run: no state yet; the page keeps what comes back, as localStorage would.
  const first = keyctl.verifyLicense(v.token, { keys, product: "app", now: v.now * 1000, state: null });
  assert.equal(first.code, "valid");
  assert.deepEqual(first.state, { version: 1, latest_trusted: v.now });
  const stored = JSON.stringify(first.state);
  const back = keyctl.verifyLicense(v.token, { keys, product: "app", now: (v.now - HOUR) * 1000, state: stored });
  assert.equal(back.code, "clock_rollback");
  assert.deepEqual(back.state, first.state);
  const machine = byName(file.machine_files, "machine_valid");
  const machineBack = keyctl.verifyMachineFile(machine.token, { keys, hwid: machine.hwid, product: "app", now: (v.now - HOUR) * 1000, state: first.state });
  assert.equal(machineBack.code, "clock_rollback");
  assert.throws(
    () => keyctl.verifyLicense(v.token, { keys, product: "app", state: "{not json" }),
    /options.state: not a clock state/,
  );
});

test("without statusList or state, verifyLicense keeps its shape", () => {
  const v = byName(file.license_checks, "status_revoked");
  const verdict = keyctl.verifyLicense(v.token, { keys, product: "app", now: v.now * 1000 });
  assert.deepEqual(Object.keys(verdict).sort(), ["code", "error", "license", "revocation_checked", "valid"]);
  assert.equal(verdict.code, "valid");
});
