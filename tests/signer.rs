//! The request signer: the independent vectors in `tests/vectors/` reproduced by the real
//! binary, every rejection path of `verify-request`, and `keyctl signer` over loopback.

use serde_json::{json, Value};

use crate::common::Sandbox;
use crate::net::{exchange, parse, request, Response, Server};

fn vectors(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn text<'a>(vector: &'a Value, field: &str) -> &'a str {
    vector[field]
        .as_str()
        .unwrap_or_else(|| panic!("vector without {field}: {vector}"))
}

/// Runs `keyctl sign` on a vector and returns the signature.
fn sign(sandbox: &Sandbox, vector: &Value, scheme: &str) -> String {
    let secret = sandbox.write("secret", text(vector, "secret"));
    let args = [
        "sign",
        "-",
        "--secret-file",
        &secret,
        "--datetime",
        text(vector, "datetime"),
        "--scheme",
        scheme,
        "--json",
    ];
    let out = sandbox.run_stdin(args, text(vector, "input"));
    let value = out.json();
    assert_eq!(value["datetime"], vector["datetime"]);
    value["signature"].as_str().unwrap().to_owned()
}

/// Asserts that `keyctl sign --scheme SCHEME` reproduces every vector of `file` (at least `min`).
fn reproduces_every_vector(file: &str, scheme: &str, min: usize) {
    let sandbox = Sandbox::new();
    let all = vectors(file);
    assert!(all.len() >= min);
    for vector in &all {
        let expected = text(vector, "signature");
        assert_eq!(
            sign(&sandbox, vector, scheme),
            expected,
            "vector {}",
            vector["name"]
        );
    }
}

#[test]
fn keyctl_sign_reproduces_every_keyctl1_vector() {
    reproduces_every_vector("keyctl1.json", "keyctl1", 8);
}

#[test]
fn keyctl_sign_reproduces_every_mio4_vector() {
    reproduces_every_vector("mio4.json", "mio", 4);
}

/// `keyctl verify-request` of the spec vector with `signature` and `--now NOW`.
fn verify_spec_request(
    signature: &str,
    datetime: &str,
    now: &str,
    secret: &str,
) -> crate::common::Run {
    let sandbox = Sandbox::new();
    let vector = &vectors("keyctl1.json")[0];
    assert_eq!(vector["name"], "spec_vector");
    let secret_file = sandbox.write("secret", secret);
    let args = [
        "verify-request",
        text(vector, "input"),
        "--datetime",
        datetime,
        "--signature",
        signature,
        "--secret-file",
        &secret_file,
        "--now",
        now,
    ];
    sandbox.run(args)
}

#[test]
fn verify_request_accepts_the_vector_and_rejects_every_deviation() {
    let vector = &vectors("keyctl1.json")[0];
    let (sig, t, secret) = (
        text(vector, "signature"),
        text(vector, "datetime"),
        text(vector, "secret"),
    );
    let valid = "valid: the request signature verifies (license not checked: no trusted keys)\n";
    verify_spec_request(sig, t, t, secret).expect(0, valid, "");
    // The skew window: 300 s either way is inside, 301 s is outside.
    verify_spec_request(sig, t, "20261123T092000Z", secret).expect(0, valid, "");
    verify_spec_request(sig, t, "20261123T091000Z", secret).expect(0, valid, "");
    let stale = |skew: u32| {
        format!("stale_request: the request datetime is {skew} s from the validator's clock; at most 300 s is allowed\n")
    };
    verify_spec_request(sig, t, "20261123T092001Z", secret).expect(9, &stale(301), "");
    verify_spec_request(sig, t, "20261123T090959Z", secret).expect(9, &stale(301), "");

    let mismatch = "bad_request_signature: the request signature does not match\n";
    let mut flipped = sig.as_bytes().to_vec();
    flipped[10] ^= 0x01; // one bit of one hex digit
    let flipped = String::from_utf8(flipped).unwrap();
    verify_spec_request(&flipped, t, t, secret).expect(9, mismatch, "");
    verify_spec_request(&sig.to_uppercase(), t, t, secret).expect(9, mismatch, "");
    verify_spec_request(sig, t, t, "ks1_some-other-secret").expect(9, mismatch, "");
    let format =
        "bad_request_signature: the request datetime is not of the form YYYYMMDDTHHMMSSZ\n";
    verify_spec_request(sig, "2026-11-23T09:15:00Z", t, secret).expect(9, format, "");
    // An unknown license id is indistinguishable from a wrong signature.
    let sandbox = Sandbox::new();
    let map = sandbox.write("map.json", json!({"lic_someone_else": secret}).to_string());
    let args = [
        "verify-request",
        text(vector, "input"),
        "--datetime",
        t,
        "--signature",
        sig,
        "--secret-file",
        &map,
        "--now",
        t,
    ];
    sandbox.run(args).expect(9, mismatch, "");
}

