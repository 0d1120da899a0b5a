//! `keyctl license issue --batch`: check every row first, then sign on all cores and stage
//! the licenses in the store while writing them out in input order. The batch becomes
//! visible only once its output is complete, in one small store write; a batch that fails
//! at any point is removed, and none of its licenses was issued.

use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::json;

use super::rows::{Row, RowError, RowRequest};
use super::{parallel_map, Progress};
use crate::error::{Error, Result};
use crate::license::Issuer;
use crate::store::{LicenseRecord, StagedBatch, StatusRange, Store};
use crate::time::{rfc3339, Timestamp};

/// Rows signed together, and staged in the store and written out together.
pub const CHUNK: usize = 1024;

/// How many rows with existing refs the error names.
const NAMED_REFS: usize = 3;

/// How issued licenses are written out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

/// What pass one found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Rows that will be issued.
    pub valid: u64,
    /// Rows refused (only with `skip_invalid`).
    pub rejected: u64,
    /// Rows whose ref a committed license has already.
    pub existing: u64,
    /// The first few of those: line and ref.
    pub first_existing: Vec<(u64, String)>,
    /// Whether a row was rejected for repeating an earlier row's ref: pass two must then
    /// look for repeats too, to skip the same rows.
    pub repeats: bool,
}

impl Checked {
    /// Refuses the batch if rows have refs that were issued already, unless they are to be
    /// skipped.
    pub fn refuse_existing(&self, skip_existing: bool) -> Result<()> {
        if self.existing == 0 || skip_existing {
            return Ok(());
        }
        Err(Error::RefsIssued {
            count: self.existing,
            first: self.first_existing.clone(),
        })
    }
}

/// What becomes of a row.
enum Fate {
    /// It is issued.
    Issue(RowRequest),
    /// A committed license has its ref already.
    Existing(String),
    /// It is invalid.
    Reject(RowError),
}

/// The fate of a row read with the store's rules: invalid, existing (a committed license
/// has its ref already; only looked up in `refs`, when given), or to be issued.
fn fate(refs: Option<&Store>, row: std::result::Result<RowRequest, RowError>) -> Result<Fate> {
    let row = match row {
        Ok(row) => row,
        Err(err) => return Ok(Fate::Reject(err)),
    };
    if let (Some(store), Some(order_ref)) = (refs, &row.order_ref) {
        for product in &row.request.products {
            if store.issued_ref(product, order_ref)?.is_some() {
                return Ok(Fate::Existing(order_ref.clone()));
            }
        }
    }
    Ok(Fate::Issue(row))
}

