//! Shared helpers for the end-to-end tests: a sandboxed `keyctl`, its results, the fixture
//! keys in `tests/fixtures/`, and JWTs made by hand for outcome and tamper cases.

pub mod postgres;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// `keyctl license issue` of product `app` to `alice`.
pub const ISSUE_APP: [&str; 6] = [
    "license",
    "issue",
    "--product",
    "app",
    "--licensee",
    "alice",
];

/// The issuer every sandbox store is created with.
pub const ISSUER: &str = "Acme Corp";

/// 2030-01-01T00:00:00Z: the `iat` of hand-made licenses and the base of `--at` times.
pub const T0: i64 = 1_893_456_000;

/// RFC 3339 in UTC, to the second, computed independently of keyctl.
pub fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Seconds since the epoch of an RFC 3339 time.
pub fn ts(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("RFC 3339")
        .timestamp()
}

// ---- running keyctl -------------------------------------------------------------------------

/// A temporary directory holding a keyctl store path (`store/`, not created until `init`)
/// and any files a test writes. `keyctl` runs with its working directory here.
pub struct Sandbox {
    dir: tempfile::TempDir,
    /// `KEYCTL_STORE` when it is not the sandbox's directory: a database URL.
    store_url: Option<String>,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
            store_url: None,
        }
    }

    /// A sandbox whose store (`KEYCTL_STORE`) is the database at `url`, not initialised.
    pub fn on_database(url: &str) -> Self {
        Sandbox {
            store_url: Some(url.to_owned()),
            ..Sandbox::new()
        }
    }

    /// A sandbox whose store is initialised, with products `app` and `web`.
    pub fn with_products() -> Self {
        let sandbox = Sandbox::new();
        sandbox.init();
        sandbox.add_product("app");
        sandbox.add_product("web");
        sandbox
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The store directory (`KEYCTL_STORE`).
    pub fn store(&self) -> PathBuf {
        self.root().join("store")
    }

    /// `store` as shown in messages.
    pub fn store_str(&self) -> String {
        self.store().display().to_string()
    }

    /// A path in the sandbox, as a string for command lines.
    pub fn path(&self, name: &str) -> String {
        self.root().join(name).display().to_string()
    }

    /// Writes a file in the sandbox and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        std::fs::write(self.root().join(name), contents).expect("write sandbox file");
        self.path(name)
    }

    /// The `keyctl` binary with `KEYCTL_STORE` set to the sandbox store, every other
    /// `KEYCTL_*` variable removed and `HOME` in the sandbox.
    pub fn command(&self) -> std::process::Command {
        self.command_of(env!("CARGO_BIN_EXE_keyctl"))
    }

    /// `program` in keyctl's sandboxed environment (see [`Sandbox::command`]).
    fn command_of(&self, program: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KEYCTL_") {
                cmd.env_remove(key);
            }
        }
        match &self.store_url {
            Some(url) => cmd.env("KEYCTL_STORE", url),
            None => cmd.env("KEYCTL_STORE", self.store()),
        };
        cmd.env("HOME", self.root())
            .env_remove("XDG_DATA_HOME")
            .env_remove("RUST_BACKTRACE")
            .current_dir(self.root());
        cmd
    }

    /// [`Sandbox::command`] as an assert_cmd command.
    pub fn keyctl(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.command())
    }

    /// Runs `keyctl ARGS` with an empty stdin.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_stdin(args, "")
    }

    /// Runs `keyctl ARGS` with `stdin`.
    pub fn run_stdin<I, S>(&self, args: I, stdin: impl Into<Vec<u8>>) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Run::of(self.keyctl().args(args).write_stdin(stdin))
    }

    /// Runs `keyctl ARGS` under the file-creation mask `umask` (octal, as `sh` takes it).
    pub fn run_with_umask(&self, umask: &str, args: &[&str]) -> Run {
        let mut cmd = self.command_of("sh");
        cmd.arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_keyctl"))
            .args(args);
        Run::of(&mut assert_cmd::Command::from_std(cmd))
    }

    /// `keyctl init --issuer ISSUER`; returns the active key id.
    pub fn init(&self) -> String {
        let out = self.run(["init", "--issuer", ISSUER, "--json"]).json();
        out["kid"]
            .as_str()
            .expect("init --json has a kid")
            .to_owned()
    }

    /// How many keys `key list --json` shows.
    pub fn key_count(&self) -> usize {
        let keys = self.run(["key", "list", "--json"]).json();
        keys.as_array().expect("key list --json is an array").len()
    }

    pub fn add_product(&self, id: &str) {
        self.run(["product", "add", id, "--name", &id.to_uppercase()])
            .success();
    }

    /// `keyctl license issue ARGS --json`, parsed.
    pub fn issue(&self, args: &[&str]) -> Issued {
        let mut full = vec!["license", "issue", "--json"];
        full.extend_from_slice(args);
        let value = self.run(full).json();
        let field = |name: &str| {
            value[name]
                .as_str()
                .unwrap_or_else(|| panic!("no {name} in {value}"))
                .to_owned()
        };
        Issued {
            id: field("id"),
            short_key: field("short_key"),
            jwt: field("jwt"),
            secret: field("secret"),
        }
    }

    /// Issues a license for `app` to `alice` with `args` added.
    pub fn issue_app(&self, args: &[&str]) -> Issued {
        self.issue(&[&ISSUE_APP[2..], args].concat())
    }

    /// `keyctl sign` of `issued` at `datetime` with its secret and `extra` arguments, parsed.
    pub fn sign(&self, issued: &Issued, datetime: &str, extra: &[&str]) -> Value {
        let secret = self.write("secret.txt", &issued.secret);
        let mut args = vec![
            "sign",
            &issued.jwt,
            "--secret-file",
            &secret,
            "--json",
            "--datetime",
            datetime,
        ];
        args.extend_from_slice(extra);
        self.run(args).json()
    }

    /// Imports the vendor fixture key and makes it the active key.
    pub fn use_vendor_key(&self) {
        let kid = vendor().kid();
        self.run(["key", "import", &fixture("vendor.key.pem")])
            .expect(0, &format!("trusted {kid}\n"), "");
        self.run(["key", "rotate", &kid])
            .expect(0, &format!("active {kid}\n"), "");
    }
}

