// The browser package (pkg/web, an ES module) loaded as a browser would, from its bytes,
// agrees with every shared vector too.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import init, { verifyLicense, requestDatetime, signRequest } from "../pkg/web/index.js";

const bytes = readFileSync(new URL("../pkg/web/keyctl_wasm_bg.wasm", import.meta.url));
await init({ module_or_path: bytes });
const file = JSON.parse(readFileSync(new URL("../../../tests/vectors/licenses.json", import.meta.url), "utf8"));

test("the ES module verifies every shared vector like the CommonJS one", () => {
  for (const v of file.vectors) {
    const options = { keys: file.keys.jwks, product: v.product, now: v.now * 1000, leeway: v.leeway };
    if (v.domain !== null) options.domain = v.domain;
    const verdict = verifyLicense(v.token, options);
    assert.deepEqual(
      { code: verdict.code, error: verdict.error, license: verdict.license },
      { code: v.code, error: v.error, license: v.license },
      v.name,
    );
  }
});

test("the ES module signs and writes datetimes", () => {
  assert.equal(requestDatetime(Date.UTC(2026, 10, 23, 9, 15, 0)), "20261123T091500Z");
  const J = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6InRlc3QifQ.eyJpc3MiOiJFeGFtcGxlIENvcnAiLCJzdWIiOiJhbGljZUBleGFtcGxlLmNvbSIsImp0aSI6ImxpY190ZXN0XzAwMDEiLCJpYXQiOjE3OTUwMDAwMDAsInByb2R1Y3RzIjpbInBsYXllciJdfQ.c2lnbmF0dXJl";
  assert.equal(
    signRequest(J, "ks1_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWM", "20261123T091500Z"),
    "569df5b3861c66c45681f47f960b950a210638ac174d058a82a4158eac240cdd",
  );
});
