//! `license issue --batch` and `verify --batch` through the real binary.

use std::os::unix::fs::PermissionsExt;

use serde_json::{json, Value};

use crate::common::postgres::test_database;
use crate::common::{vendor, verify_with_status_list, Sandbox};

/// CSV input of `rows` licenses for `app`, licensee `user{i}@example.com`.
fn csv_rows(rows: usize) -> String {
    let mut csv = String::from("licensee,products,expires,activations,features,meta\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "user{i}@example.com,app,365d,3,pro;beta,\"{{\"\"n\"\":{i}}}\"\n"
        ));
    }
    csv
}

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Member `name` of each JSON line of `text`.
fn column(text: &str, name: &str) -> Vec<Value> {
    jsonl(text).iter().map(|line| line[name].clone()).collect()
}

/// JSON strings.
fn strings<const N: usize>(texts: [&str; N]) -> Vec<Value> {
    texts.iter().map(|t| json!(t)).collect()
}

/// `keyctl license issue --batch INPUT --skip-invalid --rejects REJECTS --force`.
fn issue_skipping_invalid(sandbox: &Sandbox, input: &str, rejects: &str) -> crate::common::Run {
    sandbox.run([
        "license",
        "issue",
        "--batch",
        input,
        "--skip-invalid",
        "--rejects",
        rejects,
        "--force",
    ])
}