/// Pass one: checks every row (read with the store's products in its
/// [`Rules`](super::rows::Rules)) and its ref before anything is signed. Without `rejects`,
/// the first bad row is the error; with it, bad rows are written there as JSON lines
/// `{"line", "error", "row"}` and skipped, and pass two, reading with the same rules, skips
/// them too. Rows whose ref was issued already are counted, for
/// [`Checked::refuse_existing`].
pub fn check_all(
    store: &Store,
    rows: impl Iterator<Item = Result<Row>>,
    mut rejects: Option<&mut dyn Write>,
) -> Result<Checked> {
    let mut checked = Checked::default();
    for row in rows {
        let (line, row) = row?;
        match fate(Some(store), row)? {
            Fate::Issue(_) => checked.valid += 1,
            Fate::Existing(order_ref) => {
                checked.existing += 1;
                if checked.first_existing.len() < NAMED_REFS {
                    checked.first_existing.push((line, order_ref));
                }
            }
            Fate::Reject(err) => {
                let Some(out) = rejects.as_deref_mut() else {
                    return Err(Error::invalid(
                        format!("batch line {}", err.line),
                        err.reason,
                    ));
                };
                checked.rejected += 1;
                checked.repeats |= err.repeats.is_some();
                let entry = json!({ "line": err.line, "error": err.reason, "row": err.text });
                writeln!(out, "{entry}").map_err(|e| Error::io("reject file", e))?;
            }
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
                    "ref": record.order_ref,
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
                    self.out.write_all(
                        b"line,id,short_key,licensee,products,expires,jwt,secret,ref\n",
                    )?;
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
                    record.order_ref.clone().unwrap_or_default(),
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

impl<W: Write> LicenseWriter<BufWriter<W>> {
    /// Drops what is buffered instead of writing it out.
    fn discard(self) {
        let _ = self.out.into_parts();
    }
}

/// Where a batch's licenses go.
pub enum Output<'a> {
    /// A file. The licenses are written to a private temporary file in its directory, which
    /// is synced, and renamed over it once the batch is committed.
    File(&'a Path),
    /// A stream such as stdout. The batch is committed once everything was written and
    /// flushed without error.
    Stream(Box<dyn Write + Send + 'a>),
}

/// What pass two needs besides the rows.
pub struct Issuance<'a> {
    /// The store, with its issuer and active key.
    pub store: &'a Store,
    /// The issue time of every license.
    pub now: Timestamp,
    /// The output format.
    pub format: OutputFormat,
    /// Worker threads for signing.
    pub threads: usize,
    /// Told of each chunk issued.
    pub progress: &'a dyn Progress,
}

/// Pass two, all or nothing: signs the rows pass one found valid and new (`rows` read with
/// the same rules, finding repeats if pass one rejected any), stages them in the store and
/// writes them to `output`, and commits the batch only once the output is
/// complete. Any failure abandons the batch: its licenses and any temporary output are
/// removed, and none of them was issued. Returns how many were issued.
pub fn issue_all(
    issuance: &Issuance,
    checked: &Checked,
    rows: impl Iterator<Item = Result<Row>>,
    output: Output,
) -> Result<u64> {
    let store = issuance.store;
    let dir = match &output {
        Output::File(path) => Some(
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        ),
        Output::Stream(_) => None,
    };
    let batch = store.begin_batch(issuance.now, dir, checked.valid)?;
    let abandon = |err: Error| {
        // Should this fail too, the batch stays hidden and the next open removes it.
        let _ = store.abandon_batch(&batch);
        Error::BatchAbandoned {
            source: Box::new(err),
        }
    };
    let issued = match output {
        Output::Stream(stream) => {
            let mut writer = LicenseWriter::new(BufWriter::new(stream), issuance.format);
            let issued = match stage_and_write(issuance, checked, &batch, rows, &mut writer) {
                Ok(issued) => issued,
                Err(err) => {
                    // Not a line more of a batch that is not issued.
                    writer.discard();
                    return Err(abandon(err));
                }
            };
            writer
                .finish()
                .map_err(|source| Error::Stream {
                    what: "batch output",
                    source,
                })
                .and_then(|_| store.commit_batch(&batch))
                .map_err(abandon)?;
            issued
        }
        Output::File(path) => {
            let temp = batch.output().expect("a file output has a temporary file");
            let issued = write_file(issuance, checked, &batch, rows, temp)
                .and_then(|issued| store.commit_batch(&batch).map(|()| issued))
                .map_err(abandon)?;
            // Committed: from here on the temporary file is the batch's output, kept if the
            // rename fails.
            std::fs::rename(temp, path).map_err(|e| Error::io(path, e))?;
            if let Some(dir) = dir {
                sync_dir(dir)?;
            }
            issued
        }
    };
    Ok(issued)
}

/// Writes the batch to its private temporary file `temp` and syncs it.
fn write_file(
    issuance: &Issuance,
    checked: &Checked,
    batch: &StagedBatch,
    rows: impl Iterator<Item = Result<Row>>,
    temp: &Path,
) -> Result<u64> {
    let file = crate::files::create_file(temp, true, false)?;
    let mut writer = LicenseWriter::new(BufWriter::new(file), issuance.format);
    let issued = stage_and_write(issuance, checked, batch, rows, &mut writer)?;
    let file = writer
        .finish()
        .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
        .map_err(|e| Error::io(temp, e))?;
    file.sync_all().map_err(|e| Error::io(temp, e))?;
    Ok(issued)
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

/// Signs the rows to issue on `threads` cores while a writer thread stages each signed chunk
/// in the store and writes its licenses to `out` in input order. Returns how many there were.
fn stage_and_write<W: Write + Send>(
    issuance: &Issuance,
    checked: &Checked,
    batch: &StagedBatch,
    rows: impl Iterator<Item = Result<Row>>,
    out: &mut LicenseWriter<W>,
) -> Result<u64> {
    let store = issuance.store;
    let issuer = Issuer::new(&store.issuer()?, &store.active_key()?);
    let mut indexes = StatusIndexes {
        range: batch.status(),
        used: 0,
    };
    // Rows that failed pass one were rejected there (or stopped the batch), and rows whose
    // ref exists were skipped there (or stopped the batch). Nothing has changed the store
    // since (its lock is held): refs are looked up again only if some existed.
    let refs = (checked.existing > 0).then_some(store);
    let rows = rows.filter_map(|row| {
        let (line, row) = match row {
            Ok(row) => row,
            Err(err) => return Some(Err(err)),
        };
        match fate(refs, row) {
            Ok(Fate::Issue(row)) => Some(Ok((line, row))),
            Ok(Fate::Existing(_) | Fate::Reject(_)) => None,
            Err(err) => Some(Err(err)),
        }
    });
    // One chunk in flight: signing the next chunk overlaps storing the previous one, and
    // memory stays at about two chunks.
    let (signed_chunks, to_store) = std::sync::mpsc::sync_channel::<SignedChunk>(1);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> Result<u64> {
            let mut issued = 0u64;
            for (lines, records) in to_store {
                store.stage_licenses(batch, &records)?;
                for (line, record) in lines.iter().zip(&records) {
                    out.write(*line, record).map_err(|e| Error::Stream {
                        what: "batch output",
                        source: e,
                    })?;
                }
                issued += records.len() as u64;
                issuance.progress.advance(records.len() as u64);
            }
            Ok(issued)
        });
        let signing = sign_chunks(
            rows,
            &mut indexes,
            &issuer,
            issuance,
            batch.millis(),
            &signed_chunks,
        );
        drop(signed_chunks);
        let issued = writer.join().expect("batch writer panicked")?;
        signing?;
        Ok(issued)
    })
}

/// The batch's status-list indexes: the range its mark records, reserved for the rows pass
/// one found valid, handed out in input order. If the batch is abandoned, the store's status
/// list marks the whole range revoked.
struct StatusIndexes<'a> {
    range: &'a StatusRange,
    used: u64,
}

