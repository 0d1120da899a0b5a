//! `keyctl verify --batch`: many licenses, Ed25519 batch verification on all cores,
//! one JSON result per line in input order, then a summary.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use keyctl_core::offline;
use keyctl_core::status_list::{StatusCheck, StatusListError, VerifiedStatusList};
use serde::Deserialize;
use serde_json::json;

use super::rows::Lines;
use super::{parallel_map, Progress};
use crate::error::{exit, Error, Result};
use crate::keys::TrustedKeys;
use crate::license::{self, check_claims, Context, Decoded, LicenseState, Outcome, Verdict};
use crate::time::Timestamp;

/// Lines verified together; results are written after each chunk, in order.
pub const CHUNK: usize = 8192;
/// Signatures checked in one Ed25519 batch. A failing batch is re-checked one by one,
/// so a small group keeps the cost of one bad license low.
const GROUP: usize = 256;

/// The context shared by every line, which a JSON line may override.
#[derive(Clone, Debug, Default)]
pub struct Defaults {
    /// Product for lines that name none.
    pub product: Option<String>,
    /// Domain for lines that name none.
    pub domain: Option<String>,
    /// Verification time.
    pub now: Timestamp,
    /// Leeway for `exp`/`nbf`.
    pub leeway: i64,
    /// A status list every valid license is looked up in, as `verify --status-list` judged
    /// it (an `Err`: a list that cannot answer, so `status_unknown` for licenses that refer
    /// to one).
    pub status_list: Option<std::result::Result<VerifiedStatusList, StatusListError>>,
}

/// Counts by outcome, and the exit code of the batch.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Lines verified.
    pub total: u64,
    /// Lines per outcome code.
    pub by_code: BTreeMap<&'static str, u64>,
    /// The worst outcome seen.
    pub worst: Option<Outcome>,
}

impl Summary {
    fn count(&mut self, outcome: Outcome) {
        self.total += 1;
        *self.by_code.entry(outcome.code()).or_default() += 1;
        if self.worst.is_none_or(|w| severity(outcome) > severity(w)) {
            self.worst = Some(outcome);
        }
    }

    /// 0 when every license is valid, else the exit code of the most severe failure.
    pub fn exit_code(&self) -> i32 {
        self.worst.map_or(exit::OK, Outcome::exit_code)
    }
}

/// How bad an outcome is for a batch: a forged or unreadable license outranks a revoked one,
/// which outranks a scope or time problem.
pub fn severity(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Valid => 0,
        Outcome::NotYetValid => 1,
        Outcome::Expired => 2,
        Outcome::ScopeMismatch => 3,
        Outcome::Revoked => 4,
        Outcome::StatusUnknown => 5,
        Outcome::ClockRollback => 6,
        Outcome::BadRequestSignature | Outcome::StaleRequest | Outcome::ReplayedRequest => 7,
        Outcome::Malformed => 8,
        Outcome::BadSignature => 9,
        Outcome::Error => 10,
    }
}

struct Item {
    line: u64,
    token: String,
    product: Option<String>,
    domain: Option<String>,
}

#[derive(Deserialize)]
struct JsonLine {
    license: String,
    product: Option<String>,
    domain: Option<String>,
}

fn item(line: u64, text: &str) -> std::result::Result<Item, Verdict> {
    if !text.starts_with('{') {
        return Ok(Item {
            line,
            token: text.to_owned(),
            product: None,
            domain: None,
        });
    }
    let parsed: JsonLine = serde_json::from_str(text).map_err(|_| {
        Verdict::fail(
            Outcome::Malformed,
            "the line is neither a JWT nor a JSON object with a `license`",
        )
    })?;
    Ok(Item {
        line,
        token: parsed.license.trim().to_owned(),
        product: parsed.product,
        domain: parsed.domain,
    })
}

