//! The shared vectors (`tests/vectors/licenses.json` and `offline.json`, written by
//! keyctl-core's `vectors` test) through the real binary: `keyctl verify --json` and
//! `keyctl machine verify --json` with the file's key must print each vector's verdict and
//! exit with its outcome's code.

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
        "revoked" => 8,
        "status_unknown" => 10,
        "clock_rollback" => 11,
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

/// Runs one offline vector (a license check or a machine file) through `verify` or
/// `machine verify`, with its status list and clock state as files, and compares the
/// verdict, the exit code and the state file written.
fn offline_vector(sandbox: &Sandbox, file: &Value, vector: &Value, machine: bool, jwks: &str) {
    let field = |name: &str| vector[name].as_str().unwrap_or_else(|| panic!("{name}"));
    let name = field("name");
    let at = rfc3339(vector["now"].as_i64().expect("now"));
    let leeway = format!("{}s", vector["leeway"].as_i64().expect("leeway"));
    let token = sandbox.write(&format!("{name}.jwt"), field("token"));
    // Always a state file, so that the verdict has `status_list` and `clock_state`; a
    // vector without a state is a file that does not exist yet (a fresh start).
    let state = sandbox.path(&format!("{name}.state"));
    if !vector["state"].is_null() {
        sandbox.write(&format!("{name}.state"), vector["state"].to_string());
    }
    let mut args: Vec<String> = if machine {
        vec![
            "machine".into(),
            "verify".into(),
            token,
            "--hwid".into(),
            field("hwid").into(),
        ]
    } else {
        vec!["verify".into(), format!("@{token}")]
    };
    args.extend(
        [
            "--json",
            "--jwks",
            jwks,
            "--product",
            field("product"),
            "--at",
            &at,
            "--leeway",
            &leeway,
            "--state",
            &state,
        ]
        .map(String::from),
    );
    if let Some(nonce) = vector["nonce"].as_str().filter(|_| machine) {
        args.extend(["--nonce".into(), nonce.into()]);
    }
    if let Some(list) = vector["status_list"].as_str() {
        let lists = file["status_lists"].as_array().expect("status_lists");
        let signed = lists
            .iter()
            .find(|l| l["name"] == list)
            .unwrap_or_else(|| panic!("no status list {list}"));
        let path = sandbox.write(&format!("{list}.list"), signed["token"].as_str().unwrap());
        args.extend(["--status-list".into(), path]);
    }
    let out = sandbox.run(&args);
    let expected = &vector["verdict"];
    let code = expected["code"].as_str().expect("code");
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (exit_code(code), ""),
        "vector {name}: {}",
        out.stdout
    );
    let mut verdict = out.json();
    // The vectors leave out `valid`, which the code implies.
    assert_eq!(verdict["valid"], code == "valid", "vector {name}");
    verdict.as_object_mut().unwrap().remove("valid");
    if !machine {
        assert_eq!(
            verdict["revocation_checked"],
            code == "valid" && expected["status_list"] == "checked",
            "vector {name}"
        );
        verdict
            .as_object_mut()
            .unwrap()
            .remove("revocation_checked");
    }
    assert_eq!(&verdict, expected, "vector {name}");
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(
        stored, expected["clock_state"],
        "vector {name}: the state file"
    );
}

#[test]
fn keyctl_gives_every_offline_vector_its_verdict() {
    let path = format!("{}/tests/vectors/offline.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file: Value = serde_json::from_str(&text).expect("the vector file is JSON");
    let sandbox = Sandbox::new();
    let jwks = sandbox.write("trusted.jwks", file["keys"]["jwks"].as_str().expect("jwks"));
    for (member, machine) in [("license_checks", false), ("machine_files", true)] {
        let vectors = file[member].as_array().expect(member);
        assert!(!vectors.is_empty());
        for vector in vectors {
            offline_vector(&sandbox, &file, vector, machine, &jwks);
        }
    }
    assert!(
        !sandbox.store().exists(),
        "verifying with --jwks must not create a store"
    );
}
