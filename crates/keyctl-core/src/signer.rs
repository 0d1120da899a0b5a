//! Request signing: `KEYCTL1-HMAC-SHA256` and the Media-IO compatible `MIO4-HMAC-SHA256`
//! (`docs/spec/signer-protocol.md`).
//!
//! This module is pure: no I/O, and the clock is always passed in.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::license::{is_valid_license_id, Outcome, Verdict, MAX_JWT_LEN};
use crate::time::{civil, Civil, Timestamp};

type HmacSha256 = Hmac<Sha256>;

/// The algorithm name of the keyctl scheme, the first line of its string to sign.
pub const KEYCTL1: &str = "KEYCTL1-HMAC-SHA256";
/// The algorithm name of the Media-IO scheme.
pub const MIO4: &str = "MIO4-HMAC-SHA256";
/// The last element of the KEYCTL1 scope.
const KEYCTL1_TERMINATOR: &str = "keyctl1_request";
/// The datetime forms each scheme accepts, for messages.
const KEYCTL1_FORMS: &str = "YYYYMMDDTHHMMSSZ";
const MIO4_FORMS: &str = "YYYYMMDDTHHMMSSZ, YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS.sssZ";

/// Default allowed clock difference between signer and validator, in seconds.
pub const DEFAULT_MAX_SKEW: i64 = 300;

/// Which signature scheme a request uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `KEYCTL1-HMAC-SHA256`: date-scoped derived keys over the license's hash.
    Keyctl1,
    /// `MIO4-HMAC-SHA256`: one HMAC over the datetime and the license (Media-IO products).
    Mio4,
}

impl Scheme {
    /// The algorithm name.
    pub fn algorithm(self) -> &'static str {
        match self {
            Scheme::Keyctl1 => KEYCTL1,
            Scheme::Mio4 => MIO4,
        }
    }
}

/// Why a signature cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The license has no readable `jti`, which KEYCTL1 scopes its key to.
    #[error("the license has no readable license id (`jti`); it must be a keyctl license JWT")]
    NoLicenseId,
    /// The datetime is not in a form the scheme accepts.
    #[error("datetime `{0}` is not of the form {1}")]
    BadDatetime(String, &'static str),
    /// The license is over the size limit.
    #[error("the license is over {MAX_JWT_LEN} bytes")]
    TooLarge,
    /// A machine request field holds a control character, which a signature cannot cover.
    #[error("`{0}` must not contain control characters")]
    ControlCharacter(&'static str),
}

/// The license as the protocol sees it: surrounding ASCII whitespace removed.
pub fn trim_license(license: &str) -> &str {
    license.trim_matches(|c: char| c.is_ascii_whitespace())
}

/// `YYYYMMDDTHHMMSSZ` for a Unix time; empty outside the years 0000-9999.
pub fn format_datetime(timestamp: Timestamp) -> String {
    civil(timestamp)
        .map(|t| {
            format!(
                "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
                t.year, t.month, t.day, t.hour, t.minute, t.second
            )
        })
        .unwrap_or_default()
}

/// The number written by the ASCII digits `digits` (the caller checked they are digits).
fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0u32, |n, digit| n * 10 + u32::from(digit - b'0'))
}

/// Parses the strict KEYCTL1 datetime: exactly `YYYYMMDD'T'HHMMSS'Z'`, 16 characters, a real
/// calendar time.
pub fn parse_datetime(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit);
    if !shape_ok {
        return None;
    }
    // By hand: a format-string parser costs more than a whole HMAC.
    civil_at(b, [0..4, 4..6, 6..8, 9..11, 11..13, 13..15])
}

/// The timestamp of the digits of `b` at `fields` (year, month, day, hour, minute, second),
/// which the caller checked are ASCII digits; `None` when it is not a real calendar time.
fn civil_at(b: &[u8], fields: [std::ops::Range<usize>; 6]) -> Option<Timestamp> {
    let [year, month, day, hour, minute, second] = fields.map(|range| number(&b[range]));
    Civil {
        year: i64::from(year),
        month,
        day,
        hour,
        minute,
        second,
    }
    .timestamp()
}

