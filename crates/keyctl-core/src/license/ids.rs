//! Fresh license ids and signer secrets.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use super::shortkey::CROCKFORD;

/// Every signer secret keyctl generates starts with this (`signer-protocol.md`).
pub const SIGNER_SECRET_PREFIX: &str = "ks1_";

/// A new license id: `lic_` and 26 lowercase Crockford base32 characters holding 48 bits of
/// milliseconds, a 32-bit `sequence` and 48 random bits. Ids sort by creation time, and a
/// batch (one millisecond, a rising sequence) appends to the store's license tree in order
/// instead of scattering its inserts across it.
pub fn new_license_id(rng: &mut impl CryptoRngCore, now_millis: u64, sequence: u32) -> String {
    new_id("lic_", rng, now_millis, sequence)
}

/// A new id of the license id's shape under another prefix (`mch_` for machine files).
pub(crate) fn new_id(
    prefix: &str,
    rng: &mut impl CryptoRngCore,
    now_millis: u64,
    sequence: u32,
) -> String {
    let mut random = [0u8; 6];
    rng.fill_bytes(&mut random);
    let mut value: u128 = u128::from(now_millis & 0xFFFF_FFFF_FFFF) << 80;
    value |= u128::from(sequence) << 48;
    value |= random
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    let mut id = String::with_capacity(prefix.len() + 26);
    id.push_str(prefix);
    for i in (0..26).rev() {
        let digit = ((value >> (i * 5)) & 31) as usize;
        id.push(CROCKFORD[digit].to_ascii_lowercase() as char);
    }
    id
}

/// A new signer secret: `ks1_` and base64url (no padding) of 32 random bytes.
pub fn new_signer_secret(rng: &mut impl CryptoRngCore) -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(bytes.as_mut());
    let mut secret = Zeroizing::new(String::with_capacity(47));
    secret.push_str(SIGNER_SECRET_PREFIX);
    B64URL.encode_string(bytes.as_ref(), &mut secret);
    secret
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::license::is_valid_license_id;
    use rand_core::OsRng;

    #[test]
    fn ids_are_valid_unique_and_time_ordered() {
        let a = new_license_id(&mut OsRng, 1_000, 7);
        let b = new_license_id(&mut OsRng, 2_000, 0);
        let c = new_license_id(&mut OsRng, 2_000, 1);
        assert!(is_valid_license_id(&a) && a.len() == 30, "{a}");
        assert!(a < b && b < c);
        assert_ne!(
            new_license_id(&mut OsRng, 1_000, 0),
            new_license_id(&mut OsRng, 1_000, 0)
        );
    }

    #[test]
    fn secrets_have_the_spec_shape() {
        let secret = new_signer_secret(&mut OsRng);
        assert!(secret.starts_with("ks1_"));
        assert_eq!(B64URL.decode(&secret[4..]).unwrap().len(), 32);
    }
}
