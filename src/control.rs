//! Store commands as data, so that they run the same way in the CLI and inside a running
//! `keyctl serve`.
//!
//! While `serve` holds the store's lock, the CLI sends an [`Op`] as one JSON line over the
//! Unix socket `keyctl.sock` in the store directory (mode 0600, in a 0700 directory: only
//! the same OS user reaches it); the server runs [`execute`] on its open store and answers
//! with one JSON line: `{"ok": Reply}` or `{"error": {"message", "exit_code", "hint"}}`.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::license::{IssueRequest, Issuer};
use crate::store::{
    Activation, KeyRecord, LicenseFilter, LicenseRecord, LicenseStatus, Location, OpenOptions,
    Product, Store,
};
use crate::time::Timestamp;

/// File name of the control socket inside the store directory.
pub const SOCKET_NAME: &str = "keyctl.sock";
/// The longest request line the server accepts.
pub const MAX_LINE: usize = 256 * 1024;
/// The longest reply the CLI accepts (a listing of many licenses).
const MAX_REPLY: u64 = 1024 * 1024 * 1024;

/// A store command that may need to run inside a server holding the store.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// `license issue`.
    IssueLicense { request: IssueRequest },
    /// `license revoke|suspend|reinstate`.
    SetLicenseStatus {
        license: String,
        status: LicenseStatus,
        reason: Option<String>,
    },
    /// `product add`.
    AddProduct {
        id: String,
        name: String,
        support_message: Option<String>,
    },
    /// `key rotate`.
    RotateKey { kid: Option<String> },
    /// `key retire`.
    RetireKey { kid: String },
    /// `activation remove`.
    RemoveActivation { license: String, hwid: String },
    /// `license list`.
    ListLicenses {
        product: Option<String>,
        status: Option<LicenseStatus>,
    },
    /// `license show`.
    ShowLicense { license: String },
    /// `product list`.
    ListProducts,
    /// `product show`.
    ShowProduct { id: String },
    /// `key list`.
    ListKeys,
    /// `activation list`.
    ListActivations { license: Option<String> },
    /// `machine checkout`.
    MachineCheckout(crate::offline::Checkout),
    /// `machine grant`.
    MachineGrant { code: String, ttl: i64 },
    /// `status-list publish`.
    PublishStatusList { ttl: i64 },
    /// `status-list uri`: shows the URI, after setting it when given.
    StatusUri { uri: Option<String> },
}

impl Op {
    /// Whether the op changes which keys are trusted (a server reloads them).
    pub fn changes_keys(&self) -> bool {
        matches!(self, Op::RotateKey { .. } | Op::RetireKey { .. })
    }

    /// Whether the op needs the private signing keys (to sign, or to seal a new key), so
    /// the store must be unlocked when its keys are encrypted.
    pub fn needs_private_keys(&self) -> bool {
        matches!(
            self,
            Op::IssueLicense { .. }
                | Op::RotateKey { kid: None }
                | Op::MachineCheckout(_)
                | Op::MachineGrant { .. }
                | Op::PublishStatusList { .. }
        )
    }

    /// Whether the op may change what the status list says (a server re-signs its list).
    pub fn changes_statuses(&self) -> bool {
        matches!(
            self,
            Op::SetLicenseStatus { .. }
                | Op::IssueLicense { .. }
                | Op::StatusUri { uri: Some(_) }
                | Op::RotateKey { .. }
                | Op::RetireKey { .. }
        )
    }
}

/// What an [`Op`] produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// A license (with its secret, for `issue`).
    License(LicenseRecord),
    /// A product.
    Product(Product),
    /// A key.
    Key(KeyRecord),
    /// Whether an activation was removed.
    Removed(bool),
    /// Licenses.
    Licenses(Vec<LicenseRecord>),
    /// Products.
    Products(Vec<Product>),
    /// Keys.
    Keys(Vec<KeyRecord>),
    /// Activations.
    Activations(Vec<Activation>),
    /// A machine file, and its claims.
    MachineFile {
        jwt: String,
        claims: Box<keyctl_core::machine::MachineClaims>,
    },
    /// A signed status list.
    StatusList(String),
    /// The status list's URI.
    StatusUri(String),
}

impl Reply {
    fn machine_file(file: keyctl_core::machine::MachineFile) -> Reply {
        Reply::MachineFile {
            jwt: file.jwt,
            claims: Box::new(file.claims),
        }
    }
}

