//! `keyctl serve` over a real loopback socket: the compatibility contract, the v1 API,
//! atomic seats under concurrency, durability across SIGKILL, bad input, the control
//! socket, and graceful shutdown.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Barrier};

use serde_json::{json, Value};

use crate::common::{Issued, Sandbox};
use crate::net::{exchange, parse, request, try_exchange, Server};

const MISSING: &str =
    "Missing required parameter in the JSON body or the post body or the query string";

fn activate_query(issued: &Issued, hwid: &str) -> String {
    format!(
        "token={}&machine=box&user=ann&app_id=1&hwid={hwid}",
        issued.short_key
    )
}

fn check_path(token: &str, hwid: &str) -> String {
    format!("/api/check?token={token}&machine=box&user=ann&hwid={hwid}&app_id=app")
}

fn setup(license_args: &[&str]) -> (Sandbox, Issued) {
    let sandbox = Sandbox::with_products();
    sandbox
        .run([
            "product",
            "add",
            "tool",
            "--name",
            "Tool",
            "--support-message",
            "mail help@acme.test",
        ])
        .success();
    let issued = sandbox.issue_app(license_args);
    (sandbox, issued)
}

#[test]
fn compat_activate_and_check_follow_the_contract_with_keyctl_fixes() {
    let (sandbox, issued) = setup(&["--activations", "2"]);
    let server = Server::serve(&sandbox, &[]);
    let ok = |n: &str| json!({"result": "ok", "remainingActivations": n});
    // Short key in lowercase without dashes, app_id by number; a form body.
    let typed = issued.short_key.replace('-', "").to_lowercase();
    let form = format!("token={typed}&machine=box&user=ann&app_id=1&hwid=h1");
    server
        .post_form("/api/activate", &form)
        .expect(201, ok("1"));
    // Re-activating the same machine is free.
    server
        .post_form("/api/activate", &form)
        .expect(201, ok("1"));
    // JSON body with an integer app_id; then the query string.
    let body =
        json!({"token": issued.short_key, "machine": "b", "user": "u", "app_id": 1, "hwid": "h2"});
    server
        .post_json("/api/activate", &body)
        .expect(201, ok("0"));
    let full = request(
        &server.addr,
        "POST",
        &format!("/api/activate?{}", activate_query(&issued, "h3")),
        &[],
        b"",
    );
    full.expect(
        410,
        json!({"result": "failure", "error": "key is out of activations", "support_message": null}),
    );

    server
        .get(&check_path(&issued.short_key, "h1"))
        .expect(201, json!({"result": "ok"}));
    let invalid = json!({"result": "failure", "error": "invalid key"});
    // The JWT and the license id are public: they are not tokens unless the operator says so
    // (`compat_token_jwt_is_an_explicit_opt_in`).
    server
        .get(&check_path(&issued.jwt, "h2"))
        .expect(404, invalid.clone());
    server
        .get(&check_path(&issued.id, "h2"))
        .expect(404, invalid.clone());
    server
        .get(&check_path(&issued.short_key, "h2"))
        .expect(201, json!({"result": "ok"}));
    server
        .get(&check_path(&issued.short_key, "h3"))
        .expect(404, invalid.clone());
    server
        .get(&check_path(&issued.short_key, "%20"))
        .expect(400, json!({"message": {"hwid": MISSING}}));
    server
        .get(&check_path("NOPE", "h1"))
        .expect(404, invalid.clone());
    // The license does not cover `tool`: an invalid token, with the product's support message.
    let other = format!(
        "token={}&machine=m&user=u&app_id=tool&hwid=h9",
        issued.short_key
    );
    let failure = json!({"result": "failure", "error": "invalid activation token", "support_message": "mail help@acme.test"});
    server
        .post_form("/api/activate", &other)
        .expect(404, failure);
}

