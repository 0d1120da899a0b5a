//! Issuing a license: validating the request, signing the JWT, minting its short key and
//! signer secret.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use std::sync::atomic::{AtomicU32, Ordering};

use ed25519_dalek::{Signer, SigningKey};
use rand_core::CryptoRngCore;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::{ids, Claims, ShortKey, MAX_JWT_LEN};
use crate::error::{Error, Result};
use crate::keys::KeyPair;
use crate::status_list::{StatusClaim, StatusReference};
use crate::time::Timestamp;

/// Upper bounds on individual claims, so one license cannot approach the JWT size limit
/// by accident and a batch row cannot smuggle in megabytes.
const MAX_TEXT_LEN: usize = 256;
const MAX_LIST_LEN: usize = 64;

/// What the vendor asks for; [`Issuer::issue`] validates it.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct IssueRequest {
    /// Customer name, e-mail or id (`sub`).
    pub licensee: String,
    /// Product ids (`products`), at least one.
    pub products: Vec<String>,
    /// Expiry (`exp`); `None` is perpetual.
    pub expires: Option<Timestamp>,
    /// Start of validity (`nbf`).
    pub not_before: Option<Timestamp>,
    /// Seats (`max_activations`): positive, or -1 for unlimited.
    pub max_activations: Option<i64>,
    /// Hosts (`domains`), exact or `*.example.com`.
    pub domains: Vec<String>,
    /// Entitlements (`features`).
    pub features: Vec<String>,
    /// Vendor data (`meta`).
    pub meta: Option<Map<String, Value>>,
    /// The license's entry in the store's status list (`status`), if the store keeps one.
    pub status: Option<StatusReference>,
}

/// A freshly issued license with everything the licensee must be handed.
#[derive(Clone, Debug)]
pub struct IssuedLicense {
    /// The signed claims.
    pub claims: Claims,
    /// The compact JWT.
    pub jwt: String,
    /// The short key people type.
    pub short_key: ShortKey,
    /// The per-license signer secret (`ks1_…`).
    pub signer_secret: Zeroizing<String>,
}

/// Signs licenses with one key under one issuer name. Build it once per batch: it holds the
/// expanded signing key and the encoded header, so each license costs one claims encoding
/// and one Ed25519 signature.
///
/// The JWS is assembled here with ed25519-dalek: the header is always
/// `{"typ":"JWT","alg":"EdDSA","kid":"<kid>"}`, the claims are serialized once, and Ed25519
/// is deterministic. The output is byte-for-byte what a JWT library would produce for the
/// same header and claims (a unit test holds it to `jsonwebtoken::encode`).
pub struct Issuer {
    iss: String,
    header_b64: String,
    key: SigningKey,
    /// Orders the ids of one batch (see [`ids::new_license_id`]).
    sequence: AtomicU32,
}

impl Issuer {
    /// An issuer named `iss` signing with `key`, its ids starting at a random sequence
    /// number from the operating system's generator.
    #[cfg(feature = "getrandom")]
    pub fn new(iss: &str, key: &KeyPair) -> Self {
        Self::with_rng(iss, key, &mut rand_core::OsRng)
    }

