//! `keyctl key …`: the key lifecycle, export formats, private key files and key ids.

use std::os::unix::fs::PermissionsExt;

use serde_json::{json, Value};

use crate::common::*;

/// The DER body of a one-block PEM file.
fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body)
        .expect("PEM body is base64")
}

/// `x` of an SPKI PEM Ed25519 key: its last 32 bytes, base64url.
fn spki_x(pem: &str) -> String {
    let der = pem_der(pem);
    assert_eq!(der.len(), 44, "Ed25519 SPKI DER is 44 bytes");
    b64(&der[12..])
}

/// Key id → status, from `key list --json`.
fn statuses(sandbox: &Sandbox) -> Vec<(String, String)> {
    let keys = sandbox.run(["key", "list", "--json"]).json();
    let list = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| pair(k["kid"].as_str().unwrap(), k["status"].as_str().unwrap()));
    sorted(list.collect())
}

fn sorted(mut list: Vec<(String, String)>) -> Vec<(String, String)> {
    list.sort();
    list
}

fn pair(kid: &str, status: &str) -> (String, String) {
    (kid.to_owned(), status.to_owned())
}

/// The kid printed by `key generate` / `key rotate`: `STATUS KID`.
fn printed_kid(out: &Run, status: &str) -> String {
    let kid = out
        .success()
        .strip_prefix(&format!("{status} "))
        .and_then(|s| s.strip_suffix('\n'));
    let kid = kid
        .unwrap_or_else(|| panic!("expected `{status} KID`, got {:?}", out.stdout))
        .to_owned();
    assert_eq!(kid.len(), 43, "a kid is base64url of 32 bytes: {kid}");
    kid
}

#[test]
fn the_kid_is_the_rfc_7638_thumbprint() {
    let sandbox = Sandbox::new();
    let kid = sandbox.init();
    let pem = sandbox.run(["key", "export"]).success().to_owned();
    let x = spki_x(&pem);
    assert_eq!(thumbprint(&x), kid);
    let jwk = sandbox.run(["key", "export", "--format", "jwk"]).json();
    assert_eq!(
        jwk,
        json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"})
    );
}

#[test]
fn fixture_files_agree_with_each_other() {
    for key in [vendor(), other()] {
        let pem = std::fs::read_to_string(key.public_pem()).unwrap();
        assert_eq!(spki_x(&pem), key.x(), "{}.pub.pem", key.name);
        let jwk: Value =
            serde_json::from_str(&std::fs::read_to_string(key.jwk()).unwrap()).unwrap();
        assert_eq!(
            (jwk["x"].as_str().unwrap(), jwk["kid"].as_str().unwrap()),
            (key.x().as_str(), key.kid().as_str())
        );
    }
}

#[test]
fn generate_rotate_and_retire() {
    let sandbox = Sandbox::new();
    let first = sandbox.init();

    let second = printed_kid(&sandbox.run(["key", "generate"]), "trusted");
    assert_eq!(
        statuses(&sandbox),
        sorted(vec![pair(&first, "active"), pair(&second, "trusted")])
    );

    sandbox
        .run(["key", "rotate", "--", &second])
        .expect(0, &format!("active {second}\n"), "");
    assert_eq!(
        statuses(&sandbox),
        sorted(vec![pair(&first, "trusted"), pair(&second, "active")])
    );

    let third = printed_kid(&sandbox.run(["key", "rotate"]), "active");
    let expected = sorted(vec![
        pair(&first, "trusted"),
        pair(&second, "trusted"),
        pair(&third, "active"),
    ]);
    assert_eq!(statuses(&sandbox), expected);

    sandbox
        .run(["key", "retire", "--", &first])
        .expect(0, &format!("retired {first}\n"), "");
    sandbox
        .run(["key", "retire", "--", &first])
        .expect(0, &format!("retired {first}\n"), "");
    let expected = sorted(vec![
        pair(&first, "retired"),
        pair(&second, "trusted"),
        pair(&third, "active"),
    ]);
    assert_eq!(statuses(&sandbox), expected);
}

