//! `keyctl license …`.

use clap::{Args, Subcommand};
use serde_json::{Map, Value};

use super::{done, emit, Env};
use crate::control::{Op, Reply};
use crate::error::{Error, Result};
use crate::license::IssueRequest;
use crate::output;
use crate::store::{LicenseRecord, LicenseStatus};
use crate::time::{parse_instant, DayEdge, Timestamp};

#[derive(Debug, Subcommand)]
pub enum LicenseCommand {
    /// Issue a license: prints its id, short key, JWT and signer secret
    Issue(Box<IssueArgs>),
    /// List licenses
    List(ListArgs),
    /// Show a license by id or short key
    Show(ShowArgs),
    /// Revoke a license for good
    Revoke {
        /// License id or short key
        license: String,
        /// Why (shown by verify and the server)
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Suspend a license until it is reinstated
    Suspend {
        /// License id or short key
        license: String,
        /// Why (shown by verify and the server)
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Lift a suspension
    Reinstate {
        /// License id or short key
        license: String,
    },
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// A product the license covers (repeatable)
    #[arg(long = "product", value_name = "ID", required_unless_present = "batch")]
    products: Vec<String>,
    /// Customer name, e-mail or id
    #[arg(long, required_unless_present = "batch", default_value = "")]
    licensee: String,
    /// Expiry: a duration (365d), a date (2027-12-31, end of day UTC) or RFC 3339 [default: never]
    #[arg(long, value_name = "WHEN")]
    expires: Option<String>,
    /// Start of validity: a duration, a date (start of day UTC) or RFC 3339
    #[arg(long, value_name = "WHEN")]
    not_before: Option<String>,
    /// Machines that may be activated, or -1 for unlimited [default: unlimited]
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    activations: Option<i64>,
    /// A host the product may run on; *.example.com for subdomains (repeatable)
    #[arg(long = "domain", value_name = "HOST")]
    domains: Vec<String>,
    /// An entitlement (repeatable)
    #[arg(long = "feature", value_name = "NAME")]
    features: Vec<String>,
    /// Vendor data, a JSON object
    #[arg(long, value_name = "JSON")]
    meta: Option<String>,
    #[command(flatten)]
    batch: super::batch::BatchIssueArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only licenses covering this product
    #[arg(long, value_name = "ID")]
    product: Option<String>,
    /// Only licenses in this standing
    #[arg(long, value_parser = ["active", "suspended", "revoked"])]
    status: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// License id or short key
    license: String,
    /// Print only the JWT
    #[arg(long, conflicts_with = "secret")]
    jwt: bool,
    /// Print only the signer secret
    #[arg(long)]
    secret: bool,
}

pub fn run(env: &Env, command: LicenseCommand) -> Result<i32> {
    match command {
        LicenseCommand::Issue(args) if args.batch.batch.is_some() => {
            return super::batch::issue(env, &args.batch)
        }
        LicenseCommand::Issue(args) => {
            let request = args.to_request(env.now)?;
            let record = license_reply(env.apply(Op::IssueLicense { request })?);
            emit(&output::license(&record, true, env.json))?;
        }
        LicenseCommand::List(args) => {
            let op = Op::ListLicenses {
                product: args.product,
                status: args.status.as_deref().map(parse_status),
            };
            let Reply::Licenses(list) = env.apply(op)? else {
                unreachable!("a license list")
            };
            emit(&output::licenses(&list, env.json))?;
        }
        LicenseCommand::Show(args) => {
            let record = license_reply(env.apply(Op::ShowLicense {
                license: args.license,
            })?);
            let text = if args.jwt {
                format!("{}\n", record.jwt)
            } else if args.secret {
                format!("{}\n", record.secret.expose())
            } else {
                output::license(&record, false, env.json)
            };
            emit(&text)?;
        }
        LicenseCommand::Revoke { license, reason } => {
            set_status(env, license, LicenseStatus::Revoked, reason)?
        }
        LicenseCommand::Suspend { license, reason } => {
            set_status(env, license, LicenseStatus::Suspended, reason)?
        }
        LicenseCommand::Reinstate { license } => {
            set_status(env, license, LicenseStatus::Active, None)?
        }
    }
    done()
}

fn set_status(
    env: &Env,
    license: String,
    status: LicenseStatus,
    reason: Option<String>,
) -> Result<()> {
    let record = license_reply(env.apply(Op::SetLicenseStatus {
        license,
        status,
        reason,
    })?);
    emit(&output::license(&record, false, env.json))
}

fn license_reply(reply: Reply) -> LicenseRecord {
    match reply {
        Reply::License(record) => record,
        other => unreachable!("a license op answered {other:?}"),
    }
}

fn parse_status(status: &str) -> LicenseStatus {
    match status {
        "suspended" => LicenseStatus::Suspended,
        "revoked" => LicenseStatus::Revoked,
        _ => LicenseStatus::Active,
    }
}

impl IssueArgs {
    fn to_request(&self, now: Timestamp) -> Result<IssueRequest> {
        let expires = self
            .expires
            .as_deref()
            .map(|t| parse_instant(t, now, DayEdge::End, "--expires"))
            .transpose()?;
        let not_before = self
            .not_before
            .as_deref()
            .map(|t| parse_instant(t, now, DayEdge::Start, "--not-before"))
            .transpose()?;
        Ok(IssueRequest {
            licensee: self.licensee.clone(),
            products: self.products.clone(),
            expires,
            not_before,
            max_activations: self.activations,
            domains: self.domains.clone(),
            features: self.features.clone(),
            meta: self.meta.as_deref().map(parse_meta).transpose()?,
            status: None,
        })
    }
}

/// `--meta` must be a JSON object.
pub(crate) fn parse_meta(text: &str) -> Result<Map<String, Value>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::invalid("--meta", "must be a JSON object")),
        Err(err) => Err(Error::invalid("--meta", format!("is not JSON ({err})"))),
    }
}