/// What a `keyctl` run printed and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Runs `command` to completion.
    pub fn of(command: &mut assert_cmd::Command) -> Run {
        let output = command.output().expect("run keyctl");
        Run {
            code: output.status.code().expect("keyctl exited by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }

    /// Asserts the exit code, stdout and stderr exactly.
    #[track_caller]
    pub fn expect(&self, code: i32, stdout: &str, stderr: &str) -> &Self {
        assert_eq!(
            (self.code, self.stdout.as_str(), self.stderr.as_str()),
            (code, stdout, stderr),
            "(exit code, stdout, stderr) differ"
        );
        self
    }

    /// Asserts exit 0 with nothing on stderr; returns stdout.
    #[track_caller]
    pub fn success(&self) -> &str {
        assert_eq!(
            (self.code, self.stderr.as_str()),
            (0, ""),
            "keyctl failed; stdout: {}",
            self.stdout
        );
        &self.stdout
    }

    /// Asserts exit `code` with `stderr` exactly and nothing on stdout.
    #[track_caller]
    pub fn fails(&self, code: i32, stderr: &str) -> &Self {
        self.expect(code, "", stderr)
    }

    /// Asserts exit `code` with one `keyctl: error: MESSAGE` line and no hint.
    #[track_caller]
    pub fn error(&self, code: i32, message: &str) -> &Self {
        self.fails(code, &format!("keyctl: error: {message}\n"))
    }

    /// Asserts exit `code`, nothing on stdout and one stderr line starting with
    /// `keyctl: error: PREFIX`: for messages that end in a dependency's own wording.
    #[track_caller]
    pub fn error_starting(&self, code: i32, prefix: &str) -> &Self {
        let line = format!("keyctl: error: {prefix}");
        assert_eq!(
            (self.code, self.stdout.as_str()),
            (code, ""),
            "stderr: {}",
            self.stderr
        );
        assert!(
            self.stderr.starts_with(&line) && self.stderr.lines().count() == 1,
            "stderr should be one line starting with {line:?}, is {:?}",
            self.stderr
        );
        self
    }

    /// Parses stdout as JSON (the exit code is the caller's business).
    #[track_caller]
    pub fn json(&self) -> Value {
        match serde_json::from_str(&self.stdout) {
            Ok(value) => value,
            Err(e) => panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            ),
        }
    }
}

/// A license as `license issue --json` reports it.
#[derive(Debug, Clone)]
pub struct Issued {
    pub id: String,
    pub short_key: String,
    pub jwt: String,
    pub secret: String,
}

/// The cells of a comfy-table in `text`, header first, padding trimmed.
pub fn table_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter_map(|line| line.strip_prefix('│')?.strip_suffix('│'))
        .map(|row| row.split('┆').map(|cell| cell.trim().to_owned()).collect())
        .collect()
}

