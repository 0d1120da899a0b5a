//! TLS to PostgreSQL, with rustls, as `sslmode` asks:
//!
//! - `disable`: never.
//! - `prefer` (the default): when the server offers it, without checking its certificate,
//!   as libpq does: it keeps a passive listener out, not an active one. A server with a
//!   self-signed certificate (Debian's default) keeps working.
//! - `require`, and libpq's `verify-ca` and `verify-full` (see `libpq.rs`): always, and keyctl
//!   verifies the server's certificate and host name (what libpq calls `verify-full`;
//!   libpq's `require` only encrypts, its `verify-ca` skips the name). A license store's
//!   connection is worth an attacker's while: who asks for TLS gets it authenticated.
//!
//! The trusted roots are the file the URL's `sslrootcert` names, else the one `PGSSLROOTCERT`
//! names (PEM, libpq's parameter and variable), for a private CA such as a managed
//! service's; else (or with `sslrootcert=system`) the Mozilla roots built into the binary
//! (webpki-roots).

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::libpq::Roots;
use crate::error::{Error, Result};

/// What every connection of a store makes its TLS sessions with.
pub(super) type Connector = MakeRustlsConnect;

/// The environment variable naming a PEM file of the roots to trust.
pub(super) const ROOT_CERT_VAR: &str = "PGSSLROOTCERT";

/// The connector for a store named `name` in messages: verifying when `verify` (sslmode
/// `require`) against `roots` (the URL's `sslrootcert`), else `PGSSLROOTCERT`, else the
/// built-in roots; encrypting only otherwise (`prefer`).
pub(super) fn connector(name: &str, verify: bool, roots: Option<&Roots>) -> Result<Connector> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|err| Error::Store(format!("store {name}: TLS: {err}")))?;
    let config = if verify {
        let built_in = || RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let roots = match roots {
            Some(Roots::File(file)) => roots_from(file, "sslrootcert", name)?,
            Some(Roots::System) => built_in(),
            None => match std::env::var_os(ROOT_CERT_VAR).filter(|v| !v.is_empty()) {
                Some(file) => roots_from(Path::new(&file), ROOT_CERT_VAR, name)?,
                None => built_in(),
            },
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
            .with_no_client_auth()
    };
    Ok(MakeRustlsConnect::new(config))
}

/// `sslmode=prefer`: any certificate is taken, as libpq takes it; the handshake's signatures
/// are still checked, so the session is encrypted to whoever holds the certificate's key.
#[derive(Debug)]
struct EncryptOnly(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The certificates of the PEM file `path`, named by `setting` (`PGSSLROOTCERT` or the URL's
/// `sslrootcert`), refused when it holds none. A refusal says what to do: the file was named
/// by the operator, and without it nothing connects.
fn roots_from(path: &Path, setting: &str, name: &str) -> Result<RootCertStore> {
    let bad = |why: String| {
        let instead = if setting == ROOT_CERT_VAR {
            "or unset it to trust the built-in roots"
        } else {
            "or `system` to trust the built-in roots"
        };
        Error::invalid(
            setting,
            format!(
                "{why}; set it to a PEM file of the certificate authorities to trust for store \
                 {name}, {instead}"
            ),
        )
    };
    let unreadable = |err: rustls::pki_types::pem::Error| match err {
        rustls::pki_types::pem::Error::Io(io) => {
            bad(format!("cannot read {}: {io}", path.display()))
        }
        other => bad(format!("{}: {other}", path.display())),
    };
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(path).map_err(unreadable)? {
        let certificate = certificate.map_err(unreadable)?;
        roots.add(certificate).map_err(|e| {
            bad(format!(
                "{}: a certificate is not usable: {e}",
                path.display()
            ))
        })?;
    }
    if roots.is_empty() {
        return Err(bad(format!("{} holds no PEM certificate", path.display())));
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
        let err = roots_from(&file, ROOT_CERT_VAR, "postgres://db/k").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "PGSSLROOTCERT: {} holds no PEM certificate; set it to a PEM file of the \
                 certificate authorities to trust for store postgres://db/k, or unset it to \
                 trust the built-in roots",
                file.display()
            )
        );
        assert_eq!(err.exit_code(), crate::error::exit::USAGE);
    }
}
