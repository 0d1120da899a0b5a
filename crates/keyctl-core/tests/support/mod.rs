//! What the core's integration tests share: the shared license vectors of
//! `tests/vectors/licenses.json` (their shape and where they live) and the fixture keys of
//! `tests/fixtures/`, both at the workspace root so the CLI's tests and the wasm build's
//! Node tests read the same files.

use keyctl_core::keys::KeyPair;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The vector file: what it is, the trusted key in two forms, and the cases.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorFile {
    /// One paragraph for a reader who finds the file.
    pub description: String,
    /// The trusted key(s).
    pub keys: VectorKeys,
    /// The cases, in the order they were written.
    pub vectors: Vec<Vector>,
}

/// The trusted key, as a JWKS document (JSON text) and as an SPKI PEM.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorKeys {
    /// A JWKS of the trusted key(s), as JSON text.
    pub jwks: String,
    /// The SPKI PEM of the trusted key.
    pub pem: String,
}

/// One token, the context it is verified in, and what `keyctl verify --json` says of it.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Vector {
    /// What the case is, in snake case.
    pub name: String,
    /// The compact JWT.
    pub token: String,
    /// `--product`.
    pub product: String,
    /// `--domain`, `None` for native use.
    pub domain: Option<String>,
    /// `--at`, in Unix seconds.
    pub now: i64,
    /// `--leeway`, in seconds.
    pub leeway: i64,
    /// The verdict's `code`.
    pub code: String,
    /// The verdict's `error`: `None` when valid.
    pub error: Option<String>,
    /// The verdict's `license`: the verified claims, `None` before the signature verified.
    pub license: Option<Value>,
}

/// A path relative to the workspace root.
pub fn workspace_path(relative: &str) -> String {
    format!("{}/../../{relative}", env!("CARGO_MANIFEST_DIR"))
}

/// Where the vector file lives.
pub fn vector_file_path() -> String {
    workspace_path("tests/vectors/licenses.json")
}

/// The committed vector file, parsed.
pub fn read_vector_file() -> VectorFile {
    let path = vector_file_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not a vector file: {e}"))
}

/// The fixture key in `tests/fixtures/NAME.key.pem` (`vendor` is the trusted one, `other`
/// an unrelated signer).
pub fn fixture_key(name: &str) -> KeyPair {
    let path = workspace_path(&format!("tests/fixtures/{name}.key.pem"));
    let pem = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    KeyPair::from_pkcs8_pem(&pem, &path).expect("fixture keys are PKCS#8 Ed25519")
}
