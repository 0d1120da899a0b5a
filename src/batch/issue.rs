//! `keyctl license issue --batch`: validate every row first, then sign on all cores and
//! store in large atomic chunks, writing each license out in input order.

use std::io::Write;

use serde_json::json;

use super::rows::Row;
use super::{parallel_map, Progress};
use crate::error::{Error, Result};
use crate::license::Issuer;
use crate::store::{LicenseRecord, Store};
use crate::time::{rfc3339, Timestamp};

/// Rows signed and stored together: one sled transaction, so a crash leaves each chunk
/// wholly stored or absent, and every stored license has its short key and secret.
pub const CHUNK: usize = 4096;

/// How issued licenses are written out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

/// What pass one found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Rows that will be issued.
    pub valid: u64,
    /// Rows refused (only with `skip_invalid`).
    pub rejected: u64,
}

/// Pass one: checks every row (read with the store's products in its [`Rules`](super::rows::Rules))
/// before anything is signed. Without `rejects`, the first bad row is the error; with it, bad
/// rows are written there as JSON lines `{"line", "error", "row"}` and skipped, and pass two,
/// reading with the same rules, skips them too.
pub fn check_all(
    rows: impl Iterator<Item = Result<Row>>,
    mut rejects: Option<&mut dyn Write>,
) -> Result<Checked> {
    let mut checked = Checked::default();
    for row in rows {
        match row?.1 {
            Ok(_) => checked.valid += 1,
            Err(err) => match rejects.as_deref_mut() {
                None => {
                    return Err(Error::invalid(
                        format!("batch line {}", err.line),
                        err.reason,
                    ))
                }
                Some(out) => {
                    checked.rejected += 1;
                    let entry = json!({ "line": err.line, "error": err.reason, "row": err.text });
                    writeln!(out, "{entry}").map_err(|e| Error::io("reject file", e))?;
                }
            },
        }
    }
    Ok(checked)
}

/// Writes issued licenses in the chosen format.
pub struct LicenseWriter<W: Write> {
    out: W,
    format: OutputFormat,
    wrote_header: bool,
}

impl<W: Write> LicenseWriter<W> {
    /// A writer onto `out`.
    pub fn new(out: W, format: OutputFormat) -> Self {
        LicenseWriter {
            out,
            format,
            wrote_header: false,
        }
    }

    fn write(&mut self, line: u64, record: &LicenseRecord) -> std::io::Result<()> {
        let expires = record.expires.map(rfc3339);
        match self.format {
            OutputFormat::Jsonl => {
                let value = json!({
                    "line": line,
                    "id": record.id,
                    "short_key": record.short_key_display(),
                    "licensee": record.licensee,
                    "products": record.products,
                    "expires": expires,
                    "jwt": record.jwt,
                    "secret": record.secret.expose(),
                });
                writeln!(self.out, "{value}")
            }
            OutputFormat::Csv => {
                if !self.wrote_header {
                    self.out
                        .write_all(b"line,id,short_key,licensee,products,expires,jwt,secret\n")?;
                    self.wrote_header = true;
                }
                let mut row = csv::Writer::from_writer(Vec::with_capacity(1024));
                let fields = [
                    line.to_string(),
                    record.id.clone(),
                    record.short_key_display(),
                    record.licensee.clone(),
                    record.products.join(";"),
                    expires.unwrap_or_default(),
                    record.jwt.clone(),
                    record.secret.expose().to_owned(),
                ];
                row.write_record(&fields).map_err(std::io::Error::other)?;
                self.out.write_all(
                    &row.into_inner()
                        .map_err(|e| std::io::Error::other(e.to_string()))?,
                )
            }
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Pass two: signs the valid rows on `threads` cores while a writer thread stores each
/// signed chunk (one transaction; the store is flushed once at the end) and writes its
/// licenses to `out` in input order. Returns how many were issued.
pub fn issue_all<W: Write + Send>(
    store: &Store,
    rows: impl Iterator<Item = Result<Row>>,
    out: &mut LicenseWriter<W>,
    now: Timestamp,
    threads: usize,
    progress: &dyn Progress,
) -> Result<u64> {
    let issuer = Issuer::new(&store.issuer()?, &store.active_key()?);
    let millis = u64::try_from(now).unwrap_or(0) * 1000;
    // One chunk in flight: signing the next chunk overlaps storing the previous one, and
    // memory stays at about two chunks.
    let (signed_chunks, to_store) = std::sync::mpsc::sync_channel::<Vec<(u64, LicenseRecord)>>(1);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> Result<u64> {
            let mut issued = 0u64;
            for chunk in to_store {
                let records: Vec<&LicenseRecord> = chunk.iter().map(|(_, record)| record).collect();
                store.insert_new_licenses(&records)?;
                for (line, record) in &chunk {
                    out.write(*line, record).map_err(|e| Error::Stream {
                        what: "batch output",
                        source: e,
                    })?;
                }
                issued += chunk.len() as u64;
                progress.advance(chunk.len() as u64);
            }
            Ok(issued)
        });
        let signing = sign_chunks(rows, &issuer, now, millis, threads, &signed_chunks);
        drop(signed_chunks);
        let issued = writer.join().expect("batch writer panicked")?;
        signing?;
        store.flush()?;
        Ok(issued)
    })
}

/// Reads rows in chunks, signs each chunk on `threads` cores and sends it to the writer.
/// Stops early (without error) when the writer has gone, which reports its own error.
fn sign_chunks(
    rows: impl Iterator<Item = Result<Row>>,
    issuer: &Issuer,
    now: Timestamp,
    millis: u64,
    threads: usize,
    writer: &std::sync::mpsc::SyncSender<Vec<(u64, LicenseRecord)>>,
) -> Result<()> {
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        chunk.clear();
        for row in rows.by_ref() {
            // Rows that failed pass one were rejected there (or stopped the batch).
            if let (line, Ok(row)) = row? {
                chunk.push((line, row.request));
                if chunk.len() == CHUNK {
                    break;
                }
            }
        }
        let signed = parallel_map(&chunk, threads, |(line, request)| {
            issuer
                .issue(request, now, millis)
                .map(|license| (*line, LicenseRecord::from_issued(&license)))
        });
        if writer
            .send(signed.into_iter().collect::<Result<Vec<_>>>()?)
            .is_err()
        {
            break;
        }
    }
    Ok(())
}
