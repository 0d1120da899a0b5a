//! The committed completions and man page must match what `keyctl` generates.
//! `KEYCTL_REGENERATE=1 cargo test --test main generated` rewrites them instead.

use std::path::Path;

use crate::common::*;

const REGENERATE: &str = "KEYCTL_REGENERATE=1 cargo test --test main generated";

/// Compares the output of `keyctl ARGS` with the committed file `path` (relative to the
/// crate root), or rewrites the file when `KEYCTL_REGENERATE=1`.
fn check(args: &[&str], path: &str) {
    let generated = Sandbox::new().run(args).success().to_owned();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("KEYCTL_REGENERATE").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        committed == generated,
        "{path} is missing or stale; run `{REGENERATE}`"
    );
}

#[test]
fn bash_completions() {
    check(&["completions", "bash"], "completions/keyctl.bash");
}

#[test]
fn zsh_completions() {
    check(&["completions", "zsh"], "completions/_keyctl");
}

#[test]
fn fish_completions() {
    check(&["completions", "fish"], "completions/keyctl.fish");
}

#[test]
fn powershell_completions() {
    check(&["completions", "powershell"], "completions/_keyctl.ps1");
}

#[test]
fn elvish_completions() {
    check(&["completions", "elvish"], "completions/keyctl.elv");
}

#[test]
fn man_page() {
    check(&["man"], "docs/keyctl.1");
}
