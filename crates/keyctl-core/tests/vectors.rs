//! The shared license vectors, `tests/vectors/licenses.json`: tokens made by hand from the
//! fixture keys, each with the context it is verified in and the verdict it must get, so the
//! CLI, the core and the wasm build cannot drift apart.
//!
//! With `KEYCTL_REGENERATE=1` the test rewrites the file; otherwise it regenerates it in
//! memory and fails when the committed file differs. Every token is deterministic (fixed
//! claims, Ed25519 signatures, HMAC), so the file regenerates byte for byte. Each case's
//! `code` is set here, by construction; its `error` and `license` are what verification
//! says, and generation fails when verification disagrees with the code.

mod offline;
mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use hmac::{Hmac, Mac as _};
use keyctl_core::keys::{self, KeyPair, PublicKey, TrustedKeys};
use keyctl_core::license::{self, Context, Outcome, Verdict, MAX_JWT_LEN};
use serde_json::{json, Value};
use sha2::Sha256;

use support::{fixture_key, read_vector_file, vector_file_path, workspace_path};
use support::{Vector, VectorFile, VectorKeys};

/// 2060-01-01T00:00:00Z: the `iat` of the vectors and the base of their `now`. Far enough in
/// the future that `jsonwebtoken.rs` can still map its own clock onto the vectors' times.
const T0: i64 = 2_840_140_800;
const DAY: i64 = 86_400;
const LEEWAY: i64 = 60;

const DESCRIPTION: &str = "Shared license vectors of keyctl: license JWTs made from the \
fixed test keys in tests/fixtures/ (never trust them), each with the context it is verified \
in (product, domain or null for native use, now in Unix seconds, leeway in seconds) and the \
verdict keyctl gives it with the key in `keys` (a JWKS as JSON text, and the same key as an \
SPKI PEM): `code`, `error` (null when valid) and `license` (the verified claims, null before \
the signature has verified), exactly as `keyctl verify --json` prints them, without \
`revocation_checked`, which is false offline. The keyctl CLI, keyctl-core and the \
WebAssembly package all test against this file. It is generated: regenerate it with \
KEYCTL_REGENERATE=1 cargo test -p keyctl-core --test vectors, never edit it by hand.";

// ---- the cases ------------------------------------------------------------------------------

/// A vector before verification has filled in its `error` and `license`.
struct Case {
    name: &'static str,
    token: String,
    product: &'static str,
    domain: Option<&'static str>,
    now: i64,
    leeway: i64,
    code: Outcome,
}

impl Case {
    /// `token` verified for product `app`, natively, at [`T0`] with the default leeway, must
    /// get `code`.
    fn new(name: &'static str, token: &str, code: Outcome) -> Self {
        Case {
            name,
            token: token.to_owned(),
            product: "app",
            domain: None,
            now: T0,
            leeway: LEEWAY,
            code,
        }
    }

    fn product(self, product: &'static str) -> Self {
        Case { product, ..self }
    }

    fn domain(self, domain: &'static str) -> Self {
        Case {
            domain: Some(domain),
            ..self
        }
    }

    fn at(self, now: i64) -> Self {
        Case { now, ..self }
    }
}

