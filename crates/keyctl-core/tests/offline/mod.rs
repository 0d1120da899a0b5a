//! The shared offline vectors, `tests/vectors/offline.json`: machine files, request codes,
//! status lists and licenses checked with a status list and a clock state, each with the
//! verdict it must get. Made by hand like the license vectors (fixed claims, Ed25519, the
//! list's bits laid out here, not by the core), so that the file is a second implementation's
//! check of the core as much as the core's of itself.

use keyctl_core::clock::ClockState;
use keyctl_core::keys::{self, KeyPair, TrustedKeys};
use keyctl_core::license::{Context, Outcome};
use keyctl_core::machine::MachineContext;
use keyctl_core::offline::{self, Evidence};
use keyctl_core::request_code::MachineRequest;
use keyctl_core::status_list::{self, StatusListError, VerifiedStatusList};
use serde_json::{json, Value};

use super::{b64, claims, flip_signature_bit, header, json_text, replace_part, sign, sorted, T0};
use crate::support::{fixture_key, workspace_path};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
const LEEWAY: i64 = 60;
/// A MAC address as a hardware id: the files carry only its SHA-256.
pub const HWID: &str = "00:1a:2b:3c:4d:5e";
const NONCE: &str = "AAECAwQFBgcICQoL";
const URI: &str = "https://licenses.example.com/v1/status-list";

const DESCRIPTION: &str = "Shared offline vectors of keyctl (docs/formats.md): machine \
files, request codes, status lists, and licenses checked against a status list and a clock \
state, made from the fixed test keys in tests/fixtures/ (never trust them). `keys` is the \
trusted key (a JWKS as JSON text, and an SPKI PEM). `status_lists` are signed lists by name, \
with their uncompressed bytes in hex. `machine_files` and `license_checks` give a token, the \
context (hwid raw, product, nonce, now in Unix seconds, leeway in seconds), the evidence \
(`status_list`: the name of a list or null; `state`: a clock state or null) and the verdict: \
`code`, `error` (null when valid), the verified claims (`machine` or `license`, null before \
the signature verified), `status_list` (checked, not_referenced, not_given, or null when \
verification stopped before the list) and `clock_state`, the state to store. \
`request_codes` give a request's members and its code, or a bad code and its error. The \
keyctl core and the WebAssembly package test against this file. It is generated: \
regenerate it with KEYCTL_REGENERATE=1 cargo test -p keyctl-core --test vectors.";

/// Where the file lives.
pub fn path() -> String {
    workspace_path("tests/vectors/offline.json")
}

/// A status list by hand: 2-bit `values`, index i at bits 2i..2i+1, least significant first.
fn list_bytes(len: usize, values: &[(usize, u8)]) -> Vec<u8> {
    let mut bytes = vec![0u8; len.div_ceil(4)];
    for &(idx, value) in values {
        bytes[idx / 4] |= value << ((idx % 4) * 2);
    }
    bytes
}

fn lst(bytes: &[u8]) -> String {
    b64(&miniz_oxide::deflate::compress_to_vec_zlib(bytes, 9))
}

