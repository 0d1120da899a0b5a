//! Reading batch input: CSV with a header row, or JSON Lines, one license request per row,
//! streamed with a bound on every line.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, Read};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::license::IssueRequest;
use crate::time::{parse_instant, DayEdge, Timestamp};

/// The longest physical line accepted in batch input.
pub const MAX_LINE: usize = 64 * 1024;

/// The columns (CSV) or members (JSONL) of a row; only `licensee` and `products` are required.
pub const FIELDS: [&str; 9] = [
    "licensee",
    "products",
    "expires",
    "not_before",
    "activations",
    "domains",
    "features",
    "meta",
    "ref",
];

/// The longest order reference (`ref`) a row may carry, in bytes.
pub const MAX_REF: usize = 128;

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
    /// The earlier line with the same ref, when that is what is wrong.
    pub repeats: Option<u64>,
}

impl RowError {
    fn new(line: u64, reason: impl Into<String>, text: String) -> Self {
        RowError {
            line,
            reason: reason.into(),
            text,
            repeats: None,
        }
    }
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
    /// Whether a row whose ref an earlier row has, for a product both cover, is an error.
    pub find_repeats: bool,
}

/// The refs seen so far, to find rows that repeat one: 96-bit SHA-256 prefixes of (product,
/// ref) and the line that had each first. That is 16 bytes a pair (about 35 MB for a
/// million refs with the table's slack), and a false repeat is as likely as a collision of
/// 96-bit hashes: about one in 10^16 for a million refs.
#[derive(Default)]
struct Repeats(HashMap<[u8; 12], u32>);

impl Repeats {
    /// The error of a row whose ref an earlier row has; notes the row's refs otherwise.
    fn check(&mut self, line: u64, row: &RowRequest) -> std::result::Result<(), (String, u64)> {
        let Some(order_ref) = &row.order_ref else {
            return Ok(());
        };
        let Ok(short_line) = u32::try_from(line) else {
            let reason = format!(
                "ref: rows with a ref must be within the first {} lines",
                u32::MAX
            );
            return Err((reason, 0));
        };
        let keys: Vec<[u8; 12]> = row
            .request
            .products
            .iter()
            .map(|product| {
                let digest = Sha256::new()
                    .chain_update(product)
                    .chain_update([0])
                    .chain_update(order_ref)
                    .finalize();
                digest[..12].try_into().expect("12 of 32 bytes")
            })
            .collect();
        if let Some(&first) = keys.iter().find_map(|key| self.0.get(key)) {
            return Err((
                format!("ref: `{order_ref}` is also on line {first}"),
                first.into(),
            ));
        }
        // Only a row that is not refused claims its refs.
        for key in keys {
            self.0.insert(key, short_line);
        }
        Ok(())
    }
}

/// A row parsed into `parsed`, checked for a repeated ref, as a [`Row`]; `text` gives the
/// row's text for an error.
fn checked_row(
    line: u64,
    parsed: std::result::Result<RowRequest, String>,
    repeats: &mut Option<Repeats>,
    text: impl FnOnce() -> String,
) -> Row {
    let repeat = match (&parsed, repeats) {
        (Ok(row), Some(repeats)) => repeats.check(line, row).err(),
        _ => None,
    };
    let row = match (parsed, repeat) {
        (Err(reason), _) => Err(RowError::new(line, reason, text())),
        (Ok(_), Some((reason, first))) => Err(RowError {
            repeats: (first > 0).then_some(first),
            ..RowError::new(line, reason, text())
        }),
        (Ok(row), None) => Ok(row),
    };
    (line, row)
}

/// One input row: where it is and what it asks for.
pub type Row = (u64, std::result::Result<RowRequest, RowError>);

/// What a valid row asks for.
#[derive(Clone, Debug)]
pub struct RowRequest {
    /// The license to issue.
    pub request: IssueRequest,
    /// The row's order reference: unique per product, so that a batch can be run again
    /// without issuing its licenses twice.
    pub order_ref: Option<String>,
}

