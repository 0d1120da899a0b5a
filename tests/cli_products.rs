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

#[test]
fn an_all_digit_id_is_refused_because_it_reads_as_a_number() {
    let sandbox = Sandbox::new();
    sandbox.init();
    for id in ["1", "007", "18446744073709551616"] {
        sandbox.run(["product", "add", id, "--name", "X"]).error(
            2,
            &format!("product: `{id}` is all digits, which the compatibility API reads as a product number (app_id); choose an id with a letter"),
        );
    }
    sandbox
        .run(["product", "list", "--json"])
        .expect(0, "[]\n", "");
    for id in ["v1", "1.0", "2-pack"] {
        sandbox.add_product(id);
    }
    sandbox.run(["product", "show", "1.0"]).success();
}

/// Adds product `id` with `number` behind keyctl's back, as an older keyctl could have.
fn add_legacy_product(sandbox: &Sandbox, id: &str, number: u64) {
    let db = sled::open(sandbox.store().join("db")).expect("open the store's sled db");
    let product = json!({"id": id, "number": number, "name": "Legacy", "support_message": null, "created": T0});
    db.open_tree("products")
        .unwrap()
        .insert(id, product.to_string().as_bytes())
        .unwrap();
    db.open_tree("product_numbers")
        .unwrap()
        .insert(number.to_be_bytes(), id.as_bytes())
        .unwrap();
    db.open_tree("meta")
        .unwrap()
        .insert("product_seq", &number.to_be_bytes())
        .unwrap();
    db.flush().unwrap();
}

#[test]
fn an_all_digit_id_from_an_older_store_never_takes_another_products_number() {
    let sandbox = Sandbox::with_products();
    add_legacy_product(&sandbox, "1", 3);
    add_legacy_product(&sandbox, "9", 4);
    let shown_id = |key: &str| {
        sandbox.run(["product", "show", key, "--json"]).json()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // A number names the product with that number; a digit id only when no product has it.
    assert_eq!(
        ["1", "2", "3", "4", "9"].map(shown_id),
        ["app", "web", "1", "9", "9"]
    );
    // Licenses name products by exact id, so the legacy product can still be licensed.
    let issued = sandbox.issue(&["--product", "1", "--licensee", "alice"]);
    assert_eq!(jwt_part(&issued.jwt, 1)["products"], json!(["1"]));

    // The compatibility API's app_id=1 is product 1, `app`, not the product named "1".
    let app = sandbox.issue_app(&[]);
    let server = crate::net::Server::serve(&sandbox, &[]);
    let activate = |token: &str| {
        server
            .post_form(
                "/api/activate",
                &format!("token={token}&machine=m&user=u&hwid=h&app_id=1"),
            )
            .json()
    };
    assert_eq!(
        activate(&app.short_key),
        json!({"result": "ok", "remainingActivations": "-1"})
    );
    assert_eq!(
        activate(&issued.short_key),
        json!({"result": "failure", "error": "invalid activation token", "support_message": null})
    );
}
