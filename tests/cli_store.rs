//! `keyctl init` and how every command treats a missing, foreign, busy or newer store.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use crate::common::*;

const MISSING_HINT: &str =
    "hint: run `keyctl init` first, or point --store / KEYCTL_STORE at an existing store\n";

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

#[test]
fn init_creates_a_private_store_with_an_active_key() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(["init", "--issuer", ISSUER]);
    let keys = sandbox.run(["key", "list", "--json"]).json();
    let kid = keys[0]["kid"].as_str().unwrap();
    out.expect(
        0,
        &format!(
            "created store {} (issuer {ISSUER}, active key {kid})\n",
            sandbox.store_str()
        ),
        "",
    );
    assert_eq!(mode(&sandbox.store()), 0o700);
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert_eq!(keys[0]["status"], "active");
}

#[test]
fn init_tightens_an_existing_empty_directory() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.store()).unwrap();
    std::fs::set_permissions(sandbox.store(), std::fs::Permissions::from_mode(0o755)).unwrap();
    sandbox.init();
    assert_eq!(mode(&sandbox.store()), 0o700);
}

#[test]
fn init_json_reports_the_store() {
    let sandbox = Sandbox::new();
    let first = sandbox.run(["init", "--issuer", ISSUER, "--json"]).json();
    let kid = first["kid"].as_str().unwrap();
    assert_eq!(
        first,
        serde_json::json!({"store": sandbox.store_str(), "created": true, "encrypted": false, "issuer": ISSUER, "kid": kid})
    );
    let again = sandbox.run(["init", "--json"]).json();
    assert_eq!(
        again,
        serde_json::json!({"store": sandbox.store_str(), "created": false, "encrypted": false, "issuer": ISSUER, "kid": kid})
    );
}

#[test]
fn init_again_changes_nothing() {
    let sandbox = Sandbox::new();
    let kid = sandbox.init();
    sandbox.run(["init", "--issuer", "Someone Else"]).expect(
        0,
        &format!(
            "store {} exists already; nothing changed\n",
            sandbox.store_str()
        ),
        "keyctl: warning: the store's issuer stays \"Acme Corp\"; --issuer \"Someone Else\" applies only to a new store\n",
    );
    let keys = sandbox.run(["key", "list", "--json"]).json();
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert_eq!(keys[0]["kid"], kid.as_str());
    sandbox.add_product("app");
    let issued = sandbox.issue_app(&[]);
    assert_eq!(jwt_part(&issued.jwt, 1)["iss"], ISSUER);
}

#[test]
fn the_store_is_found_by_flag_env_or_default() {
    let sandbox = Sandbox::new();
    let created = |dir: &std::path::Path, out: Run| {
        let kid = sandbox
            .run([
                "--store",
                &dir.display().to_string(),
                "key",
                "list",
                "--json",
            ])
            .json()[0]["kid"]
            .as_str()
            .unwrap()
            .to_owned();
        let line = format!(
            "created store {} (issuer keyctl, active key {kid})\n",
            dir.display()
        );
        out.expect(0, &line, "");
    };
    let flag = sandbox.root().join("flag");
    created(
        &flag,
        sandbox.run(["--store", &flag.display().to_string(), "init"]),
    );
    assert!(!sandbox.store().exists(), "--store wins over KEYCTL_STORE");

    let home = sandbox.root().join(".local/share/keyctl");
    created(
        &home,
        Run::of(sandbox.keyctl().env_remove("KEYCTL_STORE").arg("init")),
    );

    let xdg = sandbox.root().join("xdg");
    let out = Run::of(
        sandbox
            .keyctl()
            .env_remove("KEYCTL_STORE")
            .env("XDG_DATA_HOME", &xdg)
            .arg("init"),
    );
    created(&xdg.join("keyctl"), out);
}