/// A reader under the CSV parser and the JSON Lines splitter: it drops a leading UTF-8 byte
/// order mark, refuses a physical line longer than [`MAX_LINE`] (so neither can be made to
/// buffer an unbounded record), and remembers where lines start, so that the byte offset of
/// a row becomes the physical line it starts on. A line ends at LF, CRLF or a lone CR
/// (classic Mac files); the csv crate's own positions count LF only.
pub struct PhysicalLines<R> {
    inner: R,
    /// Bytes handed on so far (after the BOM).
    offset: u64,
    /// Bytes of the current line so far.
    line_len: usize,
    /// The last byte handed on was a CR: an LF now completes a CRLF.
    after_cr: bool,
    /// Whether the start of the input has been checked for a BOM.
    started: bool,
    /// The line that offsets before `starts[0]` are on.
    line: u64,
    /// The lines read but not yet asked about by [`Self::line_at`]: no more than one read
    /// buffer holds.
    starts: VecDeque<LineStart>,
}

/// Where a line starts, and whether the line before it was blank.
#[derive(Clone, Copy, Debug)]
struct LineStart {
    offset: u64,
    after_blank: bool,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl<R: Read> PhysicalLines<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        PhysicalLines {
            inner,
            offset: 0,
            line_len: 0,
            after_cr: false,
            started: false,
            line: 1,
            starts: VecDeque::new(),
        }
    }

    /// The physical line (1-based) of the first row that starts at or after byte `offset`
    /// (counted after the BOM): a parser that skipped blank lines reports where it began
    /// looking, which may be a blank line before the row. Offsets must be asked about in
    /// increasing order, as a parser meets its rows.
    pub fn line_at(&mut self, offset: u64) -> u64 {
        while let Some(next) = self.starts.front() {
            // Move to the next line if the offset is on it or beyond, or if this line is blank.
            if next.offset > offset && !next.after_blank {
                break;
            }
            self.starts.pop_front();
            self.line += 1;
        }
        self.line
    }

    /// The line being read: where an over-long line or a read error is.
    pub fn current_line(&self) -> u64 {
        self.line + self.starts.len() as u64
    }

    /// Reads the first bytes and drops a BOM, reading on while what came could still be one.
    fn read_start(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.started = true;
        let mut n = 0;
        while n < BOM.len().min(buf.len()) && buf[..n] == BOM[..n] {
            let more = self.inner.read(&mut buf[n..])?;
            if more == 0 {
                break;
            }
            n += more;
        }
        if n >= BOM.len() && buf[..BOM.len()] == *BOM {
            buf.copy_within(BOM.len()..n, 0);
            n -= BOM.len();
            if n == 0 {
                // Zero would read as the end of the input.
                n = self.inner.read(buf)?;
            }
        }
        Ok(n)
    }
}

impl<R: Read> Read for PhysicalLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = if self.started {
            self.inner.read(buf)?
        } else {
            self.read_start(buf)?
        };
        for &byte in &buf[..n] {
            self.offset += 1;
            match byte {
                // The LF of a CRLF: the CR ended the line, and this byte leads the next one.
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.starts.push_back(LineStart {
                        offset: self.offset,
                        after_blank: self.line_len == 0,
                    });
                    self.line_len = 0;
                    self.after_cr = byte == b'\r';
                }
                _ => {
                    self.after_cr = false;
                    self.line_len += 1;
                    if self.line_len > MAX_LINE {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("a line is longer than {MAX_LINE} bytes"),
                        ));
                    }
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
    match format {
        InputFormat::Jsonl => Ok(Box::new(jsonl_rows(input, rules))),
        InputFormat::Csv => csv_rows(PhysicalLines::new(input), rules),
    }
}

fn input_error(err: impl std::fmt::Display) -> Error {
    Error::invalid("batch input", err.to_string())
}

/// The physical lines of an input, numbered: LF, CRLF and CR end a line, a BOM is dropped and
/// each line is bounded by [`MAX_LINE`]. For JSON Lines and for `verify --batch`.
pub struct Lines<R> {
    input: std::io::BufReader<PhysicalLines<R>>,
    offset: u64,
    line: Vec<u8>,
    ended_by_cr: bool,
}

impl<R: Read> Lines<R> {
    /// Reads `input` in blocks of 64 KiB.
    pub fn new(input: R) -> Self {
        Lines {
            input: std::io::BufReader::with_capacity(64 * 1024, PhysicalLines::new(input)),
            offset: 0,
            line: Vec::new(),
            ended_by_cr: false,
        }
    }

