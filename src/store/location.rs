//! Where a store is: a directory (sled) or a PostgreSQL URL, and how to open it.

use std::path::PathBuf;

/// Where a store is, as `--store` / `KEYCTL_STORE` name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// An embedded sled store in this directory.
    Directory(PathBuf),
    /// A PostgreSQL database: a `postgres://` or `postgresql://` URL.
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL names a database; anything else a directory.
    pub fn parse(value: &str) -> Location {
        let lower = value.get(..13).unwrap_or(value).to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Location::Postgres(value.to_owned())
        } else {
            Location::Directory(PathBuf::from(value))
        }
    }

    /// Whether `other` names this store too: the same directory however written (`./s/` and
    /// `s`), or the same URL.
    pub fn is_same(&self, other: &Location) -> bool {
        match (self, other) {
            (Location::Directory(a), Location::Directory(b)) => {
                match (a.canonicalize(), b.canonicalize()) {
                    (Ok(a), Ok(b)) => a == b,
                    _ => a == b,
                }
            }
            (Location::Postgres(a), Location::Postgres(b)) => a == b,
            _ => false,
        }
    }

    /// The location as people name it: a directory, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Location::Directory(path) => path.display().to_string(),
            Location::Postgres(url) => redact_password(url),
        }
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Self {
        Location::Directory(path)
    }
}

/// How to open a store.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// sled's page cache, in MiB (see [`super::DEFAULT_CACHE_MB`]).
    pub cache_mb: u64,
    /// The most PostgreSQL connections this process holds.
    pub pool_size: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            cache_mb: super::DEFAULT_CACHE_MB,
            pool_size: usize::from(DEFAULT_POOL_SIZE),
        }
    }
}

/// PostgreSQL connections per process unless `serve --pool-size` says otherwise: enough to
/// keep two cores busy while some connections wait on commits.
pub const DEFAULT_POOL_SIZE: u16 = 16;

/// `postgres://user:secret@host/db?password=secret` → `postgres://user:***@host/db?password=***`:
/// a URL is printed in messages and logs, its password never, wherever it is given (libpq and
/// tokio-postgres also take one as a parameter).
pub fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    // The credentials end at the first `@` and the parameters begin at the next `?`, as
    // tokio-postgres reads them: whatever it takes for the password is what is hidden, even
    // a `?` or `/` in it that should have been percent-encoded.
    let rest = &url[scheme_end..];
    let (mut redacted, after) = match rest.find('@') {
        Some(at) => {
            let credentials = &rest[..at];
            let shown = match credentials.split_once(':') {
                Some((user, _)) => format!("{user}:***"),
                None => credentials.to_owned(),
            };
            (format!("{}{shown}", &url[..scheme_end]), &rest[at..])
        }
        None => (url[..scheme_end].to_owned(), rest),
    };
    match after.split_once('?') {
        Some((base, query)) => {
            let parameters: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if is_password(key) => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            redacted.push_str(base);
            redacted.push('?');
            redacted.push_str(&parameters.join("&"));
        }
        None => redacted.push_str(after),
    }
    redacted
}

/// Whether a URL parameter's (percent-encoded) name is `password`.
fn is_password(key: &str) -> bool {
    percent_encoding::percent_decode_str(key).decode_utf8_lossy() == "password"
}

/// The store directory to use when neither `--store` nor `KEYCTL_STORE` is given:
/// `$XDG_DATA_HOME/keyctl`, else `~/.local/share/keyctl`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(data).join("keyctl"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|home| PathBuf::from(home).join(".local/share/keyctl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_names_a_database_and_anything_else_a_directory() {
        let url = "postgres://keyctl@db:5432/licenses?sslmode=disable";
        assert_eq!(Location::parse(url), Location::Postgres(url.into()));
        assert!(matches!(
            Location::parse("PostgreSQL://x/y"),
            Location::Postgres(_)
        ));
        assert_eq!(
            Location::parse("./postgres:"),
            Location::Directory("./postgres:".into())
        );
    }

    #[test]
    fn a_store_is_the_same_however_its_directory_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        std::fs::create_dir(&store).unwrap();
        let written = Location::Directory(dir.path().join("store/../store/"));
        assert!(Location::Directory(store.clone()).is_same(&written));
        assert!(!Location::Directory(store).is_same(&Location::Directory(dir.path().into())));
        let url = Location::parse("postgres://db/k");
        assert!(url.is_same(&Location::parse("postgres://db/k")));
        assert!(!url.is_same(&Location::parse("postgres://db/other")));
        assert!(!url.is_same(&Location::Directory("postgres://db/k".into())));
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_password("postgres://app:s3cret@db:5432/k?x=1"),
            "postgres://app:***@db:5432/k?x=1"
        );
        assert_eq!(
            redact_password("postgres://app@db/k"),
            "postgres://app@db/k"
        );
        assert_eq!(redact_password("postgres://db/k"), "postgres://db/k");
        assert_eq!(
            redact_password("postgres://app@db/k?sslmode=require&password=s3cret&x=1"),
            "postgres://app@db/k?sslmode=require&password=***&x=1"
        );
        assert_eq!(
            redact_password("postgres://app:s3?cr/et@db/k"),
            "postgres://app:***@db/k"
        );
        assert_eq!(
            redact_password("postgres://app:a@db/k?pass%77ord=s3cret"),
            "postgres://app:***@db/k?pass%77ord=***"
        );
    }
}