#[test]
fn every_command_needs_an_existing_store() {
    let sandbox = Sandbox::new();
    let commands: &[&[&str]] = &[
        &["key", "list"],
        &["key", "generate"],
        &["key", "rotate"],
        &["key", "retire", "kid"],
        &["key", "import", &fixture("vendor.key.pem")],
        &["key", "export"],
        &["product", "add", "app", "--name", "App"],
        &["product", "list"],
        &["product", "show", "app"],
        &ISSUE_APP,
        &["license", "list"],
        &["license", "show", "lic_x"],
        &["license", "revoke", "lic_x"],
        &["license", "suspend", "lic_x"],
        &["license", "reinstate", "lic_x"],
        &["verify", "token", "--product", "app"],
    ];
    let expected = format!(
        "keyctl: error: no keyctl store at {}\n{MISSING_HINT}",
        sandbox.store_str()
    );
    for args in commands {
        let out = sandbox.run(*args);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (1, "", expected.as_str()),
            "keyctl {args:?}"
        );
    }
    assert!(
        !sandbox.store().exists(),
        "a failed command must not create the store"
    );
}

#[test]
fn a_directory_that_is_not_a_store_is_refused() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.store()).unwrap();
    sandbox.write("store/notes.txt", "mine");
    let message = format!("{} is not a keyctl store", sandbox.store_str());
    sandbox.run(["init"]).error(1, &message);
    sandbox.run(["key", "list"]).error(1, &message);
    let entries: Vec<_> = std::fs::read_dir(sandbox.store())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["notes.txt"], "the directory must be left alone");
}

