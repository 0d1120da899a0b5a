//! `keyctl verify`: every outcome with its exit code, line and JSON; key sources; input
//! forms; inputs that must fail cleanly. Licenses are made by hand with the fixture keys
//! and checked at fixed `--at` times, so every expected line is exact.

use serde_json::{json, Value};

use crate::common::*;

fn license(extra: Value) -> String {
    vendor().sign(&claims(extra))
}

const VALID: &str = "valid: lic_fixture for alice (products app; expires never)";

#[test]
fn valid_licenses_exit_0_with_a_summary() {
    verdict(&license(json!({})), &[], 0, VALID);
    let line = "valid: lic_fixture for alice (products app, web; expires 2030-01-01T01:00:00Z)";
    verdict(
        &license(json!({"products": ["app", "web"], "exp": T0 + 3600})),
        &[],
        0,
        line,
    );
    // Unknown claims are ignored; `typ` is compared without case.
    verdict(&license(json!({"future_claim": {"x": 1}})), &[], 0, VALID);
    let lowercase_typ = json!({"alg": "EdDSA", "typ": "jwt", "kid": vendor().kid()});
    verdict(
        &vendor().sign_with_header(&lowercase_typ, &claims(json!({}))),
        &[],
        0,
        VALID,
    );
    // Without --at, the current time: a perpetual license issued in 2030 is already valid
    // (iat is informational).
    offline(&license(json!({})), &["--product", "app"]).expect(
        0,
        &format!("{VALID}\n{OFFLINE_NOTE}"),
        "",
    );
}

#[test]
fn malformed_licenses_exit_3() {
    let kid = vendor().kid();
    let with_header = |header: Value| vendor().sign_with_header(&header, &claims(json!({})));
    let valid = license(json!({}));
    let (head, _) = valid.rsplit_once('.').unwrap();
    let not_claims = "the claims are not a keyctl license";
    let cases: Vec<(String, String)> = vec![
        ("not.a.jwt".into(), "the header is not base64url".into()),
        (
            "a.b".into(),
            "not a compact JWT (three base64url parts separated by dots)".into(),
        ),
        (
            format!("{valid}.x"),
            "not a compact JWT (three base64url parts separated by dots)".into(),
        ),
        (
            format!("{}.e30.AA", b64(b"nope")),
            "the header is not a JSON object".into(),
        ),
        (
            with_header(json!({"alg": "EdDSA", "kid": kid})),
            "the header's `typ` is not \"JWT\"".into(),
        ),
        (
            with_header(json!({"alg": "EdDSA", "typ": "JWT"})),
            "the header has no `kid`".into(),
        ),
        (
            with_header(json!({"typ": "JWT", "kid": kid})),
            "the header has no `alg`".into(),
        ),
        (
            with_header(json!({"alg": "EdDSA", "typ": "JWT", "kid": kid, "crit": ["exp"]})),
            "the header has `crit` extensions keyctl does not understand".into(),
        ),
        (
            license(json!({"sub": null})),
            format!("{not_claims} (missing field `sub`)"),
        ),
        (
            license(json!({"iat": "yesterday"})),
            format!("{not_claims} (invalid type: string \"yesterday\", expected i64)"),
        ),
        (
            license(json!({"products": "app"})),
            format!("{not_claims} (invalid type: string \"app\", expected a sequence)"),
        ),
        (
            license(json!({"products": []})),
            "`products` is empty".into(),
        ),
        (
            license(json!({"jti": "lic 1"})),
            "`jti` is not a license id (1-64 of A-Z a-z 0-9 _ -)".into(),
        ),
        (
            format!("{}.!!.AA", head.split('.').next().unwrap()),
            "the payload is not base64url".into(),
        ),
        (
            format!("{head}.!!"),
            "the signature is not base64url".into(),
        ),
        (
            format!("{head}.AAAA"),
            "the signature is not 64 bytes (Ed25519)".into(),
        ),
        (
            format!("{head}."),
            "the signature is not 64 bytes (Ed25519)".into(),
        ),
        (
            "x".repeat(9000),
            "the license is 9000 bytes; the limit is 8192".into(),
        ),
    ];
    for (token, reason) in cases {
        verdict(&token, &[], 3, &format!("malformed: {reason}"));
    }
}

