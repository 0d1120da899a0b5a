//! All stdout rendering: human tables (comfy-table) and the stable `--json` shapes
//! documented in `docs/cli.md`. Functions return text; the CLI writes it.

use std::borrow::Cow;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{presets::NOTHING, Table};
use serde_json::{json, Value};

use crate::license::{Claims, Verdict};
use crate::store::{Activation, KeyRecord, LicenseRecord, Product};
use crate::time::{rfc3339, Timestamp};
use keyctl_core::machine::MachineVerdict;
use keyctl_core::offline::Checked;
use keyctl_core::status_list::StatusCheck;

/// `text` with its control characters escaped (`\u{1b}`), for a terminal or a log line:
/// stored text that came from a client, such as a machine name, must not be able to drive
/// the reader's terminal or forge table rows and log lines.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Adds a row of [`printable`] cells.
fn add_row(table: &mut Table, cells: Vec<String>) {
    table.add_row(cells.iter().map(|cell| printable(cell).into_owned()));
}

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_header(header.iter().copied());
    table
}

/// A borderless two-column table of labelled values.
fn details(rows: &[(&str, String)]) -> String {
    let mut table = Table::new();
    table.load_preset(NOTHING);
    for (label, value) in rows {
        add_row(&mut table, vec![label.to_string(), value.clone()]);
    }
    trim_lines(&table.to_string())
}

fn trim_lines(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_end().trim_start_matches(' '))
        .collect::<Vec<_>>()
        .join("\n")
}

fn opt_time(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::String(rfc3339(t)))
}

fn shown_time(t: Option<Timestamp>, none: &str) -> String {
    t.map_or_else(|| none.to_owned(), rfc3339)
}

/// Pretty JSON with a trailing newline.
pub fn to_json(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    text.push('\n');
    text
}

// ---- keys --------------------------------------------------------------------------------

/// JSON of one key.
pub fn key_json(key: &KeyRecord) -> Value {
    json!({
        "kid": key.kid,
        "status": key.status.as_str(),
        "created": rfc3339(key.created),
        "retired": opt_time(key.retired),
    })
}

/// The key list.
pub fn keys(keys: &[KeyRecord], as_json: bool) -> String {
    if as_json {
        return to_json(&Value::Array(keys.iter().map(key_json).collect()));
    }
    let mut t = table(&["KID", "STATUS", "CREATED", "RETIRED"]);
    for key in keys {
        add_row(
            &mut t,
            vec![
                key.kid.clone(),
                key.status.as_str().into(),
                rfc3339(key.created),
                shown_time(key.retired, "-"),
            ],
        );
    }
    format!("{t}\n")
}

/// One key, after a change.
pub fn key(key: &KeyRecord, as_json: bool) -> String {
    if as_json {
        return to_json(&key_json(key));
    }
    format!("{} {}\n", key.status.as_str(), key.kid)
}

// ---- products ----------------------------------------------------------------------------

/// JSON of one product.
pub fn product_json(product: &Product) -> Value {
    json!({
        "id": product.id,
        "number": product.number,
        "name": product.name,
        "support_message": product.support_message,
        "created": rfc3339(product.created),
    })
}

/// The product list.
pub fn products(products: &[Product], as_json: bool) -> String {
    if as_json {
        return to_json(&Value::Array(products.iter().map(product_json).collect()));
    }
    let mut t = table(&["NUMBER", "ID", "NAME", "SUPPORT MESSAGE"]);
    for p in products {
        add_row(
            &mut t,
            vec![
                p.number.to_string(),
                p.id.clone(),
                p.name.clone(),
                p.support_message.clone().unwrap_or_default(),
            ],
        );
    }
    format!("{t}\n")
}

/// One product.
pub fn product(product: &Product, as_json: bool) -> String {
    if as_json {
        return to_json(&product_json(product));
    }
    details(&[
        ("id", product.id.clone()),
        ("number", product.number.to_string()),
        ("name", product.name.clone()),
        (
            "support message",
            product
                .support_message
                .clone()
                .unwrap_or_else(|| "-".into()),
        ),
        ("created", rfc3339(product.created)),
    ]) + "\n"
}