fn typed_header(typ: &str, kid: &str) -> String {
    format!(r#"{{"typ":"{typ}","alg":"EdDSA","kid":"{kid}"}}"#)
}

/// The status lists, by name: (name, token, bytes).
fn status_lists(vendor: &KeyPair, other: &KeyPair) -> Vec<(&'static str, String, Vec<u8>)> {
    let list_header = typed_header("statuslist+jwt", vendor.kid());
    // 16 licenses: index 1 revoked, 2 suspended, 3 holding the undefined value 3.
    let bytes = list_bytes(16, &[(1, 1), (2, 2), (3, 3)]);
    let list_claims = |iat: i64, bytes: &[u8]| {
        json!({
            "sub": URI, "iat": iat, "exp": iat + DAY, "ttl": DAY,
            "status_list": {"bits": 2, "lst": lst(bytes)},
        })
    };
    let current = sign(
        vendor,
        &list_header,
        &json_text(&list_claims(T0 - HOUR, &bytes)),
    );
    let cleared = list_bytes(16, &[(2, 2), (3, 3)]);
    let flipped = replace_part(
        &current,
        1,
        &b64(json_text(&list_claims(T0 - HOUR, &cleared)).as_bytes()),
    );
    let one_bit = {
        let mut claims = list_claims(T0 - HOUR, &bytes);
        claims["status_list"]["bits"] = json!(1);
        sign(vendor, &list_header, &json_text(&claims))
    };
    vec![
        ("current", current.clone(), bytes.clone()),
        (
            "expired",
            sign(
                vendor,
                &list_header,
                &json_text(&list_claims(T0 - 2 * DAY, &bytes)),
            ),
            bytes.clone(),
        ),
        (
            "revoked_entry_cleared_under_old_signature",
            flipped,
            cleared,
        ),
        (
            "signed_by_untrusted_key",
            sign(
                other,
                &typed_header("statuslist+jwt", other.kid()),
                &json_text(&list_claims(T0 - HOUR, &bytes)),
            ),
            bytes.clone(),
        ),
        ("bits_1", one_bit, bytes.clone()),
        (
            "from_the_future",
            sign(
                vendor,
                &list_header,
                &json_text(&list_claims(T0 + HOUR, &bytes)),
            ),
            bytes,
        ),
    ]
}

/// What a vector is checked with.
struct Check {
    name: String,
    token: String,
    hwid: String,
    product: String,
    nonce: Option<String>,
    now: i64,
    status_list: Option<String>,
    state: Option<i64>,
    code: Outcome,
}

impl Check {
    fn new(name: &str, token: &str, code: Outcome) -> Self {
        Check {
            name: name.into(),
            token: token.to_owned(),
            hwid: HWID.into(),
            product: "app".into(),
            nonce: None,
            now: T0,
            status_list: None,
            state: None,
            code,
        }
    }

    fn list(self, name: &str) -> Self {
        Check {
            status_list: Some(name.into()),
            ..self
        }
    }

    fn state(self, latest: i64) -> Self {
        Check {
            state: Some(latest),
            ..self
        }
    }

    fn hwid(self, hwid: &str) -> Self {
        Check {
            hwid: hwid.into(),
            ..self
        }
    }

    fn product(self, product: &str) -> Self {
        Check {
            product: product.into(),
            ..self
        }
    }

    fn nonce(self, nonce: &str) -> Self {
        Check {
            nonce: Some(nonce.into()),
            ..self
        }
    }

    fn at(self, now: i64) -> Self {
        Check { now, ..self }
    }
}

fn hwid_hash(raw: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(raw.as_bytes()))
}

/// Machine file claims for `lic_vector_native`, issued at [`T0`] for 30 days, with
/// `changes` merged in.
fn machine_claims(changes: Value) -> Value {
    let mut claims = json!({
        "jti": "mch_vector_machine",
        "lic": "lic_vector_native",
        "hwid": hwid_hash(HWID),
        "products": ["app"],
        "features": ["pro"],
        "iat": T0,
        "nbf": T0,
        "exp": T0 + 30 * DAY,
        "nonce": NONCE,
    });
    for (name, value) in changes.as_object().expect("an object") {
        claims[name] = value.clone();
    }
    claims
}

fn status_claim(idx: u64) -> Value {
    json!({"status_list": {"idx": idx, "uri": URI}})
}

