//! The shared license vectors (`tests/vectors/licenses.json`, written by keyctl-core's
//! `vectors` test) through the real binary: `keyctl verify --json` with the file's PEM must
//! print each vector's verdict and exit with its outcome's code.

use serde_json::{json, Value};

use crate::common::*;

/// The exit code `docs/cli.md` documents for a verdict's code.
fn exit_code(code: &str) -> i32 {
    match code {
        "valid" => 0,
        "malformed" => 3,
        "bad_signature" => 4,
        "expired" => 5,
        "not_yet_valid" => 6,
        "scope_mismatch" => 7,
        other => panic!("no offline vector should have code {other}"),
    }
}

#[test]
fn keyctl_verify_gives_every_shared_vector_its_verdict() {
    let path = format!("{}/tests/vectors/licenses.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file: Value = serde_json::from_str(&text).expect("the vector file is JSON");
    let sandbox = Sandbox::new();
    let pem = sandbox.write(
        "trusted.pub.pem",
        file["keys"]["pem"].as_str().expect("pem"),
    );
    let vectors = file["vectors"].as_array().expect("vectors");
    assert!(!vectors.is_empty());
    for vector in vectors {
        let field = |name: &str| vector[name].as_str().unwrap_or_else(|| panic!("{name}"));
        let name = field("name");
        let at = rfc3339(vector["now"].as_i64().expect("now"));
        let leeway = format!("{}s", vector["leeway"].as_i64().expect("leeway"));
        let mut args = vec![
            "verify",
            field("token"),
            "--json",
            "--public-key",
            &pem,
            "--product",
            field("product"),
            "--at",
            &at,
            "--leeway",
            &leeway,
        ];
        if let Some(domain) = vector["domain"].as_str() {
            args.extend(["--domain", domain]);
        }
        let out = sandbox.run(args);
        let code = field("code");
        assert_eq!(
            (out.code, out.stderr.as_str()),
            (exit_code(code), ""),
            "vector {name}"
        );
        assert_eq!(
            out.json(),
            json!({
                "valid": code == "valid",
                "code": code,
                "error": vector["error"],
                "license": vector["license"],
                "revocation_checked": false,
            }),
            "vector {name}"
        );
    }
    assert!(
        !sandbox.store().exists(),
        "verify with --public-key must not create a store"
    );
}
