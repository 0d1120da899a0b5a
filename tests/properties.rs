//! Property tests (proptest) of keyctl's pure logic: the round trips of short keys, licenses,
//! key files, request signatures and durations, and the tamper space of a license (no
//! single-byte change to a valid token verifies).
//!
//! Unlike the other modules these call the library directly: a property needs hundreds of
//! cases, and the binary adds nothing to a pure function but a process per case. Case counts
//! are set per property so the whole module stays within a few seconds in a debug build.

use std::sync::LazyLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use keyctl::keys::{jwks, KeyPair, PublicKey, TrustedKeys};
use keyctl::license::{self, Claims, Context, IssueRequest, Outcome, ShortKey, Verdict};
use keyctl::signer::{self, Scheme, SignedRequest, DEFAULT_MAX_SKEW};
use keyctl::time::{self, DayEdge, Timestamp};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use crate::common::{self, Sandbox, T0};

/// A proptest configuration running `cases` cases.
fn cases(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z: the span license times are drawn from.
const Y2000: Timestamp = 946_684_800;
const Y2100: Timestamp = 4_102_444_800;
const YEAR: Timestamp = 365 * 86_400;
/// 9999-12-31T23:59:59Z, the latest instant keyctl accepts anywhere.
const MAX_SECONDS: i64 = 253_402_300_799;

/// Text any person might type: anything but control characters, never blank.
fn text(max_chars: usize) -> impl Strategy<Value = String> {
    vec(
        any::<char>().prop_filter("control", |c| !c.is_control()),
        1..=max_chars,
    )
    .prop_map(String::from_iter)
    .prop_filter("blank", |text| !text.trim().is_empty())
}

// ---- short keys -----------------------------------------------------------------------------

/// The canonical form of a short key: any 25 characters of Crockford's alphabet (125 bits
/// fill them exactly, so every such string is a key).
fn canonical_short_key() -> impl Strategy<Value = String> {
    "[0-9A-HJKMNP-TV-Z]{25}"
}

/// How a person might type each character of a key (or of a near miss, one longer): its
/// case, its look-alikes, and a separator (none, `-` or a space) after it, plus one before.
fn typing() -> impl Strategy<Value = Vec<(u8, u8)>> {
    vec((0..5u8, 0..3u8), 27)
}

/// `key` as typed with `choices`: letters in either case, `1` as `I`/`i`/`L`/`l`, `0` as
/// `O`/`o`, and dashes or spaces before, between and after the characters.
fn typed(key: &str, choices: &[(u8, u8)]) -> String {
    let separator = |choice: u8| ["", "-", " "][usize::from(choice % 3)];
    let mut out = separator(choices[0].1).to_owned();
    for (c, &(spelling, after)) in key.chars().zip(&choices[1..]) {
        let spelt = match c {
            '1' => ['1', 'I', 'i', 'L', 'l'][usize::from(spelling % 5)],
            '0' => ['0', 'O', 'o'][usize::from(spelling % 3)],
            c if spelling % 2 == 1 => c.to_ascii_lowercase(),
            c => c,
        };
        out.push(spelt);
        out.push_str(separator(after));
    }
    out
}

/// Asserts what every parsed key must be: 25 canonical characters, shown as five dashed
/// groups that parse back to it.
fn assert_canonical(key: &ShortKey) {
    let canonical = key.as_str();
    assert_eq!(canonical.len(), 25, "{canonical}");
    assert!(canonical
        .bytes()
        .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)));
    let shown = key.display();
    assert_eq!(shown.len(), 29);
    let groups: Vec<&str> = shown.split('-').collect();
    assert_eq!(groups.concat(), canonical);
    assert!(groups.iter().all(|group| group.len() == 5), "{shown}");
    assert_eq!(ShortKey::parse(&shown).as_ref(), Some(key));
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn short_keys_parse_back_from_any_typed_form(
        canonical in canonical_short_key(),
        choices in typing(),
    ) {
        let key = ShortKey::parse(&canonical).expect("a canonical key parses");
        prop_assert_eq!(key.as_str(), canonical.as_str());
        assert_canonical(&key);
        let shown = key.display();
        prop_assert_eq!(ShortKey::parse(&shown.to_lowercase()), Some(key.clone()));
        prop_assert_eq!(ShortKey::parse(&shown.replace('-', "")), Some(key.clone()));
        let typed = typed(&canonical, &choices);
        prop_assert_eq!(ShortKey::parse(&typed), Some(key.clone()), "typed {:?}", typed);
    }

    #[test]
    fn near_misses_of_a_short_key_are_refused(
        canonical in canonical_short_key(),
        choices in typing(),
        at in any::<Index>(),
        edit in 0..3u8,
        stranger in select(vec!['U', 'u', '*', '_', '.', '/', 'é', 'ü', 'İ', '١', '\u{0}']),
    ) {
        let mut chars: Vec<char> = canonical.chars().collect();
        let at = at.index(chars.len());
        match edit {
            0 => { chars.remove(at); }
            1 => chars.insert(at, chars[at]),
            _ => chars[at] = stranger,
        }
        let near: String = chars.into_iter().collect();
        let typed = typed(&near, &choices);
        prop_assert_eq!(ShortKey::parse(&typed), None, "typed {:?}", typed);
    }

    #[test]
    fn short_keys_over_64_characters_are_refused(
        canonical in canonical_short_key(),
        padding in 40..200usize,
    ) {
        for padding in [40, padding] {
            let padded = format!("{}{canonical}", " ".repeat(padding));
            prop_assert_eq!(ShortKey::parse(&padded), None, "{} spaces", padding);
        }
        // Up to the bound the same padding is fine.
        let fits = format!("{}{canonical}", " ".repeat(39));
        prop_assert!(ShortKey::parse(&fits).is_some());
    }

    #[test]
    fn short_keys_parse_exactly_as_documented(
        text in prop_oneof![
            "[0-9A-Za-z \\-]{20,40}",
            "[0-9a-zA-Z\\-ÄéİıſK ]{0,70}",
            vec(any::<char>(), 0..300).prop_map(String::from_iter),
        ],
    ) {
        // Never a panic, whatever the text; a key exactly when the rules say so.
        let key = ShortKey::parse(&text);
        let expected = short_key_named_by(&text);
        prop_assert_eq!(key.as_ref().map(ShortKey::as_str), expected.as_deref(), "{:?}", text);
        if let Some(key) = key {
            assert_canonical(&key);
        }
    }
}