fn machine_checks(vendor: &KeyPair, other: &KeyPair) -> Vec<Check> {
    use Outcome::*;
    let machine_header = typed_header("keyctl-machine+jwt", vendor.kid());
    let signed = |claims: &Value| sign(vendor, &machine_header, &json_text(claims));
    let valid = signed(&machine_claims(json!({})));
    let edited = replace_part(
        &valid,
        1,
        &b64(json_text(&machine_claims(json!({"exp": T0 + 3_650 * DAY}))).as_bytes()),
    );
    let license_token = sign(
        vendor,
        &header(vendor.kid()),
        &json_text(&claims("lic_vector_native", json!({}))),
    );
    let with_status = |idx| signed(&machine_claims(json!({"status": status_claim(idx)})));
    vec![
        Check::new("machine_valid", &valid, Valid),
        Check::new("machine_valid_answering_its_request", &valid, Valid).nonce(NONCE),
        Check::new("machine_answering_another_request", &valid, ScopeMismatch)
            .nonce("AAAAAAAAAAAAAAAA"),
        Check::new("machine_other_hwid", &valid, ScopeMismatch).hwid("00:1a:2b:3c:4d:5f"),
        Check::new("machine_other_product", &valid, ScopeMismatch).product("web"),
        Check::new("machine_expired", &valid, Expired).at(T0 + 30 * DAY + LEEWAY + 1),
        Check::new(
            "machine_not_yet_valid",
            &signed(&machine_claims(json!({"nbf": T0 + DAY}))),
            NotYetValid,
        ),
        Check::new(
            "machine_signed_by_other_key_under_vendor_kid",
            &sign(
                other,
                &machine_header,
                &json_text(&machine_claims(json!({}))),
            ),
            BadSignature,
        ),
        Check::new(
            "machine_by_untrusted_key",
            &sign(
                other,
                &typed_header("keyctl-machine+jwt", other.kid()),
                &json_text(&machine_claims(json!({}))),
            ),
            BadSignature,
        ),
        Check::new("machine_edited_exp", &edited, BadSignature),
        Check::new(
            "machine_tampered_signature",
            &flip_signature_bit(&valid),
            BadSignature,
        ),
        Check::new("license_is_not_a_machine_file", &license_token, Malformed),
        Check::new(
            "machine_from_the_future",
            &signed(&machine_claims(json!({"iat": T0 + HOUR, "nbf": T0 + HOUR}))),
            ClockRollback,
        ),
        Check::new("machine_clock_set_back_an_hour", &valid, ClockRollback).state(T0 + HOUR),
        Check::new("machine_revoked_in_status_list", &with_status(1), Revoked).list("current"),
        Check::new("machine_valid_in_status_list", &with_status(0), Valid).list("current"),
        Check::new(
            "machine_status_list_expired",
            &with_status(0),
            StatusUnknown,
        )
        .list("expired"),
    ]
}

fn license_checks(vendor: &KeyPair) -> Vec<Check> {
    use Outcome::*;
    let signed = |claims: &Value| sign(vendor, &header(vendor.kid()), &json_text(claims));
    let at = |idx| {
        signed(&claims(
            "lic_vector_status",
            json!({"status": status_claim(idx)}),
        ))
    };
    let plain = signed(&claims("lic_vector_native", json!({})));
    let machine_as_license = sign(
        vendor,
        &typed_header("keyctl-machine+jwt", vendor.kid()),
        &json_text(&machine_claims(json!({}))),
    );
    vec![
        Check::new("status_valid", &at(0), Valid).list("current"),
        Check::new("status_revoked", &at(1), Revoked).list("current"),
        Check::new("status_suspended", &at(2), Revoked).list("current"),
        Check::new("status_undefined_value_3", &at(3), StatusUnknown).list("current"),
        Check::new("status_index_not_covered", &at(16), StatusUnknown).list("current"),
        Check::new("status_list_expired", &at(0), StatusUnknown).list("expired"),
        Check::new("status_list_revoked_entry_cleared", &at(1), StatusUnknown)
            .list("revoked_entry_cleared_under_old_signature"),
        Check::new("status_list_untrusted_key", &at(0), StatusUnknown)
            .list("signed_by_untrusted_key"),
        Check::new("status_list_bits_1", &at(0), StatusUnknown).list("bits_1"),
        Check::new("status_list_from_the_future", &at(0), ClockRollback).list("from_the_future"),
        Check::new("status_claim_without_list_is_unchanged", &at(1), Valid),
        Check::new("no_status_claim_with_list_is_valid", &plain, Valid).list("current"),
        Check::new(
            "license_from_the_future",
            &signed(&claims("lic_vector_native", json!({"iat": T0 + HOUR}))),
            ClockRollback,
        ),
        Check::new("clock_set_back_an_hour", &plain, ClockRollback).state(T0 + HOUR),
        Check::new("clock_within_five_minutes_of_state", &plain, Valid).state(T0 + 300),
        Check::new("state_advances_to_now", &plain, Valid).state(T0 - DAY),
        Check::new(
            "machine_file_is_not_a_license",
            &machine_as_license,
            Malformed,
        ),
    ]
}

