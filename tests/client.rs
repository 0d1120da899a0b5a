//! keyctl-core's `client` feature, a native product's online flow, against the real
//! `keyctl signer` and `keyctl serve` on loopback: the same outcomes as the JavaScript
//! package's `validateOnline`.

use std::time::{Duration, Instant};

use keyctl_core::client::{Check, Client};
use keyctl_core::keys::{PublicKey, TrustedKeys};

use crate::common::Sandbox;
use crate::net::Server;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A loopback port with nothing listening.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A `keyctl serve` over the sandbox's store and a `keyctl signer` holding `issued`'s secret.
struct Online {
    server: Server,
    signer: Server,
}

impl Online {
    fn start(sandbox: &Sandbox, issued: &crate::common::Issued) -> Online {
        let secret = sandbox.write("signer.secret", &issued.secret);
        Online {
            server: Server::serve(sandbox, &[]),
            signer: Server::start(
                sandbox,
                &["signer", "--secret-file", &secret, "--allow-no-origin"],
            ),
        }
    }

    fn signer_url(&self) -> String {
        format!("http://{}/v1/sign", self.signer.addr)
    }

    fn server_url(&self) -> String {
        format!("http://{}", self.server.addr)
    }
}

#[test]
fn the_native_client_validates_online_and_names_the_step_that_failed() {
    let sandbox = Sandbox::with_products();
    let issued = sandbox.issue_app(&[]);
    let pem = sandbox.run(["key", "export"]).stdout;
    let keys = TrustedKeys::new(PublicKey::parse_any(&pem, "vendor key").unwrap());
    let online = Online::start(&sandbox, &issued);
    let (signer_url, server_url) = (online.signer_url(), online.server_url());
    let client = Client::new(&signer_url, &server_url, Duration::from_secs(5));
    let check = |now: i64| Check {
        token: &issued.jwt,
        product: "app",
        domain: None,
        now,
        leeway: 60,
        keys: Some(&keys),
    };

    let valid = client.validate(&check(now()));
    assert_eq!(
        (valid.code.as_str(), valid.valid),
        ("valid", true),
        "{valid:?}"
    );
    assert_eq!(valid.license.as_ref().unwrap().jti, issued.id);
    assert_eq!(
        valid.server.as_ref().unwrap()["license_id"],
        issued.id.as_str()
    );

    // Local checks come first: nothing is sent for a product the license does not cover.
    let nowhere = Client::new(
        "http://127.0.0.1:1/",
        "http://127.0.0.1:1",
        Duration::from_secs(5),
    );
    let elsewhere = nowhere.validate(&Check {
        product: "web",
        ..check(now())
    });
    assert_eq!(elsewhere.code, "scope_mismatch");

    sandbox
        .run(["license", "revoke", &issued.id, "--reason", "refund"])
        .success();
    let revoked = client.validate(&check(now() + 1));
    assert_eq!(
        (
            revoked.valid,
            revoked.code.as_str(),
            revoked.error.as_deref()
        ),
        (false, "revoked", Some("the license is revoked (refund)"))
    );

    let port = closed_port();
    let started = Instant::now();
    let down_signer = Client::new(
        &format!("http://127.0.0.1:{port}/v1/sign"),
        &server_url,
        Duration::from_secs(5),
    );
    let down = down_signer.validate(&check(now() + 2));
    assert_eq!(down.code, "signer_unavailable", "{down:?}");
    assert!(down.error.unwrap().starts_with(&format!(
        "the signer at http://127.0.0.1:{port}/v1/sign did not answer: "
    )));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refused at once"
    );

    let down_server = Client::new(
        &signer_url,
        &format!("http://127.0.0.1:{port}"),
        Duration::from_secs(5),
    );
    assert_eq!(
        down_server.validate(&check(now() + 3)).code,
        "server_unavailable"
    );

    // A signer that does not serve this license refuses, and the client says so.
    let other_secret = sandbox.write("other.secret", r#"{"lic_other": "ks1_x"}"#);
    let picky = Server::start(
        &sandbox,
        &[
            "signer",
            "--secret-file",
            &other_secret,
            "--allow-no-origin",
        ],
    );
    let refused = Client::new(
        &format!("http://{}/v1/sign", picky.addr),
        &server_url,
        Duration::from_secs(5),
    )
    .validate(&check(now() + 4));
    assert_eq!(
        (refused.code.as_str(), refused.error.as_deref()),
        (
            "signer_refused",
            Some("the signer answered 403: this signer does not sign for that license")
        )
    );
}

/// `target/debug/examples/desktop`, which `cargo test` builds beside the test binary.
fn desktop_example() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/desktop")
}

#[test]
fn the_desktop_example_checks_offline_then_online() {
    let sandbox = Sandbox::with_products();
    let issued = sandbox.issue_app(&[]);
    let license = sandbox.write("license.jwt", &issued.jwt);
    let public = sandbox.path("vendor.pub.pem");
    sandbox.run(["key", "export", "--out", &public]).success();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(desktop_example())
            .args(args)
            .output()
            .expect("run the desktop example (built by cargo test)");
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (code, stdout) = run(&[&license, &public, "app"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.starts_with("offline: {\"code\":\"valid\""),
        "{stdout}"
    );
    let (code, stdout) = run(&[&license, &public, "web"]);
    assert_eq!(code, Some(7), "{stdout}");

    let online = Online::start(&sandbox, &issued);
    let (signer_url, server_url) = (online.signer_url(), online.server_url());
    let (code, stdout) = run(&[&license, &public, "app", &signer_url, &server_url]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("\nonline: {\"code\":\"valid\""), "{stdout}");
}
