//! Ed25519 key pairs: generation, PKCS#8 / SPKI PEM, JWK and JWKS, and RFC 7638 key ids.
//!
//! Private keys are written as PKCS#8 **v1** (no embedded public key): the v2 form
//! that ed25519-dalek writes by default is refused by OpenSSL 3.0 and by Python's
//! `cryptography`, and interoperability is the point of exporting a key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, KeypairBytes};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Length of an Ed25519 public or secret key in bytes.
pub const KEY_LEN: usize = 32;

/// An Ed25519 signing key with its key id. The secret is zeroized on drop
/// (ed25519-dalek's `zeroize` feature) and never shown by `Debug`.
#[derive(Clone)]
pub struct KeyPair {
    signing: SigningKey,
    kid: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// A fresh key from the operating system's random number generator.
    #[cfg(feature = "getrandom")]
    pub fn generate() -> Self {
        Self::random(&mut rand_core::OsRng)
    }

    /// A fresh key from `rng`.
    pub fn random(rng: &mut impl rand_core::CryptoRngCore) -> Self {
        Self::from_signing_key(SigningKey::generate(rng))
    }

    /// The key whose 32-byte secret seed is `seed`.
    pub fn from_seed(seed: &[u8; KEY_LEN]) -> Self {
        Self::from_signing_key(SigningKey::from_bytes(seed))
    }

    fn from_signing_key(signing: SigningKey) -> Self {
        let kid = thumbprint(&signing.verifying_key());
        KeyPair { signing, kid }
    }

    /// Reads a PKCS#8 PEM Ed25519 private key, v1 or v2 (a v2 public key must match).
    /// `what` names the input in error messages; the key material never appears there.
    pub fn from_pkcs8_pem(pem: &str, what: &str) -> Result<Self> {
        SigningKey::from_pkcs8_pem(pem.trim())
            .map(Self::from_signing_key)
            .map_err(|err| Error::BadKey {
                what: what.into(),
                reason: format!("not a PKCS#8 PEM Ed25519 private key ({err})"),
            })
    }

    /// The key id: the RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The 32-byte secret seed, for the store.
    pub fn seed(&self) -> Zeroizing<[u8; KEY_LEN]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            verifying: self.signing.verifying_key(),
            kid: self.kid.clone(),
        }
    }

    /// The underlying ed25519-dalek key, for signing without the JWT library.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// PKCS#8 v1 DER, which jsonwebtoken's `EncodingKey::from_ed_der` expects.
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        let bytes = KeypairBytes {
            secret_key: self.signing.to_bytes(),
            public_key: None,
        };
        // Encoding a fixed-size key into DER cannot fail; the error type only exists
        // because the trait is shared with variable-size key types.
        let der = bytes.to_pkcs8_der().expect("DER encoding of a 32-byte key");
        Zeroizing::new(der.as_bytes().to_vec())
    }

    /// PKCS#8 v1 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        let bytes = KeypairBytes {
            secret_key: self.signing.to_bytes(),
            public_key: None,
        };
        let pem = bytes
            .to_pkcs8_pem(LineEnding::LF)
            .expect("PEM encoding of a 32-byte key");
        Zeroizing::new(pem.to_string())
    }

    /// The private JWK (RFC 8037): the public members plus `d`.
    pub fn to_private_jwk(&self) -> Value {
        let mut jwk = self.public().to_jwk();
        jwk["d"] = Value::String(B64URL.encode(self.signing.to_bytes()));
        jwk
    }
}

/// An Ed25519 public key with its key id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    verifying: VerifyingKey,
    kid: String,
}