#[test]
fn compat_missing_arguments_are_named_in_each_endpoints_order() {
    let (sandbox, _) = setup(&[]);
    let server = Server::serve(&sandbox, &[]);
    let missing = |name: &str| json!({"message": {name: MISSING}});
    server
        .post_form("/api/activate", "")
        .expect(400, missing("token"));
    server
        .post_form("/api/activate", "token=x&machine=m&user=u")
        .expect(400, missing("app_id"));
    server
        .get("/api/check?token=x&machine=m&user=u")
        .expect(400, missing("hwid"));
    server
        .get("/api/check?token=x&machine=m&user=u&hwid=h")
        .expect(400, missing("app_id"));
    // Only POST for activate, only GET for check.
    assert_eq!(server.get("/api/activate").status, 405);
    assert_eq!(server.post_form("/api/check", "").status, 405);
}

#[test]
fn compat_never_answers_500_to_odd_input() {
    let (sandbox, issued) = setup(&[]);
    let server = Server::serve(&sandbox, &[]);
    let invalid = json!({"result": "failure", "error": "invalid key"});
    server
        .get(&check_path("%C3%A9%FF%00", "h"))
        .expect(404, invalid.clone());
    server
        .get(&check_path(&"A".repeat(8000), "h"))
        .expect(404, invalid.clone());
    let unicode = format!(
        "token={}&machine=%E6%97%A5%E6%9C%AC&user=%C3%BC&app_id=1&hwid=%F0%9F%94%91",
        issued.short_key
    );
    server
        .post_form("/api/activate", &unicode)
        .expect(201, json!({"result": "ok", "remainingActivations": "-1"}));
    let bad_json = request(
        &server.addr,
        "POST",
        "/api/activate",
        &[("Content-Type", "application/json")],
        b"{nope",
    );
    assert_eq!(bad_json.status, 400);
    let long_hwid = format!(
        "token={}&machine=m&user=u&app_id=1&hwid={}",
        issued.short_key,
        "h".repeat(300)
    );
    server.post_form("/api/activate", &long_hwid).expect(
        400,
        json!({"message": {"hwid": "is longer than 256 bytes"}}),
    );
    // Control characters would forge rows of `activation list` in the operator's terminal.
    let escape = format!(
        "token={}&machine=%1B%5B2J&user=u&app_id=1&hwid=h",
        issued.short_key
    );
    server.post_form("/api/activate", &escape).expect(
        400,
        json!({"message": {"machine": "must not contain control characters"}}),
    );
    let check_escape = format!(
        "/api/check?token={}&machine=m&user=u&hwid=%07&app_id=1",
        issued.short_key
    );
    server.get(&check_escape).expect(
        400,
        json!({"message": {"hwid": "must not contain control characters"}}),
    );
}

