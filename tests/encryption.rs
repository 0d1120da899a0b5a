//! Signing keys encrypted at rest: `init --encrypt`, `key encrypt|decrypt`, which commands
//! need the passphrase (those that sign or add keys) and which never do (verifying, listing,
//! public exports), encrypted PEM files that OpenSSL reads, and `serve` unlocking once.

use std::os::unix::fs::PermissionsExt;

use serde_json::{json, Value};

use crate::common::*;
use crate::net::Server;

const PASSPHRASE: &str = "correct horse battery staple";

/// What a command that needs the passphrase says without one, for the store of `sandbox`.
fn locked(sandbox: &Sandbox) -> String {
    format!(
        "keyctl: error: store {}: the signing keys are encrypted and no passphrase was given\n\
         hint: set KEYCTL_PASSPHRASE_FILE to a file holding the passphrase, or run the command on a terminal to be asked for it; a running `keyctl serve` must be restarted with it\n",
        sandbox.store_str()
    )
}

/// A sandbox with the passphrase in `pass.txt` (with a trailing newline, as editors write it).
fn sandbox_with_passphrase() -> (Sandbox, String) {
    let sandbox = Sandbox::new();
    let file = sandbox.write("pass.txt", format!("{PASSPHRASE}\n"));
    (sandbox, file)
}

/// `keyctl ARGS` with `KEYCTL_PASSPHRASE_FILE=file`.
fn with_passphrase(sandbox: &Sandbox, file: &str, args: &[&str]) -> Run {
    Run::of(
        sandbox
            .keyctl()
            .env("KEYCTL_PASSPHRASE_FILE", file)
            .args(args),
    )
}

/// The private seed of key `kid` (default: the active key), as lowercase hex and as
/// base64url (its JWK `d`).
fn seed(sandbox: &Sandbox, kid: Option<&str>, passphrase_file: Option<&str>) -> [String; 2] {
    let mut args = vec!["key", "export", "--private", "--format", "jwk"];
    args.extend(kid);
    let out = match passphrase_file {
        Some(file) => with_passphrase(sandbox, file, &args),
        None => sandbox.run(args),
    };
    let d = out.json()["d"].as_str().unwrap().to_owned();
    let hex: String = unb64(&d).iter().map(|b| format!("{b:02x}")).collect();
    [hex, d]
}

/// The files under `dir` whose bytes contain any of `needles`.
fn files_containing(dir: &std::path::Path, needles: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_containing(&path, needles));
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        if needles
            .iter()
            .any(|n| bytes.windows(n.len()).any(|w| w == n.as_bytes()))
        {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn an_encrypted_store_needs_the_passphrase_to_sign_and_never_to_verify() {
    let (sandbox, pass) = sandbox_with_passphrase();
    let init = with_passphrase(
        &sandbox,
        &pass,
        &["init", "--encrypt", "--issuer", ISSUER, "--json"],
    );
    let kid = init.json()["kid"].as_str().unwrap().to_owned();
    assert_eq!(
        init.json(),
        json!({"created": true, "encrypted": true, "issuer": ISSUER, "kid": kid, "store": sandbox.store_str()})
    );
    // The seed was sealed before it was first written: no file of the store holds it.
    let first_seed = seed(&sandbox, None, Some(&pass));
    assert_eq!(
        files_containing(&sandbox.store(), &first_seed),
        Vec::<String>::new()
    );

    sandbox.add_product("app");
    sandbox.run(ISSUE_APP).fails(2, &locked(&sandbox));
    let wrong = sandbox.write("wrong.txt", "correct horse battery stapler\n");
    with_passphrase(&sandbox, &wrong, &ISSUE_APP).error(
        2,
        &format!("store {}: wrong passphrase", sandbox.store_str()),
    );
    let issued = with_passphrase(&sandbox, &pass, &[&ISSUE_APP[..], &["--json"]].concat()).json();
    let jwt = issued["jwt"].as_str().unwrap();

    // Verifying, listing and exporting public keys never ask.
    sandbox.run(["verify", jwt, "--product", "app"]).expect(
        0,
        &valid_line(issued["id"].as_str().unwrap()),
        "",
    );
    assert_eq!(sandbox.key_count(), 1);
    let public = sandbox.run(["key", "export"]).success().to_owned();
    let jwks = sandbox.write(
        "jwks.json",
        sandbox.run(["key", "export", "--format", "jwks"]).success(),
    );
    sandbox
        .run(["verify", jwt, "--product", "app", "--jwks", &jwks])
        .success();

    // Everything that signs, or adds a key that must be sealed, asks.
    let batch = sandbox.write(
        "rows.jsonl",
        "{\"licensee\":\"b\",\"products\":[\"app\"]}\n",
    );
    for args in [
        &["key", "export", "--private"][..],
        &["key", "rotate"],
        &["key", "generate"],
        &["key", "import", &fixture("vendor.key.pem")],
        &["license", "issue", "--batch", &batch],
        &["key", "decrypt"],
    ] {
        let out = sandbox.run(args);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.clone()),
            (2, "", locked(&sandbox)),
            "{args:?}"
        );
    }
    let batch_out = with_passphrase(&sandbox, &pass, &["license", "issue", "--batch", &batch]);
    assert_eq!(batch_out.code, 0, "{}", batch_out.stderr);
    let generated = with_passphrase(&sandbox, &pass, &["key", "generate", "--json"]).json();
    // Activating a key that is already sealed needs no passphrase.
    let new_kid = generated["kid"].as_str().unwrap();
    sandbox
        .run(["key", "rotate", new_kid])
        .expect(0, &format!("active {new_kid}\n"), "");
    assert_eq!(sandbox.run(["key", "export", &kid]).success(), public);
    let seeds = [first_seed, seed(&sandbox, None, Some(&pass))].concat();
    assert_eq!(
        files_containing(&sandbox.store(), &seeds),
        Vec::<String>::new()
    );
}