    /// An issuer named `iss` signing with `key`, its ids starting at a sequence number drawn
    /// from `rng`.
    pub fn with_rng(iss: &str, key: &KeyPair, rng: &mut impl CryptoRngCore) -> Self {
        // A kid is base64url, which needs no JSON escaping.
        let header_json = format!(r#"{{"typ":"JWT","alg":"EdDSA","kid":"{}"}}"#, key.kid());
        Issuer {
            iss: iss.to_owned(),
            header_b64: B64URL.encode(header_json),
            key: key.signing_key().clone(),
            // A random start keeps single ids random-looking; a batch counts up from it,
            // with room for billions of licenses before it could wrap.
            sequence: AtomicU32::new(rng.next_u32() >> 8),
        }
    }

    fn sign(&self, claims: &Claims) -> String {
        let payload = serde_json::to_vec(claims).expect("claims serialize");
        let mut jwt = String::with_capacity(self.header_b64.len() + payload.len() * 4 / 3 + 92);
        jwt.push_str(&self.header_b64);
        jwt.push('.');
        B64URL.encode_string(&payload, &mut jwt);
        let signature = self.key.sign(jwt.as_bytes());
        jwt.push('.');
        B64URL.encode_string(signature.to_bytes(), &mut jwt);
        jwt
    }

    /// Validates `request`, then signs a license with a new id issued at `now`, its random
    /// parts (id, short key, signer secret) from the operating system's generator.
    #[cfg(feature = "getrandom")]
    pub fn issue(
        &self,
        request: &IssueRequest,
        now: Timestamp,
        now_millis: u64,
    ) -> Result<IssuedLicense> {
        self.issue_with(&mut rand_core::OsRng, request, now, now_millis)
    }

    /// Validates `request`, then signs a license with a new id issued at `now` (`now_millis`
    /// orders the ids), its random parts drawn from `rng`.
    pub fn issue_with(
        &self,
        rng: &mut impl CryptoRngCore,
        request: &IssueRequest,
        now: Timestamp,
        now_millis: u64,
    ) -> Result<IssuedLicense> {
        validate(request, now)?;
        let claims = Claims {
            iss: self.iss.clone(),
            sub: request.licensee.clone(),
            jti: ids::new_license_id(
                rng,
                now_millis,
                self.sequence.fetch_add(1, Ordering::Relaxed),
            ),
            iat: now,
            nbf: request.not_before,
            exp: request.expires,
            products: request.products.clone(),
            domains: request
                .domains
                .iter()
                .map(|d| d.to_ascii_lowercase())
                .collect(),
            max_activations: request.max_activations,
            features: request.features.clone(),
            meta: request.meta.clone(),
            status: request
                .status
                .clone()
                .map(|status_list| StatusClaim { status_list }),
        };
        let jwt = self.sign(&claims);
        if jwt.len() > MAX_JWT_LEN {
            return Err(Error::invalid(
                "license",
                format!(
                    "the signed JWT would be {} bytes; the limit is {MAX_JWT_LEN} (shrink --meta)",
                    jwt.len()
                ),
            ));
        }
        Ok(IssuedLicense {
            claims,
            jwt,
            short_key: ShortKey::random(rng),
            signer_secret: ids::new_signer_secret(rng),
        })
    }
}

/// Signs one license; see [`Issuer`] for many.
#[cfg(feature = "getrandom")]
pub fn issue(
    iss: &str,
    key: &KeyPair,
    request: &IssueRequest,
    now: Timestamp,
) -> Result<IssuedLicense> {
    let millis = u64::try_from(now).unwrap_or(0) * 1000;
    Issuer::new(iss, key).issue(request, now, millis)
}

/// Checks every field of a request, to be issued at `now`, against the license format and
/// keyctl's bounds, and refuses what no one could mean: a license expired when issued, one
/// that expires before it starts, a domain pattern covering a whole public suffix.
pub fn validate(request: &IssueRequest, now: Timestamp) -> Result<()> {
    check_text("licensee", &request.licensee)?;
    if request.products.is_empty() {
        return Err(Error::invalid(
            "products",
            "a license needs at least one product",
        ));
    }
    check_list("products", &request.products)?;
    for product in &request.products {
        check_product_id(product)?;
    }
    check_list("features", &request.features)?;
    for feature in &request.features {
        check_text("feature", feature)?;
    }
    check_list("domains", &request.domains)?;
    for domain in &request.domains {
        check_domain_pattern(domain)?;
    }
    match request.max_activations {
        Some(n) if n == 0 || n < -1 => {
            return Err(Error::invalid(
                "activations",
                format!("{n} is not a positive number or -1 (unlimited)"),
            ))
        }
        _ => {}
    }
    if let Some(status) = &request.status {
        status.validate()?;
    }
    if let Some(exp) = request.expires.filter(|exp| *exp <= now) {
        return Err(Error::invalid(
            "expires",
            format!(
                "{} is not in the future; the license would be expired when issued",
                crate::time::rfc3339(exp)
            ),
        ));
    }
    if let (Some(nbf), Some(exp)) = (request.not_before, request.expires) {
        if exp <= nbf {
            return Err(Error::invalid(
                "expires",
                "the license would expire before it becomes valid",
            ));
        }
    }
    Ok(())
}

fn check_text(what: &str, text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::invalid(what, "must not be empty"));
    }
    if text.len() > MAX_TEXT_LEN {
        return Err(Error::invalid(
            what,
            format!("is {} bytes; at most {MAX_TEXT_LEN}", text.len()),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(Error::invalid(what, "must not contain control characters"));
    }
    Ok(())
}

fn check_list(what: &str, list: &[String]) -> Result<()> {
    if list.len() > MAX_LIST_LEN {
        return Err(Error::invalid(
            what,
            format!("{} entries; at most {MAX_LIST_LEN}", list.len()),
        ));
    }
    Ok(())
}

/// Product ids: 1–64 of `[A-Za-z0-9_.-]`, so they are safe in URLs, CSV and shells.
pub fn check_product_id(id: &str) -> Result<()> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "product",
            format!("`{id}` is not a product id (1-64 of A-Z a-z 0-9 _ . -)"),
        ))
    }
}

