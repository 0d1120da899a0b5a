//! `keyctl serve` against an attacker: a license id or JWT proves nothing; signed machine
//! requests bind their fields; the replay cache keeps only verified requests, bounded per
//! license, and survives a restart; unlimited licenses are capped; client text with control
//! characters is refused.

use serde_json::{json, Value};

use crate::common::{Issued, Sandbox};
use crate::net::{request, Server};

fn setup(license_args: &[&str]) -> (Sandbox, Issued) {
    let sandbox = Sandbox::with_products();
    let issued = sandbox.issue_app(license_args);
    (sandbox, issued)
}

/// The KEYCTL1 datetime `offset` seconds from now.
fn datetime(offset: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(offset))
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// `keyctl sign --for ROUTE` of a machine request: the body to send, signature included.
fn signed_machine(
    sandbox: &Sandbox,
    issued: &Issued,
    route: &str,
    hwid: &str,
    offset: i64,
) -> Value {
    let t = datetime(offset);
    let extra = ["--for", route, "--product", "app", "--hwid", hwid];
    let sig = sandbox.sign(issued, &t, &extra);
    json!({"license": issued.jwt, "datetime": t, "signature": sig["signature"], "product": "app", "hwid": hwid})
}

/// A signed validation request dated `offset` seconds from now.
fn signed_validation(sandbox: &Sandbox, issued: &Issued, offset: i64) -> Value {
    let t = datetime(offset);
    let sig = sandbox.sign(issued, &t, &[]);
    json!({"license": issued.jwt, "datetime": t, "signature": sig["signature"], "product": "app"})
}

fn hwids(sandbox: &Sandbox) -> Vec<String> {
    let listed = sandbox.run(["activation", "list", "--json"]).json();
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["hwid"].as_str().unwrap().to_owned())
        .collect()
}

const NO_PROOF: &str = "a license JWT or id names a license but does not prove that you own it: send the short key as `key`, or sign the request (`datetime` and `signature`)";
const KEY_NOT_SHORT: &str = "`key` must be the license's short key (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX); a license id or JWT does not prove that you own the license";

#[test]
fn a_license_id_or_jwt_alone_authorises_nothing() {
    let (sandbox, issued) = setup(&["--activations", "3"]);
    let server = Server::serve(&sandbox, &[]);
    let owner = json!({"key": issued.short_key, "product": "app", "hwid": "victim"});
    assert_eq!(server.post_json("/v1/activate", &owner).status, 200);

    let no_proof = json!({"code": "proof_required", "error": NO_PROOF});
    let not_short = json!({"code": "proof_required", "error": KEY_NOT_SHORT});
    for route in ["/v1/activate", "/v1/deactivate"] {
        for (member, value, expected) in [
            ("license", &issued.id, &no_proof),
            ("license", &issued.jwt, &no_proof),
            ("key", &issued.id, &not_short),
            ("key", &issued.jwt, &not_short),
        ] {
            let body = json!({member: value, "product": "app", "hwid": "victim"});
            server.post_json(route, &body).expect(401, expected.clone());
        }
    }
    // Nothing changed: the victim keeps the seat, and no stranger got one.
    assert_eq!(hwids(&sandbox), ["victim"]);

    // The compatibility check does not take the public JWT or id as a token either.
    let check = |token: &str| {
        server.get(&format!(
            "/api/check?token={token}&machine=m&user=u&hwid=victim&app_id=app"
        ))
    };
    assert_eq!(check(&issued.jwt).status, 404);
    assert_eq!(check(&issued.id).status, 404);
    assert_eq!(check(&issued.short_key).status, 201);

    // The owner may deactivate with the short key.
    let freed = server.post_json("/v1/deactivate", &owner);
    assert_eq!(
        (freed.status, freed.json()["deactivated"].clone()),
        (200, json!(true))
    );
    assert!(hwids(&sandbox).is_empty());
}

