//! Any text as a machine file, a status list, a request code or a clock state: a verdict or
//! an error, never a panic (and never an allocation past the status list's 16 MiB bound).
#![no_main]

use keyctl_core::clock::ClockState;
use keyctl_core::keys::{KeyPair, TrustedKeys};
use keyctl_core::machine::MachineContext;
use keyctl_core::offline::{verify_machine, Evidence};
use keyctl_core::request_code::MachineRequest;
use keyctl_core::status_list::{self, StatusList};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let now = 1_795_000_000;
    let keys = TrustedKeys::new(vec![KeyPair::from_seed(&[7; 32]).public()]);
    let _ = StatusList::decode(text);
    let list = status_list::verify(text, &keys, now);
    let state = ClockState::from_json(text, "state").ok();
    let _ = MachineRequest::decode(text);
    let ctx = MachineContext { hwid: "00:1a:2b:3c:4d:5e", product: "app", nonce: Some("n"), now, leeway: 60 };
    let evidence = Evidence { status_list: Some(&list), clock: state.as_ref() };
    let _ = verify_machine(text, &keys, &ctx, &evidence);
});
