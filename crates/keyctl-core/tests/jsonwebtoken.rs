//! jsonwebtoken, an implementation that shares no code with keyctl's verifier, as an
//! independent check of the core: every license the core issues verifies there with the same
//! claims, and it refuses the shared vectors the core refuses for a signature, format or time
//! reason. Where the two legitimately differ, the difference is asserted, with the reason.

mod support;

use jsonwebtoken::errors::Error as JwtError;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use keyctl_core::license::{IssueRequest, Issuer};
use serde_json::{json, Map, Value};

use support::{fixture_key, read_vector_file, Vector};

/// jsonwebtoken 11 needs its crypto provider chosen once per process; the tests of this
/// binary race to do it, and any one of them winning is fine.
fn install_provider() {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
}

/// jsonwebtoken configured as keyctl verifies: EdDSA only, `exp` and `nbf` checked with
/// `leeway`, and no claim required beyond the `iss` and `sub` keyctl always writes (a
/// license may be perpetual, and keyctl has no audience).
fn validation(leeway: u64) -> Validation {
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_required_spec_claims(&["iss", "sub"]);
    validation.validate_nbf = true;
    validation.validate_aud = false;
    validation.leeway = leeway;
    validation
}

/// What jsonwebtoken made of a token: the claims, or the name of its error kind
/// (`"InvalidSignature"`, `"ExpiredSignature"`, ...).
type Outcome = Result<Value, String>;

fn kind_name(err: &JwtError) -> String {
    let debug = format!("{:?}", err.kind());
    debug.split('(').next().unwrap_or_default().to_owned()
}

/// jsonwebtoken's key for an SPKI PEM. Its own PEM reader needs the `use_pem` feature and
/// its dependencies; ed25519-dalek's (not keyctl's) reads the PEM instead. Despite its name,
/// `from_ed_der` takes the raw 32-byte public key.
fn from_pem(pem: &str) -> DecodingKey {
    use ed25519_dalek::pkcs8::DecodePublicKey as _;
    let key = ed25519_dalek::VerifyingKey::from_public_key_pem(pem).expect("an SPKI PEM");
    DecodingKey::from_ed_der(key.as_bytes())
}

fn decode(token: &str, key: &DecodingKey, validation: &Validation) -> Outcome {
    jsonwebtoken::decode::<Value>(token, key, validation)
        .map(|data| data.claims)
        .map_err(|err| kind_name(&err))
}

// ---- what the core issues, jsonwebtoken verifies ---------------------------------------------

/// 2020-09-13: issuing happens "then", so the licenses' times sit around the real clock.
const ISSUED_AT: i64 = 1_600_000_000;
/// 2090-01-01: an expiry (or a start) no test run will reach.
const FAR_FUTURE: i64 = 3_786_912_000;

fn request(changes: impl FnOnce(&mut IssueRequest)) -> IssueRequest {
    let mut request = IssueRequest {
        licensee: "alice@example.com".into(),
        products: vec!["app".into()],
        ..IssueRequest::default()
    };
    changes(&mut request);
    request
}

#[test]
fn every_license_the_core_issues_verifies_with_the_same_claims() {
    install_provider();
    let vendor = fixture_key("vendor");
    let issuer = Issuer::with_rng("Acme Corp", &vendor, &mut rand_core::OsRng);
    let mut meta = Map::new();
    meta.insert("tier".into(), json!("gold ✓"));
    meta.insert(
        "limits".into(),
        json!({"seats": [1, 2, 3], "trial": false, "ratio": 0.5}),
    );
    let requests = [
        request(|_| {}),
        request(|r| r.expires = Some(FAR_FUTURE)),
        request(|r| {
            r.licensee = "Zoë Müller 山田 <zoë@example.com> 🚀".into();
            r.products = vec!["app".into(), "web".into(), "cli.tool-2_x".into()];
            r.not_before = Some(ISSUED_AT);
            r.expires = Some(FAR_FUTURE);
            r.domains = vec!["Shop.Example.com".into(), "*.example.org".into()];
            r.features = vec!["pro".into(), "export \"csv\"".into()];
            r.max_activations = Some(3);
            r.meta = Some(meta.clone());
        }),
        request(|r| r.max_activations = Some(-1)),
        request(|r| r.meta = Some(Map::new())),
    ];
    // The public key as keyctl exports it: SPKI PEM, and JWK.
    let jwk: Jwk = serde_json::from_value(vendor.public().to_jwk()).expect("keyctl's JWK");
    let keys = [
        ("PEM", from_pem(&vendor.public().to_spki_pem())),
        ("JWK", DecodingKey::from_jwk(&jwk).expect("an Ed25519 JWK")),
    ];
    for request in &requests {
        let issued = issuer
            .issue_with(&mut rand_core::OsRng, request, ISSUED_AT, 0)
            .expect("a valid request");
        let claims = serde_json::to_value(&issued.claims).expect("claims serialize");
        for (form, key) in &keys {
            assert_eq!(
                decode(&issued.jwt, key, &validation(60)),
                Ok(claims.clone()),
                "{form}: {request:?}"
            );
        }
    }
}