#[test]
fn verify_request_with_the_store_checks_the_license_too() {
    let sandbox = Sandbox::with_products();
    let issued = sandbox.issue_app(&["--expires", "2099-01-01"]);
    let sig = sandbox.run_stdin(["sign", "-", "--json"], issued.jwt.clone());
    sig.error(
        2,
        "secret: no signer secret: pass --secret-file FILE or set KEYCTL_SIGNER_SECRET",
    );
    let secret = sandbox.write("s", &issued.secret);
    let sig = sandbox
        .run(["sign", &issued.jwt, "--secret-file", &secret, "--json"])
        .json();
    let (t, s) = (
        sig["datetime"].as_str().unwrap(),
        sig["signature"].as_str().unwrap(),
    );
    let base = [
        "verify-request",
        issued.jwt.as_str(),
        "--datetime",
        t,
        "--signature",
        s,
    ];
    let expected = format!(
        "valid: {} for alice (products app; expires 2099-01-01T23:59:59Z)\n",
        issued.id
    );
    sandbox
        .run(base.iter().chain(&["--product", "app"]))
        .expect(0, &expected, "");
    sandbox
        .run(base)
        .error(2, "--product: is required when the license is verified too");
    let wrong = format!(
        "scope_mismatch: {}: product `web` is not covered (the license covers app)\n",
        issued.id
    );
    sandbox
        .run(base.iter().chain(&["--product", "web"]))
        .expect(7, &wrong, "");
    // --secret works but warns.
    let warned = sandbox.run(
        base.iter()
            .chain(&["--product", "app", "--secret", &issued.secret]),
    );
    warned.expect(0, &expected, "keyctl: warning: --secret leaks into shell history and process listings; prefer --secret-file or KEYCTL_SIGNER_SECRET\n");
}

