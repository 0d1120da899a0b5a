//! Revokes the licenses whose ids are read from a file, one per line, through the store's
//! rules (`Store::set_license_status`): how `benches/offline.sh` seeds a store of a million
//! licenses with 1% revoked, which 10 000 runs of `keyctl license revoke` would take minutes
//! of process start-ups to do.
//!
//! `cargo run --release --example revoke_ids -- STORE_DIR IDS_FILE`

use keyctl::store::{LicenseStatus, Location, Store};

fn main() -> keyctl::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(store), Some(ids)) = (args.next(), args.next()) else {
        eprintln!("usage: revoke_ids STORE_DIR IDS_FILE");
        std::process::exit(2);
    };
    let store = Store::open(&Location::parse(&store))?;
    let ids = std::fs::read_to_string(&ids).map_err(|e| keyctl::Error::io(&ids, e))?;
    let mut revoked = 0u64;
    for id in ids.lines().filter(|line| !line.trim().is_empty()) {
        store.set_license_status(id.trim(), LicenseStatus::Revoked, Some("bench"))?;
        revoked += 1;
    }
    println!("revoked {revoked} licenses");
    Ok(())
}
