//! Offline activation at the edges: machine files (`machine checkout|grant|verify`), the
//! air-gapped round trip between a vendor's store and a product that has only the public
//! key, the signed status list (`status-list publish`, `GET /v1/status-list`), clock
//! rollback with a state file, and the server's `machine_file` and `/v1/machines/checkout`.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Barrier};

use serde_json::{json, Value};

use crate::common::postgres::test_database;
use crate::common::{
    rfc3339, verify_with_status_list, with_claims_edited, Issued, Sandbox, ISSUER,
};
use crate::net::{request, Server};

/// The vendor's side: a store with `app` and `web`, its public key in `vendor.pub.pem`.
fn vendor() -> (Sandbox, String) {
    let sandbox = Sandbox::with_products();
    let pem = sandbox.run(["key", "export"]).success().to_owned();
    let path = sandbox.write("vendor.pub.pem", pem);
    (sandbox, path)
}

/// The product's side: no store, only the vendor's public key.
fn product(pem: &str) -> (Sandbox, String) {
    let sandbox = Sandbox::new();
    let path = sandbox.write("vendor.pub.pem", std::fs::read(pem).unwrap());
    (sandbox, path)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `machine verify FILE --hwid H --product P --public-key PEM`.
fn machine_verify_args<'a>(
    file: &'a str,
    hwid: &'a str,
    product: &'a str,
    pem: &'a str,
) -> Vec<&'a str> {
    vec![
        "machine",
        "verify",
        file,
        "--hwid",
        hwid,
        "--product",
        product,
        "--public-key",
        pem,
    ]
}

/// `machine verify FILE --hwid H --product app --public-key PEM ARGS --json`, parsed.
fn machine_verify(
    sandbox: &Sandbox,
    file: &str,
    hwid: &str,
    pem: &str,
    args: &[&str],
) -> (i32, Value) {
    let mut full = machine_verify_args(file, hwid, "app", pem);
    full.push("--json");
    full.extend_from_slice(args);
    let out = sandbox.run(full);
    assert_eq!(out.stderr, "", "machine verify {args:?}");
    (out.code, out.json())
}

/// `machine verify FILE --hwid H --product P --public-key PEM`, as text.
fn machine_verify_text(
    sandbox: &Sandbox,
    file: &str,
    hwid: &str,
    product: &str,
    pem: &str,
) -> crate::common::Run {
    sandbox.run(machine_verify_args(file, hwid, product, pem))
}

/// `machine checkout ID --hwid H --activate ARGS` on the vendor's side; the file, copied to
/// the product's side as NAME.
fn checkout_to(
    vendor: &Sandbox,
    product: &Sandbox,
    id: &str,
    hwid: &str,
    args: &[&str],
    name: &str,
) -> String {
    let out = vendor.path(name);
    let mut full = vec![
        "machine",
        "checkout",
        id,
        "--hwid",
        hwid,
        "--activate",
        "--out",
        &out,
        "--force",
    ];
    full.extend_from_slice(args);
    vendor.run(full).success();
    product.write(name, std::fs::read(&out).unwrap())
}

/// `machine request --license LICENSE --hwid H --product P`: the code.
fn request_code(sandbox: &Sandbox, license: &str, hwid: &str, product: &str) -> String {
    let args = [
        "machine",
        "request",
        "--license",
        license,
        "--hwid",
        hwid,
        "--product",
        product,
    ];
    sandbox.run(args).success().trim().to_owned()
}

fn code_of(result: &(i32, Value)) -> (i32, &str) {
    (result.0, result.1["code"].as_str().unwrap_or_default())
}