/// The canonical key `text` names by the rules of `docs/formats.md`, worked out here
/// independently: at most 64 characters; dashes and spaces dropped; any case; `I`/`L` read
/// as `1` and `O` as `0`; then exactly 25 characters of the alphabet.
fn short_key_named_by(text: &str) -> Option<String> {
    if text.chars().count() > 64 {
        return None;
    }
    let canonical: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            c => c,
        })
        .collect();
    let alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    (canonical.chars().count() == 25 && canonical.chars().all(|c| alphabet.contains(c)))
        .then_some(canonical)
}

// ---- licenses -------------------------------------------------------------------------------

/// The issuer name on every generated license.
const ISSUER: &str = "Prop Vendor";

/// The key every generated license is signed with, and the keys that trust it.
static VENDOR: LazyLock<KeyPair> = LazyLock::new(|| KeyPair::from_seed(&[42; 32]));
static TRUSTED: LazyLock<TrustedKeys> = LazyLock::new(|| TrustedKeys::new(vec![VENDOR.public()]));

/// A product id: 1-64 of `[A-Za-z0-9_.-]`.
fn product_id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.\\-]{1,64}"
}

/// A host name or a `*.` pattern of one, in mixed case (licenses carry them lowercased).
fn domain() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        vec("[a-zA-Z0-9]([a-zA-Z0-9\\-]{0,6}[a-zA-Z0-9])?", 1..=3),
        select(vec!["com", "org", "dev", "IO"]),
    )
        .prop_map(|(wildcard, labels, tld)| {
            // Under a fixed registrable name, so that no generated host is itself a public
            // suffix (`4u.com` is one), which issuance rightly refuses.
            let host = format!("{}.keyctl-prop.{tld}", labels.join("."));
            if wildcard {
                format!("*.{host}")
            } else {
                host
            }
        })
}

/// Free-form vendor data: a few members of integers, text, booleans and lists.
///
/// No floats: serde_json (without its `float_roundtrip` feature) reads some 17-digit
/// floats back one unit in the last place off, so such a `meta` would not survive the JWT.
fn meta() -> impl Strategy<Value = Option<Map<String, Value>>> {
    let value = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        text(20).prop_map(Value::from),
        vec(any::<u16>(), 0..3).prop_map(|list| json!(list)),
    ];
    proptest::option::of(proptest::collection::btree_map("[a-z_]{1,8}", value, 0..4))
        .prop_map(|members| members.map(Map::from_iter))
}

/// Not-before and expiry, each optional, within 2000-2100, not-before strictly first.
fn window() -> impl Strategy<Value = (Option<Timestamp>, Option<Timestamp>)> {
    (Y2000..Y2100, 1..10 * YEAR, any::<bool>(), any::<bool>()).prop_map(
        |(start, length, has_nbf, has_exp)| {
            (has_nbf.then_some(start), has_exp.then_some(start + length))
        },
    )
}

/// Any request `license::validate` accepts.
fn issue_request() -> impl Strategy<Value = IssueRequest> {
    (
        text(40),
        vec(product_id(), 1..=4),
        window(),
        proptest::option::of(prop_oneof![Just(-1i64), 1..10_000i64]),
        vec(domain(), 0..=3),
        vec(text(24), 0..=4),
        meta(),
    )
        .prop_map(
            |(
                licensee,
                products,
                (not_before, expires),
                max_activations,
                domains,
                features,
                meta,
            )| {
                IssueRequest {
                    licensee,
                    products,
                    expires,
                    not_before,
                    max_activations,
                    domains,
                    features,
                    meta,
                    status: None,
                }
            },
        )
}

/// When the licenses of these properties are issued: before any window (issuance refuses
/// an expiry that is not in the future).
const ISSUED_AT: Timestamp = Y2000 - 1;