#[test]
fn signer_service_signs_over_http_and_answers_media_io_clients() {
    let sandbox = Sandbox::with_products();
    let issued = sandbox.issue_app(&[]);
    let secrets = sandbox.write(
        "secrets.json",
        json!({ issued.id.clone(): issued.secret }).to_string(),
    );
    let origin = "https://app.example.com";
    let signer = Server::start(
        &sandbox,
        &[
            "signer",
            "--secret-file",
            &secrets,
            "--allow-origin",
            origin,
            "--allow-no-origin",
        ],
    );

    // POST /v1/sign, then the signature validates with verify-request (the store's secret).
    let headers = [("Content-Type", "application/json"), ("Origin", origin)];
    let body = json!({"license": format!("  {}\n", issued.jwt)}).to_string();
    let signed = request(&signer.addr, "POST", "/v1/sign", &headers, body.as_bytes());
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert_eq!(signed.header("access-control-allow-origin"), Some(origin));
    let value = signed.json();
    assert_eq!(
        (value["algorithm"].clone(), value["license_id"].clone()),
        (json!("KEYCTL1-HMAC-SHA256"), json!(issued.id))
    );
    let (t, s) = (
        value["datetime"].as_str().unwrap(),
        value["signature"].as_str().unwrap(),
    );
    let check = [
        "verify-request",
        issued.jwt.as_str(),
        "--datetime",
        t,
        "--signature",
        s,
        "--product",
        "app",
    ];
    assert_eq!(sandbox.run(check).code, 0);
    // Outside the skew window the same request fails with exit 9.
    let late =
        sandbox.run(
            check
                .iter()
                .chain(&["--max-skew", "0s", "--now", "2099-01-01T00:00:00Z"]),
        );
    assert_eq!(late.code, 9, "{}", late.stdout);

    // CORS preflight for an allowed and a foreign origin.
    let preflight = request(
        &signer.addr,
        "OPTIONS",
        "/v1/sign",
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some(origin)
    );
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        Some("GET, POST, OPTIONS")
    );
    assert_eq!(
        preflight.header("access-control-allow-headers"),
        Some("content-type,x-datetime,x-token")
    );

    // GET /v1/sign: the client chooses the datetime (within the skew) and sends the
    // Media-IO headers; the answer is KEYCTL1, as from POST.
    let t = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let by_headers = request(
        &signer.addr,
        "GET",
        "/v1/sign",
        &[
            ("Origin", origin),
            ("x-datetime", &t),
            ("x-token", &issued.jwt),
        ],
        b"",
    );
    assert_eq!(by_headers.status, 200, "{}", by_headers.body);
    let value = by_headers.json();
    assert_eq!(value["datetime"], t.as_str());
    let check_get = [
        "verify-request",
        issued.jwt.as_str(),
        "--datetime",
        &t,
        "--signature",
        value["signature"].as_str().unwrap(),
        "--product",
        "app",
    ];
    assert_eq!(sandbox.run(check_get).code, 0);
    let old = request(
        &signer.addr,
        "GET",
        "/v1/sign",
        &[
            ("Origin", origin),
            ("x-datetime", "20200101T000000Z"),
            ("x-token", &issued.jwt),
        ],
        b"",
    );
    old.expect(
        400,
        json!({"code": "malformed", "error": "x-datetime is outside the signer's clock window"}),
    );
    let bare = request(
        &signer.addr,
        "GET",
        "/v1/sign",
        &[("Origin", origin), ("x-token", &issued.jwt)],
        b"",
    );
    bare.expect(
        400,
        json!({"code": "malformed", "error": "missing x-datetime header"}),
    );
    let foreign = request(
        &signer.addr,
        "OPTIONS",
        "/v1/sign",
        &[("Origin", "https://evil.test")],
        b"",
    );
    assert_eq!(
        (
            foreign.status,
            foreign.header("access-control-allow-origin")
        ),
        (403, None)
    );

    // A license this signer holds no secret for: the same 403 whatever the id.
    let other = sandbox.issue_app(&[]);
    let unknown = request(
        &signer.addr,
        "POST",
        "/v1/sign",
        &headers,
        json!({"license": other.jwt}).to_string().as_bytes(),
    );
    unknown.expect(
        403,
        json!({"code": "unknown_license", "error": "this signer does not sign for that license"}),
    );

    let malformed = request(&signer.addr, "POST", "/v1/sign", &headers, b"{\"jwt\": 1}");
    malformed.expect(
        400,
        json!({"code": "malformed", "error": "the body must be JSON {\"license\": \"<jwt>\"}"}),
    );

    // GET /api/sign, the Media-IO shape.
    let mio = |headers: &[(&str, &str)]| request(&signer.addr, "GET", "/api/sign", headers, b"");
    for (headers, body) in [
        (vec![], "missing x-datetime and x-token header"),
        (
            vec![("x-token", issued.jwt.as_str())],
            "missing x-datetime header",
        ),
        (
            vec![("x-datetime", "20261123T091500Z")],
            "missing x-token header",
        ),
        // keyctl refuses datetimes it cannot read, and any far from its clock, so that it
        // never mints signatures for later use.
        (
            vec![
                ("x-datetime", "yesterday"),
                ("x-token", issued.jwt.as_str()),
            ],
            "invalid x-datetime header",
        ),
        (
            vec![
                ("x-datetime", "20200101T000000Z"),
                ("x-token", issued.jwt.as_str()),
            ],
            "x-datetime is outside the signer's clock window",
        ),
    ] {
        let reply = mio(&headers);
        assert_eq!((reply.status, reply.body.as_str()), (422, body));
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(reply.header("access-control-allow-methods"), Some("GET"));
        assert_eq!(
            reply.header("access-control-allow-headers"),
            Some("x-token,x-datetime")
        );
    }
    let now = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S.000Z")
        .to_string();
    let reply = mio(&[
        ("x-datetime", &now),
        ("x-token", &issued.jwt),
        ("Origin", origin),
    ]);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
    let mio_check = [
        "verify-request",
        issued.jwt.as_str(),
        "--scheme",
        "mio",
        "--datetime",
        &now,
        "--signature",
        &reply.body,
        "--product",
        "app",
    ];
    assert_eq!(sandbox.run(mio_check).code, 0);
    let options = request(&signer.addr, "OPTIONS", "/api/sign", &[], b"");
    assert_eq!((options.status, options.body.as_str()), (200, ""));
    signer.get("/healthz").expect(200, json!({"status": "ok"}));
    assert_eq!(signer.stop("-TERM"), Some(0));
}

/// A raw request with a `Host` of the test's choosing (`request` always sends the address).
fn with_host(
    addr: &str,
    method: &str,
    path: &str,
    host: &str,
    headers: &[(&str, &str)],
) -> Response {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = r#"{"license": "x"}"#;
    if method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    if method == "POST" {
        raw.extend_from_slice(body.as_bytes());
    }
    parse(&exchange(addr, &raw))
}

