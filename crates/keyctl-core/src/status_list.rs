//! Status lists: revocation a product can check without a network, after the IETF OAuth
//! Token Status List draft (`draft-ietf-oauth-status-list`). A list holds one 2-bit status
//! per license index (0 valid, 1 revoked, 2 suspended), index `i` at bits `2i..2i+1` of byte
//! `i / 4`, least significant first; it travels zlib-compressed and base64url-encoded
//! (`lst`) inside a JWT of `typ` `statuslist+jwt` signed by the store's key. A license
//! points at its entry with the claim `status: {"status_list": {"idx": N, "uri": U}}`.
//!
//! This module builds, signs and verifies lists and answers for one license; the outcome
//! rules (a list that cannot answer is `status_unknown`, never valid) are
//! [`StatusCheck`]'s.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::jws::{self, claim_error, short, Kind};
use crate::keys::{KeyPair, TrustedKeys};
use crate::time::{rfc3339, Timestamp};

/// The `typ` of a signed status list (the draft's media type `application/statuslist+jwt`).
pub const STATUS_LIST_TYP: &str = "statuslist+jwt";

/// Bits per status: keyctl writes and reads 2 (valid, revoked, suspended).
pub const BITS: u8 = 2;

/// The largest decompressed list read or built: 16 MiB, 67 108 864 licenses. The bound is
/// what keeps a hostile list from being a zip bomb: zlib inflates up to about 1000:1, so a
/// few kilobytes could otherwise ask a product for gigabytes. 16 MiB covers any store by
/// orders of magnitude (a million licenses take 250 KB) and is still a fair allocation in a
/// browser tab.
pub const MAX_LIST_BYTES: usize = 16 * 1024 * 1024;

/// The number of licenses the largest list covers.
pub const MAX_ENTRIES: u64 = MAX_LIST_BYTES as u64 * 4;

/// The largest signed list accepted, in bytes: enough for a list of [`MAX_LIST_BYTES`] that
/// did not compress at all.
pub const MAX_TOKEN_LEN: usize = 24 * 1024 * 1024;

/// The longest `uri` a license or a list may carry.
pub const MAX_URI_LEN: usize = 256;

/// The shortest and the longest `ttl` of a list: a minute, a year.
pub const MIN_TTL: i64 = 60;
/// See [`MIN_TTL`].
pub const MAX_TTL: i64 = 366 * 86_400;

const STATUS_LIST: Kind = Kind {
    noun: "status list",
    plural: "keyctl status lists",
    typ: STATUS_LIST_TYP,
    max_len: MAX_TOKEN_LEN,
};

/// A license's status, as the list stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// 0: valid.
    Valid,
    /// 1: revoked, for good.
    Revoked,
    /// 2: suspended, for now.
    Suspended,
}

impl Status {
    /// The 2-bit value in the list.
    pub fn value(self) -> u8 {
        match self {
            Status::Valid => 0,
            Status::Revoked => 1,
            Status::Suspended => 2,
        }
    }
}

/// The claim a license carries: `status: {"status_list": {…}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusClaim {
    /// Where the license's status is.
    pub status_list: StatusReference,
}

/// Which entry of which list holds a license's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReference {
    /// The license's index in the list; never reused within a store.
    pub idx: u64,
    /// The list's URI: the `sub` of the list that may answer for this license.
    pub uri: String,
}

impl StatusReference {
    /// Checks a reference for issuance: an index a list can hold, a URI of at most
    /// [`MAX_URI_LEN`] bytes without control characters.
    pub fn validate(&self) -> Result<()> {
        if self.idx >= MAX_ENTRIES {
            return Err(Error::invalid(
                "status index",
                format!(
                    "{} is beyond the largest list ({MAX_ENTRIES} entries)",
                    self.idx
                ),
            ));
        }
        check_uri(&self.uri)
    }
}

fn check_uri(uri: &str) -> Result<()> {
    if uri.is_empty() || uri.len() > MAX_URI_LEN || uri.chars().any(char::is_control) {
        return Err(Error::invalid(
            "status URI",
            format!("must be 1-{MAX_URI_LEN} bytes without control characters"),
        ));
    }
    Ok(())
}

/// The statuses of a store's licenses, uncompressed: 2 bits each, four to a byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusList {
    bytes: Vec<u8>,
}