// ---- licenses ----------------------------------------------------------------------------

fn activations_text(max: Option<i64>) -> String {
    match max {
        Some(n) if n > 0 => n.to_string(),
        _ => "unlimited".into(),
    }
}

/// JSON of a stored license; the signer secret only when `secret` is set.
pub fn license_json(record: &LicenseRecord, secret: bool) -> Value {
    let mut value = json!({
        "id": record.id,
        "short_key": record.short_key_display(),
        "status": record.status.as_str(),
        "reason": record.reason,
        "licensee": record.licensee,
        "products": record.products,
        "created": rfc3339(record.created),
        "expires": opt_time(record.expires),
        "max_activations": record.max_activations.unwrap_or(-1),
        "ref": record.order_ref,
        "jwt": record.jwt,
    });
    if secret {
        value["secret"] = Value::String(record.secret.expose().to_owned());
    }
    value
}

/// A license in detail; the signer secret only when `secret` is set.
pub fn license(record: &LicenseRecord, secret: bool, as_json: bool) -> String {
    if as_json {
        return to_json(&license_json(record, secret));
    }
    let mut rows = vec![
        ("id", record.id.clone()),
        ("short key", record.short_key_display()),
        ("status", record.status.as_str().to_owned()),
    ];
    if let Some(reason) = &record.reason {
        rows.push(("reason", reason.clone()));
    }
    rows.extend([
        ("licensee", record.licensee.clone()),
        ("products", record.products.join(", ")),
        ("created", rfc3339(record.created)),
        ("expires", shown_time(record.expires, "never")),
        ("activations", activations_text(record.max_activations)),
    ]);
    if let Some(order_ref) = &record.order_ref {
        rows.push(("ref", order_ref.clone()));
    }
    rows.push(("jwt", record.jwt.clone()));
    if secret {
        rows.push(("secret", record.secret.expose().to_owned()));
    }
    details(&rows) + "\n"
}

/// The license list (no JWTs, no secrets).
pub fn licenses(records: &[LicenseRecord], as_json: bool) -> String {
    if as_json {
        let items = records
            .iter()
            .map(|r| {
                let mut v = license_json(r, false);
                v.as_object_mut().expect("object").remove("jwt");
                v
            })
            .collect();
        return to_json(&Value::Array(items));
    }
    let mut t = table(&[
        "ID",
        "SHORT KEY",
        "LICENSEE",
        "PRODUCTS",
        "STATUS",
        "EXPIRES",
    ]);
    for r in records {
        add_row(
            &mut t,
            vec![
                r.id.clone(),
                r.short_key_display(),
                r.licensee.clone(),
                r.products.join(", "),
                r.status.as_str().into(),
                shown_time(r.expires, "never"),
            ],
        );
    }
    format!("{t}\n")
}

// ---- verification ------------------------------------------------------------------------

/// What an offline verification (keys given, no store) says it did not check.
pub const REVOCATION_NOT_CHECKED: &str =
    "revocation was not checked (verified offline, without the store)";

/// One line (or the JSON) for a verdict: the code, the license id when known, the reason.
/// `revocation_checked` is false for offline verification: a valid verdict then says so,
/// in a `note:` line and as `"revocation_checked": false`.
pub fn verdict(verdict: &Verdict, revocation_checked: bool, as_json: bool) -> String {
    if as_json {
        let mut value = verdict.to_json();
        value["revocation_checked"] = Value::Bool(revocation_checked);
        return to_json(&value);
    }
    match &verdict.claims {
        Some(claims) if verdict.is_valid() && !revocation_checked => format!(
            "valid: {}\nnote: {REVOCATION_NOT_CHECKED}\n",
            valid_summary(claims)
        ),
        Some(claims) if verdict.is_valid() => format!("valid: {}\n", valid_summary(claims)),
        claims => failure_line(
            verdict.outcome,
            claims.as_ref().map(|c| c.jti.as_str()),
            &verdict.reason,
        ),
    }
}

