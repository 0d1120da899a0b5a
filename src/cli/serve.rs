//! `keyctl serve`.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::sign::announce;
use super::Env;
use crate::error::Result;
use crate::http;
use crate::serve::{self, CompatToken, ServeConfig};
use crate::time::parse_duration;

fn seconds(text: &str, what: &str) -> Result<Duration> {
    Ok(Duration::from_secs(
        parse_duration(text, what)?.max(1) as u64
    ))
}

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
    /// Signed requests remembered against replay (50-70 bytes each; sustains about N / max-skew validations/s)
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    replay_capacity: usize,
    /// Signed requests of one license remembered against replay: its share of the cache
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    replay_per_license: usize,
    /// The most machines an unlimited license may activate
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    unlimited_cap: u64,
    /// What /api/activate and /api/check accept as `token`
    #[arg(long, value_enum, value_name = "KIND", default_value = "key")]
    compat_token: CompatTokenArg,
    /// A client must send its request head within this time
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    header_timeout: String,
    /// A request (body included) must be handled within this time
    #[arg(long, value_name = "DURATION", default_value = "15s")]
    request_timeout: String,
    /// The most connections to a PostgreSQL store this server holds
    #[arg(long, value_name = "N", default_value_t = crate::store::DEFAULT_POOL_SIZE, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pool_size: u16,
    /// Life of the machine files /v1/activate and /v1/machines/checkout sign (1h to 365d),
    /// unless the request asks for another
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    machine_ttl: String,
    /// Life of the status list GET /v1/status-list signs (1m to 366d)
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    status_list_ttl: String,
}

/// `DURATION` in seconds, within `min..=max` seconds.
fn bounded(text: &str, what: &str, min: i64, max: i64) -> Result<i64> {
    let seconds = parse_duration(text, what)?;
    if !(min..=max).contains(&seconds) {
        return Err(crate::Error::invalid(
            what,
            format!("{seconds} s is not between {min} s and {max} s"),
        ));
    }
    Ok(seconds)
}

/// `--compat-token`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum CompatTokenArg {
    /// Only the short key, the licensee's secret token (as the older key server)
    Key,
    /// Also the JWT or the license id: weaker, since anyone who has seen a license knows both
    Jwt,
}

pub fn run(env: &Env, args: ServeArgs) -> Result<i32> {
    let config = ServeConfig {
        max_skew: parse_duration(&args.max_skew, "--max-skew")?,
        leeway: parse_duration(&args.leeway, "--leeway")?,
        replay_capacity: args.replay_capacity,
        replay_per_license: args.replay_per_license,
        unlimited_cap: args.unlimited_cap,
        compat_token: match args.compat_token {
            CompatTokenArg::Key => CompatToken::Key,
            CompatTokenArg::Jwt => CompatToken::Jwt,
        },
        limits: http::Limits {
            header_read_timeout: seconds(&args.header_timeout, "--header-timeout")?,
            request_timeout: seconds(&args.request_timeout, "--request-timeout")?,
            ..http::Limits::default()
        },
        machine_ttl: bounded(
            &args.machine_ttl,
            "--machine-ttl",
            keyctl_core::machine::MIN_TTL,
            keyctl_core::machine::MAX_TTL,
        )?,
        status_list_ttl: bounded(
            &args.status_list_ttl,
            "--status-list-ttl",
            keyctl_core::status_list::MIN_TTL,
            keyctl_core::status_list::MAX_TTL,
        )?,
        ..ServeConfig::default()
    };
    let store = env.open_store_for_server(usize::from(args.pool_size))?;
    super::keys::unlock_for_server(&store)?;
    http::init_logging();
    let state = std::sync::Arc::new(serve::AppState::new(store, config)?);
    http::block_on(async move {
        let listener = http::bind(args.listen).await?;
        let ready = |listener: &tokio::net::TcpListener| announce("serve", listener);
        serve::run(state, listener, ready, http::shutdown_signal()).await?;
        Ok(0)
    })
}
