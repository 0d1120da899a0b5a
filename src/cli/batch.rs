//! `license issue --batch` and `verify --batch`: files, stdin, progress and the summary.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use super::Env;
use crate::batch::issue::{check_all, issue_all, Checked, Issuance, Output, OutputFormat};
use crate::batch::rows::{read_rows, InputFormat, Rules};
use crate::batch::verify::{verify_all, Defaults};
use crate::batch::{self, Progress};
use crate::error::{Error, Result};
use crate::keys::TrustedKeys;
use crate::license::LicenseState;
use crate::store::Store;

#[derive(Debug, Args)]
pub struct BatchIssueArgs {
    /// Issue one license per row of FILE (CSV with a header row, or JSON Lines); `-` is stdin
    #[arg(long, value_name = "FILE|-", conflicts_with_all = ["products", "expires", "not_before", "activations", "domains", "features", "meta"])]
    pub batch: Option<String>,
    /// Input format [default: csv for *.csv, else jsonl]
    #[arg(long, value_enum, requires = "batch")]
    input_format: Option<InputFormat>,
    /// Issue the valid rows and write the invalid ones, with reasons, to --rejects
    #[arg(long, requires_all = ["batch", "rejects"])]
    skip_invalid: bool,
    /// Where --skip-invalid writes refused rows (JSON Lines)
    #[arg(long, value_name = "FILE", requires = "skip_invalid")]
    rejects: Option<PathBuf>,
    /// Write the issued licenses (with their secrets) to FILE, created 0600 [default: stdout]
    #[arg(long, value_name = "FILE", requires = "batch")]
    out: Option<PathBuf>,
    /// Output format [default: csv for *.csv, else jsonl]
    #[arg(long, value_enum, requires = "batch")]
    output_format: Option<OutputFormat>,
    /// Skip the rows whose ref a license was already issued for (they are not output again)
    #[arg(long, requires = "batch")]
    skip_existing: bool,
    /// Overwrite --out and --rejects if they exist
    #[arg(long, requires = "batch")]
    force: bool,
}

/// A progress bar on stderr when it is a terminal; nothing otherwise.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    /// A bar with rate and ETA when `total` is known, else a counter with the rate.
    fn new(what: &str, total: Option<u64>) -> Bar {
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let template = match total {
            Some(_) => format!("{what} {{bar:40}} {{pos}}/{{len}} {{per_sec}} eta {{eta}}"),
            None => format!("{what} {{pos}} {{per_sec}}"),
        };
        let bar = indicatif::ProgressBar::new(total.unwrap_or(0));
        bar.set_style(indicatif::ProgressStyle::with_template(&template).expect("valid template"));
        Bar(Some(bar))
    }
}

impl Progress for Bar {
    fn advance(&self, rows: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(rows);
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// The input as a file that can be read twice: stdin is spooled to a private temporary file.
fn reread_input(source: &str) -> Result<(PathBuf, Option<tempfile::TempPath>)> {
    if source != "-" {
        return Ok((PathBuf::from(source), None));
    }
    let mut spool = tempfile::NamedTempFile::new().map_err(|e| Error::io("temporary file", e))?;
    std::io::copy(&mut std::io::stdin().lock(), &mut spool).map_err(|source| Error::Stream {
        what: "standard input",
        source,
    })?;
    let path = spool.into_temp_path();
    Ok((path.to_path_buf(), Some(path)))
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| Error::io(path, e))
}

fn output_format_for(path: Option<&Path>) -> OutputFormat {
    match path.and_then(Path::extension).and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("csv") => OutputFormat::Csv,
        _ => OutputFormat::Jsonl,
    }
}

pub fn issue(env: &Env, args: &BatchIssueArgs) -> Result<i32> {
    let source = args.batch.as_deref().expect("--batch given");
    let started = Instant::now();
    if let Some(out) = args.out.as_deref() {
        // Checked now: the output replaces --out only once the batch is committed.
        if out.is_dir() {
            return Err(Error::invalid(
                "--out",
                format!("{} is a directory", out.display()),
            ));
        }
        if out.exists() && !args.force {
            return Err(Error::Conflict(format!(
                "{} already exists; use --force to overwrite it",
                out.display()
            )));
        }
    }
    let options = crate::store::OpenOptions {
        cache_mb: crate::store::BATCH_CACHE_MB,
        ..Default::default()
    };
    let store = crate::control::open_directly(&env.store_location()?, &options)?;
    super::keys::unlock(&store)?;
    let (path, _spool) = reread_input(source)?;
    let format = args
        .input_format
        .unwrap_or_else(|| InputFormat::from_path(source));
    let mut rules = Rules {
        now: env.now,
        products: Some(store.products()?.into_iter().map(|p| p.id).collect()),
        find_repeats: true,
    };

    // Pass one: every row is checked before anything is signed.
    let mut rejects = match &args.rejects {
        Some(file) => Some(BufWriter::new(crate::files::create_file(
            file, false, args.force,
        )?)),
        None => None,
    };
    let rows = read_rows(open(&path)?, format, rules.clone())?;
    let checked = check_all(&store, rows, rejects.as_mut().map(|w| w as &mut dyn Write))?;
    if let Some(mut rejects) = rejects {
        rejects.flush().map_err(|e| Error::io("reject file", e))?;
    }
    checked.refuse_existing(args.skip_existing)?;

    // Pass two: sign, stage, write out, commit.
    let bar = Bar::new("issuing", Some(checked.valid));
    let issuance = Issuance {
        store: &store,
        now: env.now,
        format: args
            .output_format
            .unwrap_or_else(|| output_format_for(args.out.as_deref())),
        threads: batch::threads(),
        progress: &bar,
    };
    rules.find_repeats = checked.repeats;
    let rows = read_rows(open(&path)?, format, rules)?;
    let output = match &args.out {
        Some(out) => Output::File(out),
        None => Output::Stream(Box::new(std::io::stdout())),
    };
    let issued = issue_all(&issuance, &checked, rows, output)?;
    drop(bar);
    eprintln!(
        "keyctl: {}",
        summary(issued, &checked, args.rejects.as_deref(), started)
    );
    Ok(0)
}

/// `issued 3 licenses in 0.13 s (24/s); 1 row skipped (ref exists); 2 rows rejected (see r.jsonl)`.
fn summary(issued: u64, checked: &Checked, rejects: Option<&Path>, started: Instant) -> String {
    let seconds = started.elapsed().as_secs_f64();
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut line = format!(
        "issued {} in {seconds:.2} s ({:.0}/s)",
        count(issued, "license", "licenses"),
        issued as f64 / seconds.max(1e-9)
    );
    if checked.existing > 0 {
        line += &format!(
            "; {} skipped (ref exists)",
            count(checked.existing, "row", "rows")
        );
    }
    if let (Some(file), n @ 1..) = (rejects, checked.rejected) {
        line += &format!(
            "; {} rejected (see {})",
            count(n, "row", "rows"),
            file.display()
        );
    }
    line
}

pub fn verify(
    source: &str,
    keys: &TrustedKeys,
    defaults: &Defaults,
    store: Option<&Store>,
) -> Result<i32> {
    let input: Box<dyn std::io::Read> = match source {
        "-" => Box::new(std::io::stdin().lock()),
        path => Box::new(open(Path::new(path))?),
    };
    let bar = Bar::new("verifying", None);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let state = store.map(|s| s as &(dyn LicenseState + Sync));
    let summary = verify_all(
        input,
        keys,
        defaults,
        state,
        &mut out,
        batch::threads(),
        &bar,
    )?;
    drop(bar);
    Ok(summary.exit_code())
}