#[test]
fn bad_signatures_exit_4() {
    let other_kid = other().kid();
    verdict(
        &other().sign(&claims(json!({}))),
        &[],
        4,
        &untrusted_kid(&other_kid),
    );
    let forged = other().sign_with_header(&header(&vendor().kid()), &claims(json!({})));
    verdict(&forged, &[], 4, &does_not_verify(&vendor().kid()));
}

#[test]
fn expiry_has_a_leeway() {
    let exp = T0 + 3600;
    let token = license(json!({"exp": exp}));
    let valid = "valid: lic_fixture for alice (products app; expires 2030-01-01T01:00:00Z)";
    let expired = "expired: lic_fixture: expired at 2030-01-01T01:00:00Z";
    verdict_at(&token, exp + 60, &[], 0, valid);
    verdict_at(&token, exp + 61, &[], 5, expired);
    verdict_at(&token, exp, &["--leeway", "0"], 0, valid);
    verdict_at(&token, exp + 1, &["--leeway", "0"], 5, expired);
    verdict_at(&token, exp + 120, &["--leeway", "2m"], 0, valid);
    verdict_at(&token, exp + 121, &["--leeway", "2m"], 5, expired);
    offline(&token, &["--product", "app", "--at", "2030-01-01"]).expect(
        0,
        &format!("{valid}\n{OFFLINE_NOTE}"),
        "",
    );
}

#[test]
fn not_before_has_a_leeway() {
    let nbf = T0 + 86_400;
    let token = license(json!({"nbf": nbf}));
    let early = "not_yet_valid: lic_fixture: not valid before 2030-01-02T00:00:00Z";
    verdict_at(&token, nbf - 60, &[], 0, VALID);
    verdict_at(&token, nbf - 61, &[], 6, early);
    verdict_at(&token, nbf, &["--leeway", "0"], 0, VALID);
    verdict_at(&token, nbf - 1, &["--leeway", "0"], 6, early);
}

#[test]
fn bad_time_flags_are_usage_errors() {
    let token = license(json!({}));
    offline(&token, &["--product", "app", "--leeway", "soon"]).error(
        2,
        "--leeway: `soon` is not a duration (use a number with s, m, h, d or w, e.g. 90d)",
    );
    offline(&token, &["--product", "app", "--at", "someday"]).error(
        2,
        "--at: `someday` is not a duration (365d), a date (2027-12-31) or an RFC 3339 time",
    );
}

#[test]
fn scope_mismatches_exit_7() {
    verdict(
        &license(json!({})),
        &["--product", "web"],
        7,
        "scope_mismatch: lic_fixture: product `web` is not covered (the license covers app)",
    );
    let token = license(json!({"domains": ["example.com", "*.shop.example"]}));
    for host in [
        "example.com",
        "EXAMPLE.com",
        "example.com.",
        "a.shop.example",
        "a.b.Shop.Example",
    ] {
        verdict(&token, &["--domain", host], 0, VALID);
    }
    for host in [
        "shop.example",
        "www.example.com",
        "other.test",
        "badshop.example",
    ] {
        let line = format!(
            "scope_mismatch: lic_fixture: domain `{host}` is not among the license's domains (example.com, *.shop.example)"
        );
        verdict(&token, &["--domain", host], 7, &line);
    }
    let line = "scope_mismatch: lic_fixture: the license is for domains example.com, *.shop.example and no domain was given";
    verdict(&token, &[], 7, line);
    let line =
        "scope_mismatch: lic_fixture: domain `x.test` is not among the license's domains (none)";
    verdict(&license(json!({})), &["--domain", "x.test"], 7, line);
}

