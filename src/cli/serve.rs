//! `keyctl serve`.

use std::net::SocketAddr;

use clap::Args;

use super::sign::announce;
use super::Env;
use crate::error::Result;
use crate::serve::{self, ServeConfig};
use crate::time::parse_duration;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Allowed difference between a signed request's datetime and the server's clock
    #[arg(long, value_name = "DURATION", default_value = "300s")]
    max_skew: String,
    /// Tolerance for license expiry and not-before
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    leeway: String,
    /// Signed requests remembered against replay (about 60 bytes each)
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    replay_capacity: usize,
}

pub fn run(env: &Env, args: ServeArgs) -> Result<i32> {
    let config = ServeConfig {
        max_skew: parse_duration(&args.max_skew, "--max-skew")?,
        leeway: parse_duration(&args.leeway, "--leeway")?,
        replay_capacity: args.replay_capacity,
        ..ServeConfig::default()
    };
    let store = env.open_store()?;
    crate::http::init_logging();
    crate::http::block_on(async move {
        let listener = crate::http::bind(args.listen).await?;
        announce("serve", &listener);
        serve::run(store, listener, config, crate::http::shutdown_signal()).await?;
        Ok(0)
    })
}