#[test]
fn signed_machine_requests_bind_their_fields_and_cannot_be_replayed() {
    let (sandbox, issued) = setup(&["--activations", "3"]);
    let server = Server::serve(&sandbox, &[]);
    let body = signed_machine(&sandbox, &issued, "activate", "m1", 1);
    let granted = server.post_json("/v1/activate", &body);
    assert_eq!(
        (granted.status, granted.json()["new"].clone()),
        (200, json!(true)),
        "{}",
        granted.body
    );
    let failure = |code: &str, error: &str| json!({"valid": false, "code": code, "error": error});
    server.post_json("/v1/activate", &body).expect(
        409,
        failure("replayed_request", "this signed request was already used"),
    );
    // A captured request cannot be turned against another machine or another route.
    let mut other_machine = body.clone();
    other_machine["hwid"] = json!("m2");
    let mismatch = failure(
        "bad_request_signature",
        "the request signature does not match",
    );
    server
        .post_json("/v1/activate", &other_machine)
        .expect(401, mismatch.clone());
    let mut renamed = signed_machine(&sandbox, &issued, "activate", "m3", 2);
    renamed["machine"] = json!("not what was signed");
    server
        .post_json("/v1/activate", &renamed)
        .expect(401, mismatch.clone());
    let activate_for_deactivate = signed_machine(&sandbox, &issued, "activate", "m1", 3);
    server
        .post_json("/v1/deactivate", &activate_for_deactivate)
        .expect(401, mismatch);
    assert_eq!(hwids(&sandbox), ["m1"]);

    let mut half = body.clone();
    half.as_object_mut().unwrap().remove("datetime");
    server.post_json("/v1/activate", &half).expect(
        400,
        json!({"code": "malformed", "error": "`datetime` and `signature` go together"}),
    );

    let deactivate = signed_machine(&sandbox, &issued, "deactivate", "m1", 4);
    let freed = server.post_json("/v1/deactivate", &deactivate);
    assert_eq!(
        (freed.status, freed.json()["deactivated"].clone()),
        (200, json!(true))
    );
    assert!(hwids(&sandbox).is_empty());

    // The HTTP signer signs machine requests too.
    let secret = sandbox.write("signer.secret", &issued.secret);
    let signer = Server::start(
        &sandbox,
        &["signer", "--secret-file", &secret, "--allow-no-origin"],
    );
    let asked = json!({"license": issued.jwt, "for": "activate", "product": "app", "hwid": "m5"});
    let signature = request(
        &signer.addr,
        "POST",
        "/v1/sign",
        &[],
        asked.to_string().as_bytes(),
    )
    .json();
    let body = json!({"license": issued.jwt, "datetime": signature["datetime"], "signature": signature["signature"], "product": "app", "hwid": "m5"});
    assert_eq!(server.post_json("/v1/activate", &body).status, 200);
    assert_eq!(hwids(&sandbox), ["m5"]);
}

#[test]
fn compat_token_jwt_is_an_explicit_opt_in() {
    let (sandbox, issued) = setup(&[]);
    let server = Server::serve(&sandbox, &["--compat-token", "jwt"]);
    let query = |token: &str, hwid: &str| {
        format!("token={token}&machine=box&user=ann&app_id=app&hwid={hwid}")
    };
    for (token, hwid) in [
        (&issued.jwt, "h1"),
        (&issued.id, "h2"),
        (&issued.short_key, "h3"),
    ] {
        let reply = server.post_form("/api/activate", &query(token, hwid));
        assert_eq!(reply.status, 201, "{}", reply.body);
        let check = server.get(&format!("/api/check?{}", query(token, hwid)));
        assert_eq!(check.status, 201);
    }
}

#[test]
fn unlimited_licenses_are_capped_per_server() {
    let (sandbox, issued) = setup(&["--activations", "-1"]);
    let server = Server::serve(&sandbox, &["--unlimited-cap", "2"]);
    let body = |hwid: &str| json!({"key": issued.short_key, "product": "app", "hwid": hwid});
    for hwid in ["a", "b"] {
        let granted = server.post_json("/v1/activate", &body(hwid)).json();
        assert_eq!(
            granted["activations"],
            json!({"used": if hwid == "a" { 1 } else { 2 }, "allowed": -1})
        );
    }
    server.post_json("/v1/activate", &body("c")).expect(
        409,
        json!({"code": "machine_cap", "error": "the license is unlimited, but this server allows at most 2 machines per license; deactivate unused machines"}),
    );
    // Re-activating a machine that holds a seat still works at the cap.
    assert_eq!(server.post_json("/v1/activate", &body("a")).status, 200);
    let compat = format!(
        "token={}&machine=m&user=u&app_id=app&hwid=d",
        issued.short_key
    );
    server.post_form("/api/activate", &compat).expect(
        410,
        json!({"result": "failure", "error": "key is out of activations", "support_message": null}),
    );
    assert_eq!(hwids(&sandbox).len(), 2);
}