/// Verifies every line of `input`, writing `{"line", "valid", "code", "error", "license_id"}`
/// per line and then `{"summary": {...}}`.
pub fn verify_all(
    input: impl Read,
    keys: &TrustedKeys,
    defaults: &Defaults,
    state: Option<&(dyn LicenseState + Sync)>,
    out: &mut dyn Write,
    threads: usize,
    progress: &dyn Progress,
) -> Result<Summary> {
    let mut lines = Lines::new(input);
    let mut summary = Summary::default();
    let write_err = |e| Error::Stream {
        what: "batch output",
        source: e,
    };
    loop {
        let mut chunk: Vec<std::result::Result<Item, (u64, Verdict)>> = Vec::with_capacity(CHUNK);
        while let Some((number, line)) = lines.next_line()? {
            let parsed = match std::str::from_utf8(line) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => item(number, text.trim()).map_err(|v| (number, v)),
                Err(_) => Err((
                    number,
                    Verdict::fail(Outcome::Malformed, "the line is not UTF-8 text"),
                )),
            };
            chunk.push(parsed);
            if chunk.len() == CHUNK {
                break;
            }
        }
        if chunk.is_empty() {
            break;
        }
        let groups: Vec<&[std::result::Result<Item, (u64, Verdict)>]> =
            chunk.chunks(GROUP).collect();
        let verdicts = parallel_map(&groups, threads, |group| {
            verify_group(group, keys, defaults, state)
        });
        for (line, verdict) in verdicts.into_iter().flatten() {
            summary.count(verdict.outcome);
            let result = json!({
                "line": line,
                "valid": verdict.is_valid(),
                "code": verdict.outcome.code(),
                "error": if verdict.is_valid() { None } else { Some(&verdict.reason) },
                "license_id": verdict.claims.as_ref().map(|c| &c.jti),
            });
            writeln!(out, "{result}").map_err(write_err)?;
        }
        progress.advance(chunk.len() as u64);
    }
    let mut counts = serde_json::Map::new();
    counts.insert("total".into(), summary.total.into());
    for (code, count) in &summary.by_code {
        counts.insert((*code).into(), (*count).into());
    }
    let summary_line = json!({
        "summary": counts,
        "revocation_checked": state.is_some(),
        "status_list_checked": defaults.status_list.is_some(),
    });
    writeln!(out, "{summary_line}").map_err(write_err)?;
    out.flush().map_err(write_err)?;
    Ok(summary)
}

/// Verifies up to [`GROUP`] lines: decode each, check every signature in one Ed25519 batch
/// (one by one if the batch fails, to find the culprits), then each license's claims.
fn verify_group(
    group: &[std::result::Result<Item, (u64, Verdict)>],
    keys: &TrustedKeys,
    defaults: &Defaults,
    state: Option<&(dyn LicenseState + Sync)>,
) -> Vec<(u64, Verdict)> {
    let mut results: Vec<(u64, Option<Verdict>)> = Vec::with_capacity(group.len());
    let mut pending: Vec<(usize, &Item, Decoded<'_>)> = Vec::with_capacity(group.len());
    for entry in group {
        match entry {
            Err((line, verdict)) => results.push((*line, Some(verdict.clone()))),
            Ok(item) => match license::decode(&item.token) {
                Err(verdict) => results.push((item.line, Some(verdict))),
                Ok(decoded) => {
                    pending.push((results.len(), item, decoded));
                    results.push((item.line, None));
                }
            },
        }
    }
    let tokens: Vec<&Decoded<'_>> = pending.iter().map(|(_, _, decoded)| decoded).collect();
    let signatures = license::check_signatures(&tokens, keys);
    for ((slot, item, decoded), signature) in pending.into_iter().zip(signatures) {
        results[slot].1 = Some(match signature {
            Ok(()) => check(decoded, item, defaults, state),
            Err(verdict) => verdict,
        });
    }
    results
        .into_iter()
        .map(|(line, verdict)| (line, verdict.expect("every line decided")))
        .collect()
}

fn check(
    decoded: Decoded<'_>,
    item: &Item,
    defaults: &Defaults,
    state: Option<&(dyn LicenseState + Sync)>,
) -> Verdict {
    let Some(product) = item.product.as_deref().or(defaults.product.as_deref()) else {
        return Verdict::fail(
            Outcome::Malformed,
            "no product: give --product or a `product` member on the line",
        );
    };
    let ctx = Context {
        product,
        domain: item.domain.as_deref().or(defaults.domain.as_deref()),
        machine: None,
        now: defaults.now,
        leeway: defaults.leeway,
    };
    let verdict = check_claims(decoded.claims, &ctx, state.map(|s| s as &dyn LicenseState));
    match &defaults.status_list {
        Some(list) if verdict.is_valid() => {
            let claim = verdict.claims.as_ref().and_then(|c| c.status.as_ref());
            let status = StatusCheck::of(claim, Some(list));
            offline::with_status(verdict, &status)
        }
        _ => verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ranking `docs/cli.md` documents, least severe first.
    #[test]
    fn severity_follows_the_documented_ranking() {
        use Outcome::*;
        let ranked = [
            Valid,
            NotYetValid,
            Expired,
            ScopeMismatch,
            Revoked,
            StatusUnknown,
            ClockRollback,
            BadRequestSignature,
            Malformed,
            BadSignature,
            Error,
        ];
        for pair in ranked.windows(2) {
            assert!(severity(pair[0]) < severity(pair[1]), "{pair:?}");
        }
        assert_eq!(severity(StaleRequest), severity(BadRequestSignature));
        assert_eq!(severity(ReplayedRequest), severity(BadRequestSignature));
    }
}
