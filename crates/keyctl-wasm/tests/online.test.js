// validateOnline against the real `keyctl signer` and `keyctl serve` on loopback.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");
const { pkg, sandbox, start } = require("./helpers.js");
const keyctl = require(pkg);

/** A loopback port with nothing listening (bound, then released). */
function closedPort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

test("validateOnline: valid, then revoked, then a signer that is down", async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const secret = path.join(box.dir, "signer.secret");
  fs.writeFileSync(secret, box.license.secret, { mode: 0o600 });
  const server = await start(box, ["serve"]);
  t.after(server.stop);
  const signer = await start(box, ["signer", "--secret-file", secret, "--allow-no-origin"]);
  t.after(signer.stop);
  const options = {
    token: box.license.jwt,
    product: "app",
    signerUrl: `${signer.url}/v1/sign`,
    serverUrl: server.url,
  };

  const valid = await keyctl.validateOnline({ ...options, keys: box.pem });
  assert.equal(valid.code, "valid", JSON.stringify(valid));
  assert.equal(valid.valid, true);
  assert.equal(valid.license.jti, box.license.id);
  assert.equal(valid.server.license_id, box.license.id);

  // Local checks first: a product the license does not cover never reaches the network.
  const elsewhere = await keyctl.validateOnline({ ...options, product: "other", signerUrl: "http://127.0.0.1:1/", serverUrl: "http://127.0.0.1:1" });
  assert.equal(elsewhere.code, "scope_mismatch");

  box.keyctl("license", "revoke", box.license.id, "--reason", "refund");
  const revoked = await keyctl.validateOnline(options);
  assert.deepEqual(
    { valid: revoked.valid, code: revoked.code, error: revoked.error },
    { valid: false, code: "revoked", error: "the license is revoked (refund)" },
  );

  const port = await closedPort();
  const started = Date.now();
  const down = await keyctl.validateOnline({ ...options, signerUrl: `http://127.0.0.1:${port}/v1/sign`, timeoutMs: 5000 });
  assert.equal(down.code, "signer_unavailable", JSON.stringify(down));
  assert.equal(down.valid, false);
  assert.match(down.error, new RegExp(`^the signer at http://127\\.0\\.0\\.1:${port}/v1/sign did not answer: `));
  assert.ok(Date.now() - started < 5000, "a refused connection is reported at once, not after the timeout");

  const serverDown = await keyctl.validateOnline({ ...options, serverUrl: `http://127.0.0.1:${port}` });
  assert.equal(serverDown.code, "server_unavailable", JSON.stringify(serverDown));

  // A signer that holds no secret for this license refuses, and the answer says so.
  const otherSecret = path.join(box.dir, "other.secret");
  fs.writeFileSync(otherSecret, JSON.stringify({ lic_other: "ks1_x" }), { mode: 0o600 });
  const picky = await start(box, ["signer", "--secret-file", otherSecret, "--allow-no-origin"]);
  t.after(picky.stop);
  const refused = await keyctl.validateOnline({ ...options, signerUrl: `${picky.url}/v1/sign` });
  assert.deepEqual(
    { valid: refused.valid, code: refused.code, error: refused.error },
    { valid: false, code: "signer_refused", error: "the signer answered 403: this signer does not sign for that license" },
  );
});

test("validateOnline reads at most 64 KiB of an answer", async () => {
  const http = require("node:http");
  const huge = http.createServer((_, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(`{"signature": "${"a".repeat(200 * 1024)}"}`);
  });
  await new Promise((resolve) => huge.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = huge.address();
    const box = sandbox();
    try {
      const verdict = await keyctl.validateOnline({
        token: box.license.jwt,
        product: "app",
        signerUrl: `http://127.0.0.1:${port}/v1/sign`,
        serverUrl: `http://127.0.0.1:${port}`,
      });
      assert.equal(verdict.code, "signer_refused", JSON.stringify(verdict).slice(0, 200));
    } finally {
      box.cleanup();
    }
  } finally {
    await new Promise((resolve) => huge.close(resolve));
  }
});