impl StatusIndexes<'_> {
    /// Gives each row of `chunk` its index.
    fn assign(&mut self, chunk: &mut [(u64, RowRequest)]) -> Result<()> {
        let count = chunk.len() as u64;
        if self.used + count > self.range.count {
            // Pass two finds at most the rows pass one counted (rows are only ever skipped
            // in between), unless the input itself changed. An index outside the recorded
            // range would not be revoked should the batch fail, so the batch stops.
            return Err(Error::Conflict(format!(
                "the input has more rows to issue than the {} its first reading found; \
                 was it changed while the batch ran?",
                self.range.count
            )));
        }
        for (n, (_, row)) in (self.used..).zip(chunk.iter_mut()) {
            row.request.status = Some(self.range.reference(n));
        }
        self.used += count;
        Ok(())
    }
}

/// A chunk of signed licenses, and the input line of each.
type SignedChunk = (Vec<u64>, Vec<LicenseRecord>);

/// Reads rows in chunks, signs each chunk on all cores and sends it to the writer.
/// Stops early (without error) when the writer has gone, which reports its own error.
fn sign_chunks(
    rows: impl Iterator<Item = Result<(u64, RowRequest)>>,
    indexes: &mut StatusIndexes<'_>,
    issuer: &Issuer,
    issuance: &Issuance,
    millis: u64,
    writer: &std::sync::mpsc::SyncSender<SignedChunk>,
) -> Result<()> {
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        chunk.clear();
        for row in rows.by_ref() {
            chunk.push(row?);
            if chunk.len() == CHUNK {
                break;
            }
        }
        indexes.assign(&mut chunk)?;
        let signed = parallel_map(&chunk, issuance.threads, |(line, row)| {
            issuer
                .issue(&row.request, issuance.now, millis)
                .map(|license| {
                    let record = LicenseRecord {
                        order_ref: row.order_ref.clone(),
                        ..LicenseRecord::from_issued(&license)
                    };
                    (*line, record)
                })
        });
        let signed: SignedChunk = signed.into_iter().collect::<std::result::Result<_, _>>()?;
        if writer.send(signed).is_err() {
            break;
        }
    }
    Ok(())
}