#[test]
fn key_encrypt_and_decrypt_rewrite_the_store() {
    let (sandbox, pass) = sandbox_with_passphrase();
    sandbox.init();
    sandbox.add_product("app");
    let first = sandbox.issue_app(&[]);
    sandbox.run(["key", "rotate"]).success();
    let second = sandbox.issue_app(&[]);
    let first_kid = jwt_part(&first.jwt, 0)["kid"].as_str().unwrap().to_owned();
    let seeds = [
        seed(&sandbox, None, None),
        seed(&sandbox, Some(&first_kid), None),
    ]
    .concat();
    assert!(
        !files_containing(&sandbox.store(), &seeds).is_empty(),
        "a store in clear holds its seeds"
    );

    with_passphrase(&sandbox, &pass, &["key", "encrypt"]).expect(
        0,
        &format!(
            "encrypted 2 signing keys of store {}\n",
            sandbox.store_str()
        ),
        "",
    );
    assert_eq!(
        files_containing(&sandbox.store(), &seeds),
        Vec::<String>::new()
    );
    let mut entries: Vec<String> = std::fs::read_dir(sandbox.store())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, ["db", "keyctl.lock"], "no db.new or db.old left");
    assert_private(&sandbox.store());
    // Everything else is as it was.
    let listed = sandbox.run(["license", "list", "--json"]).json();
    assert_eq!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].clone())
            .collect::<Vec<_>>(),
        [json!(first.id), json!(second.id)]
    );
    for issued in [&first, &second] {
        sandbox
            .run(["verify", &issued.jwt, "--product", "app"])
            .success();
    }
    sandbox.run(ISSUE_APP).fails(2, &locked(&sandbox));
    with_passphrase(&sandbox, &pass, &["key", "encrypt"]).error(
        1,
        &format!(
            "the signing keys of store {} are encrypted already",
            sandbox.store_str()
        ),
    );

    let wrong = sandbox.write("wrong.txt", "nope");
    with_passphrase(&sandbox, &wrong, &["key", "decrypt"]).error(
        2,
        &format!("store {}: wrong passphrase", sandbox.store_str()),
    );
    let decrypted = with_passphrase(&sandbox, &pass, &["key", "decrypt", "--json"]).json();
    assert_eq!(
        decrypted,
        json!({"encrypted": false, "keys": 2, "store": sandbox.store_str()})
    );
    sandbox.issue_app(&[]);
    assert_eq!(seed(&sandbox, None, None), seeds[..2]);
    sandbox.run(["key", "decrypt"]).error(
        1,
        &format!(
            "the signing keys of store {} are not encrypted",
            sandbox.store_str()
        ),
    );
}