/// The labelled-values layout of `show` commands: labels padded to the longest plus two.
pub fn details(rows: &[(&str, impl AsRef<str>)]) -> String {
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0) + 2;
    rows.iter()
        .map(|(label, value)| format!("{label:width$}{}\n", value.as_ref()))
        .collect()
}

/// Asserts that every directory under `dir` (and `dir`) is mode 0700 and every file 0600.
#[track_caller]
pub fn assert_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fn walk(dir: &Path, found: &mut Vec<(String, u32)>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("dir entry").path();
            let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o7777;
            let wanted = if path.is_dir() { 0o700 } else { 0o600 };
            if mode != wanted {
                found.push((path.display().to_string(), mode));
            }
            if path.is_dir() {
                walk(&path, found);
            }
        }
    }
    let mut exposed = Vec::new();
    walk(dir, &mut exposed);
    let top = std::fs::metadata(dir).expect("stat").permissions().mode() & 0o7777;
    assert_eq!(
        (top, exposed),
        (0o700, vec![]),
        "not private under {}",
        dir.display()
    );
}

/// Runs an external tool the test depends on; fails the test, loudly, when it is missing.
pub fn tool(program: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("this test needs `{program}` on PATH and could not run it: {e}"))
}

// ---- verifying without a store --------------------------------------------------------------

/// `keyctl verify TOKEN ARGS --public-key vendor.pub.pem` in a sandbox without a store.
pub fn offline(token: &str, args: &[&str]) -> Run {
    let sandbox = Sandbox::new();
    let mut full = vec!["verify", token, "--public-key"];
    let key = vendor().public_pem();
    full.push(&key);
    full.extend_from_slice(args);
    let out = sandbox.run(full);
    assert!(
        !sandbox.store().exists(),
        "verify with --public-key must not create a store"
    );
    out
}

/// Asserts that verifying `token` at `at` (for `app` unless `args` name a product) prints
/// `line` and exits `code`.
#[track_caller]
pub fn verdict_at(token: &str, at: i64, args: &[&str], code: i32, line: &str) {
    let at = rfc3339(at);
    let mut full = vec!["--at", at.as_str()];
    if !args.contains(&"--product") {
        full.extend(["--product", "app"]);
    }
    full.extend_from_slice(args);
    let note = if code == 0 { OFFLINE_NOTE } else { "" };
    offline(token, &full).expect(code, &format!("{line}\n{note}"), "");
}

/// The line offline verification adds to a valid verdict: it had no store to ask.
pub const OFFLINE_NOTE: &str =
    "note: revocation was not checked (verified offline, without the store)\n";

/// [`verdict_at`] at [`T0`].
#[track_caller]
pub fn verdict(token: &str, args: &[&str], code: i32, line: &str) {
    verdict_at(token, T0, args, code, line);
}

/// A key id as verification messages show it: whole up to 64 characters (a real kid has
/// 43), cut beyond, since the kid of a rejected token is attacker-chosen text.
pub fn shown_kid(kid: &str) -> String {
    let cut: String = kid.chars().take(64).collect();
    if cut.len() < kid.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// The verdict line, with its newline, of a valid perpetual license for `app` to `alice`.
pub fn valid_line(id: &str) -> String {
    format!("valid: {id} for alice (products app; expires never)\n")
}

/// The verdict line of a license whose `kid` is not a trusted key.
pub fn untrusted_kid(kid: &str) -> String {
    format!(
        "bad_signature: key id {} is not among the trusted keys",
        shown_kid(kid)
    )
}

/// The verdict line of a license whose signature fails with the trusted key `kid`.
pub fn does_not_verify(kid: &str) -> String {
    format!("bad_signature: the signature does not verify with key {kid}")
}

// ---- fixtures -------------------------------------------------------------------------------

/// The path of a file in `tests/fixtures/`.
pub fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A fixed Ed25519 key from `tests/fixtures/NAME.{key.pem,pub.pem,jwk.json}`.
pub struct FixtureKey {
    pub name: &'static str,
    pub signing: SigningKey,
}

/// The vendor's fixture key.
pub fn vendor() -> FixtureKey {
    FixtureKey::load("vendor")
}

/// A second, unrelated fixture key.
pub fn other() -> FixtureKey {
    FixtureKey::load("other")
}

impl FixtureKey {
    /// The key in `tests/fixtures/NAME.key.pem`.
    pub fn load(name: &'static str) -> Self {
        let pem =
            std::fs::read_to_string(fixture(&format!("{name}.key.pem"))).expect("fixture key");
        FixtureKey {
            name,
            signing: SigningKey::from_pkcs8_pem(&pem).expect("fixture is PKCS#8 Ed25519"),
        }
    }

    /// The SPKI PEM public key file.
    pub fn public_pem(&self) -> String {
        fixture(&format!("{}.pub.pem", self.name))
    }

    /// The public JWK file.
    pub fn jwk(&self) -> String {
        fixture(&format!("{}.jwk.json", self.name))
    }

    /// `x`: base64url of the raw public key.
    pub fn x(&self) -> String {
        b64(self.signing.verifying_key().as_bytes())
    }

    /// The RFC 7638 thumbprint.
    pub fn kid(&self) -> String {
        thumbprint(&self.x())
    }

    /// A keyctl license of `claims`, signed with this key under its own kid.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(&header(&self.kid()), claims)
    }

    /// A JWS of `header` and `claims`, signed with this key whatever the header says.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        self.sign_text(&header.to_string(), &claims.to_string())
    }

    /// A JWS of header and payload JSON text, signed with this key.
    pub fn sign_text(&self, header: &str, payload: &str) -> String {
        jws_text(header, payload, |input| {
            self.signing.sign(input).to_bytes().to_vec()
        })
    }
}