#[test]
fn jsonwebtoken_honours_the_expiry_and_start_the_core_issues() {
    install_provider();
    let vendor = fixture_key("vendor");
    let issuer = Issuer::with_rng("Acme Corp", &vendor, &mut rand_core::OsRng);
    let pem = from_pem(&vendor.public().to_spki_pem());
    let issue = |request: IssueRequest| {
        issuer
            .issue_with(&mut rand_core::OsRng, &request, ISSUED_AT, 0)
            .expect("a valid request")
            .jwt
    };
    // Expired a day after it was issued, in 2020: long past on any clock that runs this.
    let expired = issue(request(|r| r.expires = Some(ISSUED_AT + 86_400)));
    assert_eq!(
        decode(&expired, &pem, &validation(60)),
        Err("ExpiredSignature".into())
    );
    let not_yet = issue(request(|r| r.not_before = Some(FAR_FUTURE)));
    assert_eq!(
        decode(&not_yet, &pem, &validation(60)),
        Err("ImmatureSignature".into())
    );
}

// ---- the shared vectors ----------------------------------------------------------------------

/// What jsonwebtoken must make of a shared vector, with keyctl's reason when they differ.
#[derive(Debug)]
enum Expected {
    /// Accepts, with exactly the claims of the vector's `license`.
    Accepts,
    /// Accepts although keyctl refuses: the claims it returns are not compared.
    AcceptsUnlikeKeyctl,
    /// Refuses with this error kind.
    Refuses(&'static str),
}

/// What jsonwebtoken makes of each vector. Every vector must be listed: a new one fails here
/// until someone says what jsonwebtoken should make of it.
fn expected(vector: &Vector) -> Expected {
    use Expected::*;
    match vector.name.as_str() {
        _ if vector.code == "valid" => Accepts,
        "tampered_payload" | "tampered_signature" | "trusted_kid_signed_by_other_key" => {
            Refuses("InvalidSignature")
        }
        // With the PEM there is no kid to look up: the signature is what fails.
        "untrusted_kid" => Refuses("InvalidSignature"),
        // Its `Algorithm` has no `none`, so the header does not even parse.
        "alg_none" => Refuses("Json"),
        "hs256_keyed_with_raw_public_key" | "hs256_keyed_with_public_key_pem" => {
            Refuses("InvalidAlgorithm")
        }
        "expired" | "expired_one_second_past_leeway" => Refuses("ExpiredSignature"),
        "not_yet_valid" | "not_yet_valid_one_second_before_leeway" => Refuses("ImmatureSignature"),
        // jsonwebtoken splits at the last two dots: the "header" is then not base64url.
        "two_parts" => Refuses("InvalidToken"),
        "payload_base64_with_nonzero_unused_bits" | "payload_base64_with_padding" => {
            Refuses("Base64")
        }
        // Its header is a serde struct, which refuses a repeated member as keyctl does.
        "duplicate_header_member" => Refuses("Json"),
        // It reads `sub` (with `exp`, `nbf`, `iss`, `aud`) into a struct to validate it, which
        // refuses the repeat too. (A repeated claim it does not validate would pass, since
        // serde_json keeps the last one in a `Value`.)
        "duplicate_claim" => Refuses("Json"),

        // Where the two differ, and why that is keyctl's design rather than a bug:
        //
        // Products, domains and machines are keyctl's claims; a JWT library verifies the
        // signature and the times, and leaves the scope to the application.
        "wrong_product"
        | "wrong_domain"
        | "wildcard_excludes_its_base_domain"
        | "domain_license_without_domain"
        | "native_license_with_domain" => Accepts,
        // The 8 KiB bound is keyctl's own, so that no input can make a verifier decode
        // megabytes; jsonwebtoken has no size limit.
        "oversized" => AcceptsUnlikeKeyctl,
        // RFC 7515 §4.1.11 says a recipient must reject a `crit` it does not understand;
        // jsonwebtoken parses `crit` but does not act on it.
        "crit_header" => AcceptsUnlikeKeyctl,
        // The claims are deserialized into whatever type the caller asks for (here any JSON),
        // and jsonwebtoken checks only `exp` and `nbf`; keyctl's claim types are strict, so
        // a float `iat` is malformed.
        "non_integer_iat" => AcceptsUnlikeKeyctl,
        name => panic!("say in jsonwebtoken.rs what jsonwebtoken makes of vector `{name}`"),
    }
}

/// jsonwebtoken with the clock moved to the vector's `now`.
///
/// jsonwebtoken reads the system clock and takes no `now`. Its tests are, with its leeway
/// `l` and `r` = `reject_tokens_expiring_in_less_than`: expired when `exp - r < clock - l`,
/// not yet valid when `nbf > clock + l`. keyctl's, at `now` with leeway `L`: expired when
/// `exp < now - L`, not yet valid when `nbf > now + L`. With `l = now + L - clock` and
/// `r = 2 (now - clock)` they are the same inequalities, so the leeway edges carry over to the
/// second. That needs `now` ahead of the clock: the vectors are set in 2060.
fn decode_at(vector: &Vector, key: &DecodingKey) -> Outcome {
    loop {
        let clock = i64::try_from(jsonwebtoken::get_current_timestamp()).expect("a sane clock");
        // jsonwebtoken computes in unsigned integers: `l` and `r` must not be negative (now
        // ahead of the clock), nor may `clock - l` (now less than twice the clock).
        assert!(
            clock < vector.now - vector.leeway && vector.now + vector.leeway < 2 * clock,
            "vector {}: jsonwebtoken, which reads the clock, can only be set to a time between \
             the clock and twice the clock; move T0 in vectors.rs into that range",
            vector.name
        );
        let mut validation =
            validation(u64::try_from(vector.now + vector.leeway - clock).expect("now is ahead"));
        validation.reject_tokens_expiring_in_less_than =
            u64::try_from(2 * (vector.now - clock)).expect("now is ahead");
        let outcome = decode(&vector.token, key, &validation);
        // A second that ticked during the call would shift the edges by one: ask again.
        if jsonwebtoken::get_current_timestamp() == clock as u64 {
            return outcome;
        }
    }
}

/// The JWKS route, as a jsonwebtoken user writes it: the key whose `kid` the header names.
fn decode_with_jwks(vector: &Vector, jwks: &JwkSet) -> Outcome {
    let header = jsonwebtoken::decode_header(&vector.token).map_err(|err| kind_name(&err))?;
    let Some(jwk) = header.kid.as_deref().and_then(|kid| jwks.find(kid)) else {
        return Err("NoTrustedKey".into());
    };
    let key = DecodingKey::from_jwk(jwk).expect("the vector file's JWK");
    decode_at(vector, &key)
}

#[test]
fn jsonwebtoken_agrees_with_the_shared_vectors() {
    install_provider();
    let file = read_vector_file();
    let pem = from_pem(&file.keys.pem);
    let jwks: JwkSet = serde_json::from_str(&file.keys.jwks).expect("the file's JWKS");
    for vector in &file.vectors {
        let with_pem = decode_at(vector, &pem);
        let with_jwks = decode_with_jwks(vector, &jwks);
        match expected(vector) {
            Expected::Accepts => {
                assert!(
                    matches!(vector.code.as_str(), "valid" | "scope_mismatch"),
                    "{}",
                    vector.name
                );
                let license = vector.license.clone().expect("verified claims");
                assert_eq!(with_pem, Ok(license.clone()), "{} (PEM)", vector.name);
                assert_eq!(with_jwks, Ok(license), "{} (JWKS)", vector.name);
            }
            Expected::AcceptsUnlikeKeyctl => {
                assert_eq!(vector.code, "malformed", "{}", vector.name);
                assert!(with_pem.is_ok(), "{}: {with_pem:?} (PEM)", vector.name);
                assert!(with_jwks.is_ok(), "{}: {with_jwks:?} (JWKS)", vector.name);
            }
            Expected::Refuses(kind) => {
                assert_ne!(vector.code, "valid", "{}", vector.name);
                assert_eq!(with_pem, Err(kind.to_owned()), "{} (PEM)", vector.name);
                // Looking the key up by kid refuses an untrusted kid before any signature.
                let by_kid = match vector.name.as_str() {
                    "untrusted_kid" => "NoTrustedKey",
                    _ => kind,
                };
                assert_eq!(with_jwks, Err(by_kid.to_owned()), "{} (JWKS)", vector.name);
            }
        }
    }
}