/// Runs `op` on an open store. Every change is flushed before this returns.
pub fn execute(store: &Store, op: Op, now: Timestamp) -> Result<Reply> {
    match op {
        Op::IssueLicense { request } => issue_license(store, &request, now).map(Reply::License),
        Op::SetLicenseStatus {
            license,
            status,
            reason,
        } => store
            .set_license_status(&license, status, reason.as_deref())
            .map(Reply::License),
        Op::AddProduct {
            id,
            name,
            support_message,
        } => store
            .add_product(&id, &name, support_message.as_deref(), now)
            .map(Reply::Product),
        Op::RotateKey { kid } => store.rotate(kid.as_deref(), now).map(Reply::Key),
        Op::RetireKey { kid } => store.retire(&kid, now).map(Reply::Key),
        Op::RemoveActivation { license, hwid } => {
            let record = store.find_license(&license)?;
            store
                .remove_activation(&record.id, &hwid)
                .map(Reply::Removed)
        }
        Op::ListLicenses { product, status } => store
            .licenses(&LicenseFilter { product, status })
            .map(Reply::Licenses),
        Op::ShowLicense { license } => store.find_license(&license).map(Reply::License),
        Op::ListProducts => store.products().map(Reply::Products),
        Op::ShowProduct { id } => match store.product(&id)? {
            Some(product) => Ok(Reply::Product(product)),
            None => Err(Error::NotFound {
                kind: "product",
                id,
            }),
        },
        Op::ListKeys => store.keys().map(Reply::Keys),
        Op::ListActivations { license } => {
            let id = license
                .map(|l| store.find_license(&l))
                .transpose()?
                .map(|r| r.id);
            store.activations(id.as_deref()).map(Reply::Activations)
        }
        Op::MachineCheckout(checkout) => {
            crate::offline::checkout(store, &checkout, now).map(Reply::machine_file)
        }
        Op::MachineGrant { code, ttl } => {
            crate::offline::grant(store, &code, ttl, now).map(Reply::machine_file)
        }
        Op::PublishStatusList { ttl } => {
            crate::offline::publish_status_list(store, now, ttl).map(Reply::StatusList)
        }
        Op::StatusUri { uri } => {
            if let Some(uri) = uri {
                store.set_status_uri(&uri)?;
            }
            store.status_uri().map(Reply::StatusUri)
        }
    }
}

/// Issues one license with the store's active key and records it.
pub fn issue_license(
    store: &Store,
    request: &IssueRequest,
    now: Timestamp,
) -> Result<LicenseRecord> {
    for product in &request.products {
        if store.product_by_id(product)?.is_none() {
            return Err(Error::NotFound {
                kind: "product",
                id: product.clone(),
            });
        }
    }
    let issuer = Issuer::new(&store.issuer()?, &store.active_key()?);
    let millis = chrono::Utc::now().timestamp_millis().max(0) as u64;
    let request = IssueRequest {
        status: Some(store.reserve_status(1)?.reference(0)),
        ..request.clone()
    };
    let issued = issuer.issue(&request, now, millis)?;
    let record = LicenseRecord::from_issued(&issued);
    store.insert_license(&record)?;
    Ok(record)
}

/// Runs `op` on the store at `path`: directly, after `unlock` when the op needs the private
/// keys, or through the running server that holds it (which has its own keys unlocked).
pub fn apply(
    location: &Location,
    op: Op,
    now: Timestamp,
    unlock: &dyn Fn(&Store) -> Result<()>,
) -> Result<Reply> {
    match Store::open(location) {
        Ok(store) => {
            if op.needs_private_keys() {
                unlock(&store)?;
            }
            execute(&store, op, now)
        }
        Err(Error::StoreInUse { path }) => match UnixStream::connect(path.join(SOCKET_NAME)) {
            Ok(stream) => send(stream, &op),
            Err(_) => Err(Error::StoreInUse { path }),
        },
        Err(err) => Err(err),
    }
}

/// Opens the store with `options` for a command that cannot go through a running server,
/// saying so exactly when one holds the store. A database store is never held: every
/// process opens it directly, and the database coordinates them.
pub fn open_directly(location: &Location, options: &OpenOptions) -> Result<Store> {
    match Store::open_with(location, options) {
        Err(Error::StoreInUse { path }) if UnixStream::connect(path.join(SOCKET_NAME)).is_ok() => {
            Err(Error::HeldByServer {
                path,
                hint: "stop that keyctl serve to run this command",
            })
        }
        other => other,
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Answer {
    Ok(Box<Reply>),
    Error {
        message: String,
        exit_code: i32,
        hint: Option<String>,
    },
}

fn send(mut stream: UnixStream, op: &Op) -> Result<Reply> {
    let broken = |e: std::io::Error| Error::Stream {
        what: "the running keyctl serve",
        source: e,
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(broken)?;
    let mut line = serde_json::to_vec(op).expect("ops serialize");
    line.push(b'\n');
    stream.write_all(&line).map_err(broken)?;
    let mut reply = String::new();
    BufReader::new(stream.take(MAX_REPLY))
        .read_line(&mut reply)
        .map_err(broken)?;
    match serde_json::from_str::<Answer>(&reply) {
        Ok(Answer::Ok(reply)) => Ok(*reply),
        Ok(Answer::Error {
            message,
            exit_code,
            hint,
        }) => Err(Error::Remote {
            message,
            exit_code,
            hint,
        }),
        Err(_) => Err(Error::Store(
            "the running keyctl serve sent an unreadable answer".into(),
        )),
    }
}

/// Answers one control request line: the server side of [`apply`].
pub fn answer(store: &Store, request: &[u8], now: Timestamp) -> (Vec<u8>, Option<Op>) {
    let (answer, op) = match serde_json::from_slice::<Op>(request) {
        Ok(op) => {
            let answer = match execute(store, op.clone(), now) {
                Ok(reply) => Answer::Ok(Box::new(reply)),
                Err(err) => Answer::Error {
                    message: err.to_string(),
                    exit_code: err.exit_code(),
                    hint: err.hint(),
                },
            };
            (answer, Some(op))
        }
        Err(_) => (
            Answer::Error {
                message: "unreadable control request".into(),
                exit_code: 2,
                hint: None,
            },
            None,
        ),
    };
    let mut line = serde_json::to_vec(&answer).expect("answers serialize");
    line.push(b'\n');
    (line, op)
}
