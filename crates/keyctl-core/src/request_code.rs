//! Request codes: how a machine that never reaches the server asks for its machine file.
//! A request code is the base64url (no padding) of the compact JSON
//! `{"lic":…,"hwid":…,"product":…,"nonce":…}`, members in that order: the license id, the
//! SHA-256 of the hardware id, the product and a random nonce, which the machine file
//! echoes. It stays under [`MAX_CODE_LEN`] characters, short enough to read out over a phone
//! or to scan as a QR code.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::license::{check_product_id, is_valid_license_id};
use crate::machine::{check_nonce, HwidHash};

/// A request code is shorter than this, in characters.
pub const MAX_CODE_LEN: usize = 300;

/// The license id and the product id together are at most this many characters: with the
/// 64 hex digits of the hash and a nonce of up to 16 characters, the JSON is at most 220
/// bytes and its base64url 294 characters. A generated license id is 30 characters, which
/// leaves 66 for the product.
pub const MAX_ID_CHARS: usize = 96;

/// The longest nonce a request code carries: 16 characters, the base64url of 12 random
/// bytes (96 bits, ample to tell one's own answer from another's).
pub const MAX_REQUEST_NONCE_LEN: usize = 16;

/// Why a request code cannot be made or read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestCodeError {
    /// The code is longer than any request code.
    #[error("request code: {len} characters; a request code is under {MAX_CODE_LEN}")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The code is not base64url, or not the JSON of a request.
    #[error("request code: not a keyctl request code ({0}); copy it again, whole")]
    Unreadable(String),
    /// A member is not acceptable.
    #[error("request code: {field}: {reason}")]
    Field {
        /// The member.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// What a machine asks for. Its fields are checked when made and when read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineRequest {
    /// The license id.
    pub lic: String,
    /// The SHA-256 of the hardware id, 64 lowercase hex digits.
    pub hwid: String,
    /// The product asking.
    pub product: String,
    /// The nonce the machine file must echo.
    pub nonce: String,
}

impl MachineRequest {
    /// A request for license `license_id`, machine `hwid` (raw: hashed here) and `product`,
    /// with a random nonce from the operating system's generator.
    #[cfg(feature = "getrandom")]
    pub fn new(license_id: &str, hwid: &str, product: &str) -> Result<Self, RequestCodeError> {
        Self::new_with(&mut rand_core::OsRng, license_id, hwid, product)
    }

    /// As [`MachineRequest::new`], the nonce drawn from `rng`.
    pub fn new_with(
        rng: &mut impl rand_core::CryptoRngCore,
        license_id: &str,
        hwid: &str,
        product: &str,
    ) -> Result<Self, RequestCodeError> {
        let mut random = [0u8; 12];
        rng.fill_bytes(&mut random);
        Self::with_nonce(license_id, hwid, product, &B64URL.encode(random))
    }

    /// A request with a given nonce (1-16 characters of base64url): for tests, vectors, and
    /// callers that draw their own randomness (the JavaScript package).
    pub fn with_nonce(
        license_id: &str,
        hwid: &str,
        product: &str,
        nonce: &str,
    ) -> Result<Self, RequestCodeError> {
        let hwid = HwidHash::of(hwid).map_err(|err| RequestCodeError::Field {
            field: "hwid",
            reason: err.to_string(),
        })?;
        let request = MachineRequest {
            lic: license_id.to_owned(),
            hwid: hwid.as_str().to_owned(),
            product: product.to_owned(),
            nonce: nonce.to_owned(),
        };
        request.check()?;
        Ok(request)
    }

    fn check(&self) -> Result<(), RequestCodeError> {
        let field = |field, reason: &str| RequestCodeError::Field {
            field,
            reason: reason.to_owned(),
        };
        if !is_valid_license_id(&self.lic) {
            return Err(field("lic", "not a license id (1-64 of A-Z a-z 0-9 _ -)"));
        }
        if check_product_id(&self.product).is_err() {
            return Err(field(
                "product",
                "not a product id (1-64 of A-Z a-z 0-9 _ . -)",
            ));
        }
        if self.lic.len() + self.product.len() > MAX_ID_CHARS {
            return Err(field(
                "product",
                "the license id and the product id are too long together for a request code \
                 (96 characters at most)",
            ));
        }
        if HwidHash::parse(&self.hwid).is_err() {
            return Err(field("hwid", "not a SHA-256 (64 lowercase hex digits)"));
        }
        if self.nonce.len() > MAX_REQUEST_NONCE_LEN || check_nonce(&self.nonce).is_err() {
            return Err(field("nonce", "not 1-16 characters of A-Z a-z 0-9 _ -"));
        }
        Ok(())
    }

    /// The hardware id's hash, checked.
    pub fn hwid_hash(&self) -> HwidHash {
        HwidHash::parse(&self.hwid).expect("checked when made or read")
    }