/// Every case, in the file's order.
fn cases(vendor: &KeyPair, other: &KeyPair) -> Vec<Case> {
    use Outcome::*;
    let kid = vendor.kid();
    let vendor_header = header(kid);
    let signed = |claims: &Value| sign(vendor, &vendor_header, &json_text(claims));
    let native_claims = claims("lic_vector_native", json!({}));
    let native_text = json_text(&native_claims);
    let native_payload = b64(native_text.as_bytes());
    let native = signed(&native_claims);
    let all_claims = signed(&claims(
        "lic_vector_all_claims",
        json!({
            "sub": "Zoë Müller <zoë@example.com> ✓",
            "nbf": T0,
            "exp": T0 + 365 * DAY,
            "products": ["app", "web"],
            "max_activations": 3,
            "features": ["pro", "export"],
            "meta": {"tier": "gold", "seats": {"eu": 2, "us": 1}},
        }),
    ));
    let domains = signed(&claims(
        "lic_vector_domains",
        json!({"products": ["web"], "domains": ["shop.example.com", "*.example.org"]}),
    ));
    let expiring = signed(&claims(
        "lic_vector_expiring",
        json!({"iat": T0 - 30 * DAY, "exp": T0}),
    ));
    let future = signed(&claims("lic_vector_future", json!({"nbf": T0 + DAY})));
    let widened = json_text(&claims(
        "lic_vector_native",
        json!({"products": ["app", "web"]}),
    ));
    // A parser that keeps the first `alg` sees `none`, one that keeps the last sees `EdDSA`.
    let duplicate_alg = format!(r#"{{"typ":"JWT","alg":"none","kid":"{kid}","alg":"EdDSA"}}"#);
    let duplicate_sub = format!(
        r#"{{"iss":"Acme Corp","sub":"alice","sub":"mallory","jti":"lic_vector_native","iat":{T0},"products":["app"]}}"#
    );
    let crit = format!(
        r#"{{"typ":"JWT","alg":"EdDSA","kid":"{kid}","crit":["urn:example:policy"],"urn:example:policy":"strict"}}"#
    );
    let alg_none = format!(r#"{{"typ":"JWT","alg":"none","kid":"{kid}"}}"#);
    let public_key = vendor.public();
    let with_status = signed(&claims(
        "lic_vector_status",
        json!({"status": {"status_list": {"idx": 7, "uri": "https://licenses.example.com/v1/status-list"}}}),
    ));

    vec![
        Case::new("valid_native", &native, Valid),
        // Without a status list, a license's status claim changes nothing.
        Case::new("valid_with_status_claim", &with_status, Valid),
        Case::new("valid_all_claims", &all_claims, Valid)
            .product("web")
            .at(T0 + DAY),
        Case::new("valid_domain_exact", &domains, Valid)
            .product("web")
            .domain("shop.example.com"),
        Case::new("valid_domain_wildcard_subdomain", &domains, Valid)
            .product("web")
            .domain("a.b.example.org"),
        Case::new("valid_domain_case_and_trailing_dot", &domains, Valid)
            .product("web")
            .domain("Shop.EXAMPLE.com."),
        Case::new("valid_at_size_limit", &sized(vendor, MAX_JWT_LEN), Valid),
        Case::new(
            "tampered_payload",
            &replace_part(&native, 1, &b64(widened.as_bytes())),
            BadSignature,
        ),
        Case::new(
            "tampered_signature",
            &flip_signature_bit(&native),
            BadSignature,
        ),
        Case::new(
            "alg_none",
            &jws(&alg_none, &native_text, |_| Vec::new()),
            Malformed,
        ),
        Case::new(
            "hs256_keyed_with_raw_public_key",
            &hs256(kid, public_key.verifying_key().as_bytes(), &native_text),
            Malformed,
        ),
        Case::new(
            "hs256_keyed_with_public_key_pem",
            &hs256(kid, public_key.to_spki_pem().as_bytes(), &native_text),
            Malformed,
        ),
        Case::new(
            "untrusted_kid",
            &sign(other, &header(other.kid()), &native_text),
            BadSignature,
        ),
        Case::new(
            "trusted_kid_signed_by_other_key",
            &sign(other, &vendor_header, &native_text),
            BadSignature,
        ),
        Case::new("expired", &expiring, Expired).at(T0 + DAY),
        Case::new("expired_at_exp_plus_leeway_is_valid", &expiring, Valid).at(T0 + LEEWAY),
        Case::new("expired_one_second_past_leeway", &expiring, Expired).at(T0 + LEEWAY + 1),
        Case::new("not_yet_valid", &future, NotYetValid),
        Case::new("not_yet_valid_at_nbf_minus_leeway_is_valid", &future, Valid)
            .at(T0 + DAY - LEEWAY),
        Case::new(
            "not_yet_valid_one_second_before_leeway",
            &future,
            NotYetValid,
        )
        .at(T0 + DAY - LEEWAY - 1),
        Case::new("wrong_product", &native, ScopeMismatch).product("web"),
        Case::new("wrong_domain", &domains, ScopeMismatch)
            .product("web")
            .domain("shop.example.net"),
        Case::new("wildcard_excludes_its_base_domain", &domains, ScopeMismatch)
            .product("web")
            .domain("example.org"),
        Case::new("domain_license_without_domain", &domains, ScopeMismatch).product("web"),
        Case::new("native_license_with_domain", &native, ScopeMismatch).domain("example.com"),
        Case::new("oversized", &sized(vendor, MAX_JWT_LEN + 1), Malformed),
        Case::new(
            "two_parts",
            native.rsplit_once('.').expect("3 parts").0,
            Malformed,
        ),
        Case::new(
            "payload_base64_with_nonzero_unused_bits",
            &sign_encoded(
                vendor,
                &vendor_header,
                &with_unused_bit_set(&native_payload),
            ),
            Malformed,
        ),
        Case::new(
            "payload_base64_with_padding",
            &sign_encoded(vendor, &vendor_header, &with_padding(&native_payload)),
            Malformed,
        ),
        Case::new(
            "duplicate_header_member",
            &sign(vendor, &duplicate_alg, &native_text),
            Malformed,
        ),
        Case::new(
            "duplicate_claim",
            &sign(vendor, &vendor_header, &duplicate_sub),
            Malformed,
        ),
        Case::new("crit_header", &sign(vendor, &crit, &native_text), Malformed),
        Case::new(
            "non_integer_iat",
            &signed(&claims(
                "lic_vector_native",
                json!({"iat": T0 as f64 + 0.5}),
            )),
            Malformed,
        ),
    ]
}

// ---- tokens by hand -------------------------------------------------------------------------

/// Claims for product `app` to `alice`, issued at [`T0`], with `changes` merged in.
fn claims(jti: &str, changes: Value) -> Value {
    let mut claims = json!({
        "iss": "Acme Corp",
        "sub": "alice",
        "jti": jti,
        "iat": T0,
        "products": ["app"],
    });
    for (name, value) in changes.as_object().expect("changes are an object") {
        claims[name] = value.clone();
    }
    claims
}

/// The header keyctl writes, member for member.
fn header(kid: &str) -> String {
    format!(r#"{{"typ":"JWT","alg":"EdDSA","kid":"{kid}"}}"#)
}

/// JSON text with object members sorted by name, whether or not serde_json's
/// `preserve_order` feature is on (another workspace member may turn it on for everyone),
/// so the file regenerates byte for byte.
fn json_text(value: &Value) -> String {
    sorted(value).to_string()
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(members) => {
            let mut members: Vec<_> = members.iter().collect();
            members.sort_by_key(|(name, _)| *name);
            Value::Object(
                members
                    .into_iter()
                    .map(|(name, value)| (name.clone(), sorted(value)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

fn b64(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

/// A compact JWS of header and payload JSON text, with `sign` over the signing input.
fn jws(header: &str, payload: &str, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    jws_encoded(&b64(header.as_bytes()), &b64(payload.as_bytes()), sign)
}

/// A compact JWS of parts already encoded (possibly badly), with `sign` over them.
fn jws_encoded(header: &str, payload: &str, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!("{header}.{payload}");
    let signature = sign(input.as_bytes());
    format!("{input}.{}", b64(&signature))
}

fn ed25519(key: &KeyPair) -> impl FnOnce(&[u8]) -> Vec<u8> + '_ {
    |input| key.signing_key().sign(input).to_bytes().to_vec()
}

/// `header` and `payload` (JSON text) signed by `key`, whatever the header's `kid` says.
fn sign(key: &KeyPair, header: &str, payload: &str) -> String {
    jws(header, payload, ed25519(key))
}

/// `header` and an already-encoded `payload` signed by `key`: the signature is good, so only
/// the encoding is at issue.
fn sign_encoded(key: &KeyPair, header: &str, payload: &str) -> String {
    jws_encoded(&b64(header.as_bytes()), payload, ed25519(key))
}

/// The algorithm-confusion attack: an HS256 token under the vendor's `kid`, keyed with
/// something public (the raw public key, or its PEM text).
fn hs256(kid: &str, secret: &[u8], payload: &str) -> String {
    let header = format!(r#"{{"typ":"JWT","alg":"HS256","kid":"{kid}"}}"#);
    jws(&header, payload, |input| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(input);
        mac.finalize().into_bytes().to_vec()
    })
}

/// `token` with part `index` replaced by `part`.
fn replace_part(token: &str, index: usize, part: &str) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[index] = part;
    parts.join(".")
}

/// `token` with the lowest bit of its signature's first byte flipped.
fn flip_signature_bit(token: &str) -> String {
    let signature = token.rsplit('.').next().expect("a signature part");
    let mut bytes = B64URL
        .decode(signature)
        .expect("the signature is base64url");
    bytes[0] ^= 1;
    replace_part(token, 2, &b64(&bytes))
}

/// `encoded` with an unused low bit of its last character set: it still decodes to the same
/// bytes under a lenient decoder, but it is not the canonical encoding.
fn with_unused_bit_set(encoded: &str) -> String {
    assert_ne!(
        encoded.len() % 4,
        0,
        "the payload's length must not be a multiple of 3 bytes, or its last character has no \
         unused bits: change the claims"
    );
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (head, last) = encoded.split_at(encoded.len() - 1);
    let index = ALPHABET
        .iter()
        .position(|&c| c == last.as_bytes()[0])
        .expect("base64url");
    // Canonical encodings leave the unused bits zero; the lowest bit is unused whether the
    // last character carries 2 or 4 bits of data.
    format!("{head}{}", ALPHABET[index | 1] as char)
}

/// `encoded` with the `=` padding that base64url without padding leaves out.
fn with_padding(encoded: &str) -> String {
    let missing = (4 - encoded.len() % 4) % 4;
    assert_ne!(
        missing, 0,
        "the payload needs no padding: change the claims"
    );
    format!("{encoded}{}", "=".repeat(missing))
}

/// A well-formed license signed by `vendor`, exactly `len` bytes long, padded by `meta`.
fn sized(vendor: &KeyPair, len: usize) -> String {
    let header = header(vendor.kid());
    let with_padding = |padding: usize| {
        claims(
            "lic_vector_large",
            json!({"meta": {"padding": "x".repeat(padding)}}),
        )
    };
    let unpadded = json_text(&with_padding(0)).len();
    // Header, two dots and a 64-byte signature; the payload takes the rest.
    let fixed = b64(header.as_bytes()).len() + 2 + b64(&[0; 64]).len();
    let payload_len = (unpadded..len)
        .find(|&n| base64::encoded_len(n, false) == Some(len - fixed))
        .unwrap_or_else(|| panic!("no payload encodes to {} characters", len - fixed));
    let token = sign(
        vendor,
        &header,
        &json_text(&with_padding(payload_len - unpadded)),
    );
    assert_eq!(token.len(), len);
    token
}

// ---- the file -------------------------------------------------------------------------------

/// The verdict's JSON as `keyctl verify --json` prints it, without `valid` (implied by
/// `code`) and `revocation_checked` (false offline): `src/output.rs` `verdict_json`.
fn verdict_json(verdict: &Verdict) -> (String, Option<String>, Option<Value>) {
    let error = (!verdict.is_valid()).then(|| verdict.reason.clone());
    let license = verdict
        .claims
        .as_ref()
        .map(|claims| serde_json::to_value(claims).expect("claims serialize"));
    (verdict.outcome.code().to_owned(), error, license)
}

fn context(vector: &Vector) -> Context<'_> {
    Context {
        product: &vector.product,
        domain: vector.domain.as_deref(),
        machine: None,
        now: vector.now,
        leeway: vector.leeway,
    }
}

/// The vector file as it must be, from the fixture keys.
fn generate() -> VectorFile {
    let vendor = fixture_key("vendor");
    let other = fixture_key("other");
    let pem_path = workspace_path("tests/fixtures/vendor.pub.pem");
    let pem = std::fs::read_to_string(&pem_path).unwrap_or_else(|e| panic!("{pem_path}: {e}"));
    let trusted = TrustedKeys::new(vec![vendor.public()]);
    let vectors = cases(&vendor, &other)
        .into_iter()
        .map(|case| {
            let mut vector = Vector {
                name: case.name.to_owned(),
                token: case.token,
                product: case.product.to_owned(),
                domain: case.domain.map(str::to_owned),
                now: case.now,
                leeway: case.leeway,
                code: String::new(),
                error: None,
                license: None,
            };
            let verdict = license::verify(&vector.token, &trusted, &context(&vector), None);
            assert_eq!(
                verdict.outcome, case.code,
                "vector {}: verification says {:?} ({})",
                case.name, verdict.outcome, verdict.reason
            );
            let (code, error, license) = verdict_json(&verdict);
            vector.code = code;
            vector.error = error;
            vector.license = license.as_ref().map(sorted);
            vector
        })
        .collect();
    VectorFile {
        description: DESCRIPTION.to_owned(),
        keys: VectorKeys {
            jwks: json_text(&keys::jwks([&vendor.public()])),
            pem,
        },
        vectors,
    }
}

fn to_text(file: &VectorFile) -> String {
    serde_json::to_string_pretty(file).expect("the vector file serializes") + "\n"
}

/// Rewrites `path` with `generated` under `KEYCTL_REGENERATE`; otherwise fails when the
/// committed file differs.
fn check_current(path: &str, generated: &str) {
    if std::env::var_os("KEYCTL_REGENERATE").is_some() {
        // Write-then-rename: the other tests of this binary read the file concurrently.
        let temporary = format!("{path}.tmp");
        std::fs::write(&temporary, generated).expect("write the vector file");
        std::fs::rename(&temporary, path).expect("replace the vector file");
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or(
                committed.lines().count().min(generated.lines().count()),
                |i| i,
            )
            + 1;
        panic!(
            "{path} is stale (it first differs at line {line}); regenerate it with \
             KEYCTL_REGENERATE=1 cargo test -p keyctl-core --test vectors and commit it"
        );
    }
}

#[test]
fn committed_vectors_are_current() {
    check_current(&vector_file_path(), &to_text(&generate()));
}

#[test]
fn committed_offline_vectors_are_current() {
    let generated = serde_json::to_string_pretty(&offline::generate()).expect("serializes") + "\n";
    check_current(&offline::path(), &generated);
}

#[test]
fn offline_vectors_cover_every_offline_outcome() {
    let path = offline::path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file: Value = serde_json::from_str(&text).expect("JSON");
    let mut names: Vec<&str> = Vec::new();
    for member in ["machine_files", "license_checks"] {
        let cases = file[member].as_array().expect("cases");
        names.extend(
            cases
                .iter()
                .map(|case| case["name"].as_str().expect("a name")),
        );
        let mut codes: Vec<&str> = cases
            .iter()
            .map(|case| case["verdict"]["code"].as_str().expect("a code"))
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let mut expected: Vec<&str> = match member {
            "machine_files" => vec![
                "valid",
                "malformed",
                "bad_signature",
                "expired",
                "not_yet_valid",
                "scope_mismatch",
                "revoked",
                "status_unknown",
                "clock_rollback",
            ],
            _ => vec![
                "valid",
                "malformed",
                "revoked",
                "status_unknown",
                "clock_rollback",
            ],
        };
        expected.sort_unstable();
        assert_eq!(codes, expected, "{member}");
    }
    let count = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), count, "vector names repeat");
}

/// Checks every committed offline vector (machine files, request codes, status lists,
/// licenses with a list and a clock state) with the core.
#[test]
fn core_verification_gives_each_offline_vectors_verdict() {
    let path = offline::path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    offline::check_committed(&serde_json::from_str(&text).expect("JSON"));
}

/// Verifies every committed vector with the file's own keys, the JWKS and the PEM alike.
#[test]
fn core_verification_gives_each_vectors_verdict() {
    let file = read_vector_file();
    let from_jwks = PublicKey::parse_any(&file.keys.jwks, "keys.jwks").expect("a JWKS");
    let from_pem = PublicKey::parse_any(&file.keys.pem, "keys.pem").expect("a PEM");
    assert_eq!(
        from_jwks, from_pem,
        "the JWKS and the PEM hold the same key"
    );
    for (source, keys) in [("jwks", from_jwks), ("pem", from_pem)] {
        let trusted = TrustedKeys::new(keys);
        for vector in &file.vectors {
            let verdict = license::verify(&vector.token, &trusted, &context(vector), None);
            assert_eq!(
                verdict_json(&verdict),
                (
                    vector.code.clone(),
                    vector.error.clone(),
                    vector.license.clone()
                ),
                "vector {} with the {source} key",
                vector.name
            );
        }
    }
}

#[test]
fn vectors_have_unique_names_and_cover_every_offline_outcome() {
    let file = read_vector_file();
    let mut names: Vec<&str> = file.vectors.iter().map(|v| v.name.as_str()).collect();
    names.sort_unstable();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "vector names repeat");
    let mut codes: Vec<&str> = file.vectors.iter().map(|v| v.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut offline: Vec<&str> = [
        Outcome::Valid,
        Outcome::Malformed,
        Outcome::BadSignature,
        Outcome::Expired,
        Outcome::NotYetValid,
        Outcome::ScopeMismatch,
    ]
    .map(Outcome::code)
    .to_vec();
    offline.sort_unstable();
    assert_eq!(codes, offline);
}