/// A license of `request` issued at [`ISSUED_AT`] by the vendor key.
fn issue(request: &IssueRequest) -> license::IssuedLicense {
    license::issue(ISSUER, &VENDOR, request, ISSUED_AT).expect("a valid request is issued")
}

/// Where a license is used: a product, and the host a web product runs on.
#[derive(Clone, Debug)]
struct Scope {
    product: String,
    domain: Option<String>,
}

impl Scope {
    /// A scope `request`'s license covers: one of its products and, when it names domains,
    /// a host one of them allows (as typed, in mixed case).
    fn covered(request: &IssueRequest, product: Index, domain: Index) -> Self {
        let product = request.products[product.index(request.products.len())].clone();
        let domain = (!request.domains.is_empty()).then(|| {
            let pattern = &request.domains[domain.index(request.domains.len())];
            match pattern.strip_prefix("*.") {
                Some(base) => format!("Sub.{base}"),
                None => pattern.clone(),
            }
        });
        Scope { product, domain }
    }
}

/// A valid request, and a scope its license covers.
fn request_in_scope() -> impl Strategy<Value = (IssueRequest, Scope)> {
    (issue_request(), any::<Index>(), any::<Index>()).prop_map(|(request, product, domain)| {
        let scope = Scope::covered(&request, product, domain);
        (request, scope)
    })
}

/// `license::verify` of `token` with the vendor's key, for `scope` at `now`.
fn verify(token: &str, scope: &Scope, now: Timestamp, leeway: i64) -> Verdict {
    let context = Context {
        product: &scope.product,
        domain: scope.domain.as_deref(),
        machine: None,
        now,
        leeway,
    };
    license::verify(token, &TRUSTED, &context, None)
}

/// Checks that `issued` verified for `scope` at `now` is `outcome` for `reason`, and
/// exposes exactly the claims it was issued with.
fn assert_verdict(
    issued: &license::IssuedLicense,
    scope: &Scope,
    now: Timestamp,
    leeway: i64,
    outcome: Outcome,
    reason: &str,
) -> Result<(), TestCaseError> {
    let verdict = verify(&issued.jwt, scope, now, leeway);
    prop_assert_eq!(
        verdict.outcome,
        outcome,
        "at {} for {:?}: {}",
        now,
        scope,
        verdict.reason
    );
    prop_assert_eq!(verdict.reason, reason);
    prop_assert_eq!(verdict.claims.as_ref(), Some(&issued.claims));
    Ok(())
}

/// Where in its window a license is checked: the first or last instant the leeway allows,
/// or any instant between (an offset into the window).
#[derive(Clone, Copy, Debug)]
enum Inside {
    First,
    Last,
    Between(u64),
}

/// An instant inside `request`'s window: its start, else its expiry, else 2030.
fn valid_time(request: &IssueRequest) -> Timestamp {
    request.not_before.or(request.expires).unwrap_or(T0)
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn issued_claims_are_the_request(request in issue_request()) {
        let claims = issue(&request).claims;
        let lowercased: Vec<String> = request.domains.iter().map(|d| d.to_ascii_lowercase()).collect();
        let expected = Claims {
            iss: ISSUER.to_owned(),
            sub: request.licensee.clone(),
            jti: claims.jti.clone(),
            iat: ISSUED_AT,
            nbf: request.not_before,
            exp: request.expires,
            products: request.products.clone(),
            domains: lowercased,
            max_activations: request.max_activations,
            features: request.features.clone(),
            meta: request.meta.clone(),
            status: None,
        };
        prop_assert_eq!(&claims, &expected);
        prop_assert!(license::is_valid_license_id(&claims.jti), "{}", claims.jti);
    }

    #[test]
    fn licenses_verify_inside_their_window(
        (request, scope) in request_in_scope(),
        leeway in 0..=300i64,
        at in prop_oneof![Just(Inside::First), Just(Inside::Last), any::<u64>().prop_map(Inside::Between)],
    ) {
        let issued = issue(&request);
        let first = request.not_before.map_or(0, |nbf| nbf - leeway);
        let last = request.expires.map_or(MAX_SECONDS, |exp| exp + leeway);
        let now = match at {
            Inside::First => first,
            Inside::Last => last,
            Inside::Between(offset) => first + (offset % (last - first + 1) as u64) as i64,
        };
        assert_verdict(&issued, &scope, now, leeway, Outcome::Valid, "")?;
    }

    #[test]
    fn licenses_outside_their_window_are_expired_or_not_yet_valid(
        (request, scope) in request_in_scope(),
        leeway in 0..=300i64,
        after in any::<bool>(),
        distance in prop_oneof![Just(1), 1..=10 * YEAR],
    ) {
        let issued = issue(&request);
        // After the expiry, or before the start when there is one and `after` is false.
        let expiry = request.expires.filter(|_| after || request.not_before.is_none());
        let (now, outcome, reason) = match (expiry, request.not_before) {
            (Some(exp), _) => (
                exp + leeway + distance,
                Outcome::Expired,
                format!("expired at {}", common::rfc3339(exp)),
            ),
            (None, Some(nbf)) => (
                nbf - leeway - distance,
                Outcome::NotYetValid,
                format!("not valid before {}", common::rfc3339(nbf)),
            ),
            (None, None) => return Ok(()),
        };
        assert_verdict(&issued, &scope, now, leeway, outcome, &reason)?;
    }

    #[test]
    fn licenses_refuse_products_and_hosts_they_do_not_cover(
        (request, covered) in request_in_scope(),
        stranger in product_id(),
        refusal in 0..3u8,
    ) {
        prop_assume!(!request.products.contains(&stranger));
        let issued = issue(&request);
        let domains = issued.claims.domains.join(", ");
        // `.invalid` is never generated, so no pattern allows this host.
        let nowhere = Scope { domain: Some("nowhere.invalid".into()), ..covered.clone() };
        let (scope, reason) = match refusal {
            0 => {
                let products = issued.claims.products.join(", ");
                let reason = format!("product `{stranger}` is not covered (the license covers {products})");
                (Scope { product: stranger, ..covered }, reason)
            }
            1 if domains.is_empty() => {
                let reason = "domain `nowhere.invalid` is not among the license's domains (none)";
                (nowhere, reason.to_owned())
            }
            1 => {
                let reason = format!("domain `nowhere.invalid` is not among the license's domains ({domains})");
                (nowhere, reason)
            }
            _ if domains.is_empty() => return Ok(()),
            _ => {
                let reason = format!("the license is for domains {domains} and no domain was given");
                (Scope { domain: None, ..covered }, reason)
            }
        };
        let now = valid_time(&request);
        assert_verdict(&issued, &scope, now, 0, Outcome::ScopeMismatch, &reason)?;
    }
}