/// A host name, or `*.` followed by one: labels of letters, digits and hyphens.
fn check_domain_pattern(pattern: &str) -> Result<()> {
    let host = pattern.strip_prefix("*.").unwrap_or(pattern);
    let ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if !ok {
        return Err(Error::invalid(
            "domain",
            format!("`{pattern}` is not a host name or *.host pattern"),
        ));
    }
    // A public suffix (`com`, `co.uk`, `github.io`) is where other people register their
    // domains: `*.co.uk` would match every British company, and `co.uk` is no one's host.
    let host = host.to_ascii_lowercase();
    if psl::suffix(host.as_bytes())
        .is_some_and(|s| s.is_known() && s.as_bytes().len() == host.len())
    {
        let reason = if pattern.starts_with("*.") {
            format!("`{pattern}` would match every domain under the public suffix `{host}`; name your own domain, as in `*.example.{host}`")
        } else {
            format!("`{pattern}` is a public suffix, not a host; name your own domain, as in `example.{host}`")
        };
        return Err(Error::invalid("domain", reason));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> IssueRequest {
        IssueRequest {
            licensee: "alice".into(),
            products: vec!["player".into()],
            ..Default::default()
        }
    }

    #[test]
    fn rejects_bad_requests_with_the_field_named() {
        let cases: Vec<(IssueRequest, &str)> = vec![
            (
                IssueRequest {
                    licensee: " ".into(),
                    ..request()
                },
                "licensee: must not be empty",
            ),
            (
                IssueRequest {
                    products: vec![],
                    ..request()
                },
                "products: a license needs at least one product",
            ),
            (
                IssueRequest {
                    products: vec!["a b".into()],
                    ..request()
                },
                "product: `a b` is not a product id (1-64 of A-Z a-z 0-9 _ . -)",
            ),
            (
                IssueRequest {
                    max_activations: Some(0),
                    ..request()
                },
                "activations: 0 is not a positive number or -1 (unlimited)",
            ),
            (
                IssueRequest {
                    domains: vec!["ex ample.com".into()],
                    ..request()
                },
                "domain: `ex ample.com` is not a host name or *.host pattern",
            ),
            (
                IssueRequest {
                    domains: vec!["a.*.com".into()],
                    ..request()
                },
                "domain: `a.*.com` is not a host name or *.host pattern",
            ),
            (
                IssueRequest {
                    expires: Some(10),
                    not_before: Some(20),
                    ..request()
                },
                "expires: the license would expire before it becomes valid",
            ),
        ];
        for (req, message) in cases {
            assert_eq!(validate(&req, 0).unwrap_err().to_string(), message);
        }
        assert!(validate(
            &IssueRequest {
                domains: vec!["*.Example.com".into()],
                ..request()
            },
            0
        )
        .is_ok());
    }

    #[test]
    fn an_expiry_not_after_now_is_refused() {
        let now = 1_795_000_000;
        let expiring = |exp| IssueRequest {
            expires: Some(exp),
            ..request()
        };
        for exp in [now - 1, now] {
            assert_eq!(
                validate(&expiring(exp), now).unwrap_err().to_string(),
                format!(
                    "expires: {} is not in the future; the license would be expired when issued",
                    crate::time::rfc3339(exp)
                )
            );
        }
        assert!(validate(&expiring(now + 1), now).is_ok());
    }

    #[test]
    fn public_suffixes_are_not_domains() {
        let with_domain = |domain: &str| IssueRequest {
            domains: vec![domain.into()],
            ..request()
        };
        for suffix in ["com", "co.uk", "github.io", "CO.UK"] {
            let host = suffix.to_ascii_lowercase();
            assert_eq!(
                validate(&with_domain(&format!("*.{suffix}")), 0).unwrap_err().to_string(),
                format!("domain: `*.{suffix}` would match every domain under the public suffix `{host}`; name your own domain, as in `*.example.{host}`")
            );
            assert_eq!(
                validate(&with_domain(suffix), 0).unwrap_err().to_string(),
                format!("domain: `{suffix}` is a public suffix, not a host; name your own domain, as in `example.{host}`")
            );
        }
        for fine in [
            "*.example.co.uk",
            "example.com",
            "*.app.github.io",
            "*.internal",
            "localhost",
        ] {
            assert!(validate(&with_domain(fine), 0).is_ok(), "{fine}");
        }
    }

    #[test]
    fn tokens_are_byte_identical_to_jsonwebtokens() {
        use jsonwebtoken::{Algorithm, Header};
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let key = KeyPair::from_seed(&[9; 32]);
        let mut meta = Map::new();
        meta.insert("tier".into(), Value::String("gold ✓".into()));
        let req = IssueRequest {
            expires: Some(1_900_000_000),
            domains: vec!["*.Example.com".into()],
            features: vec!["pro".into()],
            max_activations: Some(3),
            meta: Some(meta),
            ..request()
        };
        let issued = issue("Vendor", &key, &req, 1_795_000_000).unwrap();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid().to_owned());
        let encoding_key = jsonwebtoken::EncodingKey::from_ed_der(&key.to_pkcs8_der());
        let expected = jsonwebtoken::encode(&header, &issued.claims, &encoding_key).unwrap();
        assert_eq!(issued.jwt, expected);
    }

    #[test]
    fn a_status_reference_becomes_the_status_claim() {
        let key = KeyPair::from_seed(&[9; 32]);
        let req = IssueRequest {
            status: Some(StatusReference {
                idx: 42,
                uri: "/v1/status-list".into(),
            }),
            ..request()
        };
        let issued = issue("Vendor", &key, &req, 1_795_000_000).unwrap();
        let payload = issued.jwt.split('.').nth(1).unwrap();
        let claims: Value = serde_json::from_slice(&B64URL.decode(payload).unwrap()).unwrap();
        assert_eq!(
            claims["status"],
            serde_json::json!({"status_list": {"idx": 42, "uri": "/v1/status-list"}})
        );
        let trusted = crate::keys::TrustedKeys::new(vec![key.public()]);
        let ctx = crate::license::Context {
            product: "player",
            domain: None,
            machine: None,
            now: 1_795_000_000,
            leeway: 60,
        };
        let verdict = crate::license::verify(&issued.jwt, &trusted, &ctx, None);
        assert!(verdict.is_valid(), "{}", verdict.reason);
        assert_eq!(verdict.claims.unwrap().status, issued.claims.status);
        let empty_uri = IssueRequest {
            status: Some(StatusReference {
                idx: 0,
                uri: String::new(),
            }),
            ..request()
        };
        assert_eq!(
            validate(&empty_uri, 0).unwrap_err().to_string(),
            "status URI: must be 1-256 bytes without control characters"
        );
    }

    #[test]
    fn oversized_meta_is_refused() {
        let mut meta = Map::new();
        meta.insert("blob".into(), Value::String("x".repeat(9000)));
        let req = IssueRequest {
            meta: Some(meta),
            ..request()
        };
        let err = issue("Vendor", &KeyPair::generate(), &req, 1_795_000_000).unwrap_err();
        assert!(err.to_string().contains("the limit is 8192"), "{err}");
    }
}
