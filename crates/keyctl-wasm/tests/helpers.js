// Shared by the Node tests: where things are, and real keyctl processes on loopback.
"use strict";

const { spawn, execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const readline = require("node:readline");

const root = path.resolve(__dirname, "..", "..", "..");
const pkg = path.join(root, "crates", "keyctl-wasm", "pkg", "node");
const keyctlBin = process.env.KEYCTL_BIN || path.join(root, "target", "debug", "keyctl");

function vectors(name) {
  return JSON.parse(fs.readFileSync(path.join(root, "tests", "vectors", name), "utf8"));
}

/** A temporary store with product `app` and one license for it. */
function sandbox() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyctl-node-"));
  const env = { ...process.env, KEYCTL_STORE: path.join(dir, "store"), KEYCTL_LOG: "off" };
  const keyctl = (...args) => execFileSync(keyctlBin, args, { env, encoding: "utf8" });
  keyctl("init", "--issuer", "Node Test");
  keyctl("product", "add", "app", "--name", "App");
  const license = JSON.parse(keyctl("license", "issue", "--product", "app", "--licensee", "node", "--json"));
  const pem = keyctl("key", "export");
  return { dir, env, keyctl, license, pem, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `keyctl ARGS --listen 127.0.0.1:0` and resolves once it listens. */
function start(box, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(keyctlBin, [...args, "--listen", "127.0.0.1:0"], { env: box.env, stdio: ["ignore", "ignore", "pipe"] });
    const lines = readline.createInterface({ input: child.stderr });
    const timer = setTimeout(() => reject(new Error(`keyctl ${args[0]} did not start`)), 20000);
    lines.once("line", (line) => {
      clearTimeout(timer);
      const match = /http:\/\/(127\.0\.0\.1:\d+)/.exec(line);
      if (!match) return reject(new Error(`no address in ${line}`));
      resolve({
        url: `http://${match[1]}`,
        stop: () => new Promise((done) => {
          child.once("exit", done);
          child.kill("SIGTERM");
        }),
      });
    });
    child.once("error", reject);
  });
}

module.exports = { root, pkg, keyctlBin, vectors, sandbox, start };