#[test]
fn exactly_the_allowed_seats_are_granted_to_200_concurrent_machines() {
    let (sandbox, issued) = setup(&["--activations", "10"]);
    let server = Server::serve(&sandbox, &[]);
    let start = Arc::new(Barrier::new(200));
    let threads: Vec<_> = (0..200)
        .map(|i| {
            let (addr, start, query) = (
                server.addr.clone(),
                Arc::clone(&start),
                activate_query(&issued, &format!("m{i}")),
            );
            std::thread::spawn(move || {
                start.wait();
                let headers = [("Content-Type", "application/x-www-form-urlencoded")];
                (
                    i,
                    request(&addr, "POST", "/api/activate", &headers, query.as_bytes()).status,
                )
            })
        })
        .collect();
    let results: Vec<(usize, u16)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let granted: BTreeSet<String> = results
        .iter()
        .filter(|(_, s)| *s == 201)
        .map(|(i, _)| format!("m{i}"))
        .collect();
    let refused = results.iter().filter(|(_, s)| *s == 410).count();
    assert_eq!((granted.len(), refused), (10, 190), "statuses: {results:?}");
    assert_eq!(server.stop("-TERM"), Some(0));
    let listed = sandbox.run(["activation", "list", "--json"]).json();
    let stored: BTreeSet<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["hwid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stored, granted);
}

#[test]
fn every_acknowledged_activation_survives_sigkill() {
    let (sandbox, issued) = setup(&[]);
    let server = Server::serve(&sandbox, &[]);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (addr, stop, issued) = (server.addr.clone(), Arc::clone(&stop), issued.clone());
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for i in 0.. {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let hwid = format!("w{w}-{i}");
                    let raw = format!(
                        "POST /api/activate HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{}",
                        activate_query(&issued, &hwid).len(),
                        activate_query(&issued, &hwid)
                    );
                                        let reply = try_exchange(&addr, raw.as_bytes()).unwrap_or_default();
                    if reply.is_empty() {
                        break; // the server is gone
                    }
                    if parse(&reply).status == 201 {
                        acknowledged.push(hwid);
                    }
                }
                acknowledged
            })
        })
        .collect();
    // Kill the server in the middle of the stream, once some activations are acknowledged.
    let metrics_granted = || {
        server.get("/metrics").body.lines().find_map(|l| {
            l.strip_prefix("keyctl_activations_total{result=\"granted\"} ")?
                .parse::<u64>()
                .ok()
        })
    };
    while metrics_granted().unwrap_or(0) < 200 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(server.stop("-KILL"), None);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acknowledged: Vec<String> = writers
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert!(acknowledged.len() >= 200);
    let listed = sandbox.run(["activation", "list", "--json"]).json();
    let stored: BTreeSet<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["hwid"].as_str().unwrap())
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|h| !stored.contains(h.as_str()))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged activations lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
}

/// A signed validation request dated `datetime`.
fn signed_at(sandbox: &Sandbox, issued: &Issued, datetime: &str) -> Value {
    let sig = sandbox.sign(issued, datetime, &[]);
    json!({"license": issued.jwt, "datetime": sig["datetime"], "signature": sig["signature"], "product": "app"})
}

/// A signed validation request dated `offset` seconds from now. Distinct offsets keep the
/// requests of one test distinct, since the same license signed twice in one second is the
/// same request (and a replay); the server refuses requests dated before it started, so
/// tests sign at now or later (within the skew).
fn signed(sandbox: &Sandbox, issued: &Issued, offset: i64) -> Value {
    signed_at(sandbox, issued, &datetime(offset))
}

/// The KEYCTL1 datetime `offset` seconds from now.
fn datetime(offset: i64) -> String {
    let t = chrono::Utc::now() + chrono::Duration::seconds(offset);
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

#[test]
fn v1_validate_checks_signature_skew_replay_and_the_license() {
    let (sandbox, issued) = setup(&[
        "--activations",
        "3",
        "--feature",
        "pro",
        "--expires",
        "2099-01-01",
    ]);
    let server = Server::serve(&sandbox, &[]);
    let body = signed(&sandbox, &issued, 0);
    server.post_json("/v1/validate", &body).expect(
        200,
        json!({
            "valid": true, "code": "valid", "license_id": issued.id, "licensee": "alice",
            "products": ["app"], "features": ["pro"], "expires": "2099-01-01T23:59:59Z",
            "activations": {"used": 0, "allowed": 3},
        }),
    );
    let failure = |code: &str, error: &str| json!({"valid": false, "code": code, "error": error});
    server.post_json("/v1/validate", &body).expect(
        409,
        failure("replayed_request", "this signed request was already used"),
    );

    let stale = signed_at(&sandbox, &issued, "20200101T000000Z");
    let reply = server.post_json("/v1/validate", &stale);
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (401, json!("stale_request"))
    );

    let mut forged = signed(&sandbox, &issued, 10);
    forged["signature"] = json!("0".repeat(64));
    server.post_json("/v1/validate", &forged).expect(
        401,
        failure(
            "bad_request_signature",
            "the request signature does not match",
        ),
    );

    let mut machine = signed(&sandbox, &issued, 20);
    machine["hwid"] = json!("not-activated");
    server.post_json("/v1/validate", &machine).expect(
        403,
        failure("scope_mismatch", "machine `not-activated` is not activated"),
    );

    // Revoking through the CLI while the server runs takes effect at the next check.
    sandbox
        .run(["license", "revoke", &issued.id, "--reason", "refund"])
        .success();
    server
        .post_json("/v1/validate", &signed(&sandbox, &issued, 30))
        .expect(403, failure("revoked", "the license is revoked (refund)"));

    server.post_json("/v1/validate", &json!({"license": 1})).expect(
        400,
        json!({"valid": false, "code": "malformed", "error": "the body is not the expected JSON (invalid type: integer `1`, expected a string)"}),
    );
}