/// The status lists of the file, by name, as tokens.
type Lists = [(String, String)];

/// The verdict of one check, as the file holds it: the named list verified at the check's
/// `now`, the state rebuilt from its time.
fn verdict_of(check: &Check, machine: bool, lists: &Lists, trusted: &TrustedKeys) -> Value {
    let list: Option<Result<VerifiedStatusList, StatusListError>> =
        check.status_list.as_ref().map(|name| {
            let (_, token) = lists
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("no list {name}"));
            status_list::verify(token, trusted, check.now)
        });
    let state = check.state.map(ClockState::new);
    let evidence = Evidence {
        status_list: list.as_ref(),
        clock: state.as_ref(),
    };
    let (outcome, reason, json) = if machine {
        let ctx = MachineContext {
            hwid: &check.hwid,
            product: &check.product,
            nonce: check.nonce.as_deref(),
            now: check.now,
            leeway: LEEWAY,
        };
        let checked = offline::verify_machine(&check.token, trusted, &ctx, &evidence);
        let json = without_valid(checked.to_json());
        (checked.verdict.outcome, checked.verdict.reason, json)
    } else {
        let ctx = Context {
            product: &check.product,
            domain: None,
            machine: None,
            now: check.now,
            leeway: LEEWAY,
        };
        let checked = offline::verify_license(&check.token, trusted, &ctx, None, &evidence);
        let json = without_valid(checked.to_json());
        (checked.verdict.outcome, checked.verdict.reason, json)
    };
    assert_eq!(outcome, check.code, "vector {}: {reason}", check.name);
    sorted(&json)
}

/// The offline verdict's JSON without `valid` (implied by `code`), as the file holds it.
fn without_valid(mut json: Value) -> Value {
    json.as_object_mut().expect("an object").remove("valid");
    json
}

fn check_json(check: &Check, verdict: Value) -> Value {
    let mut json = json!({
        "name": check.name,
        "token": check.token,
        "hwid": check.hwid,
        "product": check.product,
        "nonce": check.nonce,
        "now": check.now,
        "leeway": LEEWAY,
        "status_list": check.status_list,
        "state": check.state.map(|latest| json!({"version": 1, "latest_trusted": latest})),
    });
    json["verdict"] = verdict;
    json
}