impl PublicKey {
    /// The key for 32 raw public key bytes; fails on a point that is not on the curve.
    pub fn from_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        let bytes: &[u8; KEY_LEN] = bytes.try_into().map_err(|_| Error::BadKey {
            what: what.into(),
            reason: format!(
                "an Ed25519 public key is {KEY_LEN} bytes, this one is {}",
                bytes.len()
            ),
        })?;
        let verifying = VerifyingKey::from_bytes(bytes).map_err(|_| Error::BadKey {
            what: what.into(),
            reason: "not a valid Ed25519 public key".into(),
        })?;
        Ok(PublicKey {
            kid: thumbprint(&verifying),
            verifying,
        })
    }

    /// Reads an SPKI PEM public key, or derives the public key from a PKCS#8 private key PEM.
    pub fn from_pem(pem: &str, what: &str) -> Result<Self> {
        let pem = pem.trim();
        if pem.contains("PRIVATE KEY") {
            return KeyPair::from_pkcs8_pem(pem, what).map(|pair| pair.public());
        }
        Self::from_spki_pem(pem, what)
    }

    /// Reads an SPKI PEM Ed25519 public key (`-----BEGIN PUBLIC KEY-----`). By hand: DER is
    /// canonical, so every Ed25519 SubjectPublicKeyInfo (RFC 8410) is the same 12 bytes and
    /// the 32-byte key, and a product's verifier need not carry an ASN.1 parser.
    pub fn from_spki_pem(pem: &str, what: &str) -> Result<Self> {
        const SPKI_PREFIX: [u8; 12] = [
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        let bad = |why: &str| Error::BadKey {
            what: what.into(),
            reason: format!("not an SPKI PEM Ed25519 public key ({why})"),
        };
        let body = pem
            .trim()
            .strip_prefix("-----BEGIN PUBLIC KEY-----")
            .and_then(|rest| rest.strip_suffix("-----END PUBLIC KEY-----"))
            .ok_or_else(|| bad("no BEGIN and END PUBLIC KEY lines around it"))?;
        let base64: String = body.split_ascii_whitespace().collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(base64)
            .map_err(|_| bad("its body is not base64"))?;
        let key = der
            .strip_prefix(&SPKI_PREFIX)
            .filter(|key| key.len() == KEY_LEN)
            .ok_or_else(|| bad("not an Ed25519 SubjectPublicKeyInfo"))?;
        Self::from_bytes(key, what)
    }

    /// Reads a public JWK (`kty` OKP, `crv` Ed25519, `x`). Any `kid` member is ignored:
    /// the key id is always recomputed as the thumbprint, so a JWKS cannot alias keys.
    pub fn from_jwk(jwk: &Value, what: &str) -> Result<Self> {
        let bad = |reason: &str| Error::BadKey {
            what: what.into(),
            reason: reason.into(),
        };
        if jwk.get("kty").and_then(Value::as_str) != Some("OKP") {
            return Err(bad("JWK `kty` must be \"OKP\""));
        }
        if jwk.get("crv").and_then(Value::as_str) != Some("Ed25519") {
            return Err(bad("JWK `crv` must be \"Ed25519\""));
        }
        let x = jwk
            .get("x")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("JWK has no `x`"))?;
        let bytes = B64URL
            .decode(x)
            .map_err(|_| bad("JWK `x` is not base64url without padding"))?;
        Self::from_bytes(&bytes, what)
    }

    /// Reads every key of a JWKS (`{"keys": [...]}`), skipping keys that are not Ed25519
    /// (a JWKS may legitimately carry other algorithms' keys).
    pub fn from_jwks(jwks: &Value, what: &str) -> Result<Vec<Self>> {
        let keys = jwks
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::BadKey {
                what: what.into(),
                reason: "not a JWKS: no `keys` array".into(),
            })?;
        let keys: Vec<Self> = keys
            .iter()
            .filter(|jwk| jwk.get("crv").and_then(Value::as_str) == Some("Ed25519"))
            .map(|jwk| Self::from_jwk(jwk, what))
            .collect::<Result<_>>()?;
        if keys.is_empty() {
            return Err(Error::BadKey {
                what: what.into(),
                reason: "the JWKS has no Ed25519 key".into(),
            });
        }
        Ok(keys)
    }

    /// Reads a key file of any supported form: PEM (a public key, or a private key whose
    /// public half is taken), a JWK, or a JWKS.
    pub fn parse_any(text: &str, what: &str) -> Result<Vec<Self>> {
        let trimmed = text.trim_start();
        if trimmed.starts_with("-----BEGIN") {
            return Self::from_pem(text, what).map(|key| vec![key]);
        }
        Self::from_json_text(text, what)
    }

    /// Reads public keys only: an SPKI PEM, a JWK or a JWKS, what a product ships. Unlike
    /// [`PublicKey::parse_any`] it takes no private key, so no private-key parser comes
    /// along into a product's build.
    pub fn parse_public(text: &str, what: &str) -> Result<Vec<Self>> {
        let trimmed = text.trim_start();
        if trimmed.starts_with("-----BEGIN") {
            if trimmed.contains("PRIVATE KEY") {
                return Err(Error::BadKey {
                    what: what.into(),
                    reason: "is a private key; give the public key (`keyctl key export`)".into(),
                });
            }
            return Self::from_spki_pem(text, what).map(|key| vec![key]);
        }
        Self::from_json_text(text, what)
    }

    /// A JWK or a JWKS, as text.
    fn from_json_text(text: &str, what: &str) -> Result<Vec<Self>> {
        let value: Value = serde_json::from_str(text).map_err(|_| Error::BadKey {
            what: what.into(),
            reason: "neither a PEM key nor JSON (JWK or JWKS)".into(),
        })?;
        if value.get("keys").is_some() {
            Self::from_jwks(&value, what)
        } else {
            Self::from_jwk(&value, what).map(|key| vec![key])
        }
    }

    /// The key id: the RFC 7638 thumbprint.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The ed25519-dalek verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying
    }

    /// SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn to_spki_pem(&self) -> String {
        self.verifying
            .to_public_key_pem(LineEnding::LF)
            .expect("PEM encoding of a 32-byte key")
    }

    /// The public JWK, with `kid`, `alg` and `use` so JWT libraries pick it directly.
    pub fn to_jwk(&self) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": B64URL.encode(self.verifying.as_bytes()),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        })
    }
}