impl StatusList {
    /// A list of `len` licenses, all valid, with `entries` (index, status) set. Fails when
    /// `len` is over [`MAX_ENTRIES`] or an index is not below `len`.
    pub fn build(len: u64, entries: impl IntoIterator<Item = (u64, Status)>) -> Result<Self> {
        if len > MAX_ENTRIES {
            return Err(Error::invalid(
                "status list",
                format!("{len} entries; at most {MAX_ENTRIES}"),
            ));
        }
        // At most MAX_LIST_BYTES, so the cast cannot truncate.
        let mut list = StatusList {
            bytes: vec![0; len.div_ceil(4) as usize],
        };
        for (idx, status) in entries {
            if idx >= len {
                return Err(Error::invalid(
                    "status list",
                    format!("index {idx} is not below the list's length {len}"),
                ));
            }
            list.set(idx, status);
        }
        Ok(list)
    }

    fn set(&mut self, idx: u64, status: Status) {
        let (byte, shift) = position(idx);
        self.bytes[byte] = (self.bytes[byte] & !(0b11 << shift)) | (status.value() << shift);
    }

    /// The 2-bit value at `idx`, or `None` when the list does not cover it.
    pub fn get(&self, idx: u64) -> Option<u8> {
        if idx >= self.capacity() {
            return None;
        }
        let (byte, shift) = position(idx);
        Some((self.bytes[byte] >> shift) & 0b11)
    }

    /// How many indexes the list covers: four per byte (a list read back covers the whole
    /// of its last byte).
    pub fn capacity(&self) -> u64 {
        self.bytes.len() as u64 * 4
    }

    /// The uncompressed bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// `lst`: the bytes zlib-compressed (RFC 1950, best compression) and base64url-encoded
    /// without padding.
    pub fn encode(&self) -> String {
        B64URL.encode(miniz_oxide::deflate::compress_to_vec_zlib(&self.bytes, 9))
    }

    /// Reads `lst`, refusing more than [`MAX_LIST_BYTES`] once decompressed. The `Err` is
    /// the reason.
    pub fn decode(lst: &str) -> Result<Self, String> {
        let compressed = B64URL
            .decode(lst)
            .map_err(|_| "`lst` is not base64url".to_owned())?;
        let bytes =
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&compressed, MAX_LIST_BYTES)
                .map_err(|err| match err.status {
                    miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                        format!("`lst` inflates to more than {MAX_LIST_BYTES} bytes")
                    }
                    _ => "`lst` is not zlib data".to_owned(),
                })?;
        Ok(StatusList { bytes })
    }
}

/// The byte and the shift of index `idx`: bits `2i..2i+1`, least significant first.
fn position(idx: u64) -> (usize, u32) {
    ((idx / 4) as usize, (idx % 4) as u32 * 2)
}

/// The claims of a signed status list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusListClaims {
    /// The list's URI, as licenses refer to it.
    pub sub: String,
    /// Issued at (Unix seconds).
    pub iat: Timestamp,
    /// Expiry (Unix seconds); keyctl requires one, so that an old list cannot be replayed
    /// for ever.
    pub exp: Timestamp,
    /// How long a product may keep the list before fetching a fresh one, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// The list.
    pub status_list: EncodedList,
}

/// The `status_list` claim: the width and the compressed list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodedList {
    /// Bits per status; keyctl reads only 2.
    pub bits: u8,
    /// The list, zlib and base64url ([`StatusList::encode`]).
    pub lst: String,
}

/// Signs `list` as a `statuslist+jwt` for `uri` with `key`, issued at `now` and expiring
/// `ttl` seconds later (also its `ttl` claim). `ttl` is from [`MIN_TTL`] to [`MAX_TTL`].
pub fn sign(
    key: &KeyPair,
    uri: &str,
    list: &StatusList,
    now: Timestamp,
    ttl: i64,
) -> Result<String> {
    check_uri(uri)?;
    if !(MIN_TTL..=MAX_TTL).contains(&ttl) {
        return Err(Error::invalid(
            "ttl",
            format!("{ttl} s; a status list lives from {MIN_TTL} s to {MAX_TTL} s (366 days)"),
        ));
    }
    let claims = StatusListClaims {
        sub: uri.to_owned(),
        iat: now,
        exp: now.saturating_add(ttl),
        ttl: Some(ttl),
        status_list: EncodedList {
            bits: BITS,
            lst: list.encode(),
        },
    };
    Ok(jws::sign(key, STATUS_LIST_TYP, &claims))
}

/// A status list whose signature, expiry and contents have been checked.
#[derive(Clone, Debug)]
pub struct VerifiedStatusList {
    /// The signed claims (`lst` still encoded).
    pub claims: StatusListClaims,
    /// The list, decompressed.
    pub list: StatusList,
}

/// Why a status list cannot answer. Each is the outcome `status_unknown` for a license that
/// refers to a list; the message says which.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("status list: {0}")]
pub struct StatusListError(pub String);