#[test]
fn checkout_needs_a_seat_unless_it_takes_one_and_writes_a_private_file() {
    let (vendor, pem) = vendor();
    let issued = vendor.issue_app(&["--activations", "1"]);
    vendor
        .run(["machine", "checkout", &issued.id, "--hwid", "box-1"])
        .expect(
            1,
            "",
            &format!(
                "keyctl: error: machine box-1 is not activated on license {}\nhint: add --activate to take a seat for it first\n",
                issued.id
            ),
        );
    let out = vendor.path("box-1.machine");
    let wrote = vendor
        .run([
            "machine",
            "checkout",
            &issued.short_key,
            "--hwid",
            "box-1",
            "--activate",
            "--out",
            &out,
        ])
        .success()
        .to_owned();
    assert!(
        wrote.starts_with("wrote machine file mch_") && wrote.contains(&issued.id),
        "{wrote}"
    );
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // Not overwritten without --force; with it, renewed (the machine keeps its one seat).
    vendor
        .run([
            "machine", "checkout", &issued.id, "--hwid", "box-1", "--out", &out,
        ])
        .error(
            1,
            &format!("{out} already exists; use --force to overwrite it"),
        );
    vendor
        .run([
            "machine", "checkout", &issued.id, "--hwid", "box-1", "--out", &out, "--force",
        ])
        .success();
    vendor
        .run(["machine", "checkout", &issued.id, "--hwid", "box-2", "--activate"])
        .expect(
            1,
            "",
            &format!(
                "keyctl: error: license {}: all 1 activations are in use\nhint: free a seat with `keyctl activation remove`, or issue a license with more activations\n",
                issued.id
            ),
        );
    let (product, pem) = product(&pem);
    let file = product.write("m.jwt", std::fs::read(&out).unwrap());
    let valid = machine_verify(&product, &file, "box-1", &pem, &[]);
    assert_eq!(code_of(&valid), (0, "valid"));
    let claims = &valid.1["machine"];
    assert_eq!(claims["lic"], json!(issued.id));
    // The file carries the hash of the hardware id, never the id itself.
    assert_eq!(claims["hwid"].as_str().unwrap().len(), 64);
    assert!(!std::fs::read_to_string(&out).unwrap().contains("box-1"));
    // 30 days by default, and the TTL is bounded.
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        30 * 86_400
    );
    vendor
        .run([
            "machine", "checkout", &issued.id, "--hwid", "box-1", "--ttl", "59m",
        ])
        .error(
            2,
            "ttl: 3540 s is not between 1 hour (3600 s) and 1 year (31536000 s)",
        );
    // A revoked license gets no file: the exit code is the outcome's.
    vendor.run(["license", "revoke", &issued.id]).success();
    vendor
        .run(["machine", "checkout", &issued.id, "--hwid", "box-1"])
        .error(8, &format!("license {}: the license is revoked", issued.id));
}

#[test]
fn machine_verify_gives_every_outcome_with_the_public_key_alone() {
    let (vendor, pem) = vendor();
    let issued = vendor.issue_app(&["--expires", "90d"]);
    let (product, pem) = product(&pem);
    let file = checkout_to(
        &vendor,
        &product,
        &issued.id,
        "hw",
        &["--ttl", "2d"],
        "m.jwt",
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        code_of(&machine_verify(&product, &file, "hw", &pem, &[])),
        (0, "valid")
    );
    // The text form, with the note that standing was not checked.
    let out = machine_verify_text(&product, &file, "hw", "app", &pem);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.starts_with("valid: mch_")
            && out
                .stdout
                .ends_with("note: the license's standing was not checked (pass --status-list)\n"),
        "{}",
        out.stdout
    );
    assert_eq!(
        code_of(&machine_verify(&product, &file, "other", &pem, &[])),
        (7, "scope_mismatch")
    );
    let web = machine_verify_text(&product, &file, "hw", "web", &pem);
    assert_eq!(
        (web.code, web.stdout.starts_with("scope_mismatch: ")),
        (7, true),
        "{}",
        web.stdout
    );
    let later = rfc3339(now() + 3 * 86_400);
    assert_eq!(
        code_of(&machine_verify(
            &product,
            &file,
            "hw",
            &pem,
            &["--at", &later]
        )),
        (5, "expired")
    );
    // Edited by hand: the payload changes, the signature does not.
    let edited = with_claims_edited(&text, |claims| {
        claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 365 * 86_400);
    });
    let edited = product.write("edited.jwt", edited);
    assert_eq!(
        code_of(&machine_verify(&product, &edited, "hw", &pem, &[])),
        (4, "bad_signature")
    );
    // Made by another store's key.
    let (other, _) = self::vendor();
    let theirs = other.issue_app(&[]);
    let other_file = checkout_to(&other, &product, &theirs.id, "hw", &[], "other.jwt");
    assert_eq!(
        code_of(&machine_verify(&product, &other_file, "hw", &pem, &[])),
        (4, "bad_signature")
    );
    // A license is not a machine file; nor is junk.
    let license = product.write("license.jwt", &issued.jwt);
    assert_eq!(
        code_of(&machine_verify(&product, &license, "hw", &pem, &[])),
        (3, "malformed")
    );
    assert!(
        !product.store().exists(),
        "machine verify with --public-key must not create a store"
    );
}