/// A JWKS document over `keys`.
pub fn jwks<'a>(keys: impl IntoIterator<Item = &'a PublicKey>) -> Value {
    json!({ "keys": keys.into_iter().map(PublicKey::to_jwk).collect::<Vec<_>>() })
}

/// The RFC 7638 thumbprint of an Ed25519 key: base64url(SHA-256(canonical JWK)).
pub fn thumbprint(key: &VerifyingKey) -> String {
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        B64URL.encode(key.as_bytes())
    );
    B64URL.encode(Sha256::digest(canonical.as_bytes()))
}

/// The set of public keys a verifier trusts, looked up by `kid`.
#[derive(Clone, Debug, Default)]
pub struct TrustedKeys {
    keys: Vec<PublicKey>,
}

impl TrustedKeys {
    /// Trust exactly `keys` (duplicates are harmless).
    pub fn new(keys: Vec<PublicKey>) -> Self {
        TrustedKeys { keys }
    }

    /// The trusted key with this `kid`, if any.
    pub fn find(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|key| key.kid == kid)
    }

    /// All trusted keys.
    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.iter()
    }

    /// Whether no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8037 appendix A.1/A.3: the example key and its thumbprint.
    const RFC8037_SEED: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const RFC8037_KID: &str = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

    fn rfc_pair() -> KeyPair {
        let seed: [u8; 32] = B64URL.decode(RFC8037_SEED).unwrap().try_into().unwrap();
        KeyPair::from_seed(&seed)
    }

    #[test]
    fn thumbprint_matches_rfc_8037() {
        let pair = rfc_pair();
        assert_eq!(pair.kid(), RFC8037_KID);
        assert_eq!(pair.public().to_jwk()["x"], RFC8037_X);
    }

    #[test]
    fn private_pem_is_pkcs8_v1_and_round_trips() {
        let pair = rfc_pair();
        let pem = pair.to_pkcs8_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        // v1 Ed25519 PKCS#8 is 48 bytes of DER: 64 base64 chars on one line.
        assert_eq!(pair.to_pkcs8_der().len(), 48);
        let again = KeyPair::from_pkcs8_pem(&pem, "test").unwrap();
        assert_eq!(again.kid(), pair.kid());
    }

    #[test]
    fn public_forms_round_trip() {
        let public = rfc_pair().public();
        assert_eq!(
            PublicKey::from_pem(&public.to_spki_pem(), "t").unwrap(),
            public
        );
        assert_eq!(PublicKey::from_jwk(&public.to_jwk(), "t").unwrap(), public);
        let set = jwks([&public]);
        assert_eq!(
            PublicKey::parse_any(&set.to_string(), "t").unwrap(),
            vec![public]
        );
    }

    #[test]
    fn spki_pem_is_read_by_hand_exactly_as_the_asn1_parser_reads_it() {
        use ed25519_dalek::pkcs8::DecodePublicKey;
        for seed in [[0u8; 32], [7; 32], [255; 32]] {
            let public = KeyPair::from_seed(&seed).public();
            let pem = public.to_spki_pem();
            let by_asn1 = VerifyingKey::from_public_key_pem(&pem).unwrap();
            let by_hand = PublicKey::from_spki_pem(&pem, "k").unwrap();
            assert_eq!(by_hand.verifying_key(), &by_asn1);
            let crlf = pem.replace('\n', "\r\n");
            assert_eq!(PublicKey::parse_public(&crlf, "k").unwrap(), vec![public]);
        }
        let private = rfc_pair().to_pkcs8_pem();
        assert_eq!(
            PublicKey::parse_public(&private, "k.pem")
                .unwrap_err()
                .to_string(),
            "k.pem: is a private key; give the public key (`keyctl key export`)"
        );
        let rsa_like = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VuAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----";
        assert_eq!(
            PublicKey::parse_public(rsa_like, "x.pem")
                .unwrap_err()
                .to_string(),
            "x.pem: not an SPKI PEM Ed25519 public key (not an Ed25519 SubjectPublicKeyInfo)"
        );
    }

    #[test]
    fn short_and_garbage_keys_are_errors_not_panics() {
        let short = json!({"kty": "OKP", "crv": "Ed25519", "x": B64URL.encode([7u8; 31])});
        let err = PublicKey::from_jwk(&short, "k.json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "k.json: an Ed25519 public key is 32 bytes, this one is 31"
        );
        assert!(PublicKey::parse_any(
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            "p"
        )
        .is_err());
        assert!(PublicKey::parse_any("\u{0}\u{1}", "p").is_err());
        assert!(KeyPair::from_pkcs8_pem(
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----",
            "p"
        )
        .is_err());
    }
}