/// Verifies a signed list against the trusted keys at `now`: form, `typ`, signature, `exp`,
/// `bits`, and the list itself. Verify a list once and check many licenses against it.
pub fn verify(
    token: &str,
    keys: &TrustedKeys,
    now: Timestamp,
) -> Result<VerifiedStatusList, StatusListError> {
    let parts = jws::split(token.trim(), STATUS_LIST).map_err(StatusListError)?;
    jws::check_signature(&parts.kid, parts.signing_input, &parts.signature, keys)
        .map_err(StatusListError)?;
    let claims: StatusListClaims = serde_json::from_slice(&parts.payload).map_err(|err| {
        StatusListError(format!(
            "the claims are not a status list ({})",
            claim_error(&err)
        ))
    })?;
    if now > claims.exp {
        return Err(StatusListError(format!(
            "expired at {}; fetch a fresh one",
            rfc3339(claims.exp)
        )));
    }
    if claims.status_list.bits != BITS {
        return Err(StatusListError(format!(
            "`bits` is {}; keyctl reads lists of {BITS} bits",
            claims.status_list.bits
        )));
    }
    let list = StatusList::decode(&claims.status_list.lst).map_err(StatusListError)?;
    Ok(VerifiedStatusList { claims, list })
}

/// What a status list says of one license: the part of an offline verdict it decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusCheck {
    /// No list was given: nothing was checked (the verdict is what it would be without).
    NotGiven,
    /// A list was given, but the license has no `status` claim (issued before status lists,
    /// or by a store without one): nothing to check, the license stays valid.
    NotReferenced,
    /// The list says valid.
    Valid,
    /// The list says revoked (1) or suspended (2); the reason says which.
    Revoked(String),
    /// The list cannot answer; the reason says why. The outcome `status_unknown`.
    Unknown(String),
}

impl StatusCheck {
    /// Checks the license's `status` claim against `list`, the result of [`verify`].
    pub fn of(
        status: Option<&StatusClaim>,
        list: Option<&Result<VerifiedStatusList, StatusListError>>,
    ) -> Self {
        let Some(list) = list else {
            return StatusCheck::NotGiven;
        };
        let Some(StatusClaim {
            status_list: reference,
        }) = status
        else {
            return StatusCheck::NotReferenced;
        };
        let list = match list {
            Ok(list) => list,
            Err(err) => return StatusCheck::Unknown(err.to_string()),
        };
        if list.claims.sub != reference.uri {
            return StatusCheck::Unknown(format!(
                "status list: it is for `{}`, the license refers to `{}`",
                short(&list.claims.sub),
                short(&reference.uri)
            ));
        }
        match list.list.get(reference.idx) {
            None => StatusCheck::Unknown(format!(
                "status list: it covers indexes below {}, not the license's {}",
                list.list.capacity(),
                reference.idx
            )),
            Some(0) => StatusCheck::Valid,
            Some(1) => StatusCheck::Revoked(format!(
                "revoked (status list of {}, index {})",
                rfc3339(list.claims.iat),
                reference.idx
            )),
            Some(2) => StatusCheck::Revoked(format!(
                "suspended (status list of {}, index {})",
                rfc3339(list.claims.iat),
                reference.idx
            )),
            Some(other) => StatusCheck::Unknown(format!(
                "status list: index {} holds {other}, a value keyctl does not define",
                reference.idx
            )),
        }
    }

    /// How the verdict's JSON names what was done: `not_given`, `not_referenced` or
    /// `checked`.
    pub fn code(&self) -> &'static str {
        match self {
            StatusCheck::NotGiven => "not_given",
            StatusCheck::NotReferenced => "not_referenced",
            StatusCheck::Valid | StatusCheck::Revoked(_) | StatusCheck::Unknown(_) => "checked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = 1_795_000_000;
    const URI: &str = "https://licenses.example.com/v1/status-list";

    fn vendor() -> KeyPair {
        KeyPair::from_seed(&[5; 32])
    }

    fn trusted() -> TrustedKeys {
        TrustedKeys::new(vec![vendor().public()])
    }

    fn reference(idx: u64) -> StatusClaim {
        StatusClaim {
            status_list: StatusReference {
                idx,
                uri: URI.into(),
            },
        }
    }

    fn check(token: &str, idx: u64, now: Timestamp) -> StatusCheck {
        StatusCheck::of(Some(&reference(idx)), Some(&verify(token, &trusted(), now)))
    }

    #[test]
    fn bits_are_laid_out_as_the_draft_says() {
        // The draft's example (section 4.1): 2-bit statuses
        // [1,2,0,3, 0,1,0,1, 1,2,3,3] are the bytes c9 44 f9.
        let values = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3];
        let mut list = StatusList::build(12, []).unwrap();
        for (idx, value) in values.iter().enumerate() {
            let (byte, shift) = position(idx as u64);
            list.bytes[byte] |= value << shift;
        }
        assert_eq!(list.as_bytes(), [0xc9, 0x44, 0xf9]);
        for (idx, value) in values.iter().enumerate() {
            assert_eq!(list.get(idx as u64), Some(*value));
        }
        assert_eq!(list.get(12), None);
    }

