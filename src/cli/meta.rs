//! `keyctl completions` and `keyctl man`: generated from the one clap definition.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{done, emit, Cli};
use crate::error::{Error, Result};

/// Arguments of `keyctl completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    #[arg(value_enum)]
    shell: Shell,
}

pub fn completions(args: CompletionsArgs) -> Result<i32> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "keyctl", &mut out);
    emit(&String::from_utf8_lossy(&out))?;
    done()
}

pub fn man() -> Result<i32> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|source| Error::Stream {
            what: "man page",
            source,
        })?;
    emit(&String::from_utf8_lossy(&out))?;
    done()
}