// ---- JWTs by hand ---------------------------------------------------------------------------

pub fn b64(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

pub fn unb64(text: &str) -> Vec<u8> {
    B64URL
        .decode(text)
        .unwrap_or_else(|e| panic!("{text:.40} is not base64url: {e}"))
}

/// `keyctl verify JWT --product app --public-key PEM --status-list LIST EXTRA…` on `product`,
/// a side with only the vendor's public key (the file `pem`) and a status list (`list`).
pub fn verify_with_status_list(
    product: &Sandbox,
    jwt: &str,
    pem: &str,
    list: &str,
    extra: &[&str],
) -> Run {
    let mut args = vec![
        "verify",
        jwt,
        "--product",
        "app",
        "--public-key",
        pem,
        "--status-list",
        list,
    ];
    args.extend_from_slice(extra);
    product.run(args)
}

/// The compact JWS `token` with its claims changed by `edit` and its header and signature
/// kept: what a forger who edits a signed artefact by hand produces.
pub fn with_claims_edited(token: &str, edit: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let mut claims: Value = serde_json::from_slice(&unb64(parts[1])).unwrap();
    edit(&mut claims);
    format!(
        "{}.{}.{}",
        parts[0],
        b64(claims.to_string().as_bytes()),
        parts[2]
    )
}

/// RFC 7638 thumbprint of an Ed25519 key given its base64url `x`.
pub fn thumbprint(x: &str) -> String {
    b64(&Sha256::digest(format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#
    )))
}

/// The header keyctl puts on a license.
pub fn header(kid: &str) -> Value {
    json!({"alg": "EdDSA", "typ": "JWT", "kid": kid})
}

/// Minimal valid claims for product `app`, issued at [`T0`], with `extra` merged in
/// (a `null` in `extra` removes the claim).
pub fn claims(extra: Value) -> Value {
    let mut claims = json!({
        "iss": ISSUER,
        "sub": "alice",
        "jti": "lic_fixture",
        "iat": T0,
        "products": ["app"],
    });
    merge(&mut claims, &extra);
    claims
}

/// Sets each member of `changes` in the object `claims`; a `null` removes the member.
pub fn merge(claims: &mut Value, changes: &Value) {
    let claims = claims.as_object_mut().expect("claims are an object");
    for (key, value) in changes.as_object().expect("changes are an object") {
        match value {
            Value::Null => claims.remove(key),
            value => claims.insert(key.clone(), value.clone()),
        };
    }
}

/// A compact JWS whose signature `sign` computes over the signing input.
pub fn jws(header: &Value, claims: &Value, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    jws_text(&header.to_string(), &claims.to_string(), sign)
}

/// [`jws`] of a header and payload given as JSON text, byte for byte.
pub fn jws_text(header: &str, payload: &str, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let signature = sign(input.as_bytes());
    format!("{input}.{}", b64(&signature))
}

/// Decodes part `index` (0 header, 1 payload) of a compact JWT as JSON.
pub fn jwt_part(jwt: &str, index: usize) -> Value {
    let part = jwt.split('.').nth(index).expect("JWT part");
    serde_json::from_slice(&unb64(part)).expect("JWT part is JSON")
}
