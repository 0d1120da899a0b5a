//! `keyctl status-list …`: the signed list of license standings that products check offline.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use super::{done, emit, Env};
use crate::control::{Op, Reply};
use crate::error::Result;
use crate::time::parse_duration;
use crate::{files, output};

#[derive(Debug, Subcommand)]
pub enum StatusListCommand {
    /// Sign the current status list (a statuslist+jwt) and print it or write it to a file
    Publish(PublishArgs),
    /// Show the URI licenses issued from now on refer to, or set it
    Uri {
        /// The new URI (an https:// URL, or a path on the server)
        #[arg(value_name = "URL")]
        uri: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// How long the list is valid: products refuse it afterwards (status_unknown)
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    ttl: String,
    /// Write the list to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Overwrite FILE if it exists
    #[arg(long, requires = "out")]
    force: bool,
}

pub fn run(env: &Env, command: StatusListCommand) -> Result<i32> {
    match command {
        StatusListCommand::Publish(args) => {
            let ttl = parse_duration(&args.ttl, "--ttl")?;
            let Reply::StatusList(token) = env.apply(Op::PublishStatusList { ttl })? else {
                unreachable!("a status list")
            };
            if let Some(path) = &args.out {
                // Public: it says only which indexes are revoked or suspended.
                files::write_file(path, format!("{token}\n").as_bytes(), 0o644, args.force)?;
            }
            let text = match (&args.out, env.json) {
                (Some(path), true) => output::to_json(&json!({
                    "out": path.display().to_string(),
                    "bytes": token.len(),
                })),
                (None, true) => output::to_json(&json!({ "status_list": token })),
                (Some(path), false) => format!(
                    "wrote the status list ({} bytes) to {}\n",
                    token.len(),
                    path.display()
                ),
                (None, false) => format!("{token}\n"),
            };
            emit(&text)?;
        }
        StatusListCommand::Uri { uri } => {
            let Reply::StatusUri(uri) = env.apply(Op::StatusUri { uri })? else {
                unreachable!("a status list URI")
            };
            if env.json {
                emit(&output::to_json(&json!({ "uri": uri })))?;
            } else {
                emit(&format!("{uri}\n"))?;
            }
        }
    }
    done()
}