    /// The next line's number and bytes (without its end), or `None` at the end of the input.
    /// A read error names the line it happened on.
    pub fn next_line(&mut self) -> Result<Option<(u64, &[u8])>> {
        loop {
            let start = self.offset;
            let ended = self.read_line().map_err(|err| {
                let line = self.input.get_ref().current_line();
                input_error(format!("line {line}: {err}"))
            })?;
            let Some(ended_by) = ended else {
                return Ok(None);
            };
            // The LF of a CRLF: the CR ended the line already.
            let lf_of_crlf = self.ended_by_cr && ended_by == Some(b'\n') && self.line.is_empty();
            self.ended_by_cr = ended_by == Some(b'\r');
            if !lf_of_crlf {
                let number = self.input.get_mut().line_at(start);
                return Ok(Some((number, &self.line)));
            }
        }
    }

    /// Reads up to the next LF or CR into `self.line`; returns the byte that ended it (`None`
    /// for the end of the input), or `None` when there was nothing left to read.
    fn read_line(&mut self) -> std::io::Result<Option<Option<u8>>> {
        self.line.clear();
        let start = self.offset;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok((self.offset > start).then_some(None));
            }
            match buf.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(end) => {
                    let ended_by = buf[end];
                    self.line.extend_from_slice(&buf[..end]);
                    self.input.consume(end + 1);
                    self.offset += end as u64 + 1;
                    return Ok(Some(Some(ended_by)));
                }
                None => {
                    let taken = buf.len();
                    self.line.extend_from_slice(buf);
                    self.input.consume(taken);
                    self.offset += taken as u64;
                }
            }
        }
    }
}

