/** What verification decided: the shape of `keyctl verify --json`. */
export interface Verdict {
  /** True only for `code: "valid"`. */
  valid: boolean;
  /**
   * `valid`, `malformed`, `bad_signature`, `expired`, `not_yet_valid`, `scope_mismatch`,
   * `revoked`, `error`; with a status list or a state also `status_unknown` and
   * `clock_rollback`; from `validateOnline` also the server's request codes
   * (`bad_request_signature`, `stale_request`, `replayed_request`, ...) and
   * `signer_unavailable`, `signer_refused`, `server_unavailable`.
   */
  code: string;
  /** Why it is not valid; null when valid. */
  error: string | null;
  /** The verified claims, or null. */
  license: Record<string, unknown> | null;
  /**
   * Whether revocation was checked: offline, true only when a status list answered (valid
   * or revoked).
   */
  revocation_checked?: boolean;
  /**
   * With `statusList` or `state` only: `checked` (the list decided), `not_referenced` (the
   * license has no `status` claim: valid without it), `not_given` (no list), or null when
   * verification stopped before the list.
   */
  status_list?: "checked" | "not_referenced" | "not_given" | null;
  /** With `statusList` or `state` only: the clock state to keep for the next call. */
  state?: ClockState;
  /** validateOnline only: the server's answer as sent. */
  server?: Record<string, unknown>;
}

export interface VerifyOptions {
  /** The trusted keys: a JWKS JSON string, or an SPKI PEM. */
  keys: string;
  /** The product that is checking; it must be among the license's products. */
  product: string;
  /** The host a web product runs on; omit for native use. */
  domain?: string;
  /** The time to verify at, in milliseconds since the epoch (default: Date.now()). */
  now?: number;
  /** Tolerance for exp and nbf, in seconds (default: 60). */
  leeway?: number;
  /**
   * A signed status list (`statuslist+jwt`). A license with a `status` claim is then
   * `revoked` when the list says revoked or suspended, and `status_unknown` when the list
   * cannot answer (expired, untrusted, malformed, index not covered).
   */
  statusList?: string;
  /**
   * The clock state returned by the previous call (the object or its JSON, e.g. from
   * localStorage), or null on the first run. A clock more than 5 minutes before it gives
   * `clock_rollback`. A state that is not one throws.
   */
  state?: ClockState | string | null;
}

/** What a product keeps between checks to notice a clock set back. */
export interface ClockState {
  version: 1;
  /** The latest trusted time seen, in Unix seconds. */
  latest_trusted: number;
}

/** Verifies a license offline. Never throws for an invalid license, only for bad options. */
export function verifyLicense(token: string, options: VerifyOptions): Verdict;

/** The claims of a machine file. */
export interface MachineClaims {
  jti: string;
  lic: string;
  /** SHA-256 of the hardware id, lowercase hex. */
  hwid: string;
  products: string[];
  features?: string[];
  iat: number;
  nbf: number;
  exp: number;
  lexp?: number;
  nonce?: string;
  status?: { status_list: { idx: number; uri: string } };
}

/** A machine file's verdict: a license verdict with `machine` for `license`. */
export interface MachineVerdict {
  valid: boolean;
  code: string;
  error: string | null;
  machine: MachineClaims | null;
  revocation_checked: boolean;
  status_list: "checked" | "not_referenced" | "not_given" | null;
  state: ClockState;
}

export interface MachineVerifyOptions {
  /** The trusted keys: a JWKS JSON string, or an SPKI PEM. */
  keys: string;
  /** This machine's hardware id, raw (it is hashed, never sent). */
  hwid: string;
  product: string;
  /** The nonce of the request code this file answers; omit to accept any. */
  nonce?: string;
  /** Milliseconds since the epoch (default: Date.now()). */
  now?: number;
  /** Seconds (default: 60). */
  leeway?: number;
  statusList?: string;
  state?: ClockState | string | null;
}

/** Verifies a machine file offline. */
export function verifyMachineFile(token: string, options: MachineVerifyOptions): MachineVerdict;

/** A status list's verdict: `valid`, or `status_unknown` with the reason. */
export interface StatusListVerdict {
  valid: boolean;
  code: "valid" | "status_unknown";
  error: string | null;
  status_list: { sub: string; iat: number; exp: number; ttl?: number; bits: 2; size: number } | null;
}

/** Verifies a signed status list (signature, expiry, form) at `now` (ms, default Date.now()). */
export function verifyStatusList(token: string, options: { keys: string; now?: number }): StatusListVerdict;

/** A request code for air-gapped activation and what it holds. */
export interface MachineRequest {
  /** Under 300 characters of base64url. */
  code: string;
  lic: string;
  /** SHA-256 of the hardware id, lowercase hex. */
  hwid: string;
  product: string;
  /** Keep it: the machine file that answers echoes it. */
  nonce: string;
}

/**
 * The request code for this machine: `license` (a JWT; its id is taken) or `licenseId`,
 * the raw `hwid`, the `product`; `nonce` (1-16 base64url characters) for tests, otherwise
 * 12 random bytes from crypto.getRandomValues().
 */
export function machineRequest(options: {
  license?: string;
  licenseId?: string;
  hwid: string;
  product: string;
  nonce?: string;
}): MachineRequest;

/** The request datetime `YYYYMMDDTHHMMSSZ` for `nowMs` (default: Date.now()). */
export function requestDatetime(nowMs?: number): string;

/** The KEYCTL1-HMAC-SHA256 signature (lowercase hex) of `token` at `datetime`. */
export function signRequest(token: string, secret: string, datetime: string): string;

/** The Media-IO MIO4-HMAC-SHA256 signature (lowercase hex) of `token` at `datetime`. */
export function mio4Sign(token: string, secret: string, datetime: string): string;

export interface OnlineOptions {
  token: string;
  product: string;
  domain?: string;
  /** The signer's `/v1/sign` URL (GET with x-datetime and x-token). */
  signerUrl: string;
  /** The validation server's base URL; `/v1/validate` is appended. */
  serverUrl: string;
  /** The time to sign at, in milliseconds since the epoch (default: Date.now()). */
  nowMs?: number;
  /** Also verify the signature locally with these keys (a JWKS JSON string or an SPKI PEM). */
  keys?: string;
  /** Tolerance for exp and nbf, seconds (default: 60). */
  leeway?: number;
  /** How long each request may take, in milliseconds (default: 10000). */
  timeoutMs?: number;
  /** The fetch to use (default: globalThis.fetch). */
  fetch?: typeof fetch;
}

/** Local checks, then the signer, then the server: the server's verdict in the same shape. */
export function validateOnline(options: OnlineOptions): Promise<Verdict>;
