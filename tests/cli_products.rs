//! `keyctl product …`.

use serde_json::json;

use crate::common::*;

/// The `product show` layout of a product, its creation time taken from `--json`.
fn shown(sandbox: &Sandbox, id: &str, number: &str, name: &str, support: &str) -> String {
    let created = sandbox.run(["product", "show", id, "--json"]).json()["created"]
        .as_str()
        .unwrap()
        .to_owned();
    details(&[
        ("id", id),
        ("number", number),
        ("name", name),
        ("support message", support),
        ("created", created.as_str()),
    ])
}

#[test]
fn add_show_and_list() {
    let sandbox = Sandbox::new();
    sandbox.init();
    let added = sandbox.run([
        "product",
        "add",
        "player",
        "--name",
        "Music Player",
        "--support-message",
        "Mail help@acme.test",
    ]);
    let player = shown(
        &sandbox,
        "player",
        "1",
        "Music Player",
        "Mail help@acme.test",
    );
    added.expect(0, &player, "");
    let added = sandbox.run(["product", "add", "web.app", "--name", "Web App"]);
    let web = shown(&sandbox, "web.app", "2", "Web App", "-");
    added.expect(0, &web, "");

    for (key, expected) in [
        ("player", &player),
        ("1", &player),
        ("web.app", &web),
        ("2", &web),
    ] {
        sandbox
            .run(["product", "show", key])
            .expect(0, expected, "");
    }
    sandbox
        .run(["product", "show", "3"])
        .error(1, "product 3 not found");
    sandbox
        .run(["product", "show", "nope"])
        .error(1, "product nope not found");

    let rows = table_rows(sandbox.run(["product", "list"]).success());
    assert_eq!(
        rows,
        [
            vec!["NUMBER", "ID", "NAME", "SUPPORT MESSAGE"],
            vec!["1", "player", "Music Player", "Mail help@acme.test"],
            vec!["2", "web.app", "Web App", ""],
        ]
    );
}

#[test]
fn product_json() {
    let sandbox = Sandbox::new();
    sandbox.init();
    let added = sandbox
        .run(["product", "add", "player", "--name", "Player", "--json"])
        .json();
    let created = added["created"].as_str().unwrap();
    let expected = json!({"id": "player", "number": 1, "name": "Player", "support_message": null, "created": created});
    assert_eq!(added, expected);
    assert_eq!(
        sandbox.run(["product", "show", "1", "--json"]).json(),
        expected
    );
    assert_eq!(
        sandbox.run(["product", "list", "--json"]).json(),
        json!([expected])
    );
}

#[test]
fn a_duplicate_id_is_refused_without_using_a_number() {
    let sandbox = Sandbox::new();
    sandbox.init();
    sandbox.add_product("app");
    sandbox
        .run(["product", "add", "app", "--name", "Again"])
        .error(1, "product app already exists");
    sandbox.add_product("web");
    let numbers: Vec<_> = sandbox
        .run(["product", "list", "--json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["number"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(numbers, [("app".to_owned(), 1), ("web".to_owned(), 2)]);
}

#[test]
fn bad_ids_and_names_are_usage_errors() {
    let sandbox = Sandbox::new();
    sandbox.init();
    let too_long = "p".repeat(65);
    for id in ["a b", "", too_long.as_str(), "é", "app/x"] {
        sandbox.run(["product", "add", id, "--name", "X"]).error(
            2,
            &format!("product: `{id}` is not a product id (1-64 of A-Z a-z 0-9 _ . -)"),
        );
    }
    sandbox
        .run(["product", "add", "app", "--name", " "])
        .error(2, "name: must be 1-256 bytes");
    sandbox
        .run(["product", "list", "--json"])
        .expect(0, "[]\n", "");
}