    /// The request code.
    pub fn encode(&self) -> String {
        B64URL.encode(serde_json::to_vec(self).expect("a request serializes"))
    }

    /// Reads a request code (surrounding whitespace ignored).
    pub fn decode(code: &str) -> Result<Self, RequestCodeError> {
        let code = code.trim();
        if code.len() >= MAX_CODE_LEN {
            return Err(RequestCodeError::TooLong { len: code.len() });
        }
        let json = B64URL
            .decode(code)
            .map_err(|_| RequestCodeError::Unreadable("not base64url".into()))?;
        let request: MachineRequest = serde_json::from_slice(&json)
            .map_err(|err| RequestCodeError::Unreadable(crate::jws::claim_error(&err)))?;
        request.check()?;
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_round_trips_with_its_members_in_order() {
        let request = MachineRequest::with_nonce(
            "lic_01kb0x2d3qz8f6m1w4t7y9c5hp",
            "00:1a:2b:3c:4d:5e",
            "app",
            "AAECAwQFBgcICQoL",
        )
        .unwrap();
        let code = request.encode();
        let json = String::from_utf8(B64URL.decode(&code).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"lic":"lic_01kb0x2d3qz8f6m1w4t7y9c5hp","hwid":"64504fb15fd0b984adcc010c02dd2e89661659d56cb219a60e4e09cc8803ad72","product":"app","nonce":"AAECAwQFBgcICQoL"}"#
        );
        assert_eq!(
            MachineRequest::decode(&format!(" {code}\n")).unwrap(),
            request
        );
        let random = MachineRequest::new("lic_a", "hw", "app").unwrap();
        assert_eq!(random.nonce.len(), 16);
        assert_ne!(
            random.nonce,
            MachineRequest::new("lic_a", "hw", "app").unwrap().nonce
        );
    }

    #[test]
    fn the_longest_request_is_under_300_characters() {
        let lic = format!("lic_{}", "x".repeat(60));
        let product = "p".repeat(MAX_ID_CHARS - lic.len());
        let longest = MachineRequest::with_nonce(&lic, "hw", &product, &"n".repeat(16)).unwrap();
        assert_eq!(longest.encode().len(), 294);
        assert_eq!(
            MachineRequest::with_nonce(&lic, "hw", &format!("{product}p"), "n")
                .unwrap_err()
                .to_string(),
            "request code: product: the license id and the product id are too long together \
             for a request code (96 characters at most)"
        );
        let realistic =
            MachineRequest::new("lic_01kb0x2d3qz8f6m1w4t7y9c5hp", "hw", "photo-editor").unwrap();
        assert_eq!(realistic.encode().len(), 222);
    }

    #[test]
    fn bad_codes_are_typed_errors() {
        assert_eq!(
            MachineRequest::decode(&"A".repeat(300)),
            Err(RequestCodeError::TooLong { len: 300 })
        );
        assert_eq!(
            MachineRequest::decode("***").unwrap_err().to_string(),
            "request code: not a keyctl request code (not base64url); copy it again, whole"
        );
        let code = |json: &str| B64URL.encode(json);
        assert_eq!(
            MachineRequest::decode(&code(r#"{"lic":"lic_a"}"#))
                .unwrap_err()
                .to_string(),
            "request code: not a keyctl request code (missing field `hwid`); copy it again, whole"
        );
        let bad_hash = format!(
            r#"{{"lic":"lic_a","hwid":"{}","product":"app","nonce":"n"}}"#,
            "A".repeat(64)
        );
        assert_eq!(
            MachineRequest::decode(&code(&bad_hash)).unwrap_err(),
            RequestCodeError::Field {
                field: "hwid",
                reason: "not a SHA-256 (64 lowercase hex digits)".into()
            }
        );
        assert!(MachineRequest::with_nonce("lic a", "hw", "app", "n").is_err());
        assert!(MachineRequest::with_nonce("lic_a", "", "app", "n").is_err());
        assert!(MachineRequest::with_nonce("lic_a", "hw", "app", &"n".repeat(17)).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_request_round_trips_under_300_characters(
            lic in "[A-Za-z0-9_-]{1,64}",
            product in "[A-Za-z0-9_.-]{1,32}",
            hwid in "[^\\p{Cc}]{1,64}",
            nonce in "[A-Za-z0-9_-]{1,16}",
        ) {
            let request = MachineRequest::with_nonce(&lic, &hwid, &product, &nonce).unwrap();
            let code = request.encode();
            proptest::prop_assert!(code.len() < MAX_CODE_LEN, "{}", code.len());
            proptest::prop_assert_eq!(MachineRequest::decode(&code).unwrap(), request);
        }

        #[test]
        fn any_text_is_a_request_or_an_error_never_a_panic(code in "\\PC{0,320}") {
            let _ = MachineRequest::decode(&code);
            let _ = MachineRequest::decode(&B64URL.encode(code.as_bytes()));
        }
    }
}