#[test]
fn the_signer_answers_only_its_hosts_allowed_origins_and_native_clients_when_allowed() {
    let sandbox = Sandbox::with_products();
    let issued = sandbox.issue_app(&[]);
    let secret = sandbox.write("secret.txt", &issued.secret);
    let origin = "https://app.example.com";
    let signer = Server::start(
        &sandbox,
        &["signer", "--secret-file", &secret, "--allow-origin", origin],
    );
    let body = json!({"license": issued.jwt}).to_string();
    let sign = |headers: &[(&str, &str)]| {
        request(&signer.addr, "POST", "/v1/sign", headers, body.as_bytes())
    };
    assert_eq!(sign(&[("Origin", origin)]).status, 200);
    // A native client is refused unless the operator allows it.
    sign(&[]).expect(
        403,
        json!({"code": "origin_required", "error": "requests without an Origin header are refused (start the signer with --allow-no-origin to serve native products)"}),
    );
    let not_allowed =
        json!({"code": "origin_not_allowed", "error": "this origin may not call the signer"});
    for foreign in [
        "https://evil.test",
        "null",
        "https://app.example.com.evil.test",
    ] {
        sign(&[("Origin", foreign)]).expect(403, not_allowed.clone());
    }
    // Media-IO's route refuses the same callers, in its text shape.
    let now = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let mio = request(
        &signer.addr,
        "GET",
        "/api/sign",
        &[
            ("Origin", "https://evil.test"),
            ("x-datetime", &now),
            ("x-token", &issued.jwt),
        ],
        b"",
    );
    assert_eq!(
        (mio.status, mio.body.as_str()),
        (403, "this origin may not call the signer")
    );
    // Duplicate x-datetime or x-token headers are refused, not read first-wins.
    for (name, value) in [
        ("x-datetime", now.as_str()),
        ("x-token", issued.jwt.as_str()),
    ] {
        let twice = request(
            &signer.addr,
            "GET",
            "/api/sign",
            &[
                ("Origin", origin),
                ("x-datetime", &now),
                ("x-token", &issued.jwt),
                (name, value),
            ],
            b"",
        );
        assert_eq!(
            (twice.status, twice.body.clone()),
            (400, format!("duplicate {name} header"))
        );
    }

    // DNS rebinding: a page on evil.test whose name resolves to 127.0.0.1 sends its own Host.
    let port = signer.addr.rsplit_once(':').unwrap().1;
    let rebound = with_host(
        &signer.addr,
        "POST",
        "/v1/sign",
        &format!("evil.test:{port}"),
        &[("Origin", origin)],
    );
    rebound.expect(
        403,
        json!({"code": "host_not_allowed", "error": "this signer does not answer for that host name (allow it with --allow-host)"}),
    );
    let preflight = with_host(
        &signer.addr,
        "OPTIONS",
        "/v1/sign",
        &format!("evil.test:{port}"),
        &[("Origin", origin)],
    );
    assert_eq!(preflight.status, 403);
    // `localhost` is one of the default names; a malformed body then says so.
    let local = with_host(
        &signer.addr,
        "POST",
        "/v1/sign",
        &format!("LOCALHOST:{port}"),
        &[("Origin", origin)],
    );
    assert_eq!(local.status, 400, "{}", local.body);
    assert_eq!(signer.stop("-TERM"), Some(0));

    // --allow-host replaces the defaults; --allow-no-origin serves native clients.
    let signer = Server::start(
        &sandbox,
        &[
            "signer",
            "--secret-file",
            &secret,
            "--allow-host",
            "signer.internal",
            "--allow-no-origin",
        ],
    );
    let port = signer.addr.rsplit_once(':').unwrap().1;
    assert_eq!(
        with_host(
            &signer.addr,
            "POST",
            "/v1/sign",
            &format!("signer.internal:{port}"),
            &[]
        )
        .status,
        400,
        "a known host and no Origin reach the handler (whose answer to `x` is malformed)"
    );
    assert_eq!(
        sign_at(&signer.addr, &body),
        403,
        "127.0.0.1 is no longer a signer name"
    );
    assert_eq!(signer.stop("-TERM"), Some(0));
}

fn sign_at(addr: &str, body: &str) -> u16 {
    request(addr, "POST", "/v1/sign", &[], body.as_bytes()).status
}