#[test]
fn the_first_failure_in_spec_order_wins() {
    let bad_everything = json!({"exp": T0 - 3600, "products": ["web"], "domains": ["example.com"]});
    let forged =
        other().sign_with_header(&header(&vendor().kid()), &claims(bad_everything.clone()));
    verdict(&forged, &[], 4, &does_not_verify(&vendor().kid()));
    verdict(
        &license(bad_everything),
        &[],
        5,
        "expired: lic_fixture: expired at 2029-12-31T23:00:00Z",
    );
    let early = json!({"nbf": T0 + 3600, "products": ["web"]});
    verdict(
        &license(early),
        &[],
        6,
        "not_yet_valid: lic_fixture: not valid before 2030-01-01T01:00:00Z",
    );
    let scope = json!({"products": ["web"], "domains": ["example.com"]});
    verdict(
        &license(scope),
        &["--domain", "x.test"],
        7,
        "scope_mismatch: lic_fixture: product `app` is not covered (the license covers web)",
    );
}

#[test]
fn json_verdicts_have_one_shape() {
    let run = |token: &str, code: i32| {
        let out = offline(token, &["--product", "app", "--at", &rfc3339(T0), "--json"]);
        assert_eq!((out.code, out.stderr.as_str()), (code, ""));
        assert!(out.stdout.ends_with("}\n"), "{:?}", out.stdout);
        let mut value = out.json();
        let checked = value.as_object_mut().unwrap().remove("revocation_checked");
        assert_eq!(
            checked,
            Some(json!(false)),
            "offline verification has no store"
        );
        value
    };
    let good = claims(json!({"exp": T0 + 60, "features": ["pro"], "meta": {"plan": "gold"}}));
    assert_eq!(
        run(&vendor().sign(&good), 0),
        json!({"valid": true, "code": "valid", "error": null, "license": good})
    );

    let expired = claims(json!({"exp": T0 - 61}));
    assert_eq!(
        run(&vendor().sign(&expired), 5),
        json!({"valid": false, "code": "expired", "error": "expired at 2029-12-31T23:58:59Z", "license": expired})
    );
    let reason = format!(
        "key id {} is not among the trusted keys",
        shown_kid(&other().kid())
    );
    assert_eq!(
        run(&other().sign(&good), 4),
        json!({"valid": false, "code": "bad_signature", "error": reason, "license": null}),
        "unverified claims are never shown"
    );
    assert_eq!(
        run("a.b", 3),
        json!({"valid": false, "code": "malformed", "error": "not a compact JWT (three base64url parts separated by dots)", "license": null})
    );
}

/// Verifies the vendor license with `keys` instead of the vendor PEM, in a store-less sandbox.
fn with_keys(sandbox: &Sandbox, keys: &[&str]) -> Run {
    let token = license(json!({}));
    let mut args = vec!["verify", token.as_str(), "--product", "app"];
    args.extend_from_slice(keys);
    sandbox.run(args)
}

#[test]
fn trusted_keys_come_from_pem_jwk_or_jwks_files() {
    let sandbox = Sandbox::new();
    let (vendor, other) = (vendor(), other());
    let only_other = sandbox.write(
        "other.jwks",
        json!({"keys": [jwk_file(&other.jwk())]}).to_string(),
    );
    let trusted = fixture("trusted.jwks.json");
    let private = fixture("vendor.key.pem");
    let valid = format!("{VALID}\n{OFFLINE_NOTE}");
    let unknown = format!("{}\n", untrusted_kid(&vendor.kid()));
    let cases: &[(&[&str], i32, &str)] = &[
        (&["--public-key", &vendor.public_pem()], 0, &valid),
        (&["--public-key", &vendor.jwk()], 0, &valid),
        (&["--public-key", &private], 0, &valid),
        (&["--jwks", &trusted], 0, &valid),
        (
            &[
                "--public-key",
                &other.public_pem(),
                "--public-key",
                &vendor.jwk(),
            ],
            0,
            &valid,
        ),
        (
            &["--jwks", &only_other, "--public-key", &vendor.public_pem()],
            0,
            &valid,
        ),
        (&["--public-key", &other.public_pem()], 4, &unknown),
        (&["--jwks", &only_other], 4, &unknown),
    ];
    for (keys, code, stdout) in cases {
        let out = with_keys(&sandbox, keys);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (*code, *stdout, ""),
            "{keys:?}"
        );
    }
    assert!(!sandbox.store().exists());
}