fn license_count(sandbox: &Sandbox) -> usize {
    sandbox
        .run(["license", "list", "--json"])
        .json()
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn a_thousand_rows_round_trip_in_order_with_a_private_output_file() {
    let sandbox = Sandbox::with_products();
    let input = sandbox.write("orders.csv", csv_rows(1000));
    let out = sandbox.path("licenses.jsonl");
    let run = sandbox.run(["license", "issue", "--batch", &input, "--out", &out]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    assert!(
        run.stderr.starts_with("keyctl: issued 1000 licenses in "),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let issued = jsonl(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(issued.len(), 1000);
    for (i, license) in issued.iter().enumerate() {
        assert_eq!(
            (license["line"].as_u64(), license["licensee"].as_str()),
            (
                Some(i as u64 + 2),
                Some(format!("user{i}@example.com").as_str())
            )
        );
        assert!(license["secret"].as_str().unwrap().starts_with("ks1_"));
    }
    assert_eq!(license_count(&sandbox), 1000);
    // Every license is stored with its short key and verifies with the store.
    let last = &issued[999];
    let shown = sandbox.run([
        "license",
        "show",
        last["short_key"].as_str().unwrap(),
        "--secret",
    ]);
    assert_eq!(shown.stdout.trim(), last["secret"]);

    let jwts: String = issued
        .iter()
        .map(|l| format!("{}\n", l["jwt"].as_str().unwrap()))
        .collect();
    let file = sandbox.write("jwts.txt", jwts);
    let verified = sandbox.run(["verify", "--batch", &file, "--product", "app"]);
    assert_eq!(verified.code, 0, "{}", verified.stderr);
    let results = jsonl(&verified.stdout);
    assert_eq!(results.len(), 1001);
    for (i, result) in results[..1000].iter().enumerate() {
        let expected = json!({"line": i + 1, "valid": true, "code": "valid", "error": null, "license_id": issued[i]["id"]});
        assert_eq!(result, &expected);
    }
    assert_eq!(
        results[1000],
        json!({"summary": {"total": 1000, "valid": 1000}, "revocation_checked": true, "status_list_checked": false})
    );
}

#[test]
fn a_bad_row_stops_the_batch_before_anything_is_issued() {
    let sandbox = Sandbox::with_products();
    let mut lines: Vec<String> = csv_rows(1000).lines().map(str::to_owned).collect();
    lines[536] = "user535@example.com,app,someday,3,pro,".into(); // line 537
    let input = sandbox.write("orders.csv", lines.join("\n") + "\n");
    let out = sandbox.path("licenses.jsonl");
    let run = sandbox.run(["license", "issue", "--batch", &input, "--out", &out]);
    run.error(2, "batch line 537: expires: `someday` is not a duration (365d), a date (2027-12-31) or an RFC 3339 time");
    assert_eq!(license_count(&sandbox), 0);
    assert!(!std::path::Path::new(&out).exists());

    let unknown = sandbox.write("unknown.jsonl", "{\"licensee\":\"a\",\"products\":[\"app\"]}\n{\"licensee\":\"b\",\"products\":[\"nope\"]}\n");
    sandbox
        .run(["license", "issue", "--batch", &unknown])
        .error(2, "batch line 2: products: product `nope` not found");
    assert_eq!(license_count(&sandbox), 0);
}

#[test]
fn skip_invalid_issues_exactly_the_good_rows_and_rejects_the_rest() {
    let sandbox = Sandbox::with_products();
    let input = "{\"licensee\":\"a\",\"products\":[\"app\"],\"activations\":2}\n\
                 {\"licensee\":\"b\",\"products\":[\"app\"],\"activations\":0}\n\
                 not json\n\
                                  {\"licensee\":\"d\",\"products\":\"app;web\",\"domains\":[\"*.example.com\"]}\n\
                 {\"licensee\":\"e\",\"products\":[\"ghost\"]}\n";
    let rejects = sandbox.path("rejects.jsonl");
    let run = sandbox.run_stdin(
        [
            "license",
            "issue",
            "--batch",
            "-",
            "--skip-invalid",
            "--rejects",
            &rejects,
            "--output-format",
            "csv",
        ],
        input,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .ends_with(&format!("; 3 rows rejected (see {rejects})\n")),
        "{}",
        run.stderr
    );
    let mut csv = run.stdout.lines();
    assert_eq!(
        csv.next(),
        Some("line,id,short_key,licensee,products,expires,jwt,secret,ref")
    );
    let rows: Vec<Vec<&str>> = csv.map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows.iter().map(|r| (r[0], r[3], r[4])).collect::<Vec<_>>(),
        [("1", "a", "app"), ("4", "d", "app;web")]
    );
    assert_eq!(
        jsonl(&std::fs::read_to_string(&rejects).unwrap()),
        [
            json!({"line": 2, "error": "activations: 0 is not a positive number or -1 (unlimited)", "row": input.lines().nth(1).unwrap().trim()}),
            json!({"line": 3, "error": "not a JSON object", "row": "not json"}),
            json!({"line": 5, "error": "products: product `ghost` not found", "row": input.lines().nth(4).unwrap().trim()}),
        ]
    );
    assert_eq!(license_count(&sandbox), 2);
}

#[test]
fn batch_verify_reports_each_line_and_exits_with_the_most_severe_failure() {
    let sandbox = Sandbox::with_products();
    // The store signs with the vendor key, so a license already expired (which `license
    // issue` refuses) can be made by hand.
    sandbox.use_vendor_key();
    let good = sandbox.issue_app(&[]);
    let web = sandbox.issue(&[
        "--product",
        "web",
        "--licensee",
        "w",
        "--domain",
        "*.example.com",
    ]);
    let expired = vendor().sign(&crate::common::claims(
        json!({"products": ["app"], "exp": 1_577_836_800, "nbf": 1_546_300_800}),
    ));
    let forged = crate::common::other().sign(&crate::common::claims(json!({"products": ["app"]})));
    let input = format!(
        "{}\n\n{}\n{{\"license\":\"{}\",\"product\":\"web\",\"domain\":\"a.example.com\"}}\n{{\"license\":\"{}\",\"product\":\"web\"}}\ngarbage\n{}\n",
        good.jwt, expired, web.jwt, web.jwt, forged
    );
    let run = sandbox.run_stdin(
        ["verify", "--batch", "-", "--product", "app"],
        input.clone(),
    );
    let codes: Vec<(u64, String)> = jsonl(&run.stdout)[..6]
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        (1, "valid"),
        (3, "expired"),
        (4, "valid"),
        (5, "scope_mismatch"),
        (6, "malformed"),
        (7, "bad_signature"),
    ];
    assert_eq!(codes, expected.map(|(l, c)| (l, c.to_owned())));
    assert_eq!(
        jsonl(&run.stdout)[6],
        json!({"summary": {"total": 6, "valid": 2, "expired": 1, "scope_mismatch": 1, "malformed": 1, "bad_signature": 1}, "revocation_checked": true, "status_list_checked": false})
    );
    assert_eq!(run.code, 4, "bad_signature is the most severe");

    // Without the forgery and the garbage, the worst is the scope mismatch (7) over expiry (5).
    let milder: String = input.lines().take(5).map(|l| format!("{l}\n")).collect();
    assert_eq!(
        sandbox
            .run_stdin(["verify", "--batch", "-", "--product", "app"], milder)
            .code,
        7
    );
    // Revocation is checked against the store.
    sandbox.run(["license", "revoke", &good.id]).success();
    let revoked = sandbox.run_stdin(
        ["verify", "--batch", "-", "--product", "app"],
        format!("{}\n", good.jwt),
    );
    assert_eq!(
        (revoked.code, jsonl(&revoked.stdout)[0]["code"].clone()),
        (8, json!("revoked"))
    );
    // With --public-key the store is not opened and a vendor-signed license verifies.
    let vendor_license = vendor().sign(&crate::common::claims(
        json!({"products": ["app"], "exp": 4_000_000_000i64}),
    ));
    let offline = Sandbox::new().run_stdin(
        [
            "verify",
            "--batch",
            "-",
            "--product",
            "app",
            "--public-key",
            &crate::common::fixture("vendor.pub.pem"),
        ],
        format!("{vendor_license}\n"),
    );
    assert_eq!(offline.code, 0, "{}", offline.stdout);
}

#[test]
fn an_existing_out_file_is_refused_before_anything_is_issued() {
    let sandbox = Sandbox::with_products();
    let input = sandbox.write("orders.csv", csv_rows(3));
    let out = sandbox.write("licenses.jsonl", "keep me\n");
    sandbox
        .run(["license", "issue", "--batch", &input, "--out", &out])
        .error(
            1,
            &format!("{out} already exists; use --force to overwrite it"),
        );
    assert_eq!(license_count(&sandbox), 0);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me\n");
    let forced = sandbox.run([
        "license", "issue", "--batch", &input, "--out", &out, "--force",
    ]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(jsonl(&std::fs::read_to_string(&out).unwrap()).len(), 3);
}

/// CSV input of `rows` licenses for `app`, row `i` with licensee `user{i}` and ref `A-{i}`.
fn csv_with_refs(rows: std::ops::Range<usize>) -> String {
    let mut csv = String::from("licensee,products,ref\n");
    for i in rows {
        csv.push_str(&format!("user{i},app,A-{i}\n"));
    }
    csv
}

/// The batch's temporary output files in the sandbox directory.
fn temp_outputs(sandbox: &Sandbox) -> Vec<std::path::PathBuf> {
    let mut temps: Vec<_> = std::fs::read_dir(sandbox.root())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with(".keyctl-batch-") && name.ends_with(".tmp")
        })
        .collect();
    temps.sort();
    temps
}

/// `keyctl verify JWT --product app` with the store: a license of a batch that was not
/// committed is refused.
#[track_caller]
fn assert_never_issued(sandbox: &Sandbox, license: &Value) {
    let id = license["id"].as_str().unwrap();
    sandbox
        .run([
            "verify",
            license["jwt"].as_str().unwrap(),
            "--product",
            "app",
        ])
        .expect(
            8,
            &format!("revoked: {id}: the license was never issued (its batch did not complete)\n"),
            "",
        );
    let short_key = license["short_key"].as_str().unwrap();
    for reference in [id, short_key] {
        sandbox
            .run(["license", "show", reference])
            .error(1, &format!("license {reference} not found"));
    }
}

#[test]
fn output_to_a_closed_pipe_issues_nothing() {
    let sandbox = Sandbox::with_products();
    let input = sandbox.write("orders.csv", csv_rows(1000));
    let mut child = sandbox
        .command()
        .args(["license", "issue", "--batch", &input])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    // Read one license, then close the pipe: the batch is far larger than the pipe's buffer.
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    let run = child.wait_with_output().unwrap();
    assert_eq!(
        (run.status.code(), String::from_utf8(run.stderr).unwrap()),
        (
            Some(1),
            "keyctl: error: batch output: Broken pipe (os error 32); no license of the batch was issued\n\
             hint: nothing of the batch was stored; fix the cause and run it again\n"
                .to_owned()
        )
    );
    assert_eq!(license_count(&sandbox), 0);
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_never_issued(&sandbox, &first);

    assert_revoked_offline(&sandbox, &first);
}

/// `keyctl verify` of `license` (a batch output row) on a product with only the public key
/// and the status list the store publishes now: revoked, where only the list can say so.
#[track_caller]
fn assert_revoked_offline(sandbox: &Sandbox, license: &Value) {
    let list = sandbox.path("list.jwt");
    sandbox
        .run(["status-list", "publish", "--out", &list, "--force"])
        .success();
    let pem = sandbox.run(["key", "export"]).success().to_owned();
    let product = Sandbox::new();
    let pem = product.write("vendor.pub.pem", pem);
    let list = product.write("list.jwt", std::fs::read(&list).unwrap());
    let id = license["id"].as_str().unwrap();
    let jwt = license["jwt"].as_str().unwrap();
    let verified = verify_with_status_list(&product, jwt, &pem, &list, &[]);
    assert!(
        verified.code == 8
            && verified
                .stdout
                .starts_with(&format!("revoked: {id}: revoked (status list of ")),
        "{verified:?}"
    );
}

#[test]
fn a_killed_batch_leaves_nothing_and_the_next_open_removes_its_secrets() {
    killed_batch_leaves_nothing(&Sandbox::with_products());
}

#[test]
fn a_batch_killed_on_postgresql_is_abandoned_by_the_next_command_too() {
    let Some(database) = test_database() else {
        return;
    };
    let sandbox = Sandbox::on_database(database.url());
    sandbox.run(["init"]).success();
    sandbox.add_product("app");
    sandbox.add_product("web");
    killed_batch_leaves_nothing(&sandbox);
}

/// A batch killed with SIGKILL while it writes: the next command that opens the store
/// abandons it and removes its temporary output; its licenses are refused by the store and,
/// offline, by the status list; its refs may be issued again.
fn killed_batch_leaves_nothing(sandbox: &Sandbox) {
    let input = sandbox.write("orders.csv", csv_with_refs(0..20000));
    let out = sandbox.path("licenses.jsonl");
    let mut child = sandbox
        .command()
        .args(["license", "issue", "--batch", &input, "--out", &out])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (at most 60 s) for the first licenses in the temporary output, then kill -9.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let temp = loop {
        assert!(std::time::Instant::now() < deadline, "no output after 60 s");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the batch ended too soon"
        );
        if let [temp] = &temp_outputs(sandbox)[..] {
            if std::fs::metadata(temp).unwrap().len() > 0 {
                break temp.clone();
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        std::fs::metadata(&temp).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let written = std::fs::read_to_string(&temp).unwrap();
    let first: Value = serde_json::from_str(written.lines().next().unwrap()).unwrap();
    assert_eq!(first["ref"], "A-0");
    assert!(!std::path::Path::new(&out).exists());

    // The next command that opens the store removes the batch and its temporary output.
    assert_eq!(license_count(sandbox), 0);
    assert_eq!(temp_outputs(sandbox), Vec::<std::path::PathBuf>::new());
    assert_never_issued(sandbox, &first);
    assert_revoked_offline(sandbox, &first);
    // Its refs were never issued: a batch with them runs.
    let again = sandbox.write("again.csv", csv_with_refs(0..3));
    let run = sandbox.run(["license", "issue", "--batch", &again]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(column(&run.stdout, "ref"), strings(["A-0", "A-1", "A-2"]));
    assert_eq!(license_count(sandbox), 3);
}

#[test]
fn refs_make_a_batch_safe_to_run_again() {
    let sandbox = Sandbox::with_products();
    let first = sandbox.write("first.csv", csv_with_refs(1..6));
    let run = sandbox.run(["license", "issue", "--batch", &first]);
    assert!(
        run.stderr.starts_with("keyctl: issued 5 licenses in "),
        "{}",
        run.stderr
    );
    let issued = jsonl(&run.stdout);
    assert_eq!(
        column(&run.stdout, "line"),
        [2, 3, 4, 5, 6].map(|l| json!(l))
    );
    assert_eq!(
        column(&run.stdout, "ref"),
        strings(["A-1", "A-2", "A-3", "A-4", "A-5"])
    );
    let shown = sandbox
        .run([
            "license",
            "show",
            issued[0]["id"].as_str().unwrap(),
            "--json",
        ])
        .json();
    assert_eq!(shown["ref"], "A-1");
    let listed = sandbox.run(["license", "list", "--json"]).json();
    let mut refs: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["ref"].clone())
        .collect();
    refs.sort_by_key(|r| r.to_string());
    assert_eq!(refs, strings(["A-1", "A-2", "A-3", "A-4", "A-5"]));

    // The same rows again are refused before anything is signed, naming the first refs.
    sandbox.run(["license", "issue", "--batch", &first]).fails(
        1,
        "keyctl: error: 5 batch rows have a ref that was already issued: `A-1` (line 2), `A-2` (line 3), `A-3` (line 4) and 2 more\n\
         hint: use --skip-existing to issue only the rows whose ref is new\n",
    );
    let some = sandbox.write("some.csv", csv_with_refs(2..4));
    sandbox.run(["license", "issue", "--batch", &some]).fails(
        1,
        "keyctl: error: 2 batch rows have a ref that was already issued: `A-2` (line 2), `A-3` (line 3)\n\
         hint: use --skip-existing to issue only the rows whose ref is new\n",
    );
    assert_eq!(license_count(&sandbox), 5);

    // --skip-existing issues only the new rows and outputs nothing for the others.
    let extended = sandbox.write("extended.csv", csv_with_refs(1..7));
    let run = sandbox.run(["license", "issue", "--batch", &extended, "--skip-existing"]);
    assert!(
        run.stderr.starts_with("keyctl: issued 1 license in ")
            && run.stderr.ends_with("; 5 rows skipped (ref exists)\n"),
        "{}",
        run.stderr
    );
    assert_eq!(
        (column(&run.stdout, "line"), column(&run.stdout, "ref")),
        (vec![json!(7)], strings(["A-6"]))
    );
    assert_eq!(license_count(&sandbox), 6);
    // A ref is unique per product: the same refs for `web` are new.
    let web = sandbox.write("web.csv", csv_with_refs(1..3).replace(",app,", ",web,"));
    let run = sandbox.run(["license", "issue", "--batch", &web]);
    assert_eq!(
        (run.code, jsonl(&run.stdout).len()),
        (0, 2),
        "{}",
        run.stderr
    );
}

#[test]
fn a_ref_repeated_in_one_file_is_an_error_of_the_later_row() {
    let sandbox = Sandbox::with_products();
    let input = sandbox.write(
        "orders.csv",
        "licensee,products,ref\na,app,A-1\nb,app,A-2\nc,web;app,A-1\nd,web,A-1\n",
    );
    sandbox
        .run(["license", "issue", "--batch", &input])
        .error(2, "batch line 4: ref: `A-1` is also on line 2");
    assert_eq!(license_count(&sandbox), 0);

    let rejects = sandbox.path("rejects.jsonl");
    let run = issue_skipping_invalid(&sandbox, &input, &rejects);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(column(&run.stdout, "licensee"), strings(["a", "b", "d"]));
    assert_eq!(
        jsonl(&std::fs::read_to_string(&rejects).unwrap()),
        [json!({"line": 4, "error": "ref: `A-1` is also on line 2", "row": "c,web;app,A-1"})]
    );
}

#[test]
fn errors_name_the_physical_line_whatever_the_line_ends() {
    let sandbox = Sandbox::with_products();
    let good = |n: usize| format!("user{n},app");
    let bad = |n: usize| format!("user{n},app;ghost");
    let csv = |rows: &[String], end: &str, bom: &str| {
        format!("{bom}licensee,products{end}{}", rows.join(end))
    };
    let ghost = |line: u64| json!({"line": line, "error": "products: product `ghost` not found", "row": format!("user{},app;ghost", line - 2)});
    for (name, end, bom) in [
        ("lf", "\n", ""),
        ("crlf", "\r\n", ""),
        ("cr", "\r", ""),
        ("bom-crlf", "\r\n", "\u{feff}"),
    ] {
        // Bad rows on line 2 (the first row), line 4 and line 6, the last, with no line end.
        let rows = [bad(0), good(1), bad(2), good(3), bad(4)];
        let input = sandbox.write(&format!("{name}.csv"), csv(&rows, end, bom));
        let rejects = sandbox.path(&format!("{name}.rejects"));
        let run = issue_skipping_invalid(&sandbox, &input, &rejects);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(column(&run.stdout, "line"), [json!(3), json!(5)], "{name}");
        let rejected = jsonl(&std::fs::read_to_string(&rejects).unwrap());
        assert_eq!(rejected, [ghost(2), ghost(4), ghost(6)], "{name}");

        // Without --skip-invalid, each is the error once the rows before it are good.
        for (line, rows) in [
            (2, rows.clone()),
            (4, [good(0), good(1), bad(2), good(3), bad(4)]),
            (6, [good(0), good(1), good(2), good(3), bad(4)]),
        ] {
            let input = sandbox.write(&format!("{name}-{line}.csv"), csv(&rows, end, bom));
            sandbox.run(["license", "issue", "--batch", &input]).error(
                2,
                &format!("batch line {line}: products: product `ghost` not found"),
            );
        }

        // JSON Lines: the same positions, counted from line 1.
        let jsonl_rows: Vec<String> = rows
            .iter()
            .map(|row| {
                let (licensee, products) = row.split_once(',').unwrap();
                json!({"licensee": licensee, "products": products}).to_string()
            })
            .collect();
        let input = sandbox.write(
            &format!("{name}.jsonl"),
            format!("{bom}{}", jsonl_rows.join(end)),
        );
        sandbox
            .run(["license", "issue", "--batch", &input])
            .error(2, "batch line 1: products: product `ghost` not found");
        let run = issue_skipping_invalid(&sandbox, &input, &rejects);
        let lines = column(&std::fs::read_to_string(&rejects).unwrap(), "line");
        assert_eq!(
            (run.code, lines),
            (0, vec![json!(1), json!(3), json!(5)]),
            "{name}"
        );
    }
    assert_eq!(license_count(&sandbox), 16);
}

#[test]
fn batch_verify_counts_lines_ended_by_cr_crlf_or_lf_after_a_bom() {
    let sandbox = Sandbox::with_products();
    let jwt = sandbox.issue_app(&[]).jwt;
    let input = format!("\u{feff}{jwt}\r{jwt}\r\n\r\n{jwt}\n{jwt}");
    let run = sandbox.run_stdin(["verify", "--batch", "-", "--product", "app"], input);
    let lines = column(&run.stdout, "line");
    assert_eq!(lines[..4], [1, 2, 4, 5].map(|line| json!(line)));
    assert_eq!(column(&run.stdout, "code")[..4], strings(["valid"; 4]));
    assert_eq!((run.code, lines.len()), (0, 5), "{}", run.stdout);
}

#[test]
fn a_batch_of_one_issues_one_license() {
    let sandbox = Sandbox::with_products();
    let input = sandbox.write("one.jsonl", "{\"licensee\":\"a\",\"products\":[\"app\"]}\n");
    let run = sandbox.run(["license", "issue", "--batch", &input]);
    assert!(
        run.stderr.starts_with("keyctl: issued 1 license in "),
        "{}",
        run.stderr
    );
    assert_eq!((run.code, license_count(&sandbox)), (0, 1));
}
