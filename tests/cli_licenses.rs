//! `keyctl license …`: issuing (checked by decoding the JWT), listing, showing and standing.

use serde_json::{json, Value};

use crate::common::*;

/// The decoded claims of an issued license.
fn payload(issued: &Issued) -> Value {
    jwt_part(&issued.jwt, 1)
}

fn iat(issued: &Issued) -> i64 {
    payload(issued)["iat"].as_i64().expect("iat is an integer")
}

/// Sorted license ids from `license list ARGS --json`.
fn listed(sandbox: &Sandbox, args: &[&str]) -> Vec<String> {
    let mut full = vec!["license", "list", "--json"];
    full.extend_from_slice(args);
    let mut ids: Vec<String> = sandbox
        .run(full)
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn ids(licenses: &[&Issued]) -> Vec<String> {
    let mut ids: Vec<String> = licenses.iter().map(|l| l.id.clone()).collect();
    ids.sort();
    ids
}

#[test]
fn issue_with_every_flag() {
    let sandbox = Sandbox::with_products();
    sandbox.use_vendor_key();
    let issued = sandbox.issue(&[
        "--product",
        "app",
        "--product",
        "web",
        "--licensee",
        "Bob <bob@example.test>",
        "--expires",
        "2031-06-30",
        "--not-before",
        "2030-01-01",
        "--activations",
        "5",
        "--domain",
        "Example.COM",
        "--domain",
        "*.shop.example",
        "--feature",
        "pro",
        "--feature",
        "export",
        "--meta",
        r#"{"plan":"gold","seats":{"eu":3}}"#,
    ]);
    assert_eq!(jwt_part(&issued.jwt, 0), header(&vendor().kid()));
    let iat = iat(&issued);
    assert_eq!(
        payload(&issued),
        json!({
            "iss": ISSUER,
            "sub": "Bob <bob@example.test>",
            "jti": issued.id,
            "iat": iat,
            "nbf": T0,
            "exp": ts("2031-06-30T23:59:59Z"),
            "products": ["app", "web"],
            "domains": ["example.com", "*.shop.example"],
            "max_activations": 5,
            "features": ["pro", "export"],
            "meta": {"plan": "gold", "seats": {"eu": 3}},
            // The store's first status-list index, at the default URI.
            "status": {"status_list": {"idx": 0, "uri": "/v1/status-list"}},
        })
    );
    let id = issued.id.strip_prefix("lic_").expect("ids start with lic_");
    assert!(
        id.len() == 26
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
        "{id}"
    );
    let groups: Vec<&str> = issued.short_key.split('-').collect();
    assert!(
        groups.len() == 5 && groups.iter().all(|g| g.len() == 5),
        "{}",
        issued.short_key
    );
    assert!(issued
        .short_key
        .bytes()
        .all(|b| b == b'-' || b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)));
    assert!(
        issued.secret.starts_with("ks1_") && unb64(&issued.secret[4..]).len() == 32,
        "{}",
        issued.secret
    );
}

#[test]
fn issue_json_describes_the_license() {
    let sandbox = Sandbox::with_products();
    let issued = sandbox.issue_app(&["--expires", "2031-06-30T12:00:00Z", "--activations", "3"]);
    let shown = sandbox.run([&ISSUE_APP[..], &["--json"]].concat()).json();
    assert_eq!(
        shown["max_activations"], -1,
        "no --activations is unlimited"
    );
    let out = sandbox
        .run(["license", "show", &issued.id, "--json"])
        .json();
    assert_eq!(
        out,
        json!({
            "id": issued.id,
            "short_key": issued.short_key,
            "status": "active",
            "reason": null,
            "licensee": "alice",
            "products": ["app"],
            "created": rfc3339(iat(&issued)),
            "expires": "2031-06-30T12:00:00Z",
            "max_activations": 3,
            "ref": null,
            "jwt": issued.jwt,
        })
    );
}

