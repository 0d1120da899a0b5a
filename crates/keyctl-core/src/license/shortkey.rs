//! Short license keys: 125 random bits as 25 Crockford base32 characters in five dashed groups.

use rand_core::CryptoRngCore;

/// Crockford's base32 alphabet: digits and letters without I, L, O and U.
pub(crate) const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

const LEN: usize = 25;

/// A short license key in canonical form (25 uppercase characters, no dashes).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShortKey(String);

impl ShortKey {
    /// A fresh random key from the operating system's generator.
    #[cfg(feature = "getrandom")]
    pub fn generate() -> Self {
        Self::random(&mut rand_core::OsRng)
    }

    /// A fresh random key from `rng`.
    pub fn random(rng: &mut impl CryptoRngCore) -> Self {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        let bits = u128::from_be_bytes(bytes) >> 3; // keep 125 bits
        let key = (0..LEN)
            .rev()
            .map(|i| CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char)
            .collect();
        ShortKey(key)
    }

    /// Reads a key as a person may type it: any case, dashes and spaces optional, and
    /// Crockford's look-alikes (`I`/`L` for 1, `O` for 0) accepted. `None` if it is not one.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > 64 {
            return None;
        }
        let mut key = String::with_capacity(LEN);
        for c in text.chars().filter(|c| *c != '-' && *c != ' ') {
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            if !c.is_ascii() || !CROCKFORD.contains(&(c as u8)) {
                return None;
            }
            key.push(c);
        }
        (key.len() == LEN).then_some(ShortKey(key))
    }

    /// The canonical form, for lookups.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form shown to people: `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`.
    pub fn display(&self) -> String {
        self.0
            .as_bytes()
            .chunks(5)
            .map(|group| std::str::from_utf8(group).expect("ASCII"))
            .collect::<Vec<_>>()
            .join("-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back_in_any_typed_form() {
        let key = ShortKey::generate();
        let shown = key.display();
        assert_eq!(shown.len(), 29);
        assert_eq!(ShortKey::parse(&shown), Some(key.clone()));
        assert_eq!(ShortKey::parse(&shown.to_lowercase()), Some(key.clone()));
        assert_eq!(ShortKey::parse(key.as_str()), Some(key));
    }

    #[test]
    fn look_alikes_and_rejects() {
        let key = ShortKey::parse("o0000-00000-00000-00000-0000i").unwrap();
        assert_eq!(key.as_str(), "0000000000000000000000001");
        assert_eq!(ShortKey::parse("U0000-00000-00000-00000-00000"), None);
        assert_eq!(ShortKey::parse("00000-00000"), None);
        assert_eq!(ShortKey::parse("ÄÖÜ00-00000-00000-00000-00000"), None);
    }
}
