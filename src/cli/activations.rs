//! `keyctl activation …`.

use clap::Subcommand;

use super::{done, emit, Env};
use crate::control::{Op, Reply};
use crate::error::{Error, Result};
use crate::output;

#[derive(Debug, Subcommand)]
pub enum ActivationCommand {
    /// List activated machines
    List {
        /// Only this license (id or short key)
        #[arg(long, value_name = "LICENSE")]
        license: Option<String>,
    },
    /// Free a machine's seat
    Remove {
        /// License id or short key
        license: String,
        /// The machine's hardware id
        hwid: String,
    },
}

pub fn run(env: &Env, command: ActivationCommand) -> Result<i32> {
    match command {
        ActivationCommand::List { license } => {
            let Reply::Activations(list) = env.apply(Op::ListActivations { license })? else {
                unreachable!("an activation list")
            };
            emit(&output::activations(&list, env.json))?;
        }
        ActivationCommand::Remove { license, hwid } => {
            let reply = env.apply(Op::RemoveActivation {
                license: license.clone(),
                hwid: hwid.clone(),
            })?;
            if !matches!(reply, Reply::Removed(true)) {
                return Err(Error::NotFound {
                    kind: "activation",
                    id: format!("{hwid} of license {license}"),
                });
            }
            if env.json {
                emit(&output::to_json(
                    &serde_json::json!({"removed": true, "license": license, "hwid": hwid}),
                ))?;
            } else {
                emit(&format!("removed activation {hwid} of license {license}\n"))?;
            }
        }
    }
    done()
}