#[test]
fn expiry_and_start_in_every_form() {
    let sandbox = Sandbox::with_products();
    let issue = |flag: &str, value: &str| {
        let issued = sandbox.issue_app(&[flag, value]);
        let claim = if flag == "--expires" { "exp" } else { "nbf" };
        (
            iat(&issued),
            payload(&issued)[claim].as_i64().expect("an integer time"),
        )
    };
    for (flag, value, seconds) in [
        ("--expires", "30d", 30 * 86_400),
        ("--expires", "12h", 12 * 3_600),
        ("--not-before", "1d", 86_400),
    ] {
        let (iat, time) = issue(flag, value);
        assert_eq!(time - iat, seconds, "{flag} {value}");
    }
    for (flag, value, expected) in [
        ("--expires", "2031-06-30", "2031-06-30T23:59:59Z"),
        (
            "--expires",
            "2031-01-02T03:04:05+01:00",
            "2031-01-02T02:04:05Z",
        ),
        ("--not-before", "2030-01-01", "2030-01-01T00:00:00Z"),
        (
            "--not-before",
            "2030-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        ),
    ] {
        assert_eq!(rfc3339(issue(flag, value).1), expected, "{flag} {value}");
    }
}

#[test]
fn optional_claims_are_left_out_unless_given() {
    let sandbox = Sandbox::with_products();
    let plain = sandbox.issue_app(&[]);
    let mut keys: Vec<String> = payload(&plain)
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    keys.sort();
    // `status` is not optional: every license the store issues has a status-list entry.
    assert_eq!(keys, ["iat", "iss", "jti", "products", "status", "sub"]);
    assert_eq!(
        payload(&sandbox.issue_app(&["--activations", "-1"]))["max_activations"],
        -1
    );
}

#[test]
fn bad_issue_requests_are_refused() {
    let sandbox = Sandbox::with_products();
    let not_json = "--meta: is not JSON (EOF while parsing an object at line 1 column 1)";
    let not_when = |flag: &str, text: &str| {
        format!(
            "{flag}: `{text}` is not a duration (365d), a date (2027-12-31) or an RFC 3339 time"
        )
    };
    let cases: Vec<(Vec<&str>, i32, String)> = vec![
        (
            vec!["--product", "nope"],
            1,
            "product nope not found".into(),
        ),
        (vec!["--product", "1"], 1, "product 1 not found".into()),
        (
            vec!["--meta", "[1]"],
            2,
            "--meta: must be a JSON object".into(),
        ),
        (vec!["--meta", "{"], 2, not_json.into()),
        (
            vec!["--activations", "0"],
            2,
            "activations: 0 is not a positive number or -1 (unlimited)".into(),
        ),
        (
            vec!["--activations", "-2"],
            2,
            "activations: -2 is not a positive number or -1 (unlimited)".into(),
        ),
        (vec!["--expires", "soon"], 2, not_when("--expires", "soon")),
        (
            vec!["--not-before", "2031-02-30"],
            2,
            not_when("--not-before", "2031-02-30"),
        ),
        (
            vec!["--expires", "1960-01-01T00:00:00Z"],
            2,
            "--expires: `1960-01-01T00:00:00Z` is out of range".into(),
        ),
        (
            vec!["--not-before", "2031-01-01", "--expires", "2030-12-31"],
            2,
            "expires: the license would expire before it becomes valid".into(),
        ),
        (
            vec!["--domain", "bad host"],
            2,
            "domain: `bad host` is not a host name or *.host pattern".into(),
        ),
        (
            vec!["--expires", "2020-01-01"],
            2,
            "expires: 2020-01-01T23:59:59Z is not in the future; the license would be expired when issued".into(),
        ),
        (
            vec!["--expires", "2031-01-01", "--not-before", "2031-01-01T23:59:59Z"],
            2,
            "expires: the license would expire before it becomes valid".into(),
        ),
        (
            vec!["--domain", "app.example.com", "--domain", "*.co.uk"],
            2,
            "domain: `*.co.uk` would match every domain under the public suffix `co.uk`; name your own domain, as in `*.example.co.uk`".into(),
        ),
        (
            vec!["--domain", "*.COM"],
            2,
            "domain: `*.COM` would match every domain under the public suffix `com`; name your own domain, as in `*.example.com`".into(),
        ),
        (
            vec!["--domain", "github.io"],
            2,
            "domain: `github.io` is a public suffix, not a host; name your own domain, as in `example.github.io`".into(),
        ),
        (
            vec!["--licensee", " "],
            2,
            "licensee: must not be empty".into(),
        ),
    ];
    for (args, code, message) in cases {
        let mut full = vec!["license", "issue", "--product", "app"];
        if !args.contains(&"--licensee") {
            full.extend(["--licensee", "alice"]);
        }
        full.extend(args);
        let out = sandbox.run(&full);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr),
            (code, "", format!("keyctl: error: {message}\n")),
            "{full:?}"
        );
    }
    assert_eq!(
        listed(&sandbox, &[]),
        Vec::<String>::new(),
        "a refused license is not stored"
    );
}

#[test]
fn oversized_meta_hits_the_8_kib_limit() {
    let sandbox = Sandbox::with_products();
    let meta = json!({"blob": "x".repeat(9000)}).to_string();
    let out = sandbox.run([&ISSUE_APP[..], &["--meta", &meta]].concat());
    let size = out
        .stderr
        .strip_prefix("keyctl: error: license: the signed JWT would be ")
        .and_then(|rest| rest.strip_suffix(" bytes; the limit is 8192 (shrink --meta)\n"))
        .unwrap_or_else(|| panic!("unexpected stderr: {}", out.stderr));
    assert!(size.parse::<usize>().unwrap() > 8192);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(listed(&sandbox, &[]), Vec::<String>::new());
}