/// A license verdict with offline evidence ([`Checked`]): `verify --status-list/--state`.
/// The JSON adds `status_list` and `clock_state`; a valid verdict checked against a list
/// counts as checked for revocation.
pub fn checked_license(checked: &Checked<Verdict>, store_checked: bool, as_json: bool) -> String {
    let revocation_checked = store_checked || checked.status == Some(StatusCheck::Valid);
    if as_json {
        let mut value = checked.to_json();
        value["revocation_checked"] = Value::Bool(revocation_checked);
        return to_json(&value);
    }
    verdict(&checked.verdict, revocation_checked, false)
}

/// A machine file's verdict: `machine verify`. The JSON is the verdict's, with `machine`
/// holding the claims, `status_list` and `clock_state`.
pub fn checked_machine(checked: &Checked<MachineVerdict>, as_json: bool) -> String {
    if as_json {
        return to_json(&checked.to_json());
    }
    let verdict = &checked.verdict;
    match &verdict.claims {
        Some(claims) if verdict.is_valid() => {
            let note = match checked.status {
                Some(StatusCheck::Valid) => "",
                _ => "\nnote: the license's standing was not checked (pass --status-list)",
            };
            format!(
                "valid: {} for license {} (products {}; until {}){note}\n",
                claims.jti,
                claims.lic,
                claims.products.join(", "),
                rfc3339(claims.exp)
            )
        }
        claims => failure_line(
            verdict.outcome,
            claims.as_ref().map(|c| c.jti.as_str()),
            &verdict.reason,
        ),
    }
}

/// `code: id: reason`, the id once the signature verified.
fn failure_line(outcome: crate::license::Outcome, id: Option<&str>, reason: &str) -> String {
    match id {
        Some(id) => format!("{}: {id}: {reason}\n", outcome.code()),
        None => format!("{}: {reason}\n", outcome.code()),
    }
}

fn valid_summary(claims: &Claims) -> String {
    format!(
        "{} for {} (products {}; expires {})",
        claims.jti,
        claims.sub,
        claims.products.join(", "),
        shown_time(claims.exp, "never")
    )
}

// ---- activations -------------------------------------------------------------------------

/// JSON of one activation.
pub fn activation_json(a: &Activation) -> Value {
    json!({
        "license_id": a.license_id,
        "hwid": a.hwid,
        "machine": a.machine,
        "user": a.user,
        "first_seen": rfc3339(a.first_seen),
        "last_seen": rfc3339(a.last_seen),
    })
}

/// The activation list.
pub fn activations(list: &[Activation], as_json: bool) -> String {
    if as_json {
        return to_json(&Value::Array(list.iter().map(activation_json).collect()));
    }
    let mut t = table(&[
        "LICENSE",
        "HWID",
        "MACHINE",
        "USER",
        "FIRST SEEN",
        "LAST SEEN",
    ]);
    for a in list {
        add_row(
            &mut t,
            vec![
                a.license_id.clone(),
                a.hwid.clone(),
                a.machine.clone().unwrap_or_default(),
                a.user.clone().unwrap_or_default(),
                rfc3339(a.first_seen),
                rfc3339(a.last_seen),
            ],
        );
    }
    format!("{t}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_in_tables() {
        assert!(matches!(printable("plain ✓"), Cow::Borrowed("plain ✓")));
        assert_eq!(printable("\u{1b}[2J\nrow"), "\\u{1b}[2J\\u{a}row");
        let activation = Activation {
            license_id: "lic_x".into(),
            hwid: "h\u{1b}[31m".into(),
            machine: Some("box\n│ forged │ row".into()),
            user: None,
            first_seen: 0,
            last_seen: 0,
        };
        let table = activations(&[activation], false);
        assert!(!table.contains('\u{1b}'), "{table}");
        assert!(table.contains("h\\u{1b}[31m"), "{table}");
        assert_eq!(table.lines().filter(|l| l.contains("forged")).count(), 1);
    }
}