#[test]
fn key_state_errors() {
    let sandbox = Sandbox::new();
    let active = sandbox.init();
    let old = printed_kid(&sandbox.run(["key", "generate"]), "trusted");
    sandbox.run(["key", "retire", "--", &old]).success();

    sandbox.run(["key", "retire", "--", &active]).error(
        1,
        &format!("key {active} is the active key; run `keyctl key rotate` before retiring it"),
    );
    sandbox
        .run(["key", "rotate", "--", &active])
        .error(1, &format!("key {active} is already active"));
    sandbox
        .run(["key", "rotate", "--", &old])
        .error(1, &format!("key {old} is retired and cannot sign again"));
    for args in [
        ["key", "retire", "nope"],
        ["key", "rotate", "nope"],
        ["key", "export", "nope"],
    ] {
        sandbox.run(args).error(1, "key nope not found");
    }
}

#[test]
fn a_kid_may_start_with_a_dash() {
    // A kid is base64url, so one in 64 starts with `-`; it is still a key id, not an option.
    let sandbox = Sandbox::new();
    let first = sandbox.init();
    let key = FixtureKey::load("dash");
    let kid = key.kid();
    assert!(kid.starts_with('-'), "fixture dash.key.pem: {kid}");
    sandbox
        .run(["key", "import", &fixture("dash.key.pem")])
        .expect(0, &format!("trusted {kid}\n"), "");
    assert_eq!(
        sandbox
            .run(["key", "export", &kid, "--format", "jwk"])
            .json()["x"],
        key.x()
    );
    sandbox
        .run(["key", "rotate", &kid])
        .expect(0, &format!("active {kid}\n"), "");
    sandbox.run(["key", "rotate", "--", &first]).success();
    sandbox
        .run(["key", "retire", &kid])
        .expect(0, &format!("retired {kid}\n"), "");
}

#[test]
fn key_list_table() {
    let sandbox = Sandbox::new();
    let active = sandbox.init();
    let retired = printed_kid(&sandbox.run(["key", "generate"]), "trusted");
    sandbox.run(["key", "retire", "--", &retired]).success();
    let json = sandbox.run(["key", "list", "--json"]).json();
    let keys = json.as_array().unwrap();
    let field = |kid: &str, name: &str| {
        let key = keys.iter().find(|k| k["kid"] == kid).unwrap();
        key[name].as_str().unwrap_or("-").to_owned()
    };
    assert_eq!(
        field(&active, "retired"),
        "-",
        "an active key has \"retired\": null"
    );

    let mut rows = table_rows(sandbox.run(["key", "list"]).success());
    let header = rows.remove(0);
    rows.sort();
    assert_eq!(header, ["KID", "STATUS", "CREATED", "RETIRED"]);
    let row = |kid: &str, status: &str| {
        vec![
            kid.to_owned(),
            status.to_owned(),
            field(kid, "created"),
            field(kid, "retired"),
        ]
    };
    let mut expected = vec![row(&active, "active"), row(&retired, "retired")];
    expected.sort();
    assert_eq!(rows, expected);
}

