//! Reading batch input: CSV with a header row, or JSON Lines, one license request per row,
//! streamed with a bound on every line.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Read};

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::license::IssueRequest;
use crate::time::{parse_instant, DayEdge, Timestamp};

/// The longest physical line accepted in batch input.
pub const MAX_LINE: usize = 64 * 1024;

/// The columns (CSV) or members (JSONL) of a row; only `licensee` and `products` are required.
pub const FIELDS: [&str; 8] = [
    "licensee",
    "products",
    "expires",
    "not_before",
    "activations",
    "domains",
    "features",
    "meta",
];

/// The format of batch input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Comma-separated values with a header row; lists separated by `;`.
    Csv,
    /// One JSON object per line; lists as arrays (or `;`-separated strings).
    Jsonl,
}

impl InputFormat {
    /// The format a file name suggests (`.csv`, else JSON Lines).
    pub fn from_path(path: &str) -> InputFormat {
        if path.to_ascii_lowercase().ends_with(".csv") {
            InputFormat::Csv
        } else {
            InputFormat::Jsonl
        }
    }
}

/// A row that could not be turned into a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The physical line the row starts on (1-based; the CSV header is line 1).
    pub line: u64,
    /// What was wrong, naming the field.
    pub reason: String,
    /// The row's text, for the reject file.
    pub text: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// What every row is checked against.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// The time relative expiries (`365d`) count from.
    pub now: Timestamp,
    /// The products that exist; `None` skips the check.
    pub products: Option<HashSet<String>>,
}

/// One input row: where it is and what it asks for.
pub type Row = (u64, std::result::Result<IssueRequest, RowError>);

/// A reader that refuses a physical line longer than [`MAX_LINE`], so neither the CSV parser
/// nor the JSONL reader can be made to buffer an unbounded record.
pub struct LineLimit<R> {
    inner: R,
    since_newline: usize,
}

impl<R: Read> LineLimit<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        LineLimit {
            inner,
            since_newline: 0,
        }
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &byte in &buf[..n] {
            if byte == b'\n' {
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > MAX_LINE {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("a line is longer than {MAX_LINE} bytes"),
                    ));
                }
            }
        }
        Ok(n)
    }
}

/// Streams the rows of `input` as requests checked against `rules`.
pub fn read_rows<'a, R: Read + 'a>(
    input: R,
    format: InputFormat,
    rules: Rules,
) -> Result<Box<dyn Iterator<Item = Result<Row>> + 'a>> {
    let input = LineLimit::new(input);
    match format {
        InputFormat::Jsonl => Ok(Box::new(jsonl_rows(input, rules))),
        InputFormat::Csv => csv_rows(input, rules),
    }
}

fn input_error(err: impl std::fmt::Display) -> Error {
    Error::invalid("batch input", err.to_string())
}

fn jsonl_rows<R: Read>(input: R, rules: Rules) -> impl Iterator<Item = Result<Row>> {
    let mut lines = std::io::BufReader::with_capacity(256 * 1024, input).split(b'\n');
    let mut number = 0u64;
    std::iter::from_fn(move || loop {
        let line = match lines.next()? {
            Ok(line) => line,
            Err(err) => return Some(Err(input_error(format!("line {}: {err}", number + 1)))),
        };
        number += 1;
        let Ok(text) = String::from_utf8(line) else {
            let error = RowError {
                line: number,
                reason: "the row is not UTF-8".into(),
                text: String::new(),
            };
            return Some(Ok((number, Err(error))));
        };
        let text = text.trim().to_owned();
        if text.is_empty() {
            continue;
        }
        let row = parse_jsonl(&text, &rules).map_err(|reason| RowError {
            line: number,
            reason,
            text,
        });
        return Some(Ok((number, row)));
    })
}

fn parse_jsonl(text: &str, rules: &Rules) -> std::result::Result<IssueRequest, String> {
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) else {
        return Err("not a JSON object".into());
    };
    if let Some(unknown) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!(
            "unknown field `{unknown}` (fields: {})",
            FIELDS.join(", ")
        ));
    }
    let field = |name: &str| -> std::result::Result<Option<Field>, String> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(Field::Text(s.clone()))),
            Some(Value::Number(n)) => Ok(Some(Field::Text(n.to_string()))),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("{name}: list items must be strings"))
                })
                .collect::<std::result::Result<_, _>>()
                .map(|list| Some(Field::List(list))),
            Some(Value::Object(map)) => Ok(Some(Field::Object(map.clone()))),
            Some(Value::Bool(_)) => Err(format!("{name}: must not be a boolean")),
        }
    };
    build_request(field, rules)
}

fn csv_rows<'a, R: Read + 'a>(
    input: R,
    rules: Rules,
) -> Result<Box<dyn Iterator<Item = Result<Row>> + 'a>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .map_err(input_error)?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if let Some(unknown) = headers.iter().find(|h| !FIELDS.contains(&h.as_str())) {
        return Err(input_error(format!(
            "line 1: unknown column `{unknown}` (columns: {})",
            FIELDS.join(", ")
        )));
    }
    let index: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.clone(), i))
        .collect();
    let mut records = reader.into_records();
    Ok(Box::new(std::iter::from_fn(move || {
        let record = match records.next()? {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line());
                return Some(match err.kind() {
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. } => Ok((
                        line,
                        Err(RowError {
                            line,
                            reason: csv_reason(&err),
                            text: String::new(),
                        }),
                    )),
                    _ => Err(input_error(format!("line {line}: {}", csv_reason(&err)))),
                });
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let field = |name: &str| -> std::result::Result<Option<Field>, String> {
            Ok(index
                .get(name)
                .and_then(|&i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| Field::Text(v.to_owned())))
        };
        let row = build_request(field, &rules).map_err(|reason| RowError {
            line,
            reason,
            text: record.iter().collect::<Vec<_>>().join(","),
        });
        Some(Ok((line, row)))
    })))
}

