//! TLS to PostgreSQL, with rustls: `sslmode=require` needs it, `prefer` tries it first.
//!
//! keyctl always verifies the server's certificate and its host name (what libpq calls
//! `verify-full`), also under `require`, where libpq would only encrypt: a license store's
//! connection is worth an attacker's while. The trusted roots are the file `PGSSLROOTCERT`
//! names (PEM, libpq's variable), for a private CA such as a managed service's; else the
//! Mozilla roots built into the binary (webpki-roots).

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{Error, Result};

/// What every connection of a store makes its TLS sessions with.
pub(super) type Connector = MakeRustlsConnect;

/// The environment variable naming a PEM file of the roots to trust.
pub(super) const ROOT_CERT_VAR: &str = "PGSSLROOTCERT";

/// The connector for a store named `name` in messages.
pub(super) fn connector(name: &str) -> Result<Connector> {
    let roots = match std::env::var_os(ROOT_CERT_VAR).filter(|v| !v.is_empty()) {
        Some(file) => roots_from(Path::new(&file), name)?,
        None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| Error::Store(format!("store {name}: TLS: {err}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The certificates of the PEM file `path`, refused when it holds none.
fn roots_from(path: &Path, name: &str) -> Result<RootCertStore> {
    let bad = |why: String| {
        Error::invalid(
            ROOT_CERT_VAR,
            format!(
                "{}: {why} (the roots to trust for store {name})",
                path.display()
            ),
        )
    };
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(path).map_err(|e| bad(e.to_string()))? {
        let certificate = certificate.map_err(|e| bad(e.to_string()))?;
        roots
            .add(certificate)
            .map_err(|e| bad(format!("a certificate is not usable: {e}")))?;
    }
    if roots.is_empty() {
        return Err(bad("holds no PEM certificate".into()));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roots_file_without_certificates_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("roots.pem");
        std::fs::write(&file, "not a certificate\n").unwrap();
        let err = roots_from(&file, "postgres://db/k")
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds no PEM certificate"), "{err}");
        assert!(err.contains("roots.pem"), "{err}");
        let missing = roots_from(&dir.path().join("nope.pem"), "x").unwrap_err();
        assert!(
            missing.to_string().starts_with("PGSSLROOTCERT"),
            "{missing}"
        );
    }
}
