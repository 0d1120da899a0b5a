//! The URL parameters that operators copy from libpq and tokio-postgres 0.7 reads otherwise:
//! keyctl takes them out of the URL and sets them on the client's configuration itself.
//!
//! - `sslmode`: tokio-postgres knows `disable`, `prefer` and `require` only, and refuses
//!   libpq's `verify-ca` and `verify-full`, the modes security-minded operators write. keyctl's
//!   `require` already verifies the certificate chain and the host name (see `tls.rs`), so all
//!   three mean it: `verify-ca` is as strict as `verify-full` here.
//! - `tcp_user_timeout`: libpq reads milliseconds, tokio-postgres seconds, so a libpq URL's
//!   `tcp_user_timeout=3000` would be 50 minutes. keyctl reads milliseconds, as libpq does,
//!   and sets them exactly (the socket option is in milliseconds).
//!
//! - `sslrootcert`: tokio-postgres does not know it. keyctl trusts the roots of the PEM file
//!   it names, before `PGSSLROOTCERT` (as libpq does), or with `system` the built-in roots.
//!
//! Everything else stays in the URL for tokio-postgres, exactly as written.

use std::path::PathBuf;
use std::time::Duration;

use tokio_postgres::config::SslMode;

/// A URL without the parameters keyctl reads itself, and what they said.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Parameters {
    /// The URL for tokio-postgres: the scheme in lower case, without `sslmode`,
    /// `tcp_user_timeout` and `sslrootcert`.
    pub url: String,
    /// `sslmode`, when the URL gives it.
    pub ssl_mode: Option<SslMode>,
    /// `tcp_user_timeout`, when the URL gives a positive one (0 is the system's default).
    pub tcp_user_timeout: Option<Duration>,
    /// `sslrootcert`: the roots a verifying mode trusts, when the URL names them.
    pub ssl_root_cert: Option<Roots>,
}

/// The roots `sslrootcert` names: a PEM file, or libpq's `system` (the built-in roots).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Roots {
    /// The certificates of this PEM file.
    File(PathBuf),
    /// The Mozilla roots built into the binary, whatever `PGSSLROOTCERT` says.
    System,
}

/// What [`take`] tells the user when a parameter it reads is not acceptable.
pub(super) type Refusal = String;

/// Takes `sslmode`, `tcp_user_timeout` and `sslrootcert` out of the `postgres://` URL `url`;
/// the last of a repeated parameter counts, as in tokio-postgres.
pub(super) fn take(url: &str) -> Result<Parameters, Refusal> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    // Where tokio-postgres sees the parameters: after the first `@` (the credentials end
    // there), at the first `?`. Found the same way, so that both agree on what is a parameter.
    let after_credentials = rest.find('@').map_or(0, |at| at + 1);
    let (base, query) = match rest[after_credentials..].find('?') {
        Some(i) => rest.split_at(after_credentials + i),
        None => (rest, ""),
    };
    let mut parameters = Parameters {
        url: String::new(),
        ssl_mode: None,
        tcp_user_timeout: None,
        ssl_root_cert: None,
    };
    let mut kept = Vec::new();
    for pair in query.strip_prefix('?').unwrap_or(query).split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match decode(key).as_str() {
            "sslmode" => parameters.ssl_mode = Some(ssl_mode(&decode(value))?),
            "tcp_user_timeout" => {
                parameters.tcp_user_timeout = tcp_user_timeout(&decode(value))?;
            }
            "sslrootcert" => parameters.ssl_root_cert = Some(roots(&decode(value))?),
            _ => kept.push(pair),
        }
    }
    // Lower case: `Location` takes `PostgreSQL://` as a database, and tokio-postgres would
    // read it as a `key=value` string instead.
    parameters.url = format!("{}://{base}", scheme.to_ascii_lowercase());
    if kept.iter().any(|pair| !pair.is_empty()) {
        parameters.url.push('?');
        parameters.url.push_str(&kept.join("&"));
    }
    Ok(parameters)
}

/// Percent-decoded, as tokio-postgres decodes keys and values.
fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// libpq's `sslmode`, as keyctl carries it out. `allow` (plain first, TLS only if the server
/// insists) is refused rather than silently made stricter or weaker.
fn ssl_mode(value: &str) -> Result<SslMode, Refusal> {
    match value {
        "disable" => Ok(SslMode::Disable),
        "prefer" => Ok(SslMode::Prefer),
        "require" | "verify-ca" | "verify-full" => Ok(SslMode::Require),
        other => Err(format!(
            "sslmode `{other}` is not one keyctl knows; use disable, prefer, require, verify-ca or verify-full"
        )),
    }
}

/// libpq's `sslrootcert`: a file, or `system`.
fn roots(value: &str) -> Result<Roots, Refusal> {
    match value {
        "" => Err(
            "sslrootcert is empty; name a PEM file of the certificate authorities to \
                   trust, or `system` for the built-in roots"
                .into(),
        ),
        "system" => Ok(Roots::System),
        path => Ok(Roots::File(PathBuf::from(path))),
    }
}

