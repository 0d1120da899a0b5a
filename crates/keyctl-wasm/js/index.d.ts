/** What verification decided: the shape of `keyctl verify --json`. */
export interface Verdict {
  /** True only for `code: "valid"`. */
  valid: boolean;
  /**
   * `valid`, `malformed`, `bad_signature`, `expired`, `not_yet_valid`, `scope_mismatch`,
   * `revoked`, `error`; from `validateOnline` also the server's request codes
   * (`bad_request_signature`, `stale_request`, `replayed_request`, ...) and
   * `signer_unavailable`, `signer_refused`, `server_unavailable`.
   */
  code: string;
  /** Why it is not valid; null when valid. */
  error: string | null;
  /** The verified claims, or null. */
  license: Record<string, unknown> | null;
  /** Whether revocation was checked: false offline (verifyLicense). */
  revocation_checked?: boolean;
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
}

/** Verifies a license offline. Never throws for an invalid license, only for bad options. */
export function verifyLicense(token: string, options: VerifyOptions): Verdict;

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