#[test]
fn the_air_gapped_round_trip_works_between_two_stores_sides() {
    let (vendor, pem) = vendor();
    let issued = vendor.issue_app(&["--activations", "2"]);
    let (product, pem) = product(&pem);
    // The product knows its license (a file) and its hardware id, and nothing of the store.
    let license = product.write("license.jwt", &issued.jwt);
    let request = product
        .run([
            "machine",
            "request",
            "--license",
            &format!("@{license}"),
            "--hwid",
            "00:1a:2b",
            "--product",
            "app",
            "--json",
        ])
        .json();
    let code = request["code"].as_str().unwrap().to_owned();
    let nonce = request["nonce"].as_str().unwrap().to_owned();
    assert!(code.len() < 300, "{code}");
    assert_eq!(request["license"], json!(issued.id));
    // The vendor grants it; again with the same code, it keeps the one seat.
    let granted = vendor.run(["machine", "grant", &code, "--json"]).json();
    let again = vendor.run(["machine", "grant", &code, "--json"]).json();
    assert_eq!(granted["machine"]["nonce"], json!(nonce));
    assert_eq!(again["machine"]["hwid"], granted["machine"]["hwid"]);
    let seats = vendor
        .run(["activation", "list", "--json", "--license", &issued.id])
        .json();
    assert_eq!(seats.as_array().unwrap().len(), 1);
    // The seat is keyed by the hash of the hardware id: the only id the code carries.
    assert_eq!(seats[0]["hwid"], granted["machine"]["hwid"]);
    let file = product.write("machine.jwt", granted["machine_file"].as_str().unwrap());
    let valid = machine_verify(&product, &file, "00:1a:2b", &pem, &["--nonce", &nonce]);
    assert_eq!(code_of(&valid), (0, "valid"));
    // An answer to another request is refused.
    let other = machine_verify(
        &product,
        &file,
        "00:1a:2b",
        &pem,
        &["--nonce", "AAAAAAAAAAAAAAAA"],
    );
    assert_eq!(code_of(&other), (7, "scope_mismatch"));
    // With the short key instead of the JWT, the vendor finds the license all the same;
    // the QR code is drawn after the file.
    let by_key = request_code(&product, &issued.short_key, "second", "app");
    let drawn = vendor
        .run(["machine", "grant", &by_key, "--qr"])
        .success()
        .to_owned();
    let mut lines = drawn.lines();
    assert!(lines.next().unwrap().starts_with("ey"));
    assert!(
        lines.all(|l| l.chars().all(|c| " ▀▄█".contains(c))),
        "{drawn}"
    );
    // The third machine finds no seat; a code for another product is scope_mismatch.
    let third = request_code(&product, &issued.jwt, "third", "app");
    vendor.run(["machine", "grant", &third]).fails(
        1,
        &format!("keyctl: error: license {}: all 2 activations are in use\nhint: free a seat with `keyctl activation remove`, or issue a license with more activations\n", issued.id),
    );
    let web = request_code(&product, &issued.jwt, "x", "web");
    vendor.run(["machine", "grant", &web]).error_starting(
        7,
        &format!("license {}: product `web` is not covered", issued.id),
    );
    vendor
        .run(["machine", "grant", "not-a-code"])
        .error_starting(2, "CODE: request code: not a keyctl request code");
}