/// Parses any datetime a Media-IO product sends: `20261123T091500Z`,
/// `2026-11-23T09:15:00Z` or the browser's `2026-11-23T09:15:00.000Z`.
pub fn parse_mio_datetime(text: &str) -> Option<Timestamp> {
    if let Some(t) = parse_datetime(text) {
        return Some(t);
    }
    let b = text.as_bytes();
    let plain = b.len() == 20;
    let millis = b.len() == 24 && b[19] == b'.' && b[20..23].iter().all(u8::is_ascii_digit);
    let digits = [0..4, 5..7, 8..10, 11..13, 14..16, 17..19];
    let shape_ok = (plain || millis)
        && b[b.len() - 1] == b'Z'
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && digits
            .iter()
            .all(|range| b[range.clone()].iter().all(u8::is_ascii_digit));
    if !shape_ok {
        return None;
    }
    civil_at(b, digits)
}

/// Reads the `jti` of a JWT without verifying it: KEYCTL1 binds the signature to it.
///
/// The claims are read only as far as `jti`: signing and request checks run on every
/// request, and parsing the whole payload cost more than an HMAC. Whether the rest of the
/// JWT is well formed is for license verification to decide, which parses it in full.
pub fn license_id(license: &str) -> Option<String> {
    use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
    use std::borrow::Cow;

    struct FirstJti<'s>(&'s mut Option<String>);

    impl<'de> Visitor<'de> for FirstJti<'_> {
        type Value = ();

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                if key == "jti" {
                    *self.0 = Some(map.next_value::<Cow<'de, str>>()?.into_owned());
                    // Stop here; serde_json then reports the unread rest, which is ignored.
                    return Ok(());
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }

    let payload = license.split('.').nth(1)?;
    // keyctl writes `jti` third, after `iss` and `sub`: decoding a prefix usually finds it.
    // The prefix is whole 4-character groups, so it decodes like the full payload would.
    // A cut inside a non-ASCII character would panic; such a payload is not base64url, so
    // it is read whole, which fails as it should.
    let prefix = payload
        .get(..payload.len().min(192) / 4 * 4)
        .unwrap_or(payload);
    let read = |encoded: &str| {
        let bytes = B64URL.decode(encoded).ok()?;
        let mut jti = None;
        let _ = serde_json::Deserializer::from_slice(&bytes).deserialize_map(FirstJti(&mut jti));
        jti
    };
    let jti = read(prefix).or_else(|| {
        if prefix.len() < payload.len() {
            read(payload)
        } else {
            None
        }
    });
    jti.filter(|jti| is_valid_license_id(jti))
}

/// Every intermediate value of a KEYCTL1 signature, for test vectors and debugging.
#[derive(Clone, Debug)]
pub struct Keyctl1Steps {
    /// `lowercase hex(SHA-256(J))`.
    pub jwt_sha256: String,
    /// `D/L/keyctl1_request`.
    pub scope: String,
    /// The four lines that are signed.
    pub string_to_sign: String,
    /// First derived key.
    pub k_date: [u8; 32],
    /// Second derived key.
    pub k_license: [u8; 32],
    /// The signing key.
    pub k_signing: [u8; 32],
    /// The signature, lowercase hex.
    pub signature: String,
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The KEYCTL1 signing key for `secret`, date `date` (`YYYYMMDD`) and license `license_id`.
fn keyctl1_signing_key(
    secret: &str,
    date: &str,
    license_id: &str,
) -> ([u8; 32], [u8; 32], Zeroizing<[u8; 32]>) {
    let mut key = Zeroizing::new(Vec::with_capacity(7 + secret.len()));
    key.extend_from_slice(b"KEYCTL1");
    key.extend_from_slice(secret.as_bytes());
    let k_date = hmac(&key, date.as_bytes());
    let k_license = hmac(&k_date, license_id.as_bytes());
    let k_signing = Zeroizing::new(hmac(&k_license, KEYCTL1_TERMINATOR.as_bytes()));
    (k_date, k_license, k_signing)
}

/// What a machine request's KEYCTL1 signature covers besides the license: the route and the
/// body's fields, so that a captured request cannot be replayed with another machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MachineRequest<'a> {
    /// The route signed for.
    pub route: MachineRoute,
    /// The product activating.
    pub product: &'a str,
    /// The machine's hardware id.
    pub hwid: &'a str,
    /// The machine's name.
    pub machine: Option<&'a str>,
    /// The logged-in user.
    pub user: Option<&'a str>,
    /// The host, for licenses that list domains.
    pub domain: Option<&'a str>,
}

