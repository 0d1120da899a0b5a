//! Licenses and keys checked by tools that share no code with keyctl: OpenSSL, PyJWT and Python's
//! `cryptography`. These tests fail (they do not skip) when the tool is missing.

use crate::common::*;

/// A store with the `app` product and a 30-day license; the exported public PEM, JWKS and
/// private PEM are written next to it.
fn issued_with_exports() -> (Sandbox, Issued) {
    let sandbox = Sandbox::with_products();
    let issued = sandbox.issue_app(&["--expires", "30d"]);
    for (file, args) in [
        ("public.pem", &["key", "export"][..]),
        ("keys.jwks", &["key", "export", "--format", "jwks"]),
        ("private.pem", &["key", "export", "--private"]),
    ] {
        let text = sandbox.run(args).success().to_owned();
        sandbox.write(file, text);
    }
    (sandbox, issued)
}

/// Runs `openssl pkeyutl -verify` on `message` and `signature` with `public.pem`.
fn openssl_verify(sandbox: &Sandbox, message: &[u8], signature: &[u8]) -> std::process::Output {
    let msg = sandbox.write("msg", message);
    let sig = sandbox.write("sig", signature);
    let public = sandbox.path("public.pem");
    let args = [
        "pkeyutl", "-verify", "-pubin", "-inkey", &public, "-rawin", "-in", &msg, "-sigfile", &sig,
    ];
    tool("openssl", &args)
}

#[test]
fn openssl_verifies_a_license_with_the_exported_spki_pem() {
    let (sandbox, issued) = issued_with_exports();
    let (input, signature) = issued.jwt.rsplit_once('.').unwrap();
    let signature = unb64(signature);
    assert_eq!(signature.len(), 64);

    let out = openssl_verify(&sandbox, input.as_bytes(), &signature);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "openssl refused the license: {stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Signature Verified Successfully\n"
    );

    let altered = input.replacen('e', "f", 1);
    let out = openssl_verify(&sandbox, altered.as_bytes(), &signature);
    assert!(
        !out.status.success(),
        "openssl must refuse an altered signing input"
    );
}

/// Verifies a license with the JWKS and checks the kid, the claims and the private key,
/// using nothing but Python's standard library and `cryptography`.
const PYTHON_CHECK: &str = r#"
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

token, jwks_path, private_path = sys.argv[1:]
header_b64, payload_b64, signature_b64 = token.split(".")
header = json.loads(unb64(header_b64))
assert header == {"alg": "EdDSA", "typ": "JWT", "kid": header["kid"]}, header
jwk = next(k for k in json.load(open(jwks_path))["keys"] if k["kid"] == header["kid"])
canonical = '{"crv":"Ed25519","kty":"OKP","x":"%s"}' % jwk["x"]
thumbprint = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
assert thumbprint == jwk["kid"], (thumbprint, jwk["kid"])
public = Ed25519PublicKey.from_public_bytes(unb64(jwk["x"]))
public.verify(unb64(signature_b64), (header_b64 + "." + payload_b64).encode())
private = load_pem_private_key(open(private_path, "rb").read(), password=None)
raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
assert raw == unb64(jwk["x"]), "the private key does not match the JWKS"
claims = json.loads(unb64(payload_b64))
print(claims["jti"], claims["iss"], claims["sub"], ",".join(claims["products"]), claims["exp"] - claims["iat"])
"#;

#[test]
fn python_cryptography_verifies_a_license_with_the_exported_jwks() {
    let (sandbox, issued) = issued_with_exports();
    let (jwks, private) = (sandbox.path("keys.jwks"), sandbox.path("private.pem"));
    let out = tool(
        "python3",
        &["-c", PYTHON_CHECK, &issued.jwt, &jwks, &private],
    );
    assert!(
        out.status.success(),
        "python3 with the `cryptography` package must verify the license:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = format!("{} {ISSUER} alice app {}\n", issued.id, 30 * 86_400);
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}

#[test]
fn licenses_signed_with_an_openssl_key_verify_with_its_openssl_public_key() {
    let sandbox = Sandbox::with_products();
    sandbox.use_vendor_key();
    let issued = sandbox.issue_app(&[]);
    let out = sandbox.run([
        "verify",
        &issued.jwt,
        "--product",
        "app",
        "--public-key",
        &vendor().public_pem(),
    ]);
    out.expect(0, &(valid_line(&issued.id) + OFFLINE_NOTE), "");
    std::fs::copy(vendor().public_pem(), sandbox.root().join("public.pem")).unwrap();
    let (input, signature) = issued.jwt.rsplit_once('.').unwrap();
    assert!(
        openssl_verify(&sandbox, input.as_bytes(), &unb64(signature))
            .status
            .success()
    );
}

/// A Python interpreter that has PyJWT: the default `python3`, else Debian's, which ships
/// `python3-jwt` on these machines. Fails the test when there is none.
fn python_with_pyjwt() -> &'static str {
    ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|python| {
            std::process::Command::new(python)
                .args(["-c", "import jwt, cryptography"])
                .output()
                .is_ok_and(|out| out.status.success())
        })
        .expect("this test needs Python with PyJWT and cryptography: python3 -m pip install pyjwt cryptography")
}

#[test]
fn pyjwt_verifies_a_license_with_the_exported_pem_and_jwks() {
    let (sandbox, issued) = issued_with_exports();
    let script = r#"
import json, sys, jwt
token, pem_path, jwks_path = sys.argv[1:4]
options = {"require": ["iss", "sub", "jti", "iat"]}
with open(pem_path) as f:
    by_pem = jwt.decode(token, f.read(), algorithms=["EdDSA"], options=options)
with open(jwks_path) as f:
    jwks = jwt.PyJWKSet.from_dict(json.load(f))
kid = jwt.get_unverified_header(token)["kid"]
key = next(k for k in jwks.keys if k.key_id == kid)
by_jwks = jwt.decode(token, key.key, algorithms=["EdDSA"], options=options)
assert by_pem == by_jwks
try:
    jwt.decode(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), key.key, algorithms=["EdDSA"])
    sys.exit("a tampered signature verified")
except jwt.InvalidSignatureError:
    pass
print(by_pem["jti"], by_pem["sub"], ",".join(by_pem["products"]))
"#;
    let args = [
        "-c",
        script,
        &issued.jwt,
        &sandbox.path("public.pem"),
        &sandbox.path("keys.jwks"),
    ];
    let out = tool(python_with_pyjwt(), &args);
    assert!(
        out.status.success(),
        "PyJWT refused the license: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{} alice app\n", issued.id)
    );
}