#[test]
fn export_public_forms() {
    let sandbox = Sandbox::new();
    let active = sandbox.init();
    let trusted = printed_kid(&sandbox.run(["key", "generate"]), "trusted");
    let retired = printed_kid(&sandbox.run(["key", "generate"]), "trusted");
    sandbox.run(["key", "retire", "--", &retired]).success();

    let jwk_of = |kid: &str| {
        sandbox
            .run(["key", "export", "--format", "jwk", "--", kid])
            .json()
    };
    let pem = sandbox
        .run(["key", "export", "--", &trusted])
        .success()
        .to_owned();
    assert!(
        pem.starts_with("-----BEGIN PUBLIC KEY-----\n")
            && pem.ends_with("-----END PUBLIC KEY-----\n"),
        "{pem}"
    );
    assert_eq!(jwk_of(&trusted)["x"], spki_x(&pem));
    assert_eq!(jwk_of(&trusted)["kid"], trusted.as_str());
    assert!(jwk_of(&trusted).get("d").is_none());

    // Without a kid: pem and jwk are the active key; jwks is every key still trusted.
    assert_eq!(
        sandbox.run(["key", "export", "--format", "jwk"]).json(),
        jwk_of(&active)
    );
    let jwks = sandbox.run(["key", "export", "--format", "jwks"]).json();
    let mut kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    kids.sort();
    let mut expected = vec![active.as_str(), trusted.as_str()];
    expected.sort();
    assert_eq!(kids, expected);
    assert_eq!(
        sandbox
            .run(["key", "export", "--format", "jwks", "--", &retired])
            .json(),
        json!({"keys": [jwk_of(&retired)]})
    );
}

#[test]
fn export_private_forms_agree() {
    let sandbox = Sandbox::new();
    sandbox.init();
    sandbox.use_vendor_key();
    let key = vendor();
    let seed = b64(&key.signing.to_bytes());

    let pem = sandbox
        .run(["key", "export", "--private"])
        .success()
        .to_owned();
    let der = pem_der(&pem);
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    assert_eq!(der.len(), 48, "PKCS#8 v1 Ed25519 is 48 bytes of DER");
    assert_eq!(
        der[..5],
        [0x30, 0x2e, 0x02, 0x01, 0x00],
        "PKCS#8 version 0 (v1)"
    );
    assert_eq!(b64(&der[16..]), seed);
    assert_eq!(
        pem,
        std::fs::read_to_string(fixture("vendor.key.pem")).unwrap(),
        "same bytes as OpenSSL writes"
    );

    let jwk = sandbox
        .run(["key", "export", "--private", "--format", "jwk"])
        .json();
    let public = json!({"kty": "OKP", "crv": "Ed25519", "x": key.x(), "kid": key.kid(), "alg": "EdDSA", "use": "sig"});
    let mut private = public.clone();
    private["d"] = json!(seed);
    assert_eq!(jwk, private);
    let jwks = sandbox
        .run(["key", "export", &key.kid(), "--private", "--format", "jwks"])
        .json();
    assert_eq!(jwks, json!({"keys": [private]}));
}