/// libpq's `tcp_user_timeout`: milliseconds, 0 for the system's default.
fn tcp_user_timeout(value: &str) -> Result<Option<Duration>, Refusal> {
    match value.trim().parse::<u64>() {
        Ok(0) => Ok(None),
        Ok(millis) => Ok(Some(Duration::from_millis(millis))),
        Err(_) => Err(format!(
            "tcp_user_timeout `{value}` is not a number of milliseconds; use e.g. 3000, or 0 for the system's default"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_of(url: &str) -> String {
        take(url).unwrap().url
    }

    #[test]
    fn sslrootcert_names_a_file_or_the_built_in_roots() {
        let taken = take("postgres://u@db/k?sslrootcert=%2Fetc%2Fca.pem&sslmode=require").unwrap();
        assert_eq!(
            taken.ssl_root_cert,
            Some(Roots::File(PathBuf::from("/etc/ca.pem")))
        );
        assert_eq!(taken.url, "postgres://u@db/k");
        assert_eq!(
            take("postgres://db/k?sslrootcert=system")
                .unwrap()
                .ssl_root_cert,
            Some(Roots::System)
        );
        assert!(take("postgres://db/k?sslrootcert=")
            .unwrap_err()
            .starts_with("sslrootcert is empty; "));
    }

    #[test]
    fn libpq_verifying_modes_are_require_which_verifies() {
        for (mode, expected) in [
            ("disable", SslMode::Disable),
            ("prefer", SslMode::Prefer),
            ("require", SslMode::Require),
            ("verify-ca", SslMode::Require),
            ("verify-full", SslMode::Require),
            // Percent-encoded, as tokio-postgres would decode it.
            ("verify%2Dfull", SslMode::Require),
        ] {
            let taken = take(&format!("postgres://u@db/k?a=b&sslmode={mode}")).unwrap();
            assert_eq!(taken.ssl_mode, Some(expected), "{mode}");
            assert_eq!(taken.url, "postgres://u@db/k?a=b", "{mode}");
        }
        assert_eq!(take("postgres://db/k").unwrap().ssl_mode, None);
        // The last one counts, as in tokio-postgres.
        let twice = take("postgres://db/k?sslmode=disable&sslmode=verify-ca").unwrap();
        assert_eq!(twice.ssl_mode, Some(SslMode::Require));
    }

    #[test]
    fn an_unknown_sslmode_is_refused_naming_it_and_the_modes_known() {
        for mode in ["allow", "verify_full", "VERIFY-FULL", ""] {
            assert_eq!(
                take(&format!("postgres://db/k?sslmode={mode}")).unwrap_err(),
                format!("sslmode `{mode}` is not one keyctl knows; use disable, prefer, require, verify-ca or verify-full")
            );
        }
    }

    #[test]
    fn tcp_user_timeout_is_milliseconds_as_in_libpq() {
        let timeout = |value: &str| take(&format!("postgres://db/k?tcp_user_timeout={value}"));
        assert_eq!(
            timeout("3000").unwrap().tcp_user_timeout,
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            timeout("2500").unwrap().tcp_user_timeout,
            Some(Duration::from_millis(2500))
        );
        assert_eq!(
            timeout("1").unwrap().tcp_user_timeout,
            Some(Duration::from_millis(1))
        );
        // 0 is the system's default, as in libpq: nothing is set.
        assert_eq!(timeout("0").unwrap().tcp_user_timeout, None);
        assert_eq!(timeout("0").unwrap().url, "postgres://db/k");
        for bad in ["-5", "3s", "", "1.5"] {
            assert_eq!(
                timeout(bad).unwrap_err(),
                format!("tcp_user_timeout `{bad}` is not a number of milliseconds; use e.g. 3000, or 0 for the system's default")
            );
        }
    }

    #[test]
    fn every_other_part_of_the_url_is_left_as_written() {
        assert_eq!(
            url_of("postgres://app:p%3Fw@db:5432/k?application_name=x%20y&sslmode=verify-full&connect_timeout=3"),
            "postgres://app:p%3Fw@db:5432/k?application_name=x%20y&connect_timeout=3"
        );
        assert_eq!(url_of("postgres://db/k?"), "postgres://db/k");
        assert_eq!(url_of("postgres://db/k?sslmode=require"), "postgres://db/k");
        // A `?` in the password is not where the parameters begin.
        let taken = take("postgres://app:a?b@db/k?sslmode=verify-ca").unwrap();
        assert_eq!(taken.url, "postgres://app:a?b@db/k");
        assert_eq!(taken.ssl_mode, Some(SslMode::Require));
        // The scheme as tokio-postgres knows it.
        assert_eq!(url_of("PostgreSQL://db/k"), "postgresql://db/k");
    }
}