/// The routes whose requests carry a [`MachineRequest`] signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineRoute {
    /// `POST /v1/activate`.
    Activate,
    /// `POST /v1/deactivate`.
    Deactivate,
    /// `POST /v1/machines/checkout`.
    Checkout,
}

impl MachineRoute {
    /// The method and path, as signed.
    pub fn as_str(self) -> &'static str {
        match self {
            MachineRoute::Activate => "POST /v1/activate",
            MachineRoute::Deactivate => "POST /v1/deactivate",
            MachineRoute::Checkout => "POST /v1/machines/checkout",
        }
    }
}

impl MachineRequest<'_> {
    /// The signed fields, by name, in their signed order.
    fn fields(&self) -> [(&'static str, Option<&str>); 5] {
        [
            ("product", Some(self.product)),
            ("hwid", Some(self.hwid)),
            ("machine", self.machine),
            ("user", self.user),
            ("domain", self.domain),
        ]
    }

    /// The signed text: the route, then `name=value` lines for `product`, `hwid`, `machine`,
    /// `user` and `domain` in that order (an absent value is empty), joined by line feeds.
    /// Fields with control characters are refused before a signature is made or checked,
    /// so the lines cannot be forged by embedding a line feed.
    pub fn signed_text(&self) -> String {
        let mut text = String::with_capacity(128);
        text.push_str(self.route.as_str());
        for (name, value) in self.fields() {
            text.push('\n');
            text.push_str(name);
            text.push('=');
            text.push_str(value.unwrap_or_default());
        }
        text
    }

    /// The first field holding a control character, which a signature cannot cover.
    pub fn control_character(&self) -> Option<&'static str> {
        self.fields()
            .into_iter()
            .find(|(_, value)| value.is_some_and(|v| v.chars().any(char::is_control)))
            .map(|(name, _)| name)
    }
}

/// `lowercase hex(SHA-256(J))`, or with a machine request `hex(SHA-256(J + LF + text))`.
fn content_hash(license: &str, covers: Option<&str>) -> [u8; 64] {
    let mut digest = Sha256::new();
    digest.update(license.as_bytes());
    if let Some(text) = covers {
        digest.update(b"\n");
        digest.update(text.as_bytes());
    }
    let mut hash = [0u8; 64];
    hex::encode_to_slice(digest.finalize(), &mut hash).expect("64 hex digits");
    hash
}

fn keyctl1_string_to_sign(
    datetime: &str,
    license_id: &str,
    license: &str,
    covers: Option<&str>,
) -> String {
    let hash = content_hash(license, covers);
    let mut out = String::with_capacity(KEYCTL1.len() + datetime.len() + license_id.len() + 100);
    for part in [
        KEYCTL1,
        "\n",
        datetime,
        "\n",
        &datetime[..8],
        "/",
        license_id,
        "/",
        KEYCTL1_TERMINATOR,
        "\n",
    ] {
        out.push_str(part);
    }
    out.push_str(std::str::from_utf8(&hash).expect("hex is ASCII"));
    out
}