#[test]
fn openssl_reads_the_exported_private_key() {
    let sandbox = Sandbox::new();
    sandbox.init();
    let key_file = sandbox.path("private.pem");
    sandbox
        .run(["key", "export", "--private", "--out", &key_file])
        .expect(0, "", "");
    let check = tool("openssl", &["pkey", "-in", &key_file, "-noout"]);
    assert!(
        check.status.success(),
        "openssl pkey: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let public = tool("openssl", &["pkey", "-in", &key_file, "-pubout"]);
    assert_eq!(
        String::from_utf8(public.stdout).unwrap(),
        sandbox.run(["key", "export"]).success()
    );
}

#[test]
fn private_key_files_are_0600_and_never_clobbered() {
    let sandbox = Sandbox::new();
    sandbox.init();
    let path = sandbox.write("key.pem", "keep me");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mode = || std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;

    sandbox
        .run(["key", "export", "--private", "--out", &path])
        .error(
            1,
            &format!("{path} already exists; use --force to overwrite it"),
        );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");

    sandbox
        .run(["key", "export", "--private", "--out", &path, "--force"])
        .expect(0, "", "");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        sandbox.run(["key", "export", "--private"]).success()
    );
    assert_eq!(mode(), 0o600, "--force must not keep a wider mode");

    let fresh = sandbox.path("fresh.json");
    sandbox
        .run([
            "key",
            "export",
            "--private",
            "--format",
            "jwk",
            "--out",
            &fresh,
        ])
        .expect(0, "", "");
    assert_eq!(
        std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let out = sandbox.run(["key", "export", "--force"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (2, ""),
        "--force needs --out: {}",
        out.stderr
    );
}

#[test]
fn import_an_openssl_key() {
    let sandbox = Sandbox::new();
    sandbox.init();
    let key = vendor();
    let file = fixture("vendor.key.pem");
    sandbox
        .run(["key", "import", &file])
        .expect(0, &format!("trusted {}\n", key.kid()), "");
    let exported = sandbox
        .run(["key", "export", &key.kid()])
        .success()
        .to_owned();
    assert_eq!(exported, std::fs::read_to_string(key.public_pem()).unwrap());
    sandbox
        .run(["key", "import", &file])
        .error(1, &format!("key {} is already in the store", key.kid()));
}

#[test]
fn import_refuses_what_is_not_a_private_key() {
    let sandbox = Sandbox::new();
    sandbox.init();
    let public = vendor().public_pem();
    sandbox.run(["key", "import", &public]).error_starting(
        2,
        &format!("{public}: not a PKCS#8 PEM Ed25519 private key ("),
    );
    let garbage = sandbox.write(
        "garbage.pem",
        "-----BEGIN PRIVATE KEY-----\nzzzz\n-----END PRIVATE KEY-----\n",
    );
    sandbox.run(["key", "import", &garbage]).error_starting(
        2,
        &format!("{garbage}: not a PKCS#8 PEM Ed25519 private key ("),
    );
    let missing = sandbox.path("missing.pem");
    sandbox.run(["key", "import", &missing]).error(
        1,
        &format!("{missing}: No such file or directory (os error 2)"),
    );
    assert_eq!(sandbox.key_count(), 1);
}

#[test]
fn licenses_of_a_rotated_key_verify_until_it_is_retired() {
    let sandbox = Sandbox::with_products();
    let old = sandbox.run(["key", "export", "--format", "jwk"]).json()["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    let license = sandbox.issue_app(&[]);
    let valid = valid_line(&license.id);

    let new = printed_kid(&sandbox.run(["key", "rotate"]), "active");
    sandbox
        .run(["verify", &license.jwt, "--product", "app"])
        .expect(0, &valid, "");
    assert_eq!(
        jwt_part(&sandbox.issue_app(&[]).jwt, 0)["kid"],
        new.as_str(),
        "new licenses use the new key"
    );

    sandbox.run(["key", "retire", "--", &old]).success();
    sandbox
        .run(["verify", &license.jwt, "--product", "app"])
        .expect(4, &format!("{}\n", untrusted_kid(&old)), "");
}

/// Entries of `dir` whose names start with `.keyctl-`: temporary files left behind.
fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".keyctl-"))
        .collect()
}

/// A new store and its active private key as `key export --private` prints it.
fn store_with_private_key() -> (Sandbox, String) {
    let sandbox = Sandbox::new();
    sandbox.init();
    let private = sandbox
        .run(["key", "export", "--private"])
        .success()
        .to_owned();
    (sandbox, private)
}

#[test]
fn force_replaces_the_file_instead_of_writing_into_it() {
    use std::os::unix::fs::MetadataExt;
    let (sandbox, private) = store_with_private_key();
    let me = rustix::process::geteuid().as_raw();

    // A hard link: writing into the file would change the other name too.
    let other = sandbox.write("other-name", "someone's data");
    let path = sandbox.path("key.pem");
    std::fs::hard_link(&other, &path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    // Someone else's file (only root can give one away; CI runs as root, and as any other
    // user the hard link above is the case that still tells writing-into from replacing).
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
    }
    sandbox
        .run(["key", "export", "--private", "--out", &path, "--force"])
        .expect(0, "", "");
    let written = std::fs::metadata(&path).unwrap();
    assert_eq!(
        (written.uid(), written.mode() & 0o7777, written.nlink()),
        (me, 0o600, 1),
        "a new file of ours, 0600, not linked elsewhere"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), private);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "someone's data");

    // A public key file is a new file too, readable by all.
    let public = sandbox.path("key.pub.pem");
    std::fs::hard_link(&other, &public).unwrap();
    sandbox
        .run(["key", "export", "--out", &public, "--force"])
        .expect(0, "", "");
    assert_eq!(mode_of(&public), 0o644);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "someone's data");
    assert_eq!(leftovers(sandbox.root()), Vec::<String>::new());
}