    #[test]
    fn a_built_list_round_trips_through_lst() {
        let list = StatusList::build(
            10,
            [
                (0, Status::Revoked),
                (9, Status::Suspended),
                (0, Status::Revoked),
            ],
        )
        .unwrap();
        assert_eq!(list.as_bytes(), [0x01, 0x00, 0x08]);
        assert_eq!(StatusList::decode(&list.encode()).unwrap(), list);
        assert_eq!(
            StatusList::build(10, [(10, Status::Revoked)])
                .unwrap_err()
                .to_string(),
            "status list: index 10 is not below the list's length 10"
        );
        assert!(StatusList::build(MAX_ENTRIES + 1, []).is_err());
    }

    #[test]
    fn a_hundred_thousand_licenses_with_a_few_revoked_take_a_few_hundred_bytes() {
        let revoked = (0..20).map(|i| (i * 4_999, Status::Revoked));
        let list = StatusList::build(100_000, revoked).unwrap();
        let token = sign(&vendor(), URI, &list, NOW, 86_400).unwrap();
        // 25 000 bytes raw; zlib leaves the runs of zeros and 20 set bytes.
        assert!(list.encode().len() < 600, "{}", list.encode().len());
        assert!(token.len() < 1_000, "{}", token.len());
        // 1% revoked, spread: still a few KB (measured: 2 115 bytes of `lst`).
        let spread = (0..1_000).map(|i| ((i * 7_919) % 100_000, Status::Revoked));
        let list = StatusList::build(100_000, spread).unwrap();
        assert!(list.encode().len() < 4_096, "{}", list.encode().len());
    }