fn jsonl_rows<R: Read>(input: R, rules: Rules) -> impl Iterator<Item = Result<Row>> {
    let mut lines = Lines::new(input);
    let mut repeats = rules.find_repeats.then(Repeats::default);
    std::iter::from_fn(move || loop {
        let (number, line) = match lines.next_line() {
            Ok(line) => line?,
            Err(err) => return Some(Err(err)),
        };
        let Ok(text) = std::str::from_utf8(line) else {
            let error = RowError::new(number, "the row is not UTF-8", String::new());
            return Some(Ok((number, Err(error))));
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let parsed = parse_jsonl(text, &rules);
        return Some(Ok(checked_row(number, parsed, &mut repeats, || {
            text.to_owned()
        })));
    })
}

fn parse_jsonl(text: &str, rules: &Rules) -> std::result::Result<RowRequest, String> {
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
    input: PhysicalLines<R>,
    rules: Rules,
) -> Result<Box<dyn Iterator<Item = Result<Row>> + 'a>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|err| input_error(csv_reason(&err)))?
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
    let mut record = csv::StringRecord::new();
    let mut repeats = rules.find_repeats.then(Repeats::default);
    Ok(Box::new(std::iter::from_fn(move || {
        // The physical line a record or an error starts on, from its byte offset.
        let line_of = |position: Option<&csv::Position>, reader: &mut csv::Reader<_>| {
            let lines: &mut PhysicalLines<R> = reader.get_mut();
            match position {
                Some(position) => lines.line_at(position.byte()),
                None => lines.current_line(),
            }
        };
        match reader.read_record(&mut record) {
            Ok(false) => None,
            Ok(true) => {
                let line = line_of(record.position(), &mut reader);
                let field = |name: &str| -> std::result::Result<Option<Field>, String> {
                    Ok(index
                        .get(name)
                        .and_then(|&i| record.get(i))
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(|v| Field::Text(v.to_owned())))
                };
                let parsed = build_request(field, &rules);
                let text = || record.iter().collect::<Vec<_>>().join(",");
                Some(Ok(checked_row(line, parsed, &mut repeats, text)))
            }
            Err(err) => Some(match err.kind() {
                csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. } => {
                    let line = line_of(err.position(), &mut reader);
                    let reason = csv_reason(&err);
                    Ok((line, Err(RowError::new(line, reason, String::new()))))
                }
                _ => {
                    let line = line_of(err.position(), &mut reader);
                    Err(input_error(format!("line {line}: {}", csv_reason(&err))))
                }
            }),
        }
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
) -> std::result::Result<RowRequest, String> {
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
        status: None,
    };
    crate::license::validate(&request, rules.now).map_err(|e| e.to_string())?;
    if let Some(products) = &rules.products {
        if let Some(missing) = request.products.iter().find(|p| !products.contains(*p)) {
            return Err(format!("products: product `{missing}` not found"));
        }
    }
    let order_ref = text("ref")?.map(|r| check_ref(r.trim())).transpose()?;
    Ok(RowRequest { request, order_ref })
}

/// An order reference: 1-128 bytes without control characters.
fn check_ref(text: &str) -> std::result::Result<String, String> {
    if text.is_empty() {
        return Err("ref: must not be empty".into());
    }
    if text.len() > MAX_REF {
        return Err(format!("ref: is {} bytes; at most {MAX_REF}", text.len()));
    }
    if text.chars().any(char::is_control) {
        return Err("ref: must not contain control characters".into());
    }
    Ok(text.to_owned())
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
                find_repeats: true,
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
        let first = &rows[0].1.as_ref().unwrap().request;
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
            rows[0].1.as_ref().unwrap().request.expires,
            Some(1_795_000_000 + 30 * 86_400)
        );
        assert_eq!(rows[1].1.as_ref().unwrap_err().to_string(), "line 3: unknown field `bogus` (fields: licensee, products, expires, not_before, activations, domains, features, meta, ref)");
        assert_eq!(
            rows[2].1.as_ref().unwrap_err().to_string(),
            "line 4: not a JSON object"
        );
    }

    /// The line of each row of `input` in `format`, in order.
    fn lines(input: &str, format: InputFormat) -> Vec<u64> {
        rows(input, format).iter().map(|(line, _)| *line).collect()
    }

    #[test]
    fn physical_lines_count_lf_crlf_cr_and_skip_a_bom() {
        let csv = ["licensee,products", "a,app", "", "\"b\nb\",app", "c,app"];
        let jsonl = [
            r#"{"licensee":"a","products":"app"}"#,
            "",
            r#"{"licensee":"b","products":"app"}"#,
            r#"{"licensee":"c","products":"app"}"#,
        ];
        for (bom, end) in [("", "\n"), ("", "\r\n"), ("", "\r"), ("\u{feff}", "\r\n")] {
            // The last line has no line end; the quoted field spans lines 4 and 5.
            let input = format!("{bom}{}", csv.join(end));
            assert_eq!(lines(&input, InputFormat::Csv), [2, 4, 6], "{input:?}");
            let input = format!("{bom}{}", jsonl.join(end));
            assert_eq!(lines(&input, InputFormat::Jsonl), [1, 3, 4], "{input:?}");
        }
        // A CRLF split across two reads is one line end.
        let mut lines = PhysicalLines::new(std::io::Read::chain(&b"a\r"[..], &b"\nb\rc"[..]));
        let mut all = Vec::new();
        std::io::Read::read_to_end(&mut lines, &mut all).unwrap();
        assert_eq!(
            (lines.line_at(0), lines.line_at(3), lines.line_at(5)),
            (1, 2, 3)
        );
    }

    #[test]
    fn refs_are_bounded_and_repeat_only_for_a_common_product() {
        let long = "x".repeat(MAX_REF + 1);
        let input = format!(
            "licensee,products,ref\na,app,A-1\nb,web,A-1\nc,web;app,A-1\nd,app, \ne,app,{long}\n"
        );
        let refs: Vec<_> = rows(&input, InputFormat::Csv)
            .iter()
            .map(|(line, row)| match row {
                Ok(row) => (*line, Ok(row.order_ref.clone())),
                Err(err) => (*line, Err((err.reason.clone(), err.repeats))),
            })
            .collect();
        assert_eq!(
            refs,
            [
                (2, Ok(Some("A-1".to_owned()))),
                (3, Ok(Some("A-1".to_owned()))),
                (4, Err(("ref: `A-1` is also on line 3".to_owned(), Some(3)))),
                (5, Ok(None)),
                (6, Err(("ref: is 129 bytes; at most 128".to_owned(), None))),
            ]
        );
        let input = "{\"licensee\":\"a\",\"products\":\"app\",\"ref\":1001}\n\
                     {\"licensee\":\"b\",\"products\":\"app\",\"ref\":\"A\\u0007\"}\n\
                     {\"licensee\":\"c\",\"products\":\"app\",\"ref\":\" \"}\n";
        let jsonl = rows(input, InputFormat::Jsonl);
        assert_eq!(
            jsonl[0].1.as_ref().unwrap().order_ref.as_deref(),
            Some("1001")
        );
        let reasons: Vec<_> = jsonl[1..]
            .iter()
            .map(|r| r.1.as_ref().unwrap_err().reason.clone())
            .collect();
        assert_eq!(
            reasons,
            [
                "ref: must not contain control characters",
                "ref: must not be empty"
            ]
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