#[test]
fn a_symlink_out_is_replaced_never_followed() {
    let (sandbox, private) = store_with_private_key();
    let victim = sandbox.write("victim.txt", "precious");
    let link = sandbox.path("key.pem");
    std::os::unix::fs::symlink(&victim, &link).unwrap();

    // Without --force, a symlink is an existing file, even when it dangles.
    let dangling = sandbox.path("dangling.pem");
    std::os::unix::fs::symlink(sandbox.path("nowhere"), &dangling).unwrap();
    for path in [&link, &dangling] {
        sandbox
            .run(["key", "export", "--private", "--out", path])
            .error(
                1,
                &format!("{path} already exists; use --force to overwrite it"),
            );
    }
    assert!(!std::path::Path::new(&sandbox.path("nowhere")).exists());

    // With --force, the link itself is replaced by a private file; its target is untouched.
    sandbox
        .run(["key", "export", "--private", "--out", &link, "--force"])
        .expect(0, "", "");
    let written = std::fs::symlink_metadata(&link).unwrap();
    assert!(written.file_type().is_file(), "the symlink was replaced");
    assert_eq!(mode_of(&link), 0o600);
    assert_eq!(std::fs::read_to_string(&link).unwrap(), private);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(leftovers(sandbox.root()), Vec::<String>::new());
}

fn mode_of(path: &str) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// SIGKILLs `key rotate` at random points, 20 times. Each run must either change nothing or
/// do a whole rotation: one new key, active, and the previous active key trusted. A rotation
/// that printed its result must have happened (one killed after its commit but before its
/// report has happened too, so the count is of rotations seen in the store).
#[test]
fn a_killed_rotation_is_all_or_nothing() {
    use rand_core::RngCore;
    let sandbox = Sandbox::new();
    let first = sandbox.init();
    let mut rotations = 0;
    for _ in 0..20 {
        let before = statuses(&sandbox);
        let mut child = sandbox
            .command()
            .args(["key", "rotate"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn keyctl key rotate");
        // A rotation takes about 150 ms in a debug build, most of it before the commit.
        let delay = rand_core::OsRng.next_u32() % 200;
        std::thread::sleep(std::time::Duration::from_millis(u64::from(delay)));
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        let after = statuses(&sandbox);
        let added: Vec<_> = after.iter().filter(|k| !before.contains(k)).collect();
        let reported = String::from_utf8(output.stdout).unwrap();
        if after == before {
            assert_eq!(reported, "", "a rotation reported but not stored");
            continue;
        }
        rotations += 1;
        let old_active = before.iter().find(|(_, s)| s == "active").unwrap();
        let new_active = after.iter().find(|(_, s)| s == "active").unwrap();
        let mut expected = before.clone();
        expected.retain(|k| k != old_active);
        expected.extend([pair(&old_active.0, "trusted"), new_active.clone()]);
        assert_eq!(
            after,
            sorted(expected),
            "after a killed rotation (delay {delay} ms): {added:?} were added"
        );
        assert!(
            reported.is_empty() || reported == format!("active {}\n", new_active.0),
            "{reported}"
        );
    }
    let keys = statuses(&sandbox);
    assert_eq!(keys.len(), 1 + rotations, "{keys:?}");
    assert_eq!(keys.iter().filter(|(_, s)| s == "active").count(), 1);
    assert!(keys.contains(&pair(
        &first,
        if rotations == 0 { "active" } else { "trusted" }
    )));
}