/// Computes a KEYCTL1 signature with every step shown. `license` is used as given
/// (call [`trim_license`] first); `datetime` must already be valid.
pub fn keyctl1_steps(
    secret: &str,
    datetime: &str,
    license: &str,
    license_id: &str,
) -> Keyctl1Steps {
    let (k_date, k_license, k_signing) =
        keyctl1_signing_key(secret, datetime.get(..8).unwrap_or(""), license_id);
    let string_to_sign = keyctl1_string_to_sign(datetime, license_id, license, None);
    let signature = hex::encode(hmac(k_signing.as_ref(), string_to_sign.as_bytes()));
    Keyctl1Steps {
        jwt_sha256: string_to_sign
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .to_owned(),
        scope: format!(
            "{}/{license_id}/{KEYCTL1_TERMINATOR}",
            &datetime[..8.min(datetime.len())]
        ),
        string_to_sign,
        k_date,
        k_license,
        k_signing: *k_signing,
        signature,
    }
}

fn mio4_message(datetime: &str, license: &str) -> Vec<u8> {
    format!("{MIO4}\n{datetime}\n{license}").into_bytes()
}

/// A signed request: what a signer hands back to the product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The scheme used.
    pub scheme: Scheme,
    /// The license id, when the license has one (always for KEYCTL1).
    pub license_id: Option<String>,
    /// The datetime, exactly as signed.
    pub datetime: String,
    /// Lowercase hex HMAC-SHA256.
    pub signature: String,
}

/// Signs `license` (trimmed here) at `datetime` with `secret`.
///
/// KEYCTL1 needs the strict datetime form and a license with a `jti`; MIO4 accepts the
/// three Media-IO forms and any token.
pub fn sign(
    scheme: Scheme,
    secret: &str,
    datetime: &str,
    license: &str,
) -> Result<Signature, SignError> {
    sign_covering(scheme, secret, datetime, license, None)
}

/// Signs a machine request (KEYCTL1): the license and the request's route and fields.
pub fn sign_machine_request(
    secret: &str,
    datetime: &str,
    license: &str,
    request: &MachineRequest<'_>,
) -> Result<Signature, SignError> {
    if let Some(field) = request.control_character() {
        return Err(SignError::ControlCharacter(field));
    }
    let text = request.signed_text();
    sign_covering(Scheme::Keyctl1, secret, datetime, license, Some(&text))
}

fn sign_covering(
    scheme: Scheme,
    secret: &str,
    datetime: &str,
    license: &str,
    covers: Option<&str>,
) -> Result<Signature, SignError> {
    let license = trim_license(license);
    if license.len() > MAX_JWT_LEN {
        return Err(SignError::TooLarge);
    }
    match scheme {
        Scheme::Keyctl1 => {
            parse_datetime(datetime)
                .ok_or_else(|| SignError::BadDatetime(datetime.to_owned(), KEYCTL1_FORMS))?;
            let id = license_id(license).ok_or(SignError::NoLicenseId)?;
            let (_, _, k_signing) = keyctl1_signing_key(secret, &datetime[..8], &id);
            let message = keyctl1_string_to_sign(datetime, &id, license, covers);
            Ok(Signature {
                scheme,
                signature: hex::encode(hmac(k_signing.as_ref(), message.as_bytes())),
                license_id: Some(id),
                datetime: datetime.to_owned(),
            })
        }
        Scheme::Mio4 => {
            parse_mio_datetime(datetime)
                .ok_or_else(|| SignError::BadDatetime(datetime.to_owned(), MIO4_FORMS))?;
            Ok(Signature {
                scheme,
                license_id: license_id(license),
                datetime: datetime.to_owned(),
                signature: hex::encode(hmac(secret.as_bytes(), &mio4_message(datetime, license))),
            })
        }
    }
}

/// A request to validate: the license with its datetime and signature as received.
#[derive(Clone, Copy, Debug)]
pub struct SignedRequest<'a> {
    /// The scheme the client used.
    pub scheme: Scheme,
    /// The license (trimmed here).
    pub license: &'a str,
    /// The datetime as sent.
    pub datetime: &'a str,
    /// The signature as sent: 64 lowercase hex characters.
    pub signature: &'a str,
}