// ---- the tamper space -----------------------------------------------------------------------

/// The base64url alphabet and the JWS separator: the bytes that keep a token looking right.
const TOKEN_BYTES: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

/// Where in a token an edit lands: anywhere, or a few places from its end, where the
/// signature's spare bits are and padding would go.
#[derive(Clone, Copy, Debug)]
enum At {
    Anywhere(usize),
    FromEnd(usize),
}

impl At {
    /// The index among `places` (bytes, or the gaps an insertion may fill).
    fn among(self, places: usize) -> usize {
        match self {
            At::Anywhere(at) => at % places,
            At::FromEnd(back) => places - 1 - back % places,
        }
    }
}

/// One single-byte change of a token.
#[derive(Clone, Copy, Debug)]
enum Edit {
    Replace(At, u8),
    Delete(At),
    Insert(At, u8),
}

impl Edit {
    /// `token` with this edit made; `None` when it changes nothing (a byte replaced by itself).
    fn apply(self, token: &str) -> Option<Vec<u8>> {
        let mut bytes = token.as_bytes().to_vec();
        let len = bytes.len();
        match self {
            Edit::Replace(at, byte) if bytes[at.among(len)] == byte => return None,
            Edit::Replace(at, byte) => bytes[at.among(len)] = byte,
            Edit::Delete(at) => {
                bytes.remove(at.among(len));
            }
            Edit::Insert(at, byte) => bytes.insert(at.among(len + 1), byte),
        }
        Some(bytes)
    }
}

