//! Forged and altered licenses: every one must fail, as `malformed` (3) when it is not an
//! EdDSA keyctl JWT at all and as `bad_signature` (4) when the signature cannot vouch for it.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::common::*;

/// The genuine license every case starts from: vendor-signed, expiring at T0 + 1h.
fn genuine() -> (Value, String) {
    let claims = claims(json!({"exp": T0 + 3600, "features": ["basic"]}));
    let token = vendor().sign(&claims);
    (claims, token)
}

/// `header.payload.signature` split in three.
fn parts(token: &str) -> [&str; 3] {
    let parts: Vec<&str> = token.split('.').collect();
    parts.try_into().expect("three parts")
}

fn alg_refused(alg: &str) -> String {
    format!("malformed: algorithm `{alg}` is not accepted; keyctl licenses are EdDSA only")
}

#[test]
fn the_genuine_license_verifies() {
    let line = "valid: lic_fixture for alice (products app; expires 2030-01-01T01:00:00Z)";
    verdict(&genuine().1, &[], 0, line);
}

#[test]
fn changed_claims_break_the_signature() {
    let (claims, token) = genuine();
    let [header, payload, signature] = parts(&token);
    let changes = [
        json!({"exp": T0 + 10 * 365 * 86_400}),
        json!({"exp": null}),
        json!({"products": ["app", "web"]}),
        json!({"features": ["basic", "pro"]}),
        json!({"sub": "mallory"}),
    ];
    for change in changes {
        let mut forged = claims.clone();
        merge(&mut forged, &change);
        let token = format!(
            "{header}.{}.{signature}",
            b64(forged.to_string().as_bytes())
        );
        verdict(&token, &[], 4, &does_not_verify(&vendor().kid()));
    }
    // The same claims, encoded differently: the signature covers bytes, not meaning.
    let pretty = serde_json::to_string_pretty(&claims).unwrap();
    assert_ne!(b64(pretty.as_bytes()), payload);
    verdict(
        &format!("{header}.{}.{signature}", b64(pretty.as_bytes())),
        &[],
        4,
        &does_not_verify(&vendor().kid()),
    );
}

#[test]
fn a_changed_signature_byte_fails() {
    let (_, token) = genuine();
    let [header, payload, signature] = parts(&token);
    for index in [0, 31, 32, 63] {
        let mut bytes = unb64(signature);
        bytes[index] ^= 0x01;
        verdict(
            &format!("{header}.{payload}.{}", b64(&bytes)),
            &[],
            4,
            &does_not_verify(&vendor().kid()),
        );
    }
}

#[test]
fn alg_none_is_malformed() {
    let (claims, token) = genuine();
    let [_, _, signature] = parts(&token);
    let kid = vendor().kid();
    for alg in ["none", "None", "NONE"] {
        let unsigned = jws(
            &json!({"alg": alg, "typ": "JWT", "kid": kid}),
            &claims,
            |_| Vec::new(),
        );
        verdict(&unsigned, &[], 3, &alg_refused(alg));
        let resigned = format!("{}{signature}", unsigned);
        verdict(&resigned, &[], 3, &alg_refused(alg));
    }
    let bare = jws(&json!({"alg": "none"}), &claims, |_| Vec::new());
    verdict(&bare, &[], 3, &alg_refused("none"));
}

/// A license "signed" with HS256 using `secret`, as in the key-confusion attack.
fn hs256(claims: &Value, secret: &[u8]) -> String {
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": vendor().kid()});
    jws(&header, claims, |input| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
        mac.update(input);
        mac.finalize().into_bytes().to_vec()
    })
}

#[test]
fn hmac_with_the_public_key_as_secret_is_malformed() {
    let (claims, _) = genuine();
    let key = vendor();
    let pem = std::fs::read(key.public_pem()).unwrap();
    let jwk = std::fs::read(key.jwk()).unwrap();
    for secret in [
        key.signing.verifying_key().as_bytes().as_slice(),
        &pem,
        &jwk,
    ] {
        verdict(&hs256(&claims, secret), &[], 3, &alg_refused("HS256"));
    }
}

#[test]
fn other_algorithms_are_malformed() {
    let (claims, _) = genuine();
    let kid = vendor().kid();
    for alg in ["RS256", "ES256", "PS256", "HS512", "Ed25519", "eddsa"] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": kid});
        verdict(
            &vendor().sign_with_header(&header, &claims),
            &[],
            3,
            &alg_refused(alg),
        );
    }
}

#[test]
fn an_unknown_kid_is_a_bad_signature() {
    let (claims, _) = genuine();
    let kid = other().kid();
    let line = untrusted_kid(&kid);
    verdict(&other().sign(&claims), &[], 4, &line);
    // A made-up kid on a genuine signature is no better.
    let made_up = vendor().sign_with_header(&header("made-up"), &claims);
    verdict(&made_up, &[], 4, &untrusted_kid("made-up"));
}

#[test]
fn a_kid_swapped_to_another_trusted_key_fails() {
    let (claims, _) = genuine();
    let other = other();
    let swapped = vendor().sign_with_header(&header(&other.kid()), &claims);
    let other_pem = other.public_pem();
    let line = does_not_verify(&other.kid());
    verdict(&swapped, &["--public-key", &other_pem], 4, &line);
}

#[test]
fn duplicate_members_are_malformed() {
    // A parser that keeps the first member and one that keeps the last would disagree on
    // what was signed; keyctl refuses both readings.
    let kid = vendor().kid();
    let claims = claims(json!({})).to_string();
    let two_algs = format!(r#"{{"alg":"none","alg":"EdDSA","typ":"JWT","kid":"{kid}"}}"#);
    verdict(
        &vendor().sign_text(&two_algs, &claims),
        &[],
        3,
        "malformed: the header has a duplicate member `alg`",
    );

    let two_products = claims.replacen('{', r#"{"products":["web"],"#, 1);
    let line = "malformed: the claims are not a keyctl license (duplicate field `products`)";
    verdict(
        &vendor().sign_text(&header(&kid).to_string(), &two_products),
        &[],
        3,
        line,
    );
}