/// Validates a signed request in the spec's order: datetime form, skew, signature.
///
/// `secret_for` looks up the signer secret of a license id; `None` (an unknown license)
/// fails exactly like a wrong signature, so license ids cannot be probed.
pub fn verify_request<S: AsRef<str>>(
    request: &SignedRequest<'_>,
    now: Timestamp,
    max_skew: i64,
    secret_for: impl FnOnce(Option<&str>) -> Option<S>,
) -> Result<(), Verdict> {
    verify_covering(request, None, now, max_skew, secret_for)
}

/// Validates a signed machine request (KEYCTL1) in the same order as [`verify_request`]:
/// the signature must cover `covers`, the request's route and fields, as well as the license.
pub fn verify_machine_request<S: AsRef<str>>(
    request: &SignedRequest<'_>,
    covers: &MachineRequest<'_>,
    now: Timestamp,
    max_skew: i64,
    secret_for: impl FnOnce(Option<&str>) -> Option<S>,
) -> Result<(), Verdict> {
    let text = covers.signed_text();
    let request = SignedRequest {
        scheme: Scheme::Keyctl1,
        ..*request
    };
    verify_covering(&request, Some(&text), now, max_skew, secret_for)
}

fn verify_covering<S: AsRef<str>>(
    request: &SignedRequest<'_>,
    covers: Option<&str>,
    now: Timestamp,
    max_skew: i64,
    secret_for: impl FnOnce(Option<&str>) -> Option<S>,
) -> Result<(), Verdict> {
    let bad = |reason: &str| Verdict::fail(Outcome::BadRequestSignature, reason);
    let license = trim_license(request.license);
    let time = match request.scheme {
        Scheme::Keyctl1 => parse_datetime(request.datetime),
        Scheme::Mio4 => parse_mio_datetime(request.datetime),
    };
    let Some(time) = time else {
        let forms = match request.scheme {
            Scheme::Keyctl1 => KEYCTL1_FORMS,
            Scheme::Mio4 => MIO4_FORMS,
        };
        return Err(bad(&format!(
            "the request datetime is not of the form {forms}"
        )));
    };
    let skew = now.abs_diff(time);
    if skew > max_skew.unsigned_abs() {
        return Err(Verdict::fail(
            Outcome::StaleRequest,
            format!("the request datetime is {skew} s from the validator's clock; at most {max_skew} s is allowed"),
        ));
    }
    let wrong = || bad("the request signature does not match");
    let provided = decode_signature(request.signature).ok_or_else(wrong)?;
    let id = license_id(license);
    let secret = secret_for(id.as_deref()).ok_or_else(wrong)?;
    let secret = secret.as_ref();
    let mac = match request.scheme {
        Scheme::Keyctl1 => {
            let id = id.as_deref().ok_or_else(wrong)?;
            let (_, _, k_signing) = keyctl1_signing_key(secret, &request.datetime[..8], id);
            let mut mac = HmacSha256::new_from_slice(k_signing.as_ref()).expect("any key length");
            mac.update(keyctl1_string_to_sign(request.datetime, id, license, covers).as_bytes());
            mac
        }
        Scheme::Mio4 => {
            let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key length");
            mac.update(&mio4_message(request.datetime, license));
            mac
        }
    };
    // `verify_slice` compares in constant time.
    mac.verify_slice(&provided).map_err(|_| wrong())
}