#[test]
fn a_status_list_says_revoked_and_refuses_to_answer_when_it_cannot() {
    let (vendor, pem) = vendor();
    let kept = vendor.issue_app(&[]);
    let revoked = vendor.issue_app(&[]);
    let suspended = vendor.issue_app(&[]);
    vendor.run(["license", "revoke", &revoked.id]).success();
    vendor.run(["license", "suspend", &suspended.id]).success();
    let list = vendor.path("list.jwt");
    vendor
        .run(["status-list", "publish", "--ttl", "1h", "--out", &list])
        .success();
    // A list covers whole bytes (4 entries each): index 3 reads valid, index 4 is beyond.
    vendor.issue_app(&[]);
    let later = vendor.issue_app(&[]);
    let (product, pem) = product(&pem);
    let list = product.write("list.jwt", std::fs::read(&list).unwrap());
    let verify = |issued: &Issued, list: &str, extra: &[&str]| {
        let out = verify_with_status_list(&product, &issued.jwt, &pem, list, extra);
        (out.code, out.stdout)
    };
    assert_eq!(
        verify(&kept, &list, &[]),
        (
            0,
            format!(
                "valid: {} for alice (products app; expires never)\n",
                kept.id
            )
        )
    );
    let (code, text) = verify(&revoked, &list, &[]);
    assert!(
        code == 8
            && text.starts_with(&format!(
                "revoked: {}: revoked (status list of ",
                revoked.id
            )),
        "{text}"
    );
    let (code, text) = verify(&suspended, &list, &[]);
    assert!(
        code == 8 && text.contains(": suspended (status list of "),
        "{text}"
    );
    // Issued after the list: the list does not cover its index.
    let (code, text) = verify(&later, &list, &[]);
    assert!(
        code == 10 && text.contains("status list: it covers indexes below 4, not the license's 4"),
        "{text}"
    );
    // Expired.
    let (code, text) = verify(&kept, &list, &["--at", &rfc3339(now() + 7200)]);
    assert!(
        code == 10 && text.starts_with("status_unknown: ") && text.contains("expired at"),
        "{text}"
    );
    // A flipped bit under the old signature: the revoked entry cleared.
    let token = std::fs::read_to_string(&list).unwrap();
    let cleared = keyctl_core::status_list::StatusList::build(3, [])
        .unwrap()
        .encode();
    let forged = with_claims_edited(&token, |claims| {
        claims["status_list"]["lst"] = json!(cleared);
    });
    let forged = product.write("forged.jwt", forged);
    let (code, text) = verify(&revoked, &forged, &[]);
    assert!(code == 10 && text.starts_with("status_unknown: "), "{text}");
    // Signed by a key the product does not trust.
    let (other, _) = self::vendor();
    let theirs = other.path("theirs.jwt");
    other
        .run(["status-list", "publish", "--out", &theirs])
        .success();
    let theirs = product.write("theirs.jwt", std::fs::read(&theirs).unwrap());
    assert_eq!(verify(&kept, &theirs, &[]).0, 10);
    // A machine file of a revoked license, checked against the list.
    let file = checkout_to(&vendor, &product, &kept.id, "hw", &[], "m.jwt");
    vendor
        .run(["license", "revoke", &kept.id, "--reason", "refund"])
        .success();
    let fresh = vendor.path("fresh.jwt");
    vendor
        .run(["status-list", "publish", "--out", &fresh])
        .success();
    let fresh = product.write("fresh.jwt", std::fs::read(&fresh).unwrap());
    let checked = machine_verify(&product, &file, "hw", &pem, &["--status-list", &fresh]);
    assert_eq!(
        (code_of(&checked), checked.1["status_list"].clone()),
        ((8, "revoked"), json!("checked"))
    );
    // Batch verification looks every valid license up in the list.
    let batch = product.write(
        "batch.txt",
        format!("{}\n{}\n{}\n", kept.jwt, later.jwt, suspended.jwt),
    );
    let verify_batch = |extra: &[&str]| {
        let mut args = vec![
            "verify",
            "--batch",
            &batch,
            "--product",
            "app",
            "--public-key",
            &pem,
        ];
        args.extend_from_slice(extra);
        product.run(args)
    };
    let checked = verify_batch(&["--status-list", &fresh]);
    let lines: Vec<Value> = checked
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(checked.code, 8, "{checked:?}");
    assert_eq!(
        lines.iter().map(|l| l["code"].clone()).collect::<Vec<_>>(),
        [
            json!("revoked"),
            json!("valid"),
            json!("revoked"),
            Value::Null
        ]
    );
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .starts_with("suspended (status list of "),
        "{lines:?}"
    );
    assert_eq!(
        lines[3],
        json!({"summary": {"total": 3, "valid": 1, "revoked": 2}, "revocation_checked": false, "status_list_checked": true})
    );
    // A list that cannot answer: every license that refers to one is status_unknown.
    let unknown = verify_batch(&["--status-list", &theirs]);
    assert_eq!(unknown.code, 10, "{unknown:?}");
    let summary: Value = serde_json::from_str(unknown.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(
        summary,
        json!({"summary": {"total": 3, "status_unknown": 3}, "revocation_checked": false, "status_list_checked": true})
    );
    // A clock state is one machine's: refused with a batch, said, not ignored.
    verify_batch(&["--state", "s.json"]).error(
        2,
        "--batch: does not take --state: a clock state is one product machine's; give --state \
         when verifying one license",
    );
    // A file that is not there is an error, not an outcome.
    product
        .run([
            "verify",
            &kept.jwt,
            "--product",
            "app",
            "--public-key",
            &pem,
            "--status-list",
            "missing.jwt",
        ])
        .error_starting(1, "missing.jwt: ");
}