#[test]
fn client_text_with_control_characters_or_arrays_is_refused() {
    let (sandbox, issued) = setup(&[]);
    let server = Server::serve(&sandbox, &[]);
    for (field, value, error) in [
        (
            "hwid",
            "\u{1b}[2J",
            "hwid: must not contain control characters",
        ),
        (
            "hwid",
            "a\u{0}b",
            "hwid: must not contain control characters",
        ),
        ("hwid", " ", "hwid: must not be empty"),
        (
            "machine",
            "box\n│ forged │ row",
            "machine: must not contain control characters",
        ),
        ("user", "\u{7}", "user: must not contain control characters"),
    ] {
        let mut body = json!({"key": issued.short_key, "product": "app", "hwid": "h"});
        body[field] = json!(value);
        server
            .post_json("/v1/activate", &body)
            .expect(400, json!({"code": "malformed", "error": error}));
    }
    assert!(hwids(&sandbox).is_empty());
    // A JSON array is not read positionally into the fields.
    let array = json!([issued.short_key, "app", "h"]);
    server.post_json("/v1/activate", &array).expect(
        400,
        json!({"code": "malformed", "error": "the body must be a JSON object"}),
    );
    server.post_json("/v1/validate", &array).expect(
        400,
        json!({"valid": false, "code": "malformed", "error": "the body must be a JSON object"}),
    );
}

#[test]
fn the_replay_cache_keeps_only_verified_requests_and_bounds_each_license() {
    let (sandbox, issued) = setup(&[]);
    let revoked = sandbox.issue_app(&[]);
    sandbox.run(["license", "revoke", &revoked.id]).success();
    let server = Server::serve(
        &sandbox,
        &["--replay-capacity", "3", "--replay-per-license", "2"],
    );
    // A licensee's junk (here: a license that no longer verifies, signed with its real
    // secret) takes no room in the cache.
    for offset in 0..5 {
        let reply = server.post_json(
            "/v1/validate",
            &signed_validation(&sandbox, &revoked, offset),
        );
        assert_eq!(reply.json()["code"], "revoked");
    }
    // One license gets its share, and no more.
    for offset in 0..2 {
        let reply = server.post_json(
            "/v1/validate",
            &signed_validation(&sandbox, &issued, offset),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    server
        .post_json("/v1/validate", &signed_validation(&sandbox, &issued, 2))
        .expect(
            429,
            json!({"code": "too_many_requests", "error": "this license has too many signed requests within the skew window; retry shortly"}),
        );
    // Another license still has room.
    let other = sandbox.issue_app(&[]);
    let reply = server.post_json("/v1/validate", &signed_validation(&sandbox, &other, 0));
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[test]
fn a_request_accepted_before_a_restart_is_refused_after_it_even_after_sigkill() {
    let (sandbox, issued) = setup(&[]);
    let server = Server::serve(&sandbox, &[]);
    // Dated at the server's clock, and ahead of it (a client clock up to the skew ahead).
    let now = signed_validation(&sandbox, &issued, 0);
    let ahead = signed_validation(&sandbox, &issued, 120);
    let machine = signed_machine(&sandbox, &issued, "activate", "m1", 60);
    for body in [&now, &ahead] {
        assert_eq!(server.post_json("/v1/validate", body).status, 200);
    }
    assert_eq!(server.post_json("/v1/activate", &machine).status, 200);
    assert_eq!(server.stop("-KILL"), None);

    let server = Server::serve(&sandbox, &[]);
    let reply = server.post_json("/v1/validate", &now);
    assert_eq!(reply.status, 401, "{}", reply.body);
    let error = reply.json()["error"].as_str().unwrap().to_owned();
    assert!(
        error.starts_with("the request was signed before this server started (")
            && error.ends_with("); sign it again"),
        "{error}"
    );
    let replayed = json!({"valid": false, "code": "replayed_request", "error": "this signed request was already used"});
    server
        .post_json("/v1/validate", &ahead)
        .expect(409, replayed.clone());
    server
        .post_json("/v1/activate", &machine)
        .expect(409, replayed);
    // A fresh signature is welcome.
    let fresh = server.post_json("/v1/validate", &signed_validation(&sandbox, &issued, 1));
    assert_eq!(fresh.status, 200, "{}", fresh.body);
}