fn csv_reason(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("the row has {len} fields; the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "the row is not UTF-8".into(),
        csv::ErrorKind::Io(err) => err.to_string(),
        _ => err.to_string(),
    }
}

/// A field's raw value: CSV gives text; JSONL may give lists and objects.
enum Field {
    Text(String),
    List(Vec<String>),
    Object(Map<String, Value>),
}

impl Field {
    fn into_list(self, name: &str) -> std::result::Result<Vec<String>, String> {
        match self {
            Field::Text(text) => Ok(text
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()),
            Field::List(list) => Ok(list),
            Field::Object(_) => Err(format!("{name}: must be a list")),
        }
    }

    fn into_text(self, name: &str) -> std::result::Result<String, String> {
        match self {
            Field::Text(text) => Ok(text),
            _ => Err(format!("{name}: must be text")),
        }
    }
}

fn build_request(
    field: impl Fn(&str) -> std::result::Result<Option<Field>, String>,
    rules: &Rules,
) -> std::result::Result<IssueRequest, String> {
    let now = rules.now;
    let text = |name: &str| field(name)?.map(|f| f.into_text(name)).transpose();
    let list = |name: &str| {
        Ok::<_, String>(
            field(name)?
                .map(|f| f.into_list(name))
                .transpose()?
                .unwrap_or_default(),
        )
    };
    let instant = |name: &str, edge| {
        text(name)?
            .map(|t| parse_instant(&t, now, edge, name).map_err(|e| e.to_string()))
            .transpose()
    };
    let activations = match text("activations")? {
        None => None,
        Some(n) => Some(
            n.trim()
                .parse::<i64>()
                .map_err(|_| format!("activations: `{n}` is not a whole number"))?,
        ),
    };
    let meta = match field("meta")? {
        None => None,
        Some(Field::Object(map)) => Some(map),
        Some(Field::Text(json)) => match serde_json::from_str::<Value>(&json) {
            Ok(Value::Object(map)) => Some(map),
            _ => return Err("meta: must be a JSON object".into()),
        },
        Some(Field::List(_)) => return Err("meta: must be a JSON object".into()),
    };
    let request = IssueRequest {
        licensee: text("licensee")?.ok_or("licensee: missing")?,
        products: list("products")?,
        expires: instant("expires", DayEdge::End)?,
        not_before: instant("not_before", DayEdge::Start)?,
        max_activations: activations,
        domains: list("domains")?,
        features: list("features")?,
        meta,
    };
    crate::license::validate(&request, rules.now).map_err(|e| e.to_string())?;
    if let Some(products) = &rules.products {
        if let Some(missing) = request.products.iter().find(|p| !products.contains(*p)) {
            return Err(format!("products: product `{missing}` not found"));
        }
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(input: &str, format: InputFormat) -> Vec<Row> {
        read_rows(
            input.as_bytes(),
            format,
            Rules {
                now: 1_795_000_000,
                products: None,
            },
        )
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    #[test]
    fn csv_rows_with_lists_and_line_numbers() {
        let input =
            "licensee,products,activations,meta\nalice,app;web,3,\"{\"\"tier\"\":1}\"\nbob,,x,\n";
        let rows = rows(input, InputFormat::Csv);
        let first = rows[0].1.as_ref().unwrap();
        assert_eq!(
            (rows[0].0, first.products.clone(), first.max_activations),
            (2, vec!["app".into(), "web".into()], Some(3))
        );
        assert_eq!(first.meta.as_ref().unwrap()["tier"], 1);
        let error = rows[1].1.as_ref().unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 3: activations: `x` is not a whole number"
        );
    }

    #[test]
    fn jsonl_rows_report_fields() {
        let input = "{\"licensee\":\"a\",\"products\":[\"app\"],\"expires\":\"30d\"}\n\n{\"licensee\":\"b\",\"products\":\"app\",\"bogus\":1}\n[1]\n";
        let rows = rows(input, InputFormat::Jsonl);
        assert_eq!(
            rows[0].1.as_ref().unwrap().expires,
            Some(1_795_000_000 + 30 * 86_400)
        );
        assert_eq!(rows[1].1.as_ref().unwrap_err().to_string(), "line 3: unknown field `bogus` (fields: licensee, products, expires, not_before, activations, domains, features, meta)");
        assert_eq!(
            rows[2].1.as_ref().unwrap_err().to_string(),
            "line 4: not a JSON object"
        );
    }

    #[test]
    fn overlong_lines_are_refused() {
        let input = format!("{{\"licensee\":\"{}\"}}\n", "x".repeat(MAX_LINE));
        let mut rows = read_rows(input.as_bytes(), InputFormat::Jsonl, Rules::default()).unwrap();
        assert!(rows
            .next()
            .unwrap()
            .unwrap_err()
            .to_string()
            .contains("longer than 65536 bytes"));
    }
}