/// Any single-byte edit, with the byte often one that keeps the token valid base64url (or
/// is padding, which a lenient decoder would accept).
fn edit() -> impl Strategy<Value = Edit> {
    let at = || {
        prop_oneof![
            any::<usize>().prop_map(At::Anywhere),
            (0..4usize).prop_map(At::FromEnd)
        ]
    };
    let byte = || prop_oneof![any::<u8>(), select(TOKEN_BYTES), Just(b'=')];
    prop_oneof![
        2 => (at(), byte()).prop_map(|(at, byte)| Edit::Replace(at, byte)),
        1 => at().prop_map(Edit::Delete),
        1 => (at(), byte()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
    ]
}

/// Checks that a valid license changed in one byte does not verify. A non-ASCII byte in an
/// ASCII token leaves no text to verify at all; anything else must be refused as
/// malformed or as a bad signature, with no claims exposed.
fn refused(changed: Vec<u8>, verify: impl Fn(&str) -> Verdict) -> Result<(), TestCaseError> {
    match String::from_utf8(changed) {
        Err(err) => prop_assert!(err.as_bytes().iter().any(|b| !b.is_ascii())),
        Ok(token) => {
            let verdict = verify(&token);
            prop_assert!(
                matches!(verdict.outcome, Outcome::Malformed | Outcome::BadSignature),
                "{:?} for {}: {}",
                verdict.outcome,
                token,
                verdict.reason
            );
            prop_assert_eq!(verdict.claims, None);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn no_single_byte_change_of_a_license_verifies(
        (request, scope) in request_in_scope(),
        edit in edit(),
    ) {
        // `licenses_verify_inside_their_window` shows the untouched license is valid here.
        let issued = issue(&request);
        let now = valid_time(&request);
        if let Some(changed) = edit.apply(&issued.jwt) {
            refused(changed, |token| verify(token, &scope, now, 0))?;
        }
    }
}

/// The next byte of the base64url alphabet after `byte` (wrapping), or `A` for a byte
/// outside it: a replacement that keeps a part valid base64url.
fn next_base64url(byte: u8) -> u8 {
    let alphabet = &TOKEN_BYTES[..64];
    match alphabet.iter().position(|&b| b == byte) {
        Some(at) => alphabet[(at + 1) % 64],
        None => b'A',
    }
}

#[test]
fn every_single_byte_change_of_a_small_license_is_refused() {
    // A fixed, small license (about 300 bytes) signed with the fixture key, so every run
    // checks the same few thousand tokens.
    let token = common::vendor().sign(&common::claims(json!({})));
    let pem = std::fs::read_to_string(common::vendor().public_pem()).unwrap();
    let trusted = TrustedKeys::new(PublicKey::parse_any(&pem, "vendor.pub.pem").unwrap());
    let verify = |token: &str| {
        let context = Context {
            product: "app",
            domain: None,
            machine: None,
            now: T0,
            leeway: 0,
        };
        license::verify(token, &trusted, &context, None)
    };
    assert!(verify(&token).is_valid());

    let mut edits = vec![
        Edit::Insert(At::FromEnd(0), b'A'),
        Edit::Insert(At::FromEnd(0), b'='),
    ];
    for (at, &byte) in token.as_bytes().iter().enumerate() {
        for replacement in [next_base64url(byte), b'.', b'=', b' ', 0xC3] {
            edits.push(Edit::Replace(At::Anywhere(at), replacement));
        }
        edits.push(Edit::Delete(At::Anywhere(at)));
        edits.push(Edit::Insert(At::Anywhere(at), b'A'));
    }
    let mut checked = 0;
    for edit in edits {
        if let Some(changed) = edit.apply(&token) {
            refused(changed, verify).unwrap_or_else(|err| panic!("{edit:?}: {err}"));
            checked += 1;
        }
    }
    assert!(checked > 2000, "only {checked} tokens checked");
}

// ---- request signing ------------------------------------------------------------------------

/// A license as a signer sees it, and its `jti` when it has one: a JWT-shaped token whose
/// payload carries members of any size before the `jti` (so it sometimes lies beyond the
/// prefix the signer decodes first), or for MIO4, which signs any token, any text at all.
fn signable_license(scheme: Scheme) -> BoxedStrategy<(String, Option<String>)> {
    let member = |max_chars| {
        ("[a-z]{1,8}", text(max_chars))
            .prop_filter("a second jti", |(name, _)| name != "jti")
            .prop_map(|(name, value)| format!("{}:{}", json!(name), json!(value)))
    };
    let jwt = (
        vec(member(120), 0..4),
        "[A-Za-z0-9_\\-]{1,64}",
        vec(member(40), 0..3),
        vec(any::<u8>(), 64),
    )
        .prop_map(|(before, jti, after, signature)| {
            let jti_member = format!("\"jti\":{}", json!(jti));
            let members: Vec<String> = before
                .into_iter()
                .chain([jti_member])
                .chain(after)
                .collect();
            let payload = format!("{{{}}}", members.join(","));
            let token = format!(
                "{}.{}.{}",
                B64URL.encode(r#"{"alg":"EdDSA","typ":"JWT"}"#),
                B64URL.encode(payload),
                B64URL.encode(signature)
            );
            (token, Some(jti))
        });
    match scheme {
        Scheme::Keyctl1 => jwt.boxed(),
        Scheme::Mio4 => prop_oneof![jwt, text(200).prop_map(|text| (text, None))].boxed(),
    }
}

/// The three datetime forms: `20261123T091500Z`, `2026-11-23T09:15:00Z` and
/// `2026-11-23T09:15:00.123Z` (MIO4 only), made here independently of keyctl.
fn datetime(scheme: Scheme, time: Timestamp, form: u8, millis: u16) -> String {
    let rfc3339 = common::rfc3339(time);
    match (scheme, form % 3) {
        (Scheme::Keyctl1, _) | (Scheme::Mio4, 0) => rfc3339.replace(['-', ':'], ""),
        (Scheme::Mio4, 1) => rfc3339,
        (Scheme::Mio4, _) => format!("{}.{millis:03}Z", &rfc3339[..19]),
    }
}

/// A signed request ready to check: scheme, license, its `jti`, secret, datetime, and the
/// instant the datetime stands for.
#[derive(Clone, Debug)]
struct Signing {
    scheme: Scheme,
    license: String,
    jti: Option<String>,
    secret: String,
    datetime: String,
    time: Timestamp,
}

/// A secret: any text without control characters. HMAC pads short keys with zero bytes,
/// so `s` and `s` followed by NULs are the same key; no secret keyctl issues has a NUL.
fn secret() -> impl Strategy<Value = String> {
    text(100)
}

fn signing() -> impl Strategy<Value = Signing> {
    (
        select(vec![Scheme::Keyctl1, Scheme::Mio4]),
        0..=MAX_SECONDS,
        0..3u8,
        0..1000u16,
        secret(),
    )
        .prop_flat_map(|(scheme, time, form, millis, secret)| {
            signable_license(scheme).prop_map(move |(license, jti)| Signing {
                scheme,
                license,
                jti,
                secret: secret.clone(),
                datetime: datetime(scheme, time, form, millis),
                time,
            })
        })
}

impl Signing {
    /// The signature keyctl makes for this request.
    fn sign(&self) -> signer::Signature {
        signer::sign(self.scheme, &self.secret, &self.datetime, &self.license)
            .expect("a valid request is signed")
    }

    /// Checks `signature` over `license` and `datetime` with `secret`, at `now`.
    fn check(
        &self,
        license: &str,
        datetime: &str,
        signature: &str,
        secret: &str,
        now: Timestamp,
    ) -> Result<(), Outcome> {
        let request = SignedRequest {
            scheme: self.scheme,
            license,
            datetime,
            signature,
        };
        signer::verify_request(&request, now, DEFAULT_MAX_SKEW, |_| Some(secret))
            .map_err(|verdict| verdict.outcome)
    }
}

/// The license as the protocol signs it: without surrounding ASCII whitespace.
fn trimmed(license: &str) -> &str {
    license.trim_matches(|c: char| c.is_ascii_whitespace())
}

/// `text` with its character at `at` (modulo its length) replaced by `c`; `None` when that
/// changes nothing.
fn replace_char(text: &str, at: usize, c: char) -> Option<String> {
    let mut chars: Vec<char> = text.chars().collect();
    let at = at % chars.len();
    if chars[at] == c {
        return None;
    }
    chars[at] = c;
    Some(chars.into_iter().collect())
}

/// A replacement character: often one of the same kind (hex digit, datetime digit,
/// base64url), sometimes anything.
fn replacement() -> impl Strategy<Value = char> {
    prop_oneof![
        select(TOKEN_BYTES).prop_map(char::from),
        select(b"0123456789abcdefABCDEF:-.TZ ".as_slice()).prop_map(char::from),
        any::<char>(),
    ]
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn signed_requests_verify_at_their_datetime(request in signing()) {
        let signed = request.sign();
        prop_assert_eq!(signed.scheme, request.scheme);
        prop_assert_eq!(&signed.license_id, &request.jti);
        prop_assert_eq!(&signed.datetime, &request.datetime);
        prop_assert_eq!(signed.signature.len(), 64);
        prop_assert!(signed.signature.bytes().all(|b| b"0123456789abcdef".contains(&b)));
        let check = |license: &str, now| {
            request.check(license, &request.datetime, &signed.signature, &request.secret, now)
        };
        for now in [request.time, request.time - DEFAULT_MAX_SKEW, request.time + DEFAULT_MAX_SKEW] {
            prop_assert_eq!(check(&request.license, now), Ok(()), "at {}", now);
        }
        let padded = format!("\n {}\t\r\n", request.license);
        prop_assert_eq!(check(&padded, request.time), Ok(()));
        for now in [request.time - DEFAULT_MAX_SKEW - 1, request.time + DEFAULT_MAX_SKEW + 1] {
            prop_assert_eq!(check(&request.license, now), Err(Outcome::StaleRequest));
        }
    }

    #[test]
    fn no_single_character_change_of_a_signed_request_verifies(
        request in signing(),
        part in 0..3u8,
        at in any::<usize>(),
        c in replacement(),
    ) {
        let signed = request.sign();
        let (mut license, mut datetime, mut signature) =
            (request.license.clone(), request.datetime.clone(), signed.signature.clone());
        let changed = match part {
            0 => &mut signature,
            1 => &mut datetime,
            _ => &mut license,
        };
        let Some(change) = replace_char(changed, at, c) else {
            return Ok(());
        };
        *changed = change;
        // A datetime changed into another valid one is checked at that time, so that only
        // the signature can refuse it.
        let now = match request.scheme {
            Scheme::Keyctl1 => signer::parse_datetime(&datetime),
            Scheme::Mio4 => signer::parse_mio_datetime(&datetime),
        };
        let outcome = request.check(&license, &datetime, &signature, &request.secret, now.unwrap_or(request.time));
        if trimmed(&license) == trimmed(&request.license) && part == 2 {
            // Only whitespace around the license changed, which the protocol ignores.
            prop_assert_eq!(outcome, Ok(()));
        } else {
            prop_assert_eq!(outcome, Err(Outcome::BadRequestSignature));
        }
    }

    #[test]
    fn another_secret_does_not_verify(
        request in signing(),
        how in 0..3u8,
        unrelated in secret(),
        at in any::<usize>(),
        c in replacement(),
    ) {
        // Another secret altogether, or the secret changed in one character or one longer
        // (but not by a trailing NUL, the one change HMAC cannot see; see `secret`).
        let other = match how {
            0 => unrelated,
            1 => replace_char(&request.secret, at, c).unwrap_or(unrelated),
            _ => format!("{}{c}", request.secret),
        };
        prop_assume!(other != request.secret && !(how == 2 && c == '\0'));
        let signed = request.sign();
        let outcome = request.check(&request.license, &request.datetime, &signed.signature, &other, request.time);
        prop_assert_eq!(outcome, Err(Outcome::BadRequestSignature));
    }

    #[test]
    fn arbitrary_requests_are_refused_without_a_panic(
        scheme in select(vec![Scheme::Keyctl1, Scheme::Mio4]),
        license in prop_oneof![
            text(300),
            (text(50), text(300), text(50)).prop_map(|(a, b, c)| format!("{a}.{b}.{c}")),
            signable_license(Scheme::Keyctl1).prop_map(|(license, _)| license),
        ],
        datetime in prop_oneof![
            (0..=MAX_SECONDS, 0..3u8, 0..1000u16)
                .prop_map(|(time, form, millis)| datetime(Scheme::Mio4, time, form, millis)),
            "[0-9]{8}T[0-9]{6}Z",
            "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{3})?Z",
            vec(any::<char>(), 0..30).prop_map(String::from_iter),
        ],
        signature in prop_oneof![
            "[0-9a-f]{64}",
            vec(any::<char>(), 0..70).prop_map(String::from_iter),
        ],
        skew in -2 * DEFAULT_MAX_SKEW..=2 * DEFAULT_MAX_SKEW,
        secret in secret(),
    ) {
        let _ = signer::sign(scheme, &secret, &datetime, &license);
        // Near the datetime, when it is one, so that most requests reach the signature.
        let now = signer::parse_mio_datetime(&datetime).unwrap_or(T0) + skew;
        let request = SignedRequest { scheme, license: &license, datetime: &datetime, signature: &signature };
        let verdict = signer::verify_request(&request, now, DEFAULT_MAX_SKEW, |_| Some(&secret));
        // A guessed signature of 256 bits never matches.
        let refused = verdict.expect_err("a guessed signature is refused");
        prop_assert!(matches!(refused.outcome, Outcome::BadRequestSignature | Outcome::StaleRequest));
    }
}

#[test]
fn a_license_with_non_ascii_text_is_signed_and_checked_without_a_panic() {
    // The signer reads the `jti` from a prefix of the payload; cutting that prefix inside a
    // character panicked, in `sign`, `verify-request`, `/v1/validate` and the HTTP signer.
    let license = format!("a.x{}", "é".repeat(100));
    let datetime = "20261123T091500Z";
    let sandbox = Sandbox::new();
    let secret = sandbox.write("secret", "s");
    let sign = [
        "sign",
        &license,
        "--secret-file",
        &secret,
        "--datetime",
        datetime,
    ];

    let mut mac = Hmac::<Sha256>::new_from_slice(b"s").unwrap();
    mac.update(format!("MIO4-HMAC-SHA256\n{datetime}\n{license}").as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    let stdout = format!("datetime   {datetime}\nsignature  {expected}\n");
    sandbox
        .run(sign.iter().chain(&["--scheme", "mio"]))
        .expect(0, &stdout, "");
    sandbox.run(sign).error(
        2,
        "sign: the license has no readable license id (`jti`); it must be a keyctl license JWT",
    );

    let wrong = "a".repeat(64);
    for scheme in ["keyctl1", "mio"] {
        let args = [
            "verify-request",
            &license,
            "--secret-file",
            &secret,
            "--scheme",
            scheme,
            "--datetime",
            datetime,
            "--signature",
            &wrong,
            "--now",
            datetime,
        ];
        let line = "bad_request_signature: the request signature does not match\n";
        sandbox.run(args).expect(9, line, "");
    }
}

// ---- keys -----------------------------------------------------------------------------------

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn key_files_round_trip(seeds in vec(any::<[u8; 32]>(), 1..=4)) {
        let pairs: Vec<KeyPair> = seeds.iter().map(KeyPair::from_seed).collect();
        let publics: Vec<PublicKey> = pairs.iter().map(KeyPair::public).collect();
        for (pair, seed) in pairs.iter().zip(&seeds) {
            let public = pair.public();
            prop_assert_eq!(&*pair.seed(), seed);
            // The kid is the RFC 7638 thumbprint, computed here independently.
            let x = B64URL.encode(public.verifying_key().as_bytes());
            prop_assert_eq!(pair.kid(), common::thumbprint(&x));
            prop_assert_eq!(public.kid(), pair.kid());

            let private_pem = pair.to_pkcs8_pem();
            let again = KeyPair::from_pkcs8_pem(&private_pem, "key.pem").unwrap();
            prop_assert_eq!(&*again.seed(), seed);
            prop_assert_eq!(again.kid(), pair.kid());
            prop_assert_eq!(PublicKey::from_pem(&private_pem, "key.pem").unwrap(), public.clone());
            prop_assert_eq!(PublicKey::parse_any(&private_pem, "key.pem").unwrap(), vec![public.clone()]);

            let spki = public.to_spki_pem();
            prop_assert_eq!(PublicKey::parse_any(&spki, "pub.pem").unwrap(), vec![public.clone()]);

            let jwk = public.to_jwk();
            prop_assert_eq!(PublicKey::from_jwk(&jwk, "k.jwk").unwrap(), public.clone());
            prop_assert_eq!(PublicKey::parse_any(&jwk.to_string(), "k.jwk").unwrap(), vec![public.clone()]);

            let private_jwk = pair.to_private_jwk();
            prop_assert_eq!(B64URL.decode(private_jwk["d"].as_str().unwrap()).unwrap(), seed.to_vec());
            let mut public_members = private_jwk.clone();
            public_members.as_object_mut().unwrap().remove("d");
            prop_assert_eq!(&public_members, &jwk);
            // A private JWK read as a public one yields the public key, never the secret.
            prop_assert_eq!(PublicKey::parse_any(&private_jwk.to_string(), "k.jwk").unwrap(), vec![public]);
        }
        let set = jwks(&publics).to_string();
        prop_assert_eq!(PublicKey::parse_any(&set, "keys.jwks").unwrap(), publics);
    }
}

/// DER prefixes of an Ed25519 SPKI public key and a PKCS#8 v1 private key, each followed in
/// a real file by the 32 key bytes.
const SPKI_PREFIX: &str = "302a300506032b6570032100";
const PKCS8_PREFIX: &str = "302e020100300506032b657004220420";

/// Text that looks like a key file: a PEM block around DER that is random or starts like an
/// Ed25519 key, or a JWK (alone or in a JWKS) with members often right and `x` of any length.
fn key_file_like() -> impl Strategy<Value = String> {
    let der = prop_oneof![
        vec(any::<u8>(), 0..80),
        (
            select(vec![SPKI_PREFIX, PKCS8_PREFIX]),
            prop_oneof![vec(any::<u8>(), 32), vec(any::<u8>(), 0..40)],
        )
            .prop_map(|(prefix, key)| [hex::decode(prefix).unwrap(), key].concat()),
    ];
    let pem = (
        select(vec!["PUBLIC KEY", "PRIVATE KEY", "EC PRIVATE KEY"]),
        der,
        any::<bool>(),
    )
        .prop_map(|(label, der, wrap)| {
            let body = base64::engine::general_purpose::STANDARD.encode(der);
            let body = if wrap { body.replace('A', "\nA") } else { body };
            format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
        });
    let kty = prop_oneof![3 => Just("OKP"), 1 => select(vec!["EC", "oct", ""])];
    let crv = prop_oneof![3 => Just("Ed25519"), 1 => select(vec!["X25519", "P-256", ""])];
    let x = prop_oneof![vec(any::<u8>(), 32), vec(any::<u8>(), 0..40)];
    let jwk = (kty, crv, x, any::<bool>()).prop_map(|(kty, crv, x, set)| {
        let jwk = json!({"kty": kty, "crv": crv, "x": B64URL.encode(x)});
        if set {
            json!({"keys": [jwk]}).to_string()
        } else {
            jwk.to_string()
        }
    });
    prop_oneof![
        vec(any::<char>(), 0..300).prop_map(String::from_iter),
        pem,
        jwk
    ]
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn key_files_of_any_text_are_an_error_or_a_key_never_a_panic(text in key_file_like()) {
        if let Ok(keys) = PublicKey::parse_any(&text, "key") {
            prop_assert!(!keys.is_empty());
            for key in keys {
                prop_assert_eq!(PublicKey::from_jwk(&key.to_jwk(), "key").unwrap(), key);
            }
        }
    }
}

// ---- times ----------------------------------------------------------------------------------

/// The duration units and the seconds each stands for; a bare number is seconds.
const UNITS: [(&str, i64); 6] = [
    ("", 1),
    ("s", 1),
    ("m", 60),
    ("h", 3600),
    ("d", 86_400),
    ("w", 604_800),
];

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn durations_round_trip(unit in select(UNITS.to_vec()), fraction in 0.0..=1.0f64) {
        let (unit, seconds) = unit;
        let largest = MAX_SECONDS / seconds;
        let count = (largest as f64 * fraction) as i64;
        for count in [count, 0, largest] {
            let text = format!("{count}{unit}");
            prop_assert_eq!(time::parse_duration(&text, "t").ok(), Some(count * seconds), "{}", text);
        }
        let too_long = format!("{}{unit}", largest + 1);
        prop_assert!(time::parse_duration(&too_long, "t").is_err(), "{}", too_long);
    }

    #[test]
    fn durations_of_any_text_are_bounded_never_a_panic(
        text in prop_oneof![
            "[0-9]{0,25}[smhdwy ]?",
            "[+\\-]?[0-9 ]{0,10}[a-zA-Z]{0,3}",
            vec(any::<char>(), 0..100).prop_map(String::from_iter),
        ],
    ) {
        if let Ok(seconds) = time::parse_duration(&text, "t") {
            prop_assert!((0..=MAX_SECONDS).contains(&seconds), "{} is {}", text, seconds);
        }
        let _ = time::parse_instant(&text, T0, DayEdge::End, "t");
    }

    #[test]
    fn instants_round_trip_through_rfc3339(t in 0..=MAX_SECONDS) {
        let shown = time::rfc3339(t);
        prop_assert_eq!(&shown, &common::rfc3339(t));
        prop_assert_eq!(time::parse_instant(&shown, T0, DayEdge::Start, "t").ok(), Some(t));
    }
}
