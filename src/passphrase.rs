//! Passphrase protection of signing keys at rest: the passphrase, the store's key-encryption
//! key derived from it (scrypt), and the sealing of each key's seed under that key
//! (XChaCha20-Poly1305).
//!
//! A store whose keys are encrypted records a [`KeyEncryption`] (the KDF, its parameters and
//! salt); each key record then holds `sealed`: base64 of a random 24-byte nonce followed by
//! the 32-byte seed encrypted and authenticated with the key id as associated data, so a
//! sealed seed cannot be moved to another key's record. See `docs/formats.md`.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keys::KEY_LEN;
use crate::secret::SecretString;

/// The longest passphrase accepted, in bytes.
pub const MAX_PASSPHRASE_LEN: usize = 1024;

/// scrypt's cost for new stores: N = 2^17, r = 8, p = 1, 128 MiB and about a third of a
/// second; the cost recommended for interactive use by OWASP (2023).
const SCRYPT_LOG_N: u8 = 17;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;
/// The most a store may ask of scrypt (1 GiB): a damaged or hostile record must not be able
/// to ask for more memory than a machine has.
const MAX_SCRYPT_LOG_N: u8 = 20;
const MAX_SCRYPT_R: u32 = 8;
const MAX_SCRYPT_P: u32 = 4;

const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// A passphrase: one line of 1 to 1024 bytes of UTF-8; redacted in `Debug`, zeroized on drop.
#[derive(Debug)]
pub struct Passphrase(SecretString);

impl Passphrase {
    /// Checks `text` as a passphrase; `what` names where it came from in errors.
    pub fn new(text: Zeroizing<String>, what: &str) -> Result<Self> {
        if text.is_empty() {
            return Err(Error::invalid(what, "the passphrase is empty"));
        }
        if text.len() > MAX_PASSPHRASE_LEN {
            return Err(Error::invalid(
                what,
                format!("the passphrase is longer than {MAX_PASSPHRASE_LEN} bytes"),
            ));
        }
        // One line, so that `openssl … -passin file:F` reads the same passphrase.
        if text.contains(['\n', '\r']) {
            return Err(Error::invalid(what, "the passphrase must be a single line"));
        }
        Ok(Passphrase(SecretString::from(text)))
    }

    /// The passphrase in a file's contents: UTF-8, one trailing line ending (`\n` or `\r\n`)
    /// ignored.
    pub fn from_file_contents(bytes: Zeroizing<Vec<u8>>, what: &str) -> Result<Self> {
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Error::invalid(what, "the passphrase is not UTF-8 text"))?;
        let line = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(text);
        Passphrase::new(Zeroizing::new(line.to_owned()), what)
    }

    /// The passphrase's bytes.
    pub fn expose(&self) -> &[u8] {
        self.0.expose().as_bytes()
    }
}

/// How a store derives its key-encryption key from the passphrase; recorded in the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEncryption {
    /// Always `scrypt`.
    kdf: String,
    /// log2 of scrypt's N.
    log_n: u8,
    /// scrypt's block size.
    r: u32,
    /// scrypt's parallelism.
    p: u32,
    /// The salt, base64.
    salt: String,
    /// Always `xchacha20poly1305`.
    cipher: String,
}

impl KeyEncryption {
    /// Settings for a store about to be encrypted, with a fresh random salt.
    pub fn generate() -> Self {
        let mut salt = [0u8; SALT_LEN];
        OsRng.fill_bytes(&mut salt);
        KeyEncryption {
            kdf: "scrypt".into(),
            log_n: SCRYPT_LOG_N,
            r: SCRYPT_R,
            p: SCRYPT_P,
            salt: B64.encode(salt),
            cipher: "xchacha20poly1305".into(),
        }
    }

    /// Derives the key-encryption key (slow on purpose: this is what a guesser must repeat).
    pub fn derive(&self, passphrase: &Passphrase) -> Result<SealingKey> {
        let damaged = || Error::Store("the store's key encryption settings are damaged".into());
        if self.kdf != "scrypt"
            || self.cipher != "xchacha20poly1305"
            || self.log_n > MAX_SCRYPT_LOG_N
            || self.r > MAX_SCRYPT_R
            || self.p > MAX_SCRYPT_P
        {
            return Err(damaged());
        }
        let salt = B64.decode(&self.salt).map_err(|_| damaged())?;
        let params =
            scrypt::Params::new(self.log_n, self.r, self.p, KEY_LEN).map_err(|_| damaged())?;
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        scrypt::scrypt(passphrase.expose(), &salt, &params, key.as_mut()).map_err(|_| damaged())?;
        Ok(SealingKey(key))
    }
}