#[test]
fn a_state_file_catches_a_clock_set_back_and_is_kept_private() {
    let (vendor, pem) = vendor();
    let issued = vendor.issue_app(&[]);
    let (product, pem) = product(&pem);
    let state = product.path("clock.json");
    let verify = |at: i64| {
        let at = rfc3339(at);
        let out = product.run([
            "verify",
            &issued.jwt,
            "--product",
            "app",
            "--public-key",
            &pem,
            "--state",
            &state,
            "--at",
            &at,
        ]);
        (out.code, out.stdout, out.stderr)
    };
    // A missing state is a fresh start; the file is written with mode 0600.
    let t = now() + 7200;
    assert_eq!(verify(t).0, 0);
    assert_eq!(
        std::fs::metadata(&state).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(stored, json!({"version": 1, "latest_trusted": t}));
    // Within five minutes is not a rollback; an hour back is.
    assert_eq!(verify(t - 300).0, 0);
    let (code, text, _) = verify(t - 3600);
    assert_eq!(code, 11, "{text}");
    assert!(
        text.starts_with(&format!("clock_rollback: {}: the clock reads ", issued.id))
            && text.ends_with("was already seen: the clock was set back\n"),
        "{text}"
    );
    // The state never moves back.
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(stored["latest_trusted"], json!(t));
    // A machine file with the same state file.
    let file = checkout_to(&vendor, &product, &issued.id, "hw", &[], "m.jwt");
    let back = machine_verify(
        &product,
        &file,
        "hw",
        &pem,
        &["--state", &state, "--at", &rfc3339(t - 3600)],
    );
    assert_eq!(code_of(&back), (11, "clock_rollback"));
    // A corrupt state is an error naming the file, and is left alone.
    std::fs::write(&state, "{not json").unwrap();
    let (code, _, stderr) = verify(t);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!("keyctl: error: {state}: not a clock state ({{\"version\": 1, \"latest_trusted\": <Unix seconds>}}); remove the file only if you trust this machine's clock\n")
    );
    assert_eq!(std::fs::read_to_string(&state).unwrap(), "{not json");
}