/// 64 lowercase hex characters to 32 bytes; anything else (uppercase included) is `None`.
fn decode_signature(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The spec's vectors; many more, derived independently, are in tests/vectors/.
    const S: &str = "ks1_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWM";
    const T: &str = "20261123T091500Z";
    const J: &str = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6InRlc3QifQ.eyJpc3MiOiJFeGFtcGxlIENvcnAiLCJzdWIiOiJhbGljZUBleGFtcGxlLmNvbSIsImp0aSI6ImxpY190ZXN0XzAwMDEiLCJpYXQiOjE3OTUwMDAwMDAsInByb2R1Y3RzIjpbInBsYXllciJdfQ.c2lnbmF0dXJl";
    const SIG: &str = "569df5b3861c66c45681f47f960b950a210638ac174d058a82a4158eac240cdd";

    #[test]
    fn spec_vector_step_by_step() {
        let steps = keyctl1_steps(S, T, J, "lic_test_0001");
        assert_eq!(
            steps.jwt_sha256,
            "5d6c3edfc4f9d046240c73a227323b58eaf2414a64cb43a58a5bb7ffebd0b1ee"
        );
        assert_eq!(
            hex::encode(steps.k_date),
            "fc8ae770acef8e28b093afb84ae08f09bc31c53b2042e8813d5b725a14ba3d3d"
        );
        assert_eq!(
            hex::encode(steps.k_license),
            "18893f8a7c0892431e954610cf3a1e48d1ae9749794fd2c991ff398336e3e55d"
        );
        assert_eq!(
            hex::encode(steps.k_signing),
            "a36f103c1d94191f7413fe18c16911ccfe620b80d2f427834d7c6fac7e382027"
        );
        assert_eq!(steps.signature, SIG);
        assert_eq!(sign(Scheme::Keyctl1, S, T, J).unwrap().signature, SIG);
    }

    #[test]
    fn mio_spec_vector() {
        let sig = sign(
            Scheme::Mio4,
            "media-io-signer-key",
            T,
            "eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJ4In0.c2ln",
        )
        .unwrap();
        assert_eq!(
            sig.signature,
            "b204f90d7a55bf696cee7715dc2f75ca8b7ba731edbf29bb391977afca13987e"
        );
    }

    #[test]
    fn datetimes() {
        assert_eq!(parse_datetime(T), Some(1_795_425_300));
        assert_eq!(format_datetime(1_795_425_300), T);
        for bad in [
            "20261123T091500",
            "2026-11-23T09:15:00Z",
            "20261323T091500Z",
            "20261123T246000Z",
            "2026112３T091500Z",
            "",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
        assert_eq!(
            parse_mio_datetime("2026-11-23T09:15:00Z"),
            Some(1_795_425_300)
        );
        assert_eq!(
            parse_mio_datetime("2026-11-23T09:15:00.000Z"),
            Some(1_795_425_300)
        );
        assert_eq!(parse_mio_datetime("2026-11-23T09:15:00+00:00"), None);
        assert_eq!(parse_mio_datetime("2026-11-23 09:15:00Z"), None);
    }

    fn check(signature: &str, datetime: &str, now: Timestamp) -> Result<(), Verdict> {
        let request = SignedRequest {
            scheme: Scheme::Keyctl1,
            license: J,
            datetime,
            signature,
        };
        verify_request(&request, now, DEFAULT_MAX_SKEW, |id| {
            (id == Some("lic_test_0001")).then_some(S)
        })
    }

    #[test]
    fn request_validation_order_and_rejections() {
        let now = parse_datetime(T).unwrap();
        assert!(check(SIG, T, now).is_ok());
        assert!(check(SIG, T, now + 300).is_ok());
        assert_eq!(
            check(SIG, T, now + 301).unwrap_err().outcome,
            Outcome::StaleRequest
        );
        assert_eq!(
            check(SIG, T, now - 301).unwrap_err().outcome,
            Outcome::StaleRequest
        );
        // A malformed datetime is reported before the skew.
        assert_eq!(
            check(SIG, "2026-11-23T09:15:00Z", now).unwrap_err().outcome,
            Outcome::BadRequestSignature
        );
        let mut flipped = SIG.to_owned();
        flipped.replace_range(63.., "c");
        assert_eq!(
            check(&flipped, T, now).unwrap_err().outcome,
            Outcome::BadRequestSignature
        );
        assert_eq!(
            check(&SIG.to_uppercase(), T, now).unwrap_err().outcome,
            Outcome::BadRequestSignature
        );
        let unknown = SignedRequest {
            scheme: Scheme::Keyctl1,
            license: J,
            datetime: T,
            signature: SIG,
        };
        let err = verify_request(&unknown, now, 300, |_| None::<&str>).unwrap_err();
        assert_eq!(err.reason, "the request signature does not match");
    }
}