#[test]
fn v1_activate_is_idempotent_refuses_when_full_and_deactivate_frees_a_seat() {
    let (sandbox, issued) = setup(&["--activations", "1"]);
    let server = Server::serve(&sandbox, &[]);
    let body = |hwid: &str| json!({"key": issued.short_key, "product": "app", "hwid": hwid, "machine": "box"});
    let granted = |new: bool, used: u64| json!({"activated": true, "new": new, "license_id": issued.id, "hwid": "a", "activations": {"used": used, "allowed": 1}});
    // Every grant carries a machine file (checked in `offline::server_*`): compared apart.
    let without_file = |hwid: &str| {
        let answer = server.post_json("/v1/activate", &body(hwid));
        let mut json = answer.json();
        let file = json
            .as_object_mut()
            .and_then(|o| o.remove("machine_file"))
            .unwrap_or_default();
        assert!(file.as_str().is_some_and(|f| f.starts_with("ey")), "{file}");
        (answer.status, json)
    };
    assert_eq!(without_file("a"), (200, granted(true, 1)));
    assert_eq!(without_file("a"), (200, granted(false, 1)));
    server.post_json("/v1/activate", &body("b")).expect(
        409,
        json!({"code": "no_activations_left", "error": "all 1 activations of the license are in use"}),
    );
    server.post_json("/v1/deactivate", &body("a")).expect(
        200,
        json!({"deactivated": true, "license_id": issued.id, "hwid": "a", "activations": {"used": 0, "allowed": 1}}),
    );
    assert_eq!(server.post_json("/v1/activate", &body("b")).status, 200);
    // A revoked license can no longer activate, but its seats can still be given back.
    sandbox.run(["license", "revoke", &issued.id]).success();
    assert_eq!(
        server.post_json("/v1/activate", &body("c")).json()["code"],
        "revoked"
    );
    let freed = server.post_json("/v1/deactivate", &body("b"));
    assert_eq!(
        (freed.status, freed.json()["deactivated"].clone()),
        (200, json!(true))
    );
    let unknown = json!({"key": "00000-00000-00000-00000-00000", "product": "app", "hwid": "x"});
    server.post_json("/v1/activate", &unknown).expect(
        404,
        json!({"code": "unknown_license", "error": "no such license"}),
    );
}

