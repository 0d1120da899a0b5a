//! The online flow for a native product (feature `client`): the same steps, and the same
//! answers, as the JavaScript package's `validateOnline`.
//!
//! 1. local checks: the claims' form and time window, the product and domain, and the
//!    signature too when the product holds the vendor's keys;
//! 2. a request datetime (the caller's `now`);
//! 3. `GET signer_url` with `x-datetime` and `x-token`, the signer's KEYCTL1 signature;
//! 4. `POST server_url/v1/validate`;
//! 5. the server's verdict, as an [`OnlineVerdict`].
//!
//! Network failures are verdicts too, never panics or hangs: every request is bounded by
//! the client's timeout, and `signer_unavailable`, `signer_refused` and
//! `server_unavailable` say which step failed.

use std::time::Duration;

use serde_json::{json, Value};

use crate::keys::TrustedKeys;
use crate::license::{self, Claims, Context, Verdict};
use crate::signer::format_datetime;
use crate::time::Timestamp;

/// What the online flow decided: the shape of `keyctl verify --json`, with the server's
/// answer when there was one.
#[derive(Clone, Debug, PartialEq)]
pub struct OnlineVerdict {
    /// True only for `code == "valid"`.
    pub valid: bool,
    /// A verification code (`valid`, `expired`, `revoked`, `bad_request_signature`, ...) or
    /// one of the flow's: `signer_unavailable`, `signer_refused`, `server_unavailable`.
    pub code: String,
    /// Why it is not valid.
    pub error: Option<String>,
    /// The claims, when verified locally (with keys) and valid.
    pub license: Option<Claims>,
    /// The server's answer as sent, when it gave one.
    pub server: Option<Value>,
}

impl OnlineVerdict {
    fn failure(code: &str, error: String) -> Self {
        OnlineVerdict {
            valid: false,
            code: code.to_owned(),
            error: Some(error),
            license: None,
            server: None,
        }
    }

    fn local(verdict: Verdict) -> Self {
        OnlineVerdict {
            valid: verdict.is_valid(),
            code: verdict.outcome.code().to_owned(),
            error: (!verdict.is_valid()).then_some(verdict.reason),
            license: verdict.claims,
            server: None,
        }
    }

    /// `{"valid", "code", "error", "license", "server"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "valid": self.valid,
            "code": self.code,
            "error": self.error,
            "license": self.license,
            "server": self.server,
        })
    }
}

/// A blocking client of one signer and one validation server.
#[derive(Clone, Debug)]
pub struct Client {
    signer_url: String,
    server_url: String,
    agent: ureq::Agent,
}

/// What to validate.
#[derive(Clone, Copy, Debug)]
pub struct Check<'a> {
    /// The license JWT.
    pub token: &'a str,
    /// The product asking.
    pub product: &'a str,
    /// The host a web product runs on; `None` for native use.
    pub domain: Option<&'a str>,
    /// The current time: the request datetime, and the time the claims are checked at.
    pub now: Timestamp,
    /// Tolerance for `exp` and `nbf`, seconds.
    pub leeway: i64,
    /// The vendor's keys, to check the signature locally too.
    pub keys: Option<&'a TrustedKeys>,
}

impl Client {
    /// A client of the signer at `signer_url` (its `/v1/sign`) and the server at
    /// `server_url` (its base URL), each request bounded by `timeout`.
    pub fn new(signer_url: &str, server_url: &str, timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Client {
            signer_url: signer_url.to_owned(),
            server_url: server_url.trim_end_matches('/').to_owned(),
            agent,
        }
    }

    /// Runs the whole flow for `check`.
    pub fn validate(&self, check: &Check<'_>) -> OnlineVerdict {
        let ctx = Context {
            product: check.product,
            domain: check.domain,
            machine: None,
            now: check.now,
            leeway: check.leeway,
        };
        let local = match check.keys {
            Some(keys) => license::verify(check.token, keys, &ctx, None),
            None => license::check_unverified(check.token, &ctx),
        };
        if !local.is_valid() {
            return OnlineVerdict::local(local);
        }
        let datetime = format_datetime(check.now);
        let signed = self
            .agent
            .get(&self.signer_url)
            .header("x-datetime", &datetime)
            .header("x-token", check.token)
            .call();
        let (status, body) = match read(signed) {
            Ok(answer) => answer,
            Err(err) => {
                return OnlineVerdict::failure(
                    "signer_unavailable",
                    format!("the signer at {} did not answer: {err}", self.signer_url),
                )
            }
        };
        let signature = body.get("signature").and_then(Value::as_str);
        let (200, Some(signature)) = (status, signature) else {
            let why = body
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("no signature");
            return OnlineVerdict::failure(
                "signer_refused",
                format!("the signer answered {status}: {why}"),
            );
        };
        let mut request = json!({
            "license": check.token,
            "datetime": body.get("datetime").and_then(Value::as_str).unwrap_or(&datetime),
            "signature": signature,
            "product": check.product,
        });
        if let Some(domain) = check.domain {
            request["domain"] = Value::String(domain.to_owned());
        }
        let url = format!("{}/v1/validate", self.server_url);
        let answered = self
            .agent
            .post(&url)
            .header("content-type", "application/json")
            .send(request.to_string());
        let (status, verdict) = match read(answered) {
            Ok(answer) => answer,
            Err(err) => {
                return OnlineVerdict::failure(
                    "server_unavailable",
                    format!("the server at {} did not answer: {err}", self.server_url),
                )
            }
        };
        let Some(code) = verdict.get("code").and_then(Value::as_str) else {
            return OnlineVerdict::failure(
                "server_unavailable",
                format!("the server answered {status} without a verdict"),
            );
        };
        let valid = verdict.get("valid") == Some(&Value::Bool(true));
        OnlineVerdict {
            valid,
            code: if valid {
                "valid".into()
            } else {
                code.to_owned()
            },
            error: (!valid).then(|| {
                verdict
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            }),
            license: if valid { local.claims } else { None },
            server: Some(verdict),
        }
    }
}

/// The status and the JSON body (`null` when it is not JSON) of an answer.
fn read(
    answer: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(u16, Value), ureq::Error> {
    let mut response = answer?;
    let status = response.status().as_u16();
    // Bounded: an answer is a few hundred bytes; a hostile peer cannot make us buffer more.
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}
