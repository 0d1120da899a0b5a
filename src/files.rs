//! File helpers with the bounds and permissions a security tool needs: reads that stop at a
//! limit, and output files that are always new files of ours (`0600` for secrets), put in
//! place whole and never written through a symlink or into someone else's file.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

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

/// Mode of files holding a secret (private keys, licenses with their signer secrets).
pub const SECRET_MODE: u32 = 0o600;
/// Mode of files anyone may read (public keys).
pub const PUBLIC_MODE: u32 = 0o644;

/// An output file (`--out FILE`) that appears at its path only when complete, as a new file.
///
/// The content goes to a fresh temporary file beside the target, created with `O_EXCL` (so
/// never through a symlink or into someone else's file) by the current user, with exactly
/// the requested mode whatever the umask. [`OutputFile::commit`] syncs it and renames it over
/// the target, then syncs the directory. The rename replaces a symlink itself, never what it
/// points to; and the old file, whoever owned it and however it was linked, is not written
/// to. Dropped without `commit` (an error on the way), the temporary file is removed and the
/// target is untouched.
///
/// Without `force`, an existing target (a symlink too, even a dangling one) is refused when
/// the file is created, and again, atomically, at `commit`.
#[derive(Debug)]
pub struct OutputFile {
    target: PathBuf,
    temp: tempfile::NamedTempFile,
    force: bool,
}

impl OutputFile {
    /// Starts writing `target` with `mode` ([`SECRET_MODE`] or [`PUBLIC_MODE`]).
    pub fn create(target: &Path, mode: u32, force: bool) -> Result<Self> {
        if !force && std::fs::symlink_metadata(target).is_ok() {
            return Err(already_exists(target));
        }
        let dir = target
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let temp = tempfile::Builder::new()
            .prefix(".keyctl-")
            .permissions(std::fs::Permissions::from_mode(mode & SECRET_MODE))
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, e))?;
        // Created owner-only (the umask may narrow that further), then given exactly `mode`.
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(temp.path(), e))?;
        Ok(OutputFile {
            target: target.into(),
            temp,
            force,
        })
    }

    /// The path the file will have once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Syncs the content and puts the file at its path.
    pub fn commit(self) -> Result<()> {
        let target = self.target;
        self.temp
            .as_file()
            .sync_all()
            .map_err(|e| Error::io(&target, e))?;
        let persisted = if self.force {
            self.temp.persist(&target)
        } else {
            self.temp.persist_noclobber(&target)
        };
        match persisted {
            Ok(_) => {}
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(already_exists(&target))
            }
            Err(e) => return Err(Error::io(&target, e.error)),
        }
        // The rename is durable once the directory entry is.
        let dir = target
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::File::open(dir)
            .and_then(|dir| dir.sync_all())
            .map_err(|e| Error::io(dir, e))
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.temp.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.temp.flush()
    }
}

fn already_exists(path: &Path) -> Error {
    Error::Conflict(format!(
        "{} already exists; use --force to overwrite it",
        path.display()
    ))
}

/// Writes `contents` to `path` through an [`OutputFile`]: all or nothing, a new file of ours.
pub fn write_file(path: &Path, contents: &[u8], mode: u32, force: bool) -> Result<()> {
    let mut file = OutputFile::create(path, mode, force)?;
    file.write_all(contents)
        .map_err(|e| Error::io(file.target(), e))?;
    file.commit()
}

/// Creates a file to be written in place, for output streamed as it is produced (the batch
/// reject file). Unlike [`OutputFile`] it is not atomic, but it is still always a new file of
/// ours with exactly `mode`: with `force`, an existing file or symlink is removed first, so
/// neither a symlink's target nor another user's file is ever written to.
pub fn create_file(path: &Path, secret: bool, force: bool) -> Result<std::fs::File> {
    let mode = if secret { SECRET_MODE } else { PUBLIC_MODE };
    if force {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(path, e)),
            _ => {}
        }
    }
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => already_exists(path),
            _ => Error::io(path, e),
        })?;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io(path, e))?;
    Ok(file)
}