#[test]
fn a_passphrase_is_one_line_of_a_bounded_file() {
    let sandbox = Sandbox::new();
    let cases = [
        ("empty.txt", "\n".to_owned(), "the passphrase is empty"),
        (
            "two.txt",
            "one\ntwo\n".to_owned(),
            "the passphrase must be a single line",
        ),
        (
            "long.txt",
            "x".repeat(1025),
            "the passphrase is longer than 1024 bytes",
        ),
        ("huge.txt", "x".repeat(5000), "is larger than 4096 bytes"),
    ];
    for (name, contents, reason) in cases {
        let file = sandbox.write(name, contents);
        with_passphrase(&sandbox, &file, &["init", "--encrypt"])
            .error(2, &format!("{file}: {reason}"));
    }
    sandbox.run(["init", "--encrypt"]).error(
        2,
        "--encrypt: no passphrase: set KEYCTL_PASSPHRASE_FILE to a file holding it, or run keyctl init on a terminal to be asked",
    );
    let missing = sandbox.path("missing.txt");
    with_passphrase(&sandbox, &missing, &["init", "--encrypt"]).error(
        1,
        &format!("{missing}: No such file or directory (os error 2)"),
    );
    assert!(!sandbox.store().exists(), "no store without a passphrase");

    // An existing store is never encrypted by init: it says so and changes nothing.
    sandbox.init();
    let pass = sandbox.write("pass.txt", PASSPHRASE);
    with_passphrase(&sandbox, &pass, &["init", "--encrypt"]).expect(
        0,
        &format!("store {} exists already; nothing changed\n", sandbox.store_str()),
        "keyctl: warning: the store's signing keys stay in clear; --encrypt applies only to a new store (use `keyctl key encrypt`)\n",
    );
    sandbox.add_product("app");
    sandbox.issue_app(&[]);
}

