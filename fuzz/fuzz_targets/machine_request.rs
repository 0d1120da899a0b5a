//! Any license and machine-request fields: signing and checking a machine request (the
//! signature covers the route and the fields) answer, never panic.
#![no_main]

use keyctl::signer::{
    sign_machine_request, verify_machine_request, MachineRequest, MachineRoute, Scheme,
    SignedRequest,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(7, '\u{1f}');
    let mut next = || parts.next().unwrap_or("");
    let (license, datetime, signature) = (next(), next(), next());
    let (product, hwid, machine, user) = (next(), next(), next(), next());
    for route in [MachineRoute::Activate, MachineRoute::Deactivate] {
        let covers = MachineRequest {
            route,
            product,
            hwid,
            machine: Some(machine).filter(|m| !m.is_empty()),
            user: Some(user).filter(|u| !u.is_empty()),
            domain: None,
        };
        let _ = covers.signed_text();
        let _ = sign_machine_request("ks1_secret", datetime, license, &covers);
        let request = SignedRequest { scheme: Scheme::Keyctl1, license, datetime, signature };
        let _ = verify_machine_request(&request, &covers, 1_795_425_300, 300, |_| Some("ks1_secret"));
    }
});