#[test]
fn list_filters_by_product_and_status() {
    let sandbox = Sandbox::with_products();
    let app = sandbox.issue_app(&[]);
    let web = sandbox.issue(&["--product", "web", "--licensee", "bob"]);
    let both = sandbox.issue(&[
        "--product",
        "app",
        "--product",
        "web",
        "--licensee",
        "carol",
    ]);
    sandbox.run(["license", "suspend", &web.id]).success();
    sandbox.run(["license", "revoke", &both.id]).success();

    assert_eq!(listed(&sandbox, &[]), ids(&[&app, &web, &both]));
    assert_eq!(listed(&sandbox, &["--product", "app"]), ids(&[&app, &both]));
    assert_eq!(listed(&sandbox, &["--status", "active"]), ids(&[&app]));
    assert_eq!(listed(&sandbox, &["--status", "suspended"]), ids(&[&web]));
    assert_eq!(
        listed(&sandbox, &["--status", "revoked", "--product", "web"]),
        ids(&[&both])
    );
    assert_eq!(
        listed(&sandbox, &["--status", "revoked", "--product", "nope"]),
        Vec::<String>::new()
    );
    let out = sandbox.run(["license", "list", "--status", "bogus"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{}", out.stderr);
}

#[test]
fn list_never_shows_jwts_or_secrets() {
    let sandbox = Sandbox::with_products();
    let issued = sandbox.issue_app(&["--expires", "2031-06-30"]);
    let table = sandbox.run(["license", "list"]).success().to_owned();
    assert_eq!(
        table_rows(&table),
        [
            vec![
                "ID",
                "SHORT KEY",
                "LICENSEE",
                "PRODUCTS",
                "STATUS",
                "EXPIRES"
            ],
            vec![
                issued.id.as_str(),
                &issued.short_key,
                "alice",
                "app",
                "active",
                "2031-06-30T23:59:59Z"
            ],
        ]
    );
    let json = sandbox
        .run(["license", "list", "--json"])
        .success()
        .to_owned();
    for text in [&table, &json] {
        assert!(
            !text.contains(&issued.secret) && !text.contains(&issued.jwt),
            "{text}"
        );
    }
    let fields: Vec<String> = serde_json::from_str::<Value>(&json).unwrap()[0]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert!(
        !fields.contains(&"jwt".to_owned()) && !fields.contains(&"secret".to_owned()),
        "{fields:?}"
    );
}

/// The `license show` layout of a license issued by [`Sandbox::issue_app`] without flags
/// (with its secret, the `license issue` layout).
fn shown(issued: &Issued, status: &str, reason: Option<&str>) -> String {
    details(&rows(issued, status, reason, false))
}

fn rows<'a>(
    issued: &'a Issued,
    status: &'a str,
    reason: Option<&'a str>,
    secret: bool,
) -> Vec<(&'a str, String)> {
    let mut rows = vec![
        ("id", issued.id.clone()),
        ("short key", issued.short_key.clone()),
        ("status", status.into()),
    ];
    rows.extend(reason.map(|reason| ("reason", reason.to_owned())));
    rows.extend([
        ("licensee", "alice".into()),
        ("products", "app".into()),
        ("created", rfc3339(iat(issued))),
        ("expires", "never".into()),
        ("activations", "unlimited".into()),
        ("jwt", issued.jwt.clone()),
    ]);
    if secret {
        rows.push(("secret", issued.secret.clone()));
    }
    rows
}

#[test]
fn issue_prints_the_secret_once() {
    let sandbox = Sandbox::with_products();
    let out = sandbox.run(ISSUE_APP);
    let id = out
        .stdout
        .split_whitespace()
        .nth(1)
        .expect("the id comes first");
    let json = sandbox.run(["license", "show", id, "--json"]).json();
    let field = |name: &str| json[name].as_str().unwrap().to_owned();
    let secret = sandbox.run(["license", "show", id, "--secret"]);
    let issued = Issued {
        id: id.to_owned(),
        short_key: field("short_key"),
        jwt: field("jwt"),
        secret: secret.success().trim_end().to_owned(),
    };
    out.expect(0, &details(&rows(&issued, "active", None, true)), "");
}

#[test]
fn show_by_id_short_key_or_jwt() {
    let sandbox = Sandbox::with_products();
    let issued = sandbox.issue_app(&[]);
    let typed = issued.short_key.replace('-', "").to_lowercase();
    let expected = shown(&issued, "active", None);
    for reference in [&issued.id, &issued.short_key, &typed, &issued.jwt] {
        let out = sandbox.run(["license", "show", reference]);
        out.expect(0, &expected, "");
        assert!(!out.stdout.contains(&issued.secret));
    }
    let json = sandbox.run(["license", "show", &typed, "--json"]).json();
    assert!(json.get("secret").is_none(), "{json}");
    sandbox
        .run(["license", "show", &typed, "--jwt"])
        .expect(0, &format!("{}\n", issued.jwt), "");
    sandbox
        .run(["license", "show", &issued.id, "--secret"])
        .expect(0, &format!("{}\n", issued.secret), "");

    let out = sandbox.run(["license", "show", &issued.id, "--jwt", "--secret"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{}", out.stderr);
    sandbox
        .run(["license", "show", "lic_nope"])
        .error(1, "license lic_nope not found");
    let forged = vendor().sign(&claims(json!({"jti": issued.id})));
    sandbox
        .run(["license", "show", &forged])
        .error(1, &format!("license {}… not found", &forged[..24]));
}

#[test]
fn suspend_reinstate_and_revoke() {
    let sandbox = Sandbox::with_products();
    let issued = sandbox.issue_app(&[]);
    sandbox
        .run([
            "license",
            "suspend",
            &issued.id,
            "--reason",
            "unpaid invoice",
        ])
        .expect(0, &shown(&issued, "suspended", Some("unpaid invoice")), "");
    sandbox
        .run(["license", "reinstate", &issued.short_key])
        .expect(0, &shown(&issued, "active", None), "");
    sandbox
        .run(["license", "revoke", &issued.id, "--reason", "refund"])
        .expect(0, &shown(&issued, "revoked", Some("refund")), "");

    let last_word = format!("license {} is revoked; revocation is final", issued.id);
    sandbox
        .run(["license", "reinstate", &issued.id])
        .error(1, &last_word);
    sandbox
        .run(["license", "suspend", &issued.id])
        .error(1, &last_word);
    assert_eq!(
        sandbox
            .run(["license", "show", &issued.id, "--json"])
            .json()["status"],
        "revoked"
    );
    sandbox
        .run(["license", "revoke", "lic_nope"])
        .error(1, "license lic_nope not found");
}

/// `license issue --batch - --skip-invalid --rejects REJECTS EXTRA` with `input` on stdin.
fn issue_batch_skipping_invalid(
    sandbox: &Sandbox,
    input: &str,
    rejects: &str,
    extra: &[&str],
) -> Run {
    let mut args = vec![
        "license",
        "issue",
        "--batch",
        "-",
        "--skip-invalid",
        "--rejects",
        rejects,
    ];
    args.extend_from_slice(extra);
    sandbox.run_stdin(args, input)
}

#[test]
fn batch_rejects_with_force_never_write_through_a_symlink() {
    let sandbox = Sandbox::with_products();
    let victim = sandbox.write("victim.txt", "precious");
    let rejects = sandbox.path("rejects.jsonl");
    std::os::unix::fs::symlink(&victim, &rejects).unwrap();
    let batch = |force: bool| {
        let extra: &[&str] = if force { &["--force"] } else { &[] };
        issue_batch_skipping_invalid(
            &sandbox,
            "{\"licensee\":\"b\",\"products\":[\"ghost\"]}\n",
            &rejects,
            extra,
        )
    };
    batch(false).error(
        1,
        &format!("{rejects} already exists; use --force to overwrite it"),
    );
    let run = batch(true);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::symlink_metadata(&rejects)
        .unwrap()
        .file_type()
        .is_file());
    assert!(std::fs::read_to_string(&rejects).unwrap().contains("ghost"));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn batch_rows_are_held_to_the_same_issuance_rules() {
    let sandbox = Sandbox::with_products();
    let input = "{\"licensee\":\"a\",\"products\":[\"app\"],\"expires\":\"2020-06-01T00:00:00Z\"}\n\
                 {\"licensee\":\"b\",\"products\":[\"app\"],\"domains\":[\"*.co.uk\"]}\n\
                 {\"licensee\":\"c\",\"products\":[\"app\"],\"expires\":\"30d\",\"domains\":[\"*.example.co.uk\"]}\n";
    let rejects = sandbox.path("rejects.jsonl");
    let run = issue_batch_skipping_invalid(&sandbox, input, &rejects, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.lines().count(),
        1,
        "only the third row is issued"
    );
    let errors: Vec<String> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["error"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        errors,
        [
            "expires: 2020-06-01T00:00:00Z is not in the future; the license would be expired when issued",
            "domain: `*.co.uk` would match every domain under the public suffix `co.uk`; name your own domain, as in `*.example.co.uk`",
        ]
    );
}