#[test]
fn bad_requests_get_json_errors_never_500() {
    let (sandbox, _) = setup(&[]);
    let server = Server::serve(&sandbox, &["--header-timeout", "1s"]);
    server.get("/nope").expect(
        404,
        json!({"code": "not_found", "error": "no such endpoint"}),
    );
    let wrong = request(&server.addr, "DELETE", "/v1/validate", &[], b"");
    wrong.expect(
        405,
        json!({"code": "method_not_allowed", "error": "method not allowed on this endpoint"}),
    );
    let malformed = request(
        &server.addr,
        "POST",
        "/v1/validate",
        &[("Content-Type", "application/json")],
        b"{\"license\":",
    );
    assert_eq!(
        (malformed.status, malformed.json()["code"].clone()),
        (400, json!("malformed"))
    );
    let big = vec![b'x'; 17 * 1024];
    request(&server.addr, "POST", "/v1/validate", &[], &big).expect(
        413,
        json!({"code": "too_large", "error": "Failed to buffer the request body: length limit exceeded"}),
    );
    let huge_header = "h".repeat(20 * 1024);
    assert_eq!(
        request(
            &server.addr,
            "GET",
            "/healthz",
            &[("X-Big", &huge_header)],
            b""
        )
        .status,
        431
    );
    // A client that never finishes its headers is cut off.
    let slow = exchange(&server.addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\n");
    assert!(
        slow.is_empty() || String::from_utf8_lossy(&slow).starts_with("HTTP/1.1 408"),
        "{slow:?}"
    );
    server
        .get("/healthz")
        .expect(200, json!({"status": "ok", "store": "up"}));
}

#[test]
fn jwks_metrics_control_socket_and_graceful_shutdown() {
    let (sandbox, issued) = setup(&[]);
    let server = Server::serve(&sandbox, &[]);
    let jwks = server.get("/.well-known/jwks.json");
    let file = sandbox.write("jwks.json", &jwks.body);
    sandbox
        .run(["verify", &issued.jwt, "--product", "app", "--jwks", &file])
        .success();

    let socket = sandbox.store().join("keyctl.sock");
    assert_eq!(
        std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Store commands go through the server while it holds the store.
    let listed = sandbox.run(["license", "list", "--json"]).json();
    assert_eq!(listed[0]["id"], issued.id.as_str());
    // A command the server does not carry out says exactly why it cannot run, and what to
    // do instead where there is something: verification can use the served JWKS.
    let held = format!(
        "keyctl: error: store {} is held by a running keyctl serve, which does not carry out this command\n",
        sandbox.store_str()
    );
    sandbox.run(["key", "export"]).fails(
        1,
        &format!("{held}hint: stop that keyctl serve to run this command\n"),
    );
    sandbox.run(["verify", &issued.jwt, "--product", "app"]).fails(
        1,
        &format!("{held}hint: to verify while it runs, use `keyctl verify --jwks` with the server's /.well-known/jwks.json\n"),
    );
    let product = sandbox
        .run(["product", "add", "extra", "--name", "Extra", "--json"])
        .json();
    assert_eq!(product["number"], 4);
    let kid = sandbox.run(["key", "rotate", "--json"]).json()["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    let keys: Value = serde_json::from_str(&server.get("/.well-known/jwks.json").body).unwrap();
    assert!(
        keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == kid.as_str()),
        "rotated key not served"
    );
    let fresh = sandbox.issue_app(&[]);
    assert_eq!(server.get(&check_path(&fresh.short_key, "h")).status, 404);

    let metrics = server.get("/metrics");
    assert_eq!(
        metrics.header("content-type"),
        Some("text/plain; version=0.0.4")
    );
    assert!(
        metrics
            .body
            .contains("keyctl_requests_total{route=\"/.well-known/jwks.json\",status=\"200\"} 2\n"),
        "{}",
        metrics.body
    );
    assert!(metrics
        .body
        .contains("keyctl_request_duration_seconds_count "));

    assert_eq!(server.stop("-TERM"), Some(0));
    assert!(
        !socket.exists(),
        "the control socket is removed on shutdown"
    );
    sandbox
        .run(["license", "show", &fresh.id, "--jwt"])
        .expect(0, &format!("{}\n", fresh.jwt), "");
}

#[test]
fn a_full_replay_cache_refuses_rather_than_skipping_the_check() {
    let (sandbox, issued) = setup(&[]);
    let server = Server::serve(&sandbox, &["--replay-capacity", "1"]);
    assert_eq!(
        server
            .post_json("/v1/validate", &signed(&sandbox, &issued, 0))
            .status,
        200
    );
    server.post_json("/v1/validate", &signed(&sandbox, &issued, 5)).expect(
        503,
        json!({"code": "busy", "error": "too many signed requests to check for replay; retry shortly"}),
    );
}