#[test]
fn a_store_in_use_is_a_one_line_error() {
    let sandbox = Sandbox::with_products();
    let jwt = sandbox.issue_app(&[]).jwt;
    // `verify` opens the store, then waits for the license on stdin: it holds the lock
    // for as long as we keep the pipe open.
    let mut holder = sandbox
        .command()
        .args(["verify", "--product", "app"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn keyctl verify");
    wait_for_lock(holder.id());

    sandbox.run(["key", "list"]).fails(
        1,
        &format!(
            "keyctl: error: store {} is in use by another keyctl process\n\
             hint: stop the other keyctl process (a running `keyctl serve`?), or wait for it to finish\n",
            sandbox.store_str()
        ),
    );

    holder
        .stdin
        .take()
        .unwrap()
        .write_all(jwt.as_bytes())
        .unwrap();
    let output = holder.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        (
            output.status.code(),
            String::from_utf8(output.stderr).unwrap().as_str()
        ),
        (Some(0), "")
    );
    assert!(stdout.starts_with("valid: lic_"), "{stdout}");
}

/// Polls `/proc/locks` until process `pid` holds a lock (it took the store's lock file).
fn wait_for_lock(pid: u32) {
    let pid = pid.to_string();
    for _ in 0..3000 {
        let locks = std::fs::read_to_string("/proc/locks").expect("/proc/locks");
        if locks
            .lines()
            .any(|line| line.split_whitespace().nth(4) == Some(pid.as_str()))
        {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("keyctl (pid {pid}) never locked the store");
}

/// Rewrites the store's `schema_version` behind keyctl's back (`None` removes it).
fn set_schema_version(sandbox: &Sandbox, version: Option<&str>) {
    let db = sled::open(sandbox.store().join("db")).expect("open the store's sled db");
    let meta = db.open_tree("meta").unwrap();
    match version {
        Some(version) => meta.insert("schema_version", version.as_bytes()).map(drop),
        None => meta.remove("schema_version").map(drop),
    }
    .unwrap();
    db.flush().unwrap();
}

#[test]
fn a_store_of_another_schema_version_is_refused() {
    let sandbox = Sandbox::new();
    sandbox.init();
    set_schema_version(&sandbox, Some("99"));
    sandbox
        .run(["key", "list"])
        .fails(1, &schema_version_refused(&sandbox, "99"));
}

/// What a command says of the sandbox's store at layout `version`, which it does not read.
fn schema_version_refused(sandbox: &Sandbox, version: &str) -> String {
    format!(
        "keyctl: error: store {} has schema version {version}; this keyctl reads version 1\n\
         hint: use the keyctl release that wrote this store\n",
        sandbox.store_str()
    )
}

#[test]
fn a_store_whose_init_never_finished_is_not_a_store() {
    let sandbox = Sandbox::new();
    sandbox.init();
    set_schema_version(&sandbox, None);
    sandbox
        .run(["key", "list"])
        .error(1, &format!("{} is not a keyctl store", sandbox.store_str()));
}

#[test]
fn every_store_file_is_0600_and_every_directory_0700_whatever_the_umask() {
    let sandbox = Sandbox::new();
    sandbox
        .run_with_umask("022", &["init", "--issuer", ISSUER])
        .success();
    sandbox
        .run_with_umask("000", &["product", "add", "app", "--name", "App"])
        .success();
    sandbox.run_with_umask("022", &ISSUE_APP).success();
    assert!(
        sandbox.store().join("db/db").is_file(),
        "the walk sees sled's files"
    );
    assert_private(&sandbox.store());
}

#[test]
fn a_store_writable_by_group_or_others_is_refused() {
    let sandbox = Sandbox::with_products();
    let refused = |mode: u32| {
        format!(
            "keyctl: error: store {0} is writable by group or others (mode {mode:04o})\n\
             hint: run `chmod 700 {0}` if nobody else could have changed its contents\n",
            sandbox.store_str()
        )
    };
    for mode in [0o770, 0o702] {
        std::fs::set_permissions(sandbox.store(), std::fs::Permissions::from_mode(mode)).unwrap();
        sandbox.run(["key", "list"]).fails(1, &refused(mode));
        sandbox.run(ISSUE_APP).fails(1, &refused(mode));
        sandbox.run(["init"]).fails(1, &refused(mode));
    }
    std::fs::set_permissions(sandbox.store(), std::fs::Permissions::from_mode(0o700)).unwrap();
    sandbox.run(["key", "list"]).success();

    // An empty directory that others may write to is not adopted either.
    let empty = Sandbox::new();
    std::fs::create_dir(empty.store()).unwrap();
    std::fs::set_permissions(empty.store(), std::fs::Permissions::from_mode(0o777)).unwrap();
    empty.run(["init"]).fails(
        1,
        &format!(
            "keyctl: error: store {0} is writable by group or others (mode 0777)\n\
             hint: run `chmod 700 {0}` if nobody else could have changed its contents\n",
            empty.store_str()
        ),
    );
    assert_eq!(
        mode(&empty.store()),
        0o777,
        "a refused directory is left alone"
    );
    assert_eq!(std::fs::read_dir(empty.store()).unwrap().count(), 0);
}

#[test]
fn a_store_owned_by_another_user_is_refused() {
    // Only root can give a directory away. CI runs as root; as any other user this test
    // checks the refusal it can still provoke, a directory others may write to.
    if !rustix::process::geteuid().is_root() {
        let sandbox = Sandbox::new();
        sandbox.init();
        std::fs::set_permissions(sandbox.store(), std::fs::Permissions::from_mode(0o777)).unwrap();
        sandbox
            .run(["key", "list"])
            .error_starting(1, &format!("store {} is writable", sandbox.store_str()));
        return;
    }
    let nobody = 65534;
    let refused = |sandbox: &Sandbox| {
        format!(
            "keyctl: error: store {} is owned by uid {nobody}, not by the current user (uid 0)\n\
             hint: use a store directory you own, or have its owner (or root) `chown -R` it to you\n",
            sandbox.store_str()
        )
    };
    let empty = Sandbox::new();
    std::fs::create_dir(empty.store()).unwrap();
    std::os::unix::fs::chown(empty.store(), Some(nobody), None).unwrap();
    empty.run(["init"]).fails(1, &refused(&empty));
    assert_eq!(std::fs::read_dir(empty.store()).unwrap().count(), 0);

    let store = Sandbox::with_products();
    std::os::unix::fs::chown(store.store(), Some(nobody), None).unwrap();
    store.run(["key", "list"]).fails(1, &refused(&store));
    store.run(ISSUE_APP).fails(1, &refused(&store));
    store.run(["init"]).fails(1, &refused(&store));
}

#[test]
fn a_store_path_that_is_a_file_is_refused_with_a_hint_that_helps() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("store", "not a directory");
    let refused = format!(
        "keyctl: error: store {file} is not a directory\n\
         hint: point --store / KEYCTL_STORE at a store directory, or at a new path for `keyctl init` to create\n"
    );
    for args in [&["key", "list"][..], &["init"], &ISSUE_APP] {
        sandbox.run(args).fails(1, &refused);
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a directory");
}

#[test]
fn a_removed_lock_file_still_says_who_holds_the_store() {
    let sandbox = Sandbox::with_products();
    let in_use = format!(
        "keyctl: error: store {} is in use by another keyctl process\n\
         hint: stop the other keyctl process (a running `keyctl serve`?), or wait for it to finish\n",
        sandbox.store_str()
    );
    // A command holding the store (see a_store_in_use_is_a_one_line_error), its lock file
    // then removed: the next command makes a new lock file, and sled's own lock stops it.
    let mut holder = sandbox
        .command()
        .args(["verify", "--product", "app"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn keyctl verify");
    wait_for_lock(holder.id());
    std::fs::remove_file(sandbox.store().join("keyctl.lock")).unwrap();
    sandbox.run(["key", "list"]).fails(1, &in_use);
    sandbox.run(["init"]).fails(1, &in_use);
    drop(holder.stdin.take());
    holder.wait().unwrap();

    // Under a running server, commands that it carries out still go through its socket.
    let server = crate::net::Server::serve(&sandbox, &[]);
    // An answer over HTTP means the control socket is bound: it starts first.
    server.get("/healthz");
    std::fs::remove_file(sandbox.store().join("keyctl.lock")).unwrap();
    assert_eq!(sandbox.key_count(), 1);
    sandbox.run(["key", "generate"]).fails(
        1,
        &format!(
            "keyctl: error: store {} is held by a running keyctl serve, which does not carry out this command\n\
             hint: stop that keyctl serve to run this command\n",
            sandbox.store_str()
        ),
    );
    server.stop("-TERM");
    sandbox.run(["key", "generate"]).success();
    assert!(sandbox.store().join("keyctl.lock").is_file());
}

#[test]
fn store_migrate_on_a_sled_store_says_there_is_nothing_to_migrate_and_changes_nothing() {
    let sandbox = Sandbox::new();
    let missing = sandbox.run(["store", "migrate"]);
    missing.fails(
        1,
        &format!(
            "keyctl: error: no keyctl store at {}\n{MISSING_HINT}",
            sandbox.store_str()
        ),
    );
    sandbox.init();
    let listed = sandbox.run(["key", "list", "--json"]).json();
    sandbox.run(["store", "migrate"]).expect(
        0,
        &format!(
            "store {} is at schema version 1; nothing to migrate (a sled store is read as it \
             is; only PostgreSQL stores are migrated)\n",
            sandbox.store_str()
        ),
        "",
    );
    assert_eq!(
        sandbox.run(["store", "migrate", "--json"]).json(),
        serde_json::json!({
            "store": sandbox.store_str(),
            "schema_version_before": 1,
            "schema_version": 1,
        })
    );
    assert_eq!(sandbox.run(["key", "list", "--json"]).json(), listed);
    // A layout this keyctl does not read is refused, not migrated.
    set_schema_version(&sandbox, Some("2"));
    sandbox
        .run(["store", "migrate"])
        .fails(1, &schema_version_refused(&sandbox, "2"));
}

#[test]
fn store_copy_into_the_store_it_copies_from_is_refused_however_it_is_written() {
    let sandbox = Sandbox::new();
    sandbox.init();
    // The working directory is the sandbox's: `./store` is the store too.
    for to in [
        sandbox.store_str(),
        format!("{}/", sandbox.store_str()),
        "./store".to_owned(),
    ] {
        sandbox.run(["store", "copy", "--to", &to]).error(
            2,
            &format!(
                "store copy --to: {to} is the store copied from; name another store to copy into"
            ),
        );
    }
}
