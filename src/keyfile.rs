//! Encrypted PKCS#8 PEM files of signing keys (`key export --private --encrypt`, `key
//! import`): the vendor's tools only, so it lives here rather than in `keyctl-core`.

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::SigningKey;
use pkcs8::der::pem::PemLabel;
use rand_core::RngCore;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keys::KeyPair;
use crate::passphrase::Passphrase;

/// PBKDF2 iterations of the encrypted PEM files keyctl writes: OWASP's 2023 figure for
/// PBKDF2-HMAC-SHA256.
pub const PEM_PBKDF2_ITERATIONS: u32 = 600_000;
/// The most PBKDF2 iterations keyctl spends reading an encrypted PEM file.
const MAX_PEM_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// `pair` as PKCS#8 v1 encrypted under `passphrase` (`-----BEGIN ENCRYPTED PRIVATE
/// KEY-----`): PBES2 with PBKDF2-HMAC-SHA256 ([`PEM_PBKDF2_ITERATIONS`], 16-byte random salt)
/// and AES-256-CBC. OpenSSL 3 reads it (`openssl pkey -passin …`); scrypt, which OpenSSL caps
/// at 32 MiB, could not be used there at a cost worth having.
pub fn encrypted_pkcs8_pem(pair: &KeyPair, passphrase: &Passphrase) -> Zeroizing<String> {
    let der = pair.to_pkcs8_der();
    let info = pkcs8::PrivateKeyInfo::try_from(der.as_slice()).expect("our own PKCS#8 DER parses");
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut salt);
    rand_core::OsRng.fill_bytes(&mut iv);
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(PEM_PBKDF2_ITERATIONS, &salt, &iv)
            .expect("valid PBES2 parameters");
    // Encrypting a 48-byte document with fixed, valid parameters cannot fail.
    let encrypted = info
        .encrypt_with_params(params, passphrase.expose())
        .expect("PBES2 encryption of a small key");
    encrypted
        .to_pem(pkcs8::EncryptedPrivateKeyInfo::PEM_LABEL, LineEnding::LF)
        .expect("PEM encoding of a small document")
}

/// Reads an encrypted PKCS#8 PEM Ed25519 private key (PBES2 with PBKDF2 or scrypt). The KDF's
/// cost is bounded first, so a file cannot make keyctl work for hours or allocate gigabytes.
pub fn pair_from_encrypted_pkcs8_pem(
    pem: &str,
    passphrase: &Passphrase,
    what: &str,
) -> Result<KeyPair> {
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
    let signing = SigningKey::from_pkcs8_der(decrypted.as_bytes())
        .map_err(|err| bad(format!("not an Ed25519 private key ({err})")))?;
    Ok(KeyPair::from_seed(&signing.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_pem_round_trips_only_with_its_passphrase() {
        let passphrase = |text: &str| Passphrase::new(Zeroizing::new(text.into()), "test").unwrap();
        let pair = KeyPair::from_seed(&[5; 32]);
        let pem = encrypted_pkcs8_pem(&pair, &passphrase("open sesame"));
        assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
        let again = pair_from_encrypted_pkcs8_pem(&pem, &passphrase("open sesame"), "k.pem");
        assert_eq!(again.unwrap().kid(), pair.kid());
        let wrong = pair_from_encrypted_pkcs8_pem(&pem, &passphrase("open sesamE"), "k.pem");
        assert_eq!(wrong.unwrap_err().to_string(), "k.pem: wrong passphrase");
        let plain = pair_from_encrypted_pkcs8_pem(&pair.to_pkcs8_pem(), &passphrase("x"), "k.pem");
        assert_eq!(
            plain.unwrap_err().to_string(),
            "k.pem: a PEM `PRIVATE KEY`, not an ENCRYPTED PRIVATE KEY"
        );
    }
}