    #[test]
    fn a_zip_bomb_is_refused_not_inflated() {
        let bomb = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0; MAX_LIST_BYTES + 1], 9);
        assert!(bomb.len() < 40_000, "{}", bomb.len());
        assert_eq!(
            StatusList::decode(&B64URL.encode(bomb)).unwrap_err(),
            format!("`lst` inflates to more than {MAX_LIST_BYTES} bytes")
        );
        assert_eq!(
            StatusList::decode("AAAA").unwrap_err(),
            "`lst` is not zlib data"
        );
        assert_eq!(
            StatusList::decode("*").unwrap_err(),
            "`lst` is not base64url"
        );
    }

    #[test]
    fn statuses_map_to_outcomes() {
        let list = StatusList::build(8, [(1, Status::Revoked), (2, Status::Suspended)]).unwrap();
        let token = sign(&vendor(), URI, &list, NOW, 3_600).unwrap();
        assert_eq!(check(&token, 0, NOW), StatusCheck::Valid);
        assert_eq!(
            check(&token, 1, NOW),
            StatusCheck::Revoked("revoked (status list of 2026-11-18T11:06:40Z, index 1)".into())
        );
        assert_eq!(
            check(&token, 2, NOW),
            StatusCheck::Revoked("suspended (status list of 2026-11-18T11:06:40Z, index 2)".into())
        );
        assert_eq!(
            check(&token, 8, NOW),
            StatusCheck::Unknown(
                "status list: it covers indexes below 8, not the license's 8".into()
            )
        );
        assert_eq!(
            check(&token, 0, NOW + 3_601),
            StatusCheck::Unknown(
                "status list: expired at 2026-11-18T12:06:40Z; fetch a fresh one".into()
            )
        );
        let other_uri = StatusClaim {
            status_list: StatusReference {
                idx: 0,
                uri: "/v1/status-list".into(),
            },
        };
        assert_eq!(
            StatusCheck::of(Some(&other_uri), Some(&verify(&token, &trusted(), NOW))),
            StatusCheck::Unknown(format!(
                "status list: it is for `{URI}`, the license refers to `/v1/status-list`"
            ))
        );
        assert_eq!(
            StatusCheck::of(None, Some(&verify(&token, &trusted(), NOW))),
            StatusCheck::NotReferenced
        );
        assert_eq!(
            StatusCheck::of(Some(&reference(1)), None),
            StatusCheck::NotGiven
        );
    }

    #[test]
    fn untrusted_tampered_or_malformed_lists_are_unknown() {
        let list = StatusList::build(8, [(1, Status::Revoked)]).unwrap();
        let token = sign(&vendor(), URI, &list, NOW, 3_600).unwrap();
        let other = sign(&KeyPair::from_seed(&[6; 32]), URI, &list, NOW, 3_600).unwrap();
        let unknown = |token: &str| match check(token, 1, NOW) {
            StatusCheck::Unknown(reason) => reason,
            other => panic!("{other:?}"),
        };
        assert!(
            unknown(&other).ends_with("is not among the trusted keys"),
            "{}",
            unknown(&other)
        );
        // The revoked entry flipped back to valid under the old signature.
        let cleared = StatusList::build(8, []).unwrap();
        let claims = |list: &StatusList| StatusListClaims {
            sub: URI.into(),
            iat: NOW,
            exp: NOW + 3_600,
            ttl: Some(3_600),
            status_list: EncodedList {
                bits: 2,
                lst: list.encode(),
            },
        };
        let payload = B64URL.encode(serde_json::to_vec(&claims(&cleared)).unwrap());
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[1] = &payload;
        assert_eq!(
            unknown(&parts.join(".")),
            format!(
                "status list: the signature does not verify with key {}",
                vendor().kid()
            )
        );
        let one_bit = jws::sign(
            &vendor(),
            STATUS_LIST_TYP,
            &StatusListClaims {
                status_list: EncodedList {
                    bits: 1,
                    lst: list.encode(),
                },
                ..claims(&list)
            },
        );
        assert_eq!(
            unknown(&one_bit),
            "status list: `bits` is 1; keyctl reads lists of 2 bits"
        );
        let license_typ = jws::sign(&vendor(), "JWT", &claims(&list));
        assert_eq!(
            unknown(&license_typ),
            "status list: the header's `typ` is not \"statuslist+jwt\""
        );
        let no_exp = jws::sign(
            &vendor(),
            STATUS_LIST_TYP,
            &serde_json::json!({"sub": URI, "iat": NOW, "status_list": {"bits": 2, "lst": list.encode()}}),
        );
        assert_eq!(
            unknown(&no_exp),
            "status list: the claims are not a status list (missing field `exp`)"
        );
        assert_eq!(
            unknown("garbage"),
            "status list: not a compact JWT (three base64url parts separated by dots)"
        );
    }

    #[test]
    fn signing_bounds_its_inputs() {
        let list = StatusList::build(4, []).unwrap();
        assert_eq!(
            sign(&vendor(), URI, &list, NOW, 59)
                .unwrap_err()
                .to_string(),
            "ttl: 59 s; a status list lives from 60 s to 31622400 s (366 days)"
        );
        assert!(sign(&vendor(), "", &list, NOW, 3_600).is_err());
        assert!(reference(MAX_ENTRIES).status_list.validate().is_err());
        assert!(reference(MAX_ENTRIES - 1).status_list.validate().is_ok());
    }

    proptest::proptest! {
        #[test]
        fn any_list_reads_back_entry_for_entry(
            len in 0u64..5_000,
            entries in proptest::collection::vec((0u64..5_000, 0u8..3), 0..200),
        ) {
            let status = |value| [Status::Valid, Status::Revoked, Status::Suspended][value as usize];
            let entries: Vec<(u64, u8)> = entries.into_iter().filter(|(idx, _)| *idx < len).collect();
            let list = StatusList::build(len, entries.iter().map(|&(idx, value)| (idx, status(value)))).unwrap();
            let read = StatusList::decode(&list.encode()).unwrap();
            let mut expected = vec![0u8; len as usize];
            for &(idx, value) in &entries {
                expected[idx as usize] = value;
            }
            for (idx, value) in expected.iter().enumerate() {
                proptest::prop_assert_eq!(read.get(idx as u64), Some(*value));
            }
            proptest::prop_assert_eq!(read.get(read.capacity()), None);
        }

        #[test]
        fn any_lst_is_a_list_or_a_reason_never_a_panic(lst in "[A-Za-z0-9_-]{0,64}", bytes in proptest::collection::vec(0u8..=255, 0..64)) {
            let _ = StatusList::decode(&lst);
            let _ = StatusList::decode(&B64URL.encode(&bytes));
            let mut zlib = miniz_oxide::deflate::compress_to_vec_zlib(&bytes, 6);
            if let Some(last) = zlib.last_mut() {
                *last ^= 1; // a wrong checksum
            }
            let _ = StatusList::decode(&B64URL.encode(&zlib));
        }
    }
}
