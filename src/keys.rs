//! Ed25519 key pairs: generation, PKCS#8 / SPKI PEM, JWK and JWKS, and RFC 7638 key ids.
//!
//! Private keys are written as PKCS#8 **v1** (no embedded public key): the v2 form
//! that ed25519-dalek writes by default is refused by OpenSSL 3.0 and by Python's
//! `cryptography`, and interoperability is the point of exporting a key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, KeypairBytes,
};
use ed25519_dalek::{SigningKey, VerifyingKey};
use pkcs8::der::pem::PemLabel;
use rand_core::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::passphrase::Passphrase;

/// Length of an Ed25519 public or secret key in bytes.
pub const KEY_LEN: usize = 32;

/// PBKDF2 iterations of the encrypted PEM files keyctl writes: OWASP's 2023 figure for
/// PBKDF2-HMAC-SHA256.
pub const PEM_PBKDF2_ITERATIONS: u32 = 600_000;
/// The most PBKDF2 iterations keyctl spends reading an encrypted PEM file.
const MAX_PEM_PBKDF2_ITERATIONS: u32 = 10_000_000;

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
    pub fn generate() -> Self {
        Self::from_signing_key(SigningKey::generate(&mut rand_core::OsRng))
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

    /// PKCS#8 v1 encrypted under `passphrase` (`-----BEGIN ENCRYPTED PRIVATE KEY-----`):
    /// PBES2 with PBKDF2-HMAC-SHA256 ([`PEM_PBKDF2_ITERATIONS`], 16-byte random salt) and
    /// AES-256-CBC. OpenSSL 3 reads it (`openssl pkey -passin …`); scrypt, which OpenSSL caps
    /// at 32 MiB, could not be used there at a cost worth having.
    pub fn to_encrypted_pkcs8_pem(&self, passphrase: &Passphrase) -> Zeroizing<String> {
        let der = self.to_pkcs8_der();
        let info =
            pkcs8::PrivateKeyInfo::try_from(der.as_slice()).expect("our own PKCS#8 DER parses");
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        rand_core::OsRng.fill_bytes(&mut salt);
        rand_core::OsRng.fill_bytes(&mut iv);
        let params = pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(
            PEM_PBKDF2_ITERATIONS,
            &salt,
            &iv,
        )
        .expect("valid PBES2 parameters");
        // Encrypting a 48-byte document with fixed, valid parameters cannot fail.
        let encrypted = info
            .encrypt_with_params(params, passphrase.expose())
            .expect("PBES2 encryption of a small key");
        encrypted
            .to_pem(pkcs8::EncryptedPrivateKeyInfo::PEM_LABEL, LineEnding::LF)
            .expect("PEM encoding of a small document")
    }

    /// Reads an encrypted PKCS#8 PEM Ed25519 private key (PBES2 with PBKDF2 or scrypt). The
    /// KDF's cost is bounded first, so a file cannot make keyctl work for hours or allocate
    /// gigabytes.
    pub fn from_encrypted_pkcs8_pem(
        pem: &str,
        passphrase: &Passphrase,
        what: &str,
    ) -> Result<Self> {
        let bad = |reason: String| Error::BadKey {
            what: what.into(),
            reason,
        };
        let (label, document) = pkcs8::SecretDocument::from_pem(pem.trim())
            .map_err(|err| bad(format!("not a PEM file ({err})")))?;
        if label != pkcs8::EncryptedPrivateKeyInfo::PEM_LABEL {
            return Err(bad(format!(
                "a PEM `{label}`, not an ENCRYPTED PRIVATE KEY"
            )));
        }
        let info = pkcs8::EncryptedPrivateKeyInfo::try_from(document.as_bytes())
            .map_err(|err| bad(format!("not an encrypted PKCS#8 key ({err})")))?;
        use pkcs8::pkcs5::{pbes2::Kdf, EncryptionScheme};
        let EncryptionScheme::Pbes2(params) = &info.encryption_algorithm else {
            return Err(bad("is not encrypted with PBES2, the only scheme keyctl reads; re-encrypt it (`openssl pkcs8 -topk8 -v2 aes-256-cbc`)".into()));
        };
        let affordable = match &params.kdf {
            Kdf::Pbkdf2(kdf) => kdf.iteration_count <= MAX_PEM_PBKDF2_ITERATIONS,
            Kdf::Scrypt(kdf) => {
                kdf.cost_parameter <= 1 << 20 && kdf.block_size <= 8 && kdf.parallelization <= 4
            }
            // The enum is non-exhaustive: a KDF a later pkcs5 adds is not known to be bounded.
            _ => false,
        };
        if !affordable {
            return Err(bad("its key derivation asks for more work than keyctl allows (PBKDF2 up to 10 000 000 iterations; scrypt up to N=2^20, r=8, p=4)".into()));
        }
        let decrypted = info
            .decrypt(passphrase.expose())
            .map_err(|_| Error::WrongPassphrase { what: what.into() })?;
        SigningKey::from_pkcs8_der(decrypted.as_bytes())
            .map(Self::from_signing_key)
            .map_err(|err| bad(format!("not an Ed25519 private key ({err})")))
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
        let verifying = VerifyingKey::from_public_key_pem(pem).map_err(|err| Error::BadKey {
            what: what.into(),
            reason: format!("not an SPKI PEM Ed25519 public key ({err})"),
        })?;
        Ok(PublicKey {
            kid: thumbprint(&verifying),
            verifying,
        })
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

    /// Reads a key file of any supported form: PEM, a JWK, or a JWKS.
    pub fn parse_any(text: &str, what: &str) -> Result<Vec<Self>> {
        let trimmed = text.trim_start();
        if trimmed.starts_with("-----BEGIN") {
            return Self::from_pem(text, what).map(|key| vec![key]);
        }
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
    fn encrypted_pem_round_trips_only_with_its_passphrase() {
        let passphrase = |text: &str| Passphrase::new(Zeroizing::new(text.into()), "test").unwrap();
        let pair = rfc_pair();
        let pem = pair.to_encrypted_pkcs8_pem(&passphrase("open sesame"));
        assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
        assert!(!pem.contains(RFC8037_SEED));
        let again = KeyPair::from_encrypted_pkcs8_pem(&pem, &passphrase("open sesame"), "k.pem");
        assert_eq!(again.unwrap().kid(), pair.kid());
        let wrong = KeyPair::from_encrypted_pkcs8_pem(&pem, &passphrase("open sesamE"), "k.pem");
        assert_eq!(wrong.unwrap_err().to_string(), "k.pem: wrong passphrase");
        let plain =
            KeyPair::from_encrypted_pkcs8_pem(&pair.to_pkcs8_pem(), &passphrase("x"), "k.pem");
        assert_eq!(
            plain.unwrap_err().to_string(),
            "k.pem: a PEM `PRIVATE KEY`, not an ENCRYPTED PRIVATE KEY"
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
