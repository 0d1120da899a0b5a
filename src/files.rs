//! File helpers with the bounds and permissions a security tool needs: reads that stop at a
//! limit, and secret files created `0600` without clobbering.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::error::{Error, Result};

/// Reads `reader` up to `limit + 1` bytes: a result longer than `limit` means there was more.
pub fn read_at_most(reader: impl Read, limit: usize, what: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(what, e))?;
    Ok(buf)
}

/// Reads at most `limit` bytes of `reader`; more is an error naming `what`.
pub fn read_bounded(reader: impl Read, limit: usize, what: &str) -> Result<Vec<u8>> {
    let buf = read_at_most(reader, limit, what)?;
    if buf.len() > limit {
        return Err(Error::invalid(
            what,
            format!("is larger than {limit} bytes"),
        ));
    }
    Ok(buf)
}

/// Reads a whole file of at most `limit` bytes as UTF-8.
pub fn read_text(path: &Path, limit: usize) -> Result<String> {
    let what = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let bytes = read_bounded(file, limit, &what)?;
    String::from_utf8(bytes).map_err(|_| Error::invalid(what, "is not UTF-8 text"))
}

/// Creates a file for writing. Secret files get mode `0600`; an existing file is replaced
/// only with `force` (and a replaced secret file is narrowed to `0600` too).
pub fn create_file(path: &Path, secret: bool, force: bool) -> Result<std::fs::File> {
    let mode = if secret { 0o600 } else { 0o644 };
    let mut options = OpenOptions::new();
    options.write(true).mode(mode);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::Conflict(format!(
            "{} already exists; use --force to overwrite it",
            path.display()
        )),
        _ => Error::io(path, e),
    })?;
    if secret && force {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(path, e))?;
    }
    Ok(file)
}

/// Writes `contents` to a new file (see [`create_file`]) and syncs it.
pub fn write_file(path: &Path, contents: &[u8], secret: bool, force: bool) -> Result<()> {
    let mut file = create_file(path, secret, force)?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))
}