#[test]
fn status_list_uri_is_set_at_init_or_later_and_licenses_carry_it() {
    let sandbox = Sandbox::new();
    sandbox
        .run(["init", "--issuer", ISSUER, "--status-uri", "bad\u{7}"])
        .error(
            2,
            "status URI: must be 1-256 bytes without control characters",
        );
    assert!(!sandbox.store().exists());
    sandbox
        .run([
            "init",
            "--issuer",
            ISSUER,
            "--status-uri",
            "https://lic.example/list",
        ])
        .success();
    sandbox.add_product("app");
    sandbox
        .run(["status-list", "uri"])
        .expect(0, "https://lic.example/list\n", "");
    let first = sandbox.issue_app(&[]);
    sandbox
        .run(["status-list", "uri", "/v1/status-list"])
        .expect(0, "/v1/status-list\n", "");
    let second = sandbox.issue_app(&[]);
    let status = |issued: &Issued| {
        let payload = issued.jwt.split('.').nth(1).unwrap();
        let claims: Value = serde_json::from_slice(&crate::common::unb64(payload)).unwrap();
        claims["status"]["status_list"].clone()
    };
    assert_eq!(
        status(&first),
        json!({"idx": 0, "uri": "https://lic.example/list"})
    );
    assert_eq!(status(&second), json!({"idx": 1, "uri": "/v1/status-list"}));
    // A batch reserves a range: every license its own index, after the others.
    let rows = sandbox.write("rows.jsonl", "{\"licensee\": \"a\", \"products\": [\"app\"]}\n{\"licensee\": \"b\", \"products\": [\"app\"]}\n");
    let batch = sandbox.run(["license", "issue", "--batch", &rows]);
    assert_eq!(batch.code, 0, "{}", batch.stderr);
    let out = batch.stdout;
    let mut indexes: Vec<i64> = out
        .lines()
        .map(|line| {
            let row: Value = serde_json::from_str(line).unwrap();
            let payload = row["jwt"]
                .as_str()
                .unwrap()
                .split('.')
                .nth(1)
                .unwrap()
                .to_owned();
            let claims: Value = serde_json::from_slice(&crate::common::unb64(&payload)).unwrap();
            claims["status"]["status_list"]["idx"].as_i64().unwrap()
        })
        .collect();
    indexes.sort();
    assert_eq!(indexes, [2, 3]);
    // The published list covers every index reserved.
    let list = sandbox.run(["status-list", "publish", "--json"]).json();
    let token = list["status_list"].as_str().unwrap();
    let claims: Value =
        serde_json::from_slice(&crate::common::unb64(token.split('.').nth(1).unwrap())).unwrap();
    assert_eq!(claims["sub"], json!("/v1/status-list"));
    assert_eq!(claims["ttl"], json!(86_400));
    let lst = keyctl_core::status_list::StatusList::decode(
        claims["status_list"]["lst"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(lst.capacity(), 4);
}

/// A server on `sandbox` and what the tests below send it.
fn activation(issued: &Issued, hwid: &str) -> Value {
    json!({"key": issued.short_key, "product": "app", "hwid": hwid})
}

#[test]
fn the_server_signs_machine_files_and_serves_the_status_list() {
    let (vendor, pem) = vendor();
    let issued = vendor.issue_app(&["--activations", "3"]);
    let server = Server::serve(&vendor, &[]);
    let (product, pem) = product(&pem);
    let activated = server
        .post_json("/v1/activate", &activation(&issued, "box"))
        .json();
    let file = product.write("a.jwt", activated["machine_file"].as_str().unwrap());
    assert_eq!(
        code_of(&machine_verify(&product, &file, "box", &pem, &[])),
        (0, "valid")
    );
    // Checkout renews the file of an activated machine, with the TTL asked for.
    let mut body = activation(&issued, "box");
    body["ttl"] = json!("2h");
    let renewed = server.post_json("/v1/machines/checkout", &body);
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    let renewed = renewed.json();
    assert_eq!(
        (renewed["license_id"].clone(), renewed["hwid"].clone()),
        (json!(issued.id), json!("box"))
    );
    let file = product.write("b.jwt", renewed["machine_file"].as_str().unwrap());
    let checked = machine_verify(&product, &file, "box", &pem, &[]);
    assert_eq!(code_of(&checked), (0, "valid"));
    assert_eq!(
        checked.1["machine"]["exp"].as_i64().unwrap()
            - checked.1["machine"]["iat"].as_i64().unwrap(),
        7200
    );
    // Not for a machine without a seat, nor without proof, nor with a TTL out of bounds.
    server
        .post_json("/v1/machines/checkout", &activation(&issued, "stranger"))
        .expect(404, json!({"code": "not_activated", "error": "this machine is not activated on the license; activate it first (POST /v1/activate)"}));
    let by_id = json!({"license": issued.id, "product": "app", "hwid": "box"});
    assert_eq!(
        server.post_json("/v1/machines/checkout", &by_id).json()["code"],
        "proof_required"
    );
    body["ttl"] = json!(60);
    server.post_json("/v1/machines/checkout", &body).expect(
        400,
        json!({"code": "malformed", "error": "ttl: 60 s is not between 1 hour (3600 s) and 1 year (31536000 s)"}),
    );
    // The CLI signs through the control socket while the server holds the store.
    let through_socket = vendor
        .run(["machine", "checkout", &issued.id, "--hwid", "box", "--json"])
        .json();
    assert_eq!(through_socket["machine"]["lic"], json!(issued.id));
    vendor
        .run(["status-list", "uri"])
        .expect(0, "/v1/status-list\n", "");
    // A machine granted from a request code (through the control socket) checks out too.
    let code = request_code(&product, &issued.jwt, "gapped", "app");
    vendor.run(["machine", "grant", &code]).success();
    assert_eq!(
        server
            .post_json("/v1/machines/checkout", &activation(&issued, "gapped"))
            .status,
        200
    );

    // The status list: cached with an ETag until something changes.
    let first = server.get("/v1/status-list");
    assert_eq!(first.status, 200);
    assert_eq!(
        first.header("content-type"),
        Some("application/statuslist+jwt")
    );
    assert_eq!(first.header("cache-control"), Some("public, max-age=300"));
    let etag = first.header("etag").unwrap().to_owned();
    assert_eq!(server.get("/v1/status-list").body, first.body);
    let not_modified = request(
        &server.addr,
        "GET",
        "/v1/status-list",
        &[("If-None-Match", &etag)],
        b"",
    );
    assert_eq!(
        (
            not_modified.status,
            not_modified.body.as_str(),
            not_modified.header("etag")
        ),
        (304, "", Some(etag.as_str()))
    );
    let verify_against = |list: &str| {
        let list = product.write("list.jwt", list);
        verify_with_status_list(&product, &issued.jwt, &pem, &list, &[]).code
    };
    assert_eq!(verify_against(&first.body), 0);
    // Revoked through the control socket: signed again, and the product sees it.
    vendor.run(["license", "revoke", &issued.id]).success();
    let second = server.get("/v1/status-list");
    assert_ne!(second.header("etag").unwrap(), etag);
    let stale = request(
        &server.addr,
        "GET",
        "/v1/status-list",
        &[("If-None-Match", &etag)],
        b"",
    );
    assert_eq!(stale.status, 200);
    assert_eq!(verify_against(&second.body), 8);
    // A revoked license gets no file from checkout.
    assert_eq!(
        server
            .post_json("/v1/machines/checkout", &activation(&issued, "box"))
            .json()["code"],
        "revoked"
    );
    assert_eq!(server.stop("-TERM"), Some(0));
}

/// 100 `machine grant` runs and 100 server activations at once on a license of 10 seats:
/// exactly 10 machines hold a seat, and exactly 10 runs succeeded.
fn grants_and_activations_race(vendor: &Sandbox, server: &Server) {
    let issued = vendor.issue_app(&["--activations", "10"]);
    let codes: Vec<String> = (0..100)
        .map(|i| request_code(vendor, &issued.jwt, &format!("g{i}"), "app"))
        .collect();
    let start = Arc::new(Barrier::new(200));
    let mut threads = Vec::new();
    for (i, code) in codes.into_iter().enumerate() {
        let start = Arc::clone(&start);
        let mut command = vendor.command();
        command.args(["machine", "grant", &code]);
        threads.push(std::thread::spawn(move || {
            start.wait();
            let out = command.output().unwrap();
            (format!("g{i}"), out.status.code() == Some(0))
        }));
    }
    for i in 0..100 {
        let (start, addr, body) = (
            Arc::clone(&start),
            server.addr.clone(),
            activation(&issued, &format!("s{i}")).to_string(),
        );
        threads.push(std::thread::spawn(move || {
            start.wait();
            let headers = [("Content-Type", "application/json")];
            let status = request(&addr, "POST", "/v1/activate", &headers, body.as_bytes()).status;
            (format!("s{i}"), status == 200)
        }));
    }
    let granted: BTreeSet<String> = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|(_, ok)| *ok)
        .map(|(name, _)| name)
        .collect();
    assert_eq!(granted.len(), 10, "{granted:?}");
    let seats = vendor
        .run(["activation", "list", "--json", "--license", &issued.id])
        .json();
    assert_eq!(seats.as_array().unwrap().len(), 10);
}

#[test]
fn exactly_ten_of_200_concurrent_grants_and_activations_take_a_seat_on_sled() {
    let (vendor, _) = vendor();
    // The grants go through the control socket of the server that holds the store.
    let server = Server::serve(&vendor, &[]);
    grants_and_activations_race(&vendor, &server);
    assert_eq!(server.stop("-TERM"), Some(0));
}

#[test]
fn exactly_ten_of_200_concurrent_grants_and_activations_take_a_seat_on_postgres() {
    let Some(database) = test_database() else {
        return;
    };
    let vendor = Sandbox::on_database(database.url());
    vendor.run(["init", "--issuer", ISSUER]).success();
    vendor.add_product("app");
    // The grants open the database themselves, beside the server.
    let server = Server::serve(&vendor, &[]);
    grants_and_activations_race(&vendor, &server);
    // The list, read from the database inside a request; a license issued by another
    // process reserves an index, and the list is signed again at once (four, so that the
    // list grows by a byte and the new one differs even within the same second).
    let first = server.get("/v1/status-list");
    assert_eq!(first.status, 200, "{}", first.body);
    for _ in 0..4 {
        vendor.issue_app(&[]);
    }
    let second = server.get("/v1/status-list");
    assert_eq!(second.status, 200);
    assert_ne!(first.header("etag"), second.header("etag"));
    assert_eq!(server.stop("-TERM"), Some(0));
}

#[test]
fn serve_signs_machine_files_for_its_machine_ttl_and_refuses_one_out_of_bounds() {
    let (vendor, pem) = vendor();
    let issued = vendor.issue_app(&[]);
    vendor
        .run(["serve", "--machine-ttl", "59m", "--listen", "127.0.0.1:0"])
        .error(
            2,
            "--machine-ttl: 3540 s is not between 3600 s and 31536000 s",
        );
    vendor
        .run([
            "serve",
            "--status-list-ttl",
            "30s",
            "--listen",
            "127.0.0.1:0",
        ])
        .error(
            2,
            "--status-list-ttl: 30 s is not between 60 s and 31622400 s",
        );
    let server = Server::serve(&vendor, &["--machine-ttl", "2h", "--status-list-ttl", "1h"]);
    let activated = server
        .post_json("/v1/activate", &activation(&issued, "box"))
        .json();
    let (product, pem) = product(&pem);
    let file = product.write("m.jwt", activated["machine_file"].as_str().unwrap());
    let checked = machine_verify(&product, &file, "box", &pem, &[]);
    let claims = &checked.1["machine"];
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        7200
    );
    let list = server.get("/v1/status-list").body;
    let payload = list.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&crate::common::unb64(payload)).unwrap();
    assert_eq!(claims["ttl"], json!(3600));
    assert_eq!(server.stop("-TERM"), Some(0));
}