#[test]
fn an_encrypted_pem_export_is_read_by_openssl_and_imported_back() {
    let (sandbox, pass) = sandbox_with_passphrase();
    with_passphrase(&sandbox, &pass, &["init", "--encrypt"]).success();
    let file_pass = sandbox.write("file-pass.txt", "another passphrase\n");
    let pem = sandbox.path("backup.pem");
    with_passphrase(
        &sandbox,
        &pass,
        &[
            "key",
            "export",
            "--private",
            "--passphrase-file",
            &file_pass,
            "--out",
            &pem,
        ],
    )
    .expect(0, "", "");
    let text = std::fs::read_to_string(&pem).unwrap();
    assert!(
        text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
        "{text}"
    );
    assert_eq!(
        std::fs::metadata(&pem).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let public = sandbox.run(["key", "export"]).success().to_owned();
    let openssl = tool(
        "openssl",
        &[
            "pkey",
            "-in",
            &pem,
            "-passin",
            &format!("file:{file_pass}"),
            "-pubout",
        ],
    );
    assert_eq!(String::from_utf8(openssl.stdout).unwrap(), public);
    let wrong = sandbox.write("wrong.txt", "not it\n");
    let refused = tool(
        "openssl",
        &["pkey", "-in", &pem, "-passin", &format!("file:{wrong}")],
    );
    assert!(
        !refused.status.success(),
        "openssl must refuse the wrong passphrase"
    );
    // What openssl says about the file: PBES2, PBKDF2 with SHA-256, AES-256-CBC.
    let info = tool("openssl", &["asn1parse", "-in", &pem]);
    let info = String::from_utf8(info.stdout).unwrap();
    for part in ["PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc"] {
        assert!(info.contains(part), "{part} in {info}");
    }

    // --encrypt is for PEM; and without --passphrase-file it needs a terminal.
    with_passphrase(
        &sandbox,
        &pass,
        &["key", "export", "--private", "--encrypt", "--format", "jwk"],
    )
    .error(
        2,
        "--encrypt: applies to --format pem only: an encrypted PKCS#8 PEM file is what keyctl writes",
    );
    with_passphrase(&sandbox, &pass, &["key", "export", "--private", "--encrypt"]).error(
        2,
        "--passphrase-file: the exported key needs a passphrase: give --passphrase-file FILE, or run the command on a terminal to be asked",
    );
    let out = sandbox.run(["key", "export", "--encrypt"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (2, ""),
        "--encrypt needs --private"
    );

    // The file imports back into another store with its passphrase, and so does one that
    // openssl encrypted itself.
    let other = Sandbox::new();
    other.init();
    let kid = init_kid(&sandbox);
    other
        .run(["key", "import", &pem, "--passphrase-file", &wrong])
        .error(2, &format!("{pem}: wrong passphrase"));
    other.run(["key", "import", &pem]).error(
        2,
        &format!("--passphrase-file: {pem} needs a passphrase: give --passphrase-file FILE, or run the command on a terminal to be asked"),
    );
    other
        .run(["key", "import", &pem, "--passphrase-file", &file_pass])
        .expect(0, &format!("trusted {kid}\n"), "");
    let by_openssl = other.path("openssl.pem");
    let made = tool(
        "openssl",
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            &fixture("vendor.key.pem"),
            "-passout",
            &format!("file:{file_pass}"),
            "-out",
            &by_openssl,
        ],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    other
        .run([
            "key",
            "import",
            &by_openssl,
            "--passphrase-file",
            &file_pass,
        ])
        .expect(0, &format!("trusted {}\n", vendor().kid()), "");
}

/// The kid of the store's first (here: only) key.
fn init_kid(sandbox: &Sandbox) -> String {
    sandbox.run(["key", "list", "--json"]).json()[0]["kid"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn serve_unlocks_once_at_start_and_issues_through_its_control_socket() {
    let (sandbox, pass) = sandbox_with_passphrase();
    with_passphrase(&sandbox, &pass, &["init", "--encrypt"]).success();
    sandbox.add_product("app");

    // A wrong passphrase stops the server before it listens.
    let wrong = sandbox.write("wrong.txt", "nope\n");
    with_passphrase(&sandbox, &wrong, &["serve", "--listen", "127.0.0.1:0"]).error(
        2,
        &format!("store {}: wrong passphrase", sandbox.store_str()),
    );

    let server = Server::start_with_env(&sandbox, &["serve"], &[("KEYCTL_PASSPHRASE_FILE", &pass)]);
    assert_eq!(server.before_listening, "");
    // The CLI has no passphrase: the running server signs with the key it unlocked.
    let issued = sandbox.issue_app(&[]);
    let jwks = sandbox.write("jwks.json", server.get("/.well-known/jwks.json").body);
    sandbox
        .run(["verify", &issued.jwt, "--product", "app", "--jwks", &jwks])
        .expect(0, &(valid_line(&issued.id) + OFFLINE_NOTE), "");
    // A rotation through the socket seals the new key with it, and the next license uses it.
    let rotated = sandbox.run(["key", "rotate", "--json"]).json();
    let again = sandbox.issue_app(&[]);
    assert_eq!(jwt_part(&again.jwt, 0)["kid"], rotated["kid"]);
    server.stop("-TERM");
    assert_eq!(seed(&sandbox, None, Some(&pass))[1].len(), 43);

    // Without a passphrase it still serves, says so, and refuses only what signs.
    let locked_server = Server::serve(&sandbox, &[]);
    assert_eq!(
        locked_server.before_listening,
        "keyctl: warning: the signing keys are encrypted and no passphrase was given (KEYCTL_PASSPHRASE_FILE): this server verifies and activates, but cannot issue licenses, rotate keys, or sign machine files and status lists\n"
    );
    sandbox.run(ISSUE_APP).fails(2, &locked(&sandbox));
    let check = locked_server.post_json(
        "/api/activate",
        &json!({"token": again.short_key, "machine": "m", "user": "u", "app_id": "app", "hwid": "h"}),
    );
    assert_eq!(
        check.json(),
        json!({"result": "ok", "remainingActivations": "-1"})
    );
    assert_eq!(
        sandbox
            .run(["license", "list", "--json"])
            .json()
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let _: Value = locked_server.get("/.well-known/jwks.json").json();

    // What signs offline artefacts: an activation still takes its seat, without a file; a
    // checkout and the status list say why they cannot answer; the CLI through the socket
    // is refused as for issuing.
    let body = json!({"key": again.short_key, "product": "app", "hwid": "h2"});
    let activated = locked_server.post_json("/v1/activate", &body);
    assert_eq!(
        (
            activated.status,
            activated.json()["new"].clone(),
            activated.json()["machine_file"].clone()
        ),
        (200, json!(true), Value::Null)
    );
    let keys_locked = json!({"code": "keys_locked", "error": "this server cannot sign: it was started without the passphrase of its signing keys"});
    locked_server
        .post_json("/v1/machines/checkout", &body)
        .expect(503, keys_locked.clone());
    let list = locked_server.get("/v1/status-list");
    assert_eq!((list.status, list.json()), (503, keys_locked));
    sandbox
        .run(["machine", "checkout", &again.id, "--hwid", "h2"])
        .fails(2, &locked(&sandbox));
    sandbox
        .run(["status-list", "publish"])
        .fails(2, &locked(&sandbox));
}