fn jwk_file(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn unusable_key_files_are_usage_errors() {
    let sandbox = Sandbox::new();
    let pem = std::fs::read_to_string(vendor().public_pem()).unwrap();
    let mut short_jwk = jwk_file(&vendor().jwk());
    short_jwk["x"] = json!(b64(&[7u8; 31]));
    let mut rsa_jwk = jwk_file(&vendor().jwk());
    rsa_jwk["kty"] = json!("RSA");
    let mut bad_x = jwk_file(&vendor().jwk());
    bad_x["x"] = json!("not base64!");
    let ec_only = json!({"keys": [jwk_file(&fixture("trusted.jwks.json"))["keys"][0]]});

    let file = |name: &str, contents: &[u8]| sandbox.write(name, contents);
    let exact: Vec<(&str, String, String)> = vec![
        (
            "--public-key",
            file("short.jwk", short_jwk.to_string().as_bytes()),
            "an Ed25519 public key is 32 bytes, this one is 31".into(),
        ),
        (
            "--public-key",
            file("rsa.jwk", rsa_jwk.to_string().as_bytes()),
            "JWK `kty` must be \"OKP\"".into(),
        ),
        (
            "--public-key",
            file("x.jwk", bad_x.to_string().as_bytes()),
            "JWK `x` is not base64url without padding".into(),
        ),
        (
            "--public-key",
            file("empty", b""),
            "neither a PEM key nor JSON (JWK or JWKS)".into(),
        ),
        (
            "--public-key",
            file("binary", b"\xff\xfe\x00"),
            "is not UTF-8 text".into(),
        ),
        (
            "--public-key",
            fixture("trusted.jwks.json"),
            "holds several keys; pass it with --jwks".into(),
        ),
        (
            "--jwks",
            vendor().jwk(),
            "not a JWKS: no `keys` array".into(),
        ),
        (
            "--jwks",
            file("ec.jwks", ec_only.to_string().as_bytes()),
            "the JWKS has no Ed25519 key".into(),
        ),
        ("--jwks", file("text.jwks", b"keys"), "is not JSON".into()),
    ];
    for (flag, path, reason) in exact {
        with_keys(&sandbox, &[flag, &path]).error(2, &format!("{path}: {reason}"));
    }
    let truncated = file("truncated.pem", &pem.as_bytes()[..60]);
    let garbage = file(
        "garbage.pem",
        b"-----BEGIN PUBLIC KEY-----\nzzzz\n-----END PUBLIC KEY-----\n",
    );
    for path in [truncated, garbage] {
        with_keys(&sandbox, &["--public-key", &path])
            .error_starting(2, &format!("{path}: not an SPKI PEM Ed25519 public key ("));
    }
    let missing = sandbox.path("missing.pem");
    with_keys(&sandbox, &["--public-key", &missing]).error(
        1,
        &format!("{missing}: No such file or directory (os error 2)"),
    );
    with_keys(
        &sandbox,
        &["--public-key", &vendor().public_pem(), "--machine", "m1"],
    )
    .error(
        2,
        "--machine: needs the store's activations; drop --public-key/--jwks",
    );
}

#[test]
fn the_license_comes_from_an_argument_stdin_or_a_file() {
    let sandbox = Sandbox::new();
    let token = license(json!({}));
    let key = vendor().public_pem();
    let verify = |input: &str, stdin: &str| {
        sandbox.run_stdin(
            ["verify", input, "--product", "app", "--public-key", &key],
            stdin,
        )
    };
    let valid = format!("{VALID}\n{OFFLINE_NOTE}");
    let file = sandbox.write("license.jwt", format!("{token}\r\n"));
    verify(&token, "").expect(0, &valid, "");
    verify(&format!("  \n{token}\t\n"), "").expect(0, &valid, "");
    verify("-", &format!("{token}\n")).expect(0, &valid, "");
    verify(&format!("@{file}"), "").expect(0, &valid, "");
    sandbox
        .run_stdin(
            ["verify", "--product", "app", "--public-key", &key],
            format!(" {token} "),
        )
        .expect(0, &valid, "");
    let missing = sandbox.path("missing.jwt");
    verify(&format!("@{missing}"), "").error(
        1,
        &format!("{missing}: No such file or directory (os error 2)"),
    );
}

#[test]
fn malformed_inputs_fail_cleanly() {
    let sandbox = Sandbox::new();
    let key = vendor().public_pem();
    let verify = |input: &str, stdin: &[u8]| {
        sandbox.run_stdin(
            ["verify", input, "--product", "app", "--public-key", &key],
            stdin.to_vec(),
        )
    };
    let binary = sandbox.write("binary.jwt", b"eyJ\xff\xfe.\x00.\x80");
    verify(&format!("@{binary}"), b"").expect(3, "malformed: the license is not UTF-8 text\n", "");
    verify("-", b"\xc3\x28").expect(3, "malformed: the license is not UTF-8 text\n", "");
    let big = sandbox.write("big.jwt", "e".repeat(9000));
    verify(&format!("@{big}"), b"").expect(
        3,
        "malformed: the license is 9000 bytes; the limit is 8192\n",
        "",
    );
    verify("-", b"").expect(
        3,
        "malformed: not a compact JWT (three base64url parts separated by dots)\n",
        "",
    );
}

#[test]
fn a_huge_license_input_is_malformed() {
    // The spec puts "over 8 KiB" in the malformed class (exit 3), however large the input.
    let sandbox = Sandbox::new();
    let key = vendor().public_pem();
    let out = sandbox.run_stdin(
        ["verify", "-", "--product", "app", "--public-key", &key],
        vec![b'e'; 2 << 20],
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (3, ""),
        "stdout: {}",
        out.stdout
    );
    assert!(out.stdout.starts_with("malformed: "), "{}", out.stdout);
}

// ---- with the store -------------------------------------------------------------------------

#[test]
fn revoked_and_suspended_licenses_exit_8() {
    let sandbox = Sandbox::with_products();
    let suspended = sandbox.issue_app(&[]);
    let revoked = sandbox.issue_app(&[]);
    sandbox
        .run(["license", "suspend", &suspended.id, "--reason", "unpaid"])
        .success();
    sandbox
        .run(["license", "revoke", &revoked.short_key])
        .success();
    let verify = |jwt: &str, args: &[&str]| {
        let mut full = vec!["verify", jwt];
        full.extend_from_slice(args);
        if !args.contains(&"--product") {
            full.extend(["--product", "app"]);
        }
        sandbox.run(full)
    };

    verify(&suspended.jwt, &[]).expect(
        8,
        &format!(
            "revoked: {}: the license is suspended (unpaid)\n",
            suspended.id
        ),
        "",
    );
    verify(&revoked.jwt, &[]).expect(
        8,
        &format!("revoked: {}: the license is revoked\n", revoked.id),
        "",
    );
    let json = verify(&revoked.jwt, &["--json"]).json();
    assert_eq!(
        json,
        json!({"valid": false, "code": "revoked", "error": "the license is revoked", "license": jwt_part(&revoked.jwt, 1), "revocation_checked": true})
    );
    let line = format!(
        "scope_mismatch: {}: product `web` is not covered (the license covers app)\n",
        revoked.id
    );
    verify(&revoked.jwt, &["--product", "web"]).expect(7, &line, "");

    // Offline verification does not consult the store, so it cannot know, and says so.
    let public = sandbox.path("public.pem");
    sandbox.run(["key", "export", "--out", &public]).success();
    let valid = valid_line(&revoked.id) + OFFLINE_NOTE;
    verify(&revoked.jwt, &["--public-key", &public]).expect(0, &valid, "");
    let offline = verify(&revoked.jwt, &["--public-key", &public, "--json"]).json();
    assert_eq!(
        (
            offline["code"].clone(),
            offline["revocation_checked"].clone()
        ),
        (json!("valid"), json!(false))
    );

    sandbox
        .run(["license", "reinstate", &suspended.id])
        .success();
    verify(&suspended.jwt, &[]).expect(0, &valid_line(&suspended.id), "");
}

#[test]
fn a_machine_that_is_not_activated_is_out_of_scope() {
    let sandbox = Sandbox::with_products();
    let issued = sandbox.issue_app(&["--activations", "2"]);
    let line = format!(
        "scope_mismatch: {}: machine `m-1` is not activated\n",
        issued.id
    );
    sandbox
        .run([
            "verify",
            &issued.jwt,
            "--product",
            "app",
            "--machine",
            "m-1",
        ])
        .expect(7, &line, "");
}