/// The key that seals key seeds; zeroized on drop.
pub struct SealingKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey([redacted])")
    }
}

impl SealingKey {
    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }

    /// Seals the seed of key `kid`: base64 of nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, seed: &[u8; KEY_LEN], kid: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let nonce = XNonce::from(nonce);
        let payload = Payload {
            msg: seed,
            aad: kid.as_bytes(),
        };
        // Encryption of a 32-byte message cannot fail; the error exists for streams.
        let sealed = self
            .cipher()
            .encrypt(&nonce, payload)
            .expect("XChaCha20-Poly1305 seals 32 bytes");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        B64.encode(out)
    }

    /// The seed sealed by [`SealingKey::seal`] for `kid`; `None` when this is not the key it
    /// was sealed with, or the record was changed.
    pub fn unseal(&self, sealed: &str, kid: &str) -> Option<Zeroizing<[u8; KEY_LEN]>> {
        let bytes = B64.decode(sealed).ok()?;
        if bytes.len() != NONCE_LEN + KEY_LEN + TAG_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = XNonce::from(<[u8; NONCE_LEN]>::try_from(nonce).ok()?);
        let payload = Payload {
            msg: ciphertext,
            aad: kid.as_bytes(),
        };
        let seed = Zeroizing::new(self.cipher().decrypt(&nonce, payload).ok()?);
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        out.copy_from_slice(&seed);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passphrase(text: &str) -> Passphrase {
        Passphrase::new(Zeroizing::new(text.into()), "test").unwrap()
    }

    /// Cheap settings, so the unit tests need not pay for the real cost.
    fn cheap() -> KeyEncryption {
        KeyEncryption {
            log_n: 4,
            ..KeyEncryption::generate()
        }
    }

    #[test]
    fn a_sealed_seed_opens_only_with_its_passphrase_and_kid() {
        let settings = cheap();
        let key = settings.derive(&passphrase("correct horse")).unwrap();
        let sealed = key.seal(&[7; 32], "kid-a");
        assert_eq!(*key.unseal(&sealed, "kid-a").unwrap(), [7; 32]);
        assert!(key.unseal(&sealed, "kid-b").is_none(), "bound to its kid");
        let wrong = settings.derive(&passphrase("correct horsf")).unwrap();
        assert!(wrong.unseal(&sealed, "kid-a").is_none());
        let mut tampered = B64.decode(&sealed).unwrap();
        tampered[30] ^= 1;
        assert!(key.unseal(&B64.encode(tampered), "kid-a").is_none());
        assert!(key.unseal("not base64!", "kid-a").is_none());
        assert_ne!(
            key.seal(&[7; 32], "kid-a"),
            sealed,
            "a fresh nonce each time"
        );
    }

    #[test]
    fn settings_a_damaged_store_asks_for_are_refused() {
        for settings in [
            KeyEncryption {
                log_n: 40,
                ..cheap()
            },
            KeyEncryption {
                r: 1 << 20,
                ..cheap()
            },
            KeyEncryption {
                kdf: "md5".into(),
                ..cheap()
            },
            KeyEncryption {
                salt: "%%".into(),
                ..cheap()
            },
        ] {
            assert_eq!(
                settings.derive(&passphrase("x")).unwrap_err().to_string(),
                "store: the store's key encryption settings are damaged"
            );
        }
    }

    #[test]
    fn passphrases_are_one_bounded_line() {
        let from_file = |bytes: &[u8]| {
            Passphrase::from_file_contents(Zeroizing::new(bytes.to_vec()), "pass.txt")
                .map(|p| p.expose().to_vec())
                .map_err(|e| e.to_string())
        };
        assert_eq!(from_file(b"secret\n"), Ok(b"secret".to_vec()));
        assert_eq!(from_file(b"secret\r\n"), Ok(b"secret".to_vec()));
        assert_eq!(from_file(b" two words "), Ok(b" two words ".to_vec()));
        assert_eq!(
            from_file(b"\n"),
            Err("pass.txt: the passphrase is empty".into())
        );
        assert_eq!(
            from_file(b"a\nb\n"),
            Err("pass.txt: the passphrase must be a single line".into())
        );
        assert_eq!(
            from_file(b"\xff\n"),
            Err("pass.txt: the passphrase is not UTF-8 text".into())
        );
        assert_eq!(
            from_file(&[b'x'; 1025]),
            Err("pass.txt: the passphrase is longer than 1024 bytes".into())
        );
        assert_eq!(
            format!("{:?}", passphrase("hunter2")),
            "Passphrase(SecretString([redacted]))"
        );
    }
}
