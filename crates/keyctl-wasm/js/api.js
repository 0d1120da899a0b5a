// The keyctl JavaScript API over the raw WebAssembly exports (`raw`). One source for both
// packages: scripts/build-wasm.sh writes it as CommonJS for pkg/node and as an ES module for
// pkg/web. Verification outcomes are values ({valid, code, error, license}); only a
// programming error (a missing option, keys that are not keys) throws.

function makeApi(raw) {
  function requireString(value, what) {
    if (typeof value !== "string") {
      throw new TypeError(`${what} must be a string`);
    }
    return value;
  }

  function optionalString(value, what) {
    if (value === undefined || value === null) return undefined;
    return requireString(value, what);
  }

  function number(value, fallback, what) {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(`${what} must be a finite number`);
    }
    return value;
  }

  function requireOptions(options, fn, names) {
    if (!options || typeof options !== "object") {
      throw new TypeError(`${fn}: options {${names}} are required`);
    }
    return options;
  }

  /** A clock state as the page kept it: an object, its JSON, or null/undefined for none yet. */
  function stateText(value, what) {
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return value;
    if (typeof value === "object") return JSON.stringify(value);
    throw new TypeError(`${what} must be a clock state (an object or its JSON)`);
  }

  /** An offline verdict with the state to keep as `state` (the core calls it clock_state). */
  function withState(json) {
    const result = JSON.parse(json);
    result.state = result.clock_state;
    delete result.clock_state;
    return result;
  }

  /**
   * Verifies a license offline: {valid, code, error, license, revocation_checked}. With a
   * `statusList` (a signed list) or a `state` (the clock state kept from the last call,
   * null the first time), also `status_list` and the new `state` to keep.
   */
  function verifyLicense(token, options) {
    requireString(token, "verifyLicense: token");
    requireOptions(options, "verifyLicense", "keys, product");
    const keys = requireString(options.keys, "verifyLicense: options.keys (a JWKS JSON string or an SPKI PEM)");
    const product = requireString(options.product, "verifyLicense: options.product");
    const domain = optionalString(options.domain, "verifyLicense: options.domain");
    const now = Math.floor(number(options.now, Date.now(), "verifyLicense: options.now") / 1000);
    const leeway = number(options.leeway, 60, "verifyLicense: options.leeway");
    if (!("statusList" in options) && !("state" in options)) {
      return JSON.parse(raw.verifyLicenseJson(token, keys, product, domain, now, leeway));
    }
    const statusList = optionalString(options.statusList, "verifyLicense: options.statusList");
    const state = stateText(options.state, "verifyLicense: options.state");
    return withState(raw.verifyLicenseOfflineJson(token, keys, product, domain, now, leeway, statusList, state));
  }

  /**
   * Verifies a machine file for this machine's raw hardware id and the product:
   * {valid, code, error, machine, revocation_checked, status_list, state}.
   */
  function verifyMachineFile(token, options) {
    requireString(token, "verifyMachineFile: token");
    requireOptions(options, "verifyMachineFile", "keys, hwid, product");
    const keys = requireString(options.keys, "verifyMachineFile: options.keys (a JWKS JSON string or an SPKI PEM)");
    const hwid = requireString(options.hwid, "verifyMachineFile: options.hwid");
    const product = requireString(options.product, "verifyMachineFile: options.product");
    const nonce = optionalString(options.nonce, "verifyMachineFile: options.nonce");
    const now = Math.floor(number(options.now, Date.now(), "verifyMachineFile: options.now") / 1000);
    const leeway = number(options.leeway, 60, "verifyMachineFile: options.leeway");
    const statusList = optionalString(options.statusList, "verifyMachineFile: options.statusList");
    const state = stateText(options.state, "verifyMachineFile: options.state");
    return withState(raw.verifyMachineFileJson(token, keys, hwid, product, nonce, now, leeway, statusList, state));
  }

  /** Verifies a signed status list: {valid, code, error, status_list: {sub, iat, exp, ttl, bits, size}}. */
  function verifyStatusList(token, options) {
    requireString(token, "verifyStatusList: token");
    requireOptions(options, "verifyStatusList", "keys");
    const keys = requireString(options.keys, "verifyStatusList: options.keys (a JWKS JSON string or an SPKI PEM)");
    const now = Math.floor(number(options.now, Date.now(), "verifyStatusList: options.now") / 1000);
    return JSON.parse(raw.verifyStatusListJson(token, keys, now));
  }

  /** 12 random bytes as base64url: a request code's nonce. */
  function randomNonce() {
    const crypto = globalThis.crypto;
    if (!crypto || typeof crypto.getRandomValues !== "function") {
      throw new TypeError("machineRequest: no crypto.getRandomValues() here; pass options.nonce");
    }
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  /**
   * The request code of air-gapped activation: {code, lic, hwid, product, nonce}. `license`
   * is the license JWT (its id is taken) or `licenseId` the id; `hwid` is the raw hardware
   * id (only its SHA-256 goes into the code). Keep `nonce` to check the answer.
   */
  function machineRequest(options) {
    requireOptions(options, "machineRequest", "license or licenseId, hwid, product");
    const license = options.license !== undefined
      ? requireString(options.license, "machineRequest: options.license")
      : requireString(options.licenseId, "machineRequest: options.license or options.licenseId");
    const hwid = requireString(options.hwid, "machineRequest: options.hwid");
    const product = requireString(options.product, "machineRequest: options.product");
    const nonce = options.nonce === undefined ? randomNonce() : requireString(options.nonce, "machineRequest: options.nonce");
    return JSON.parse(raw.machineRequestJson(license, hwid, product, nonce));
  }

  /** The request datetime, `YYYYMMDDTHHMMSSZ`, of `nowMs` (default: now). */
  function requestDatetime(nowMs) {
    return raw.requestDatetimeAt(number(nowMs, Date.now(), "requestDatetime: nowMs"));
  }

  /** The KEYCTL1-HMAC-SHA256 signature of `token` at `datetime` with the signer `secret`. */
  function signRequest(token, secret, datetime) {
    return raw.signRequest(
      requireString(token, "signRequest: token"),
      requireString(secret, "signRequest: secret"),
      requireString(datetime, "signRequest: datetime"),
    );
  }

  /** The Media-IO MIO4-HMAC-SHA256 signature of `token` at `datetime` with `secret`. */
  function mio4Sign(token, secret, datetime) {
    return raw.mio4Sign(
      requireString(token, "mio4Sign: token"),
      requireString(secret, "mio4Sign: secret"),
      requireString(datetime, "mio4Sign: datetime"),
    );
  }

  function failure(code, error) {
    return { valid: false, code, error, license: null };
  }

  async function fetchWithin(fetchImpl, url, init, timeoutMs) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetchImpl(url, { ...init, signal: controller.signal });
      const text = await boundedText(response, controller);
      let body = null;
      try {
        body = JSON.parse(text);
      } catch (_) {
        body = null;
      }
      return { status: response.status, body, text };
    } finally {
      clearTimeout(timer);
    }
  }

  // An answer is a few hundred bytes; a hostile peer must not make the product buffer more.
  const MAX_ANSWER = 64 * 1024;

  async function boundedText(response, controller) {
    if (!response.body || typeof response.body.getReader !== "function") {
      const text = await response.text();
      return text.length > MAX_ANSWER ? "" : text;
    }
    const reader = response.body.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_ANSWER) {
        controller.abort();
        return "";
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return new TextDecoder().decode(bytes);
  }

  function reason(err, timeoutMs) {
    if (err && err.name === "AbortError") return `no answer within ${timeoutMs} ms`;
    const cause = err && err.cause && (err.cause.code || err.cause.message);
    return cause ? `${err.message} (${cause})` : String(err && err.message ? err.message : err);
  }

  /**
   * The whole online flow: local checks (claims, product, domain; the signature too when
   * `keys` are given), a datetime, the signer (`GET signerUrl` with `x-datetime` and
   * `x-token`), then `POST serverUrl/v1/validate`, answered in verifyLicense's shape.
   * Never throws for a network failure: `signer_unavailable`, `signer_refused`,
   * `server_unavailable` say which step failed. Two validations in one second would be the
   * same signed request; the second is signed again in the next second.
   */
  async function validateOnline(options) {
    if (!options || typeof options !== "object") {
      throw new TypeError("validateOnline: options {token, product, signerUrl, serverUrl} are required");
    }
    const token = requireString(options.token, "validateOnline: options.token");
    const product = requireString(options.product, "validateOnline: options.product");
    const domain = optionalString(options.domain, "validateOnline: options.domain");
    const signerUrl = requireString(options.signerUrl, "validateOnline: options.signerUrl");
    const serverUrl = requireString(options.serverUrl, "validateOnline: options.serverUrl");
    const nowMs = number(options.nowMs, Date.now(), "validateOnline: options.nowMs");
    const timeoutMs = number(options.timeoutMs, 10000, "validateOnline: options.timeoutMs");
    const fetchImpl = options.fetch || globalThis.fetch;
    if (typeof fetchImpl !== "function") {
      throw new TypeError("validateOnline: no fetch() here; pass options.fetch");
    }

    const local = options.keys
      ? verifyLicense(token, { keys: options.keys, product, domain, now: nowMs, leeway: options.leeway })
      : JSON.parse(raw.checkClaimsJson(token, product, domain, Math.floor(nowMs / 1000), number(options.leeway, 60, "leeway")));
    if (!local.valid) return local;

    let verdict = await signAndValidate(nowMs);
    if (verdict.code === "replayed_request" && options.nowMs === undefined) {
      // The same license signed twice in one second is the same request: sign again in the
      // next second (the server only refuses the copy; nothing was used up).
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000)));
      verdict = await signAndValidate(Date.now());
    }
    return verdict;

    async function signAndValidate(at) {
      const datetime = requestDatetime(at);
      let signed;
      try {
        signed = await fetchWithin(
          fetchImpl,
          signerUrl,
          { method: "GET", headers: { "x-datetime": datetime, "x-token": token } },
          timeoutMs,
        );
      } catch (err) {
        return failure("signer_unavailable", `the signer at ${signerUrl} did not answer: ${reason(err, timeoutMs)}`);
      }
      if (signed.status !== 200 || !signed.body || typeof signed.body.signature !== "string") {
        const why = signed.body && signed.body.error ? signed.body.error : signed.text;
        return failure("signer_refused", `the signer answered ${signed.status}: ${why}`);
      }
      const body = { license: token, datetime: signed.body.datetime || datetime, signature: signed.body.signature, product };
      if (domain !== undefined) body.domain = domain;
      let answer;
      try {
        answer = await fetchWithin(
          fetchImpl,
          serverUrl.replace(/\/+$/, "") + "/v1/validate",
          { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
          timeoutMs,
        );
      } catch (err) {
        return failure("server_unavailable", `the server at ${serverUrl} did not answer: ${reason(err, timeoutMs)}`);
      }
      const result = answer.body;
      if (!result || typeof result.code !== "string") {
        return failure("server_unavailable", `the server answered ${answer.status} without a verdict`);
      }
      if (result.valid === true) {
        return { valid: true, code: "valid", error: null, license: local.license, server: result };
      }
      return { valid: false, code: result.code, error: result.error || null, license: null, server: result };
    }
  }

  return {
    verifyLicense,
    verifyMachineFile,
    verifyStatusList,
    machineRequest,
    requestDatetime,
    signRequest,
    mio4Sign,
    validateOnline,
  };
}