fn request_codes() -> Value {
    let good = |name: &str, lic: &str, hwid: &str, product: &str, nonce: &str| {
        let request = MachineRequest::with_nonce(lic, hwid, product, nonce).expect("a request");
        let json_text = format!(
            r#"{{"lic":"{lic}","hwid":"{}","product":"{product}","nonce":"{nonce}"}}"#,
            hwid_hash(hwid)
        );
        let code = b64(json_text.as_bytes());
        assert_eq!(request.encode(), code, "vector {name}");
        json!({"name": name, "lic": lic, "hwid": hwid, "product": product, "nonce": nonce,
               "hwid_hash": hwid_hash(hwid), "json": json_text, "code": code, "error": null})
    };
    let bad = |name: &str, code: String| {
        let error = MachineRequest::decode(&code).expect_err(name).to_string();
        json!({"name": name, "code": code, "error": error})
    };
    let longest_lic = format!("lic_{}", "x".repeat(60));
    json!([
        good(
            "request",
            "lic_01kb0x2d3qz8f6m1w4t7y9c5hp",
            HWID,
            "app",
            NONCE
        ),
        good(
            "request_longest",
            &longest_lic,
            HWID,
            &"p".repeat(32),
            "________________"
        ),
        bad("request_not_base64url", "not a code!".into()),
        bad(
            "request_missing_nonce",
            b64(br#"{"lic":"lic_a","hwid":"00","product":"app"}"#)
        ),
        bad(
            "request_hwid_not_hashed",
            b64(
                format!(r#"{{"lic":"lic_a","hwid":"{HWID}","product":"app","nonce":"n"}}"#)
                    .as_bytes()
            ),
        ),
        bad("request_too_long", "A".repeat(300)),
    ])
}

/// The file as it must be.
pub fn generate() -> Value {
    let vendor = fixture_key("vendor");
    let other = fixture_key("other");
    let pem_path = workspace_path("tests/fixtures/vendor.pub.pem");
    let pem = std::fs::read_to_string(&pem_path).unwrap_or_else(|e| panic!("{pem_path}: {e}"));
    let trusted = TrustedKeys::new(vec![vendor.public()]);
    let lists = status_lists(&vendor, &other);
    let named: Vec<(String, String)> = lists
        .iter()
        .map(|(name, token, _)| (name.to_string(), token.clone()))
        .collect();
    let machines: Vec<Value> = machine_checks(&vendor, &other)
        .iter()
        .map(|check| check_json(check, verdict_of(check, true, &named, &trusted)))
        .collect();
    let licenses: Vec<Value> = license_checks(&vendor)
        .iter()
        .map(|check| check_json(check, verdict_of(check, false, &named, &trusted)))
        .collect();
    json!({
        "description": DESCRIPTION,
        "keys": {"jwks": json_text(&keys::jwks([&vendor.public()])), "pem": pem},
        "status_lists": lists.iter().map(|(name, token, bytes)| json!({
            "name": name, "token": token, "bytes_hex": hex::encode(bytes),
        })).collect::<Vec<_>>(),
        "machine_files": machines,
        "license_checks": licenses,
        "request_codes": request_codes(),
    })
}

/// Checks every committed case with the core, from the file alone.
pub fn check_committed(file: &Value) {
    let from_pem =
        keys::PublicKey::parse_public(file["keys"]["pem"].as_str().unwrap(), "pem").unwrap();
    let trusted = TrustedKeys::new(from_pem);
    let named: Vec<(String, String)> = file["status_lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|list| {
            (
                list["name"].as_str().unwrap().to_owned(),
                list["token"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for list in file["status_lists"].as_array().unwrap() {
        let lst_bytes = status_list::verify(list["token"].as_str().unwrap(), &trusted, T0)
            .map(|v| hex::encode(v.list.as_bytes()));
        if let Ok(bytes) = lst_bytes {
            assert_eq!(
                bytes,
                list["bytes_hex"].as_str().unwrap(),
                "list {}",
                list["name"]
            );
        }
    }
    for (member, machine) in [("machine_files", true), ("license_checks", false)] {
        for case in file[member].as_array().unwrap() {
            let text = |name: &str| case[name].as_str().map(str::to_owned);
            let check = Check {
                name: text("name").unwrap(),
                token: text("token").unwrap(),
                hwid: text("hwid").unwrap(),
                product: text("product").unwrap(),
                nonce: text("nonce"),
                now: case["now"].as_i64().unwrap(),
                status_list: text("status_list"),
                state: case["state"]["latest_trusted"].as_i64(),
                code: Outcome::ALL
                    .into_iter()
                    .find(|o| o.code() == case["verdict"]["code"])
                    .expect("a known code"),
            };
            assert_eq!(
                verdict_of(&check, machine, &named, &trusted),
                case["verdict"],
                "vector {}",
                check.name
            );
        }
    }
    for case in file["request_codes"].as_array().unwrap() {
        let decoded = MachineRequest::decode(case["code"].as_str().unwrap());
        match case["error"].as_str() {
            Some(error) => assert_eq!(decoded.unwrap_err().to_string(), error),
            None => {
                let request = decoded.expect("a good code");
                assert_eq!(request.lic, case["lic"].as_str().unwrap());
                assert_eq!(request.hwid, case["hwid_hash"].as_str().unwrap());
                assert_eq!(request.nonce, case["nonce"].as_str().unwrap());
            }
        }
    }
}
