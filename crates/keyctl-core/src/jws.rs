//! The compact JWS keyctl writes and reads for every signed artefact (licenses, machine
//! files, status lists): header `{"typ":…,"alg":"EdDSA","kid":…}`, Ed25519 over
//! `header.payload`. Each artefact has its own `typ`, and a reader accepts only its own, so
//! that no artefact can pass for another (a machine file is not a license).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use serde::Deserialize;

use crate::keys::{KeyPair, TrustedKeys};

/// What kind of artefact a token must be, for the checks and the messages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kind {
    /// The artefact in messages: `license`, `machine file`, `status list`.
    pub(crate) noun: &'static str,
    /// The plural in messages: `keyctl licenses`.
    pub(crate) plural: &'static str,
    /// The header's `typ`, compared ignoring ASCII case (RFC 7515 §4.1.9).
    pub(crate) typ: &'static str,
    /// The largest token accepted, in bytes.
    pub(crate) max_len: usize,
}

/// A compact JWS split and decoded, its signature not yet checked.
#[derive(Clone, Debug)]
pub(crate) struct Parts<'a> {
    /// The header's `kid`.
    pub(crate) kid: String,
    /// The decoded payload, unverified.
    pub(crate) payload: Vec<u8>,
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'a str,
    /// The decoded 64-byte signature.
    pub(crate) signature: [u8; 64],
}

#[derive(Deserialize)]
struct RawHeader {
    alg: Option<serde_json::Value>,
    typ: Option<serde_json::Value>,
    kid: Option<serde_json::Value>,
    crit: Option<serde_json::Value>,
}

/// Signs `claims` as a compact JWS of `typ` with `key`. The header's members are written in
/// a fixed order, and a kid is base64url, which needs no JSON escaping.
pub(crate) fn sign(key: &KeyPair, typ: &str, claims: &impl serde::Serialize) -> String {
    let header = format!(r#"{{"typ":"{typ}","alg":"EdDSA","kid":"{}"}}"#, key.kid());
    let payload = serde_json::to_vec(claims).expect("claims serialize");
    let mut token = B64URL.encode(header);
    token.push('.');
    B64URL.encode_string(&payload, &mut token);
    let signature = key.signing_key().sign(token.as_bytes());
    token.push('.');
    B64URL.encode_string(signature.to_bytes(), &mut token);
    token
}

/// Splits `token` and checks its form: size, three base64url parts, header (`alg` EdDSA,
/// `typ` of `kind`, a `kid`, no `crit`), a 64-byte signature. The `Err` is the reason.
pub(crate) fn split(token: &str, kind: Kind) -> Result<Parts<'_>, String> {
    if token.len() > kind.max_len {
        return Err(format!(
            "the {} is {} bytes; the limit is {}",
            kind.noun,
            token.len(),
            kind.max_len
        ));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a compact JWT (three base64url parts separated by dots)".into());
    };
    let signing_input = &token[..header.len() + 1 + payload.len()];
    let kid = check_header(header, kind)?;
    let payload = B64URL
        .decode(payload)
        .map_err(|_| "the payload is not base64url".to_owned())?;
    let signature = B64URL
        .decode(signature)
        .map_err(|_| "the signature is not base64url".to_owned())?
        .try_into()
        .map_err(|_| "the signature is not 64 bytes (Ed25519)".to_owned())?;
    Ok(Parts {
        kid,
        payload,
        signing_input,
        signature,
    })
}

/// The header's `kid`, once the header is one keyctl writes for `kind`.
fn check_header(header: &str, kind: Kind) -> Result<String, String> {
    let bytes = B64URL
        .decode(header)
        .map_err(|_| "the header is not base64url".to_owned())?;
    let header: RawHeader = serde_json::from_slice(&bytes).map_err(|err| {
        let message = err.to_string();
        match message.strip_prefix("duplicate field ") {
            Some(rest) => format!(
                "the header has a duplicate member {}",
                rest.split(" at line ").next().unwrap_or_default()
            ),
            None => "the header is not a JSON object".to_owned(),
        }
    })?;
    match header.alg.as_ref().and_then(|v| v.as_str()) {
        Some("EdDSA") => {}
        Some(other) => {
            return Err(format!(
                "algorithm `{}` is not accepted; {} are EdDSA only",
                short(other),
                kind.plural
            ))
        }
        None => return Err("the header has no `alg`".into()),
    }
    match header.typ.as_ref().and_then(|v| v.as_str()) {
        Some(typ) if typ.eq_ignore_ascii_case(kind.typ) => {}
        _ => return Err(format!("the header's `typ` is not \"{}\"", kind.typ)),
    }
    if header.crit.is_some() {
        return Err("the header has `crit` extensions keyctl does not understand".into());
    }
    match header.kid {
        Some(serde_json::Value::String(kid)) if !kid.is_empty() && kid.len() <= 128 => Ok(kid),
        _ => Err("the header has no `kid`".into()),
    }
}

/// Checks a signature over `signing_input` against the trusted key named `kid`. The `Err`
/// is the reason.
pub(crate) fn check_signature(
    kid: &str,
    signing_input: &str,
    signature: &[u8; 64],
    keys: &TrustedKeys,
) -> Result<(), String> {
    let Some(key) = keys.find(kid) else {
        return Err(format!(
            "key id {} is not among the trusted keys",
            short(kid)
        ));
    };
    // Strict: no small-order keys, no non-canonical points, over exactly the signed bytes.
    let signature = ed25519_dalek::Signature::from_bytes(signature);
    key.verifying_key()
        .verify_strict(signing_input.as_bytes(), &signature)
        .map_err(|_| format!("the signature does not verify with key {}", key.kid()))
}

/// serde's messages name the claim and the expected type; drop the line/column noise.
pub(crate) fn claim_error(err: &serde_json::Error) -> String {
    let message = err.to_string();
    match message.find(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    }
}

/// Attacker-chosen text in a message is cut short (but never a real key id: 43 characters),
/// and its control characters are escaped, so it cannot drive the reader's terminal.
pub(crate) fn short(text: &str) -> String {
    let mut cut = String::with_capacity(text.len().min(80));
    for c in text.chars().take(64) {
        if c.is_control() {
            cut.extend(c.escape_default());
        } else {
            cut.push(c);
        }
    }
    if text.chars().nth(64).is_some() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    const THING: Kind = Kind {
        noun: "thing",
        plural: "things",
        typ: "thing+jwt",
        max_len: 1000,
    };

    #[test]
    fn a_token_signed_for_a_typ_reads_back_only_as_that_typ() {
        let key = KeyPair::from_seed(&[3; 32]);
        let token = sign(&key, "thing+jwt", &serde_json::json!({"a": 1}));
        let parts = split(&token, THING).unwrap();
        assert_eq!(parts.kid, key.kid());
        assert_eq!(parts.payload, br#"{"a":1}"#);
        let trusted = TrustedKeys::new(vec![key.public()]);
        assert_eq!(
            check_signature(&parts.kid, parts.signing_input, &parts.signature, &trusted),
            Ok(())
        );
        let other = Kind {
            typ: "JWT",
            ..THING
        };
        assert_eq!(
            split(&token, other).unwrap_err(),
            "the header's `typ` is not \"JWT\""
        );
        assert_eq!(
            split(&"x".repeat(1001), THING).unwrap_err(),
            "the thing is 1001 bytes; the limit is 1000"
        );
    }
}
