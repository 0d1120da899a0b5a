//! The store's rules, checked through the library's `Store` against both backends from the
//! same test code: an embedded sled store in a temporary directory, and a fresh PostgreSQL
//! database on the test server (`scripts/with-postgres.sh`; see `common::postgres`).

use std::sync::Arc;

use keyctl::error::Error;
use keyctl::keys::KeyPair;
use keyctl::license::{IssueRequest, Issuer, LicenseState};
use keyctl::store::{
    Activated, KeyStatus, LicenseFilter, LicenseRecord, LicenseStatus, Location, Machine,
    RememberedRequest, Store, NEVER_ISSUED,
};

use crate::common::postgres::{test_database, TestDatabase};

const NOW: i64 = 1_795_000_000;

/// What keeps a store's place alive while a test uses it.
enum Place {
    Directory(#[allow(dead_code)] tempfile::TempDir),
    Database(#[allow(dead_code)] TestDatabase),
}

/// A new store with issuer `Acme` and products `app` and `web`, at `location`.
fn new_store(location: &Location) -> Store {
    let (store, created) = Store::init(location, "Acme", None, NOW).unwrap();
    assert!(created);
    store.add_product("app", "App", None, NOW).unwrap();
    store
        .add_product("web", "Web", Some("mail us"), NOW)
        .unwrap();
    store
}

/// Runs `test` on a new sled store, then on a new PostgreSQL store (or says it skips it).
fn on_each_backend(test: impl Fn(Store, &Location)) {
    let mut places = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let location = Location::Directory(dir.path().join("store"));
    places.push((location, Place::Directory(dir)));
    if let Some(database) = test_database() {
        let location = Location::Postgres(database.url().to_owned());
        places.push((location, Place::Database(database)));
    }
    for (location, _place) in &places {
        test(new_store(location), location);
    }
}

/// A license for `products` with `max_activations`, issued and stored.
fn license(store: &Store, products: &[&str], max_activations: Option<i64>) -> LicenseRecord {
    let issuer = Issuer::new(&store.issuer().unwrap(), &store.active_key().unwrap());
    let request = IssueRequest {
        licensee: "ada@example.com".into(),
        products: products.iter().map(|p| p.to_string()).collect(),
        max_activations,
        ..IssueRequest::default()
    };
    let issued = issuer.issue(&request, NOW, 0).unwrap();
    let record = LicenseRecord::from_issued(&issued);
    store.insert_license(&record).unwrap();
    record
}

fn machine(hwid: &str) -> Machine<'_> {
    Machine {
        hwid,
        machine: Some("build-01"),
        user: None,
    }
}

#[test]
fn keys_rotate_atomically_and_retire_only_when_not_signing() {
    on_each_backend(|store, _| {
        let store = &store;
        let first = store.keys().unwrap()[0].clone();
        assert_eq!(first.status, KeyStatus::Active);
        let added = store.add_key(&KeyPair::generate(), NOW + 1).unwrap();
        assert_eq!(added.status, KeyStatus::Trusted);
        let again = store.add_key(&store.key_pair(&added.kid).unwrap(), NOW + 2);
        assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");

        let rotated = store.rotate(Some(&added.kid), NOW + 3).unwrap();
        assert_eq!(rotated.kid, added.kid);
        let statuses = |store: &Store| -> Vec<(String, KeyStatus)> {
            store
                .keys()
                .unwrap()
                .into_iter()
                .map(|k| (k.kid, k.status))
                .collect()
        };
        assert_eq!(
            statuses(store),
            [
                (first.kid.clone(), KeyStatus::Trusted),
                (added.kid.clone(), KeyStatus::Active)
            ]
        );
        let err = store.retire(&added.kid, NOW + 4).unwrap_err().to_string();
        assert!(err.contains("is the active key"), "{err}");
        let retired = store.retire(&first.kid, NOW + 4).unwrap();
        assert_eq!(
            (retired.status, retired.retired),
            (KeyStatus::Retired, Some(NOW + 4))
        );
        // Retiring twice changes nothing; a retired key never signs again.
        assert_eq!(
            store.retire(&first.kid, NOW + 9).unwrap().retired,
            Some(NOW + 4)
        );
        let err = store
            .rotate(Some(&first.kid), NOW + 5)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!("key {} is retired and cannot sign again", first.kid)
        );
        assert!(matches!(
            store.rotate(Some("nope"), NOW + 5),
            Err(Error::NotFound { .. })
        ));
        // A new key: exactly one active key, the old one trusted; the retired one not trusted.
        let new = store.rotate(None, NOW + 6).unwrap();
        let active: Vec<_> = statuses(store)
            .into_iter()
            .filter(|(_, s)| *s == KeyStatus::Active)
            .collect();
        assert_eq!(active, [(new.kid.clone(), KeyStatus::Active)]);
        assert_eq!(store.trusted_keys().unwrap().iter().count(), 2);
        assert_eq!(store.active_key().unwrap().kid(), new.kid);
    });
}

#[test]
fn products_get_sequential_numbers_and_unique_ids() {
    on_each_backend(|store, _| {
        let store = &store;
        let numbers: Vec<_> = store.products().unwrap().iter().map(|p| p.number).collect();
        assert_eq!(numbers, [1, 2]);
        let err = store.add_product("app", "Again", None, NOW).unwrap_err();
        assert_eq!(err.to_string(), "product app already exists");
        assert_eq!(store.product("2").unwrap().unwrap().id, "web");
        assert_eq!(
            store
                .product_by_id("web")
                .unwrap()
                .unwrap()
                .support_message
                .as_deref(),
            Some("mail us")
        );
        assert!(store.add_product("42", "Digits", None, NOW).is_err());
        assert_eq!(
            store.add_product("cli", "CLI", None, NOW).unwrap().number,
            3
        );
        assert!(store.product("nope").unwrap().is_none());
    });
}

#[test]
fn licenses_are_found_by_id_short_key_and_exact_jwt_only() {
    on_each_backend(|store, _| {
        let store = &store;
        let record = license(store, &["app"], Some(3));
        for reference in [
            record.id.clone(),
            record.short_key.clone(),
            record.short_key_display(),
            record.jwt.clone(),
        ] {
            assert_eq!(store.find_license(&reference).unwrap().id, record.id);
        }
        // A token with a known id that is not the JWT we issued names nothing.
        let forged = format!("{}x", record.jwt);
        assert!(matches!(
            store.find_license(&forged),
            Err(Error::NotFound { .. })
        ));
        // The same license twice is refused whole.
        assert!(matches!(
            store.insert_license(&record),
            Err(Error::Conflict(_))
        ));
        let other = license(store, &["web"], None);
        let all = store.licenses(&LicenseFilter::default()).unwrap();
        assert_eq!(all.len(), 2);
        let web = LicenseFilter {
            product: Some("web".into()),
            status: None,
        };
        let found: Vec<_> = store
            .licenses(&web)
            .unwrap()
            .into_iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(found, [other.id]);
    });
}

#[test]
fn revocation_is_final_and_a_suspension_can_be_lifted() {
    on_each_backend(|store, _| {
        let store = &store;
        let record = license(store, &["app"], None);
        assert_eq!(store.revocation(&record.id).unwrap(), None);
        store
            .set_license_status(&record.id, LicenseStatus::Suspended, Some("unpaid"))
            .unwrap();
        assert_eq!(
            store.revocation(&record.id).unwrap().as_deref(),
            Some("the license is suspended (unpaid)")
        );
        let back = store
            .set_license_status(&record.id, LicenseStatus::Active, None)
            .unwrap();
        assert_eq!((back.status, back.reason), (LicenseStatus::Active, None));
        assert_eq!(store.revocation(&record.id).unwrap(), None);
        store
            .set_license_status(&record.short_key, LicenseStatus::Revoked, Some("refund"))
            .unwrap();
        let err = store
            .set_license_status(&record.id, LicenseStatus::Active, None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("license {} is revoked; revocation is final", record.id)
        );
        // Revoking again keeps the first reason unless a new one is given.
        let again = store
            .set_license_status(&record.id, LicenseStatus::Revoked, None)
            .unwrap();
        assert_eq!(again.reason.as_deref(), Some("refund"));
        let long = "x".repeat(1025);
        assert!(store
            .set_license_status(&record.id, LicenseStatus::Revoked, Some(&long))
            .is_err());
        let revoked = LicenseFilter {
            product: None,
            status: Some(LicenseStatus::Revoked),
        };
        assert_eq!(store.licenses(&revoked).unwrap().len(), 1);
    });
}

#[test]
fn a_machine_activates_once_and_frees_its_seat() {
    on_each_backend(|store, _| {
        let store = &store;
        let record = license(store, &["app"], Some(2));
        let id = record.id.as_str();
        let granted = store.activate(id, machine("h1"), Some(2), NOW).unwrap();
        assert_eq!(granted, Activated::Granted { new: true, used: 1 });
        // Again: the same seat, renewed, the first activation time kept.
        let again = Machine {
            hwid: "h1",
            machine: None,
            user: Some("ada"),
        };
        let renewed = store.activate(id, again, Some(2), NOW + 10).unwrap();
        assert_eq!(
            renewed,
            Activated::Granted {
                new: false,
                used: 1
            }
        );
        let seen = store.activations(Some(id)).unwrap();
        assert_eq!(seen.len(), 1);
        let seat = &seen[0];
        assert_eq!(
            (
                seat.first_seen,
                seat.last_seen,
                seat.machine.as_deref(),
                seat.user.as_deref()
            ),
            (NOW, NOW + 10, Some("build-01"), Some("ada"))
        );
        store.activate(id, machine("h2"), Some(2), NOW).unwrap();
        let full = store.activate(id, machine("h3"), Some(2), NOW).unwrap();
        assert_eq!(full, Activated::NoSeatsLeft { used: 2 });
        assert!(store.is_activated(id, "h2").unwrap());
        assert!(!store.is_activated(id, "h3").unwrap());
        assert_eq!(store.deactivate(id, "h2").unwrap(), (true, 1));
        assert_eq!(store.deactivate(id, "h2").unwrap(), (false, 1));
        assert!(store.remove_activation(id, "h1").unwrap());
        assert_eq!(store.seats_used(id).unwrap(), 0);
        let bad = store.activate(id, machine("h\u{1b}[2J"), Some(2), NOW);
        assert!(bad.is_err());
        assert_eq!(store.activations(None).unwrap().len(), 0);
    });
}

/// The overshoot a check-then-insert would allow: 200 threads race for 10 seats.
#[test]
fn concurrent_activations_never_take_more_seats_than_the_license_has() {
    on_each_backend(|store, location| {
        let store = &store;
        let record = license(store, &["app"], Some(10));
        // A second handle where the backend allows it (a replica's own connections).
        let other = match location {
            Location::Postgres(_) => Some(Arc::new(Store::open(location).unwrap())),
            Location::Directory(_) => None,
        };
        let granted = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..200)
                .map(|i| {
                    let store = match (&other, i % 2) {
                        (Some(other), 1) => &**other,
                        _ => store,
                    };
                    let id = record.id.as_str();
                    scope.spawn(move || {
                        let hwid = format!("machine-{i}");
                        store.activate(id, machine(&hwid), Some(10), NOW).unwrap()
                    })
                })
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().unwrap())
                .filter(|a| matches!(a, Activated::Granted { new: true, .. }))
                .count()
        });
        assert_eq!(granted, 10);
        assert_eq!(store.seats_used(&record.id).unwrap(), 10);
        assert_eq!(store.activations(Some(&record.id)).unwrap().len(), 10);
    });
}

#[test]
fn a_request_is_remembered_once_until_it_expires() {
    on_each_backend(|store, _| {
        let store = &store;
        let entry = |request, expires| RememberedRequest {
            request,
            license: 7,
            expires,
        };
        assert!(store.remember_request(entry(1, NOW + 100)).unwrap());
        assert!(!store.remember_request(entry(1, NOW + 100)).unwrap());
        assert!(store.remember_request(entry(2, NOW + 300)).unwrap());
        store.forget_requests_before(NOW + 200).unwrap();
        assert_eq!(
            store.remembered_requests(NOW + 200).unwrap(),
            [entry(2, NOW + 300)]
        );
        assert_eq!(store.remembered_requests(NOW + 301).unwrap(), []);
    });
}

#[test]
fn a_batch_is_hidden_until_committed_and_refused_forever_when_abandoned() {
    on_each_backend(|store, _| {
        let store = &store;
        let issuer = Issuer::new(&store.issuer().unwrap(), &store.active_key().unwrap());
        let staged = |batch: &keyctl::store::StagedBatch, prefix: &str, count: usize| {
            (0..count)
                .map(|i| {
                    let request = IssueRequest {
                        licensee: format!("user{i}"),
                        products: vec!["app".into()],
                        status: Some(batch.status().reference(i as u64)),
                        ..IssueRequest::default()
                    };
                    let issued = issuer.issue(&request, NOW, batch.millis()).unwrap();
                    LicenseRecord {
                        order_ref: Some(format!("{prefix}-{i}")),
                        ..LicenseRecord::from_issued(&issued)
                    }
                })
                .collect::<Vec<_>>()
        };
        let batch = store.begin_batch(NOW, None, 3).unwrap();
        let kept = staged(&batch, "A", 3);
        store.stage_licenses(&batch, &kept).unwrap();
        let id = kept[0].id.as_str();
        assert!(store.license(id).unwrap().is_none());
        assert_eq!(store.revocation(id).unwrap().as_deref(), Some(NEVER_ISSUED));
        assert_eq!(store.issued_ref("app", "A-0").unwrap(), None);
        store.commit_batch(&batch).unwrap();
        assert_eq!(
            store.license(id).unwrap().unwrap().order_ref.as_deref(),
            Some("A-0")
        );
        assert_eq!(store.revocation(id).unwrap(), None);
        assert_eq!(store.issued_ref("app", "A-0").unwrap().as_deref(), Some(id));
        assert_eq!(
            store.find_license(&kept[2].short_key).unwrap().id,
            kept[2].id
        );

        let failed = store.begin_batch(NOW, None, 2).unwrap();
        assert_eq!((batch.status().first, failed.status().first), (0, 3));
        assert_ne!(failed.id(), batch.id());
        let again = staged(&failed, "A", 1);
        let err = store.stage_licenses(&failed, &again).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("ref A-0 of product app was already issued, to license {id}")
        );
        store.abandon_batch(&failed).unwrap();
        let lost = &again[0];
        assert!(store.license(&lost.id).unwrap().is_none());
        assert!(store.find_license(&lost.short_key).is_err());
        assert_eq!(
            store.revocation(&lost.id).unwrap().as_deref(),
            Some(NEVER_ISSUED)
        );
        assert_eq!(store.licenses(&LicenseFilter::default()).unwrap().len(), 3);
        // Offline too: the status list revokes every index the abandoned batch reserved,
        // whether or not a license was staged with it, and none of the committed batch.
        let list = store.status_list().unwrap();
        let statuses: Vec<_> = (0..6).map(|idx| list.get(idx)).collect();
        assert_eq!(statuses, [0, 0, 0, 1, 1, 0].map(Some));
        assert_eq!(list.capacity(), 8, "5 indexes reserved, in whole bytes");
    });
}

#[test]
fn encrypting_the_keys_keeps_them_usable_with_the_passphrase() {
    on_each_backend(|store, location| {
        let kid = store.active_key().unwrap().kid().to_owned();
        drop(store);
        let reopened = Store::open(location).unwrap();
        let passphrase = keyctl::passphrase::Passphrase::new(
            zeroize::Zeroizing::new("correct horse".into()),
            "test",
        )
        .unwrap();
        assert_eq!(reopened.encrypt_keys(&passphrase).unwrap(), 1);
        let locked = Store::open(location).unwrap();
        assert!(locked.keys_encrypted().unwrap());
        assert!(matches!(locked.active_key(), Err(Error::KeysLocked { .. })));
        // Verifying never needs the passphrase.
        assert_eq!(locked.trusted_keys().unwrap().iter().count(), 1);
        let wrong =
            keyctl::passphrase::Passphrase::new(zeroize::Zeroizing::new("wrong".into()), "test")
                .unwrap();
        assert!(locked.unlock(&wrong).is_err());
        locked.unlock(&passphrase).unwrap();
        assert_eq!(locked.active_key().unwrap().kid(), kid);
        assert_eq!(locked.decrypt_keys().unwrap(), 1);
        assert!(!Store::open(location).unwrap().keys_encrypted().unwrap());
    });
}

#[test]
fn status_indexes_are_reserved_once_and_the_list_reads_only_what_is_not_active() {
    on_each_backend(|store, location| {
        assert_eq!(store.status_list().unwrap().capacity(), 0);
        assert_eq!(store.status_uri().unwrap(), "/v1/status-list");
        let store = Arc::new(store);
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    (0..25)
                        .map(|_| store.reserve_status(3).unwrap().first)
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        let mut firsts: Vec<u64> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        firsts.sort_unstable();
        // 200 ranges of 3, none shared, none skipped.
        assert_eq!(firsts, (0..200).map(|n| n * 3).collect::<Vec<u64>>());
        let store = Arc::try_unwrap(store).expect("threads joined");
        assert_eq!(store.backend().status_indexes_allocated().unwrap(), 600);

        let issue = |licensee: &str| {
            let request = IssueRequest {
                licensee: licensee.into(),
                products: vec!["app".into()],
                ..IssueRequest::default()
            };
            keyctl::control::issue_license(&store, &request, NOW).unwrap()
        };
        let (kept, revoked, suspended) = (issue("a"), issue("b"), issue("c"));
        assert_eq!(
            [kept.status_idx, revoked.status_idx, suspended.status_idx],
            [Some(600), Some(601), Some(602)]
        );
        assert_eq!(
            store.license(&kept.id).unwrap().unwrap().status_idx,
            Some(600)
        );
        store
            .set_license_status(&revoked.id, LicenseStatus::Revoked, Some("refund"))
            .unwrap();
        store
            .set_license_status(&suspended.id, LicenseStatus::Suspended, None)
            .unwrap();
        let mut inactive = store.backend().inactive_statuses().unwrap();
        inactive.sort_by_key(|(idx, _)| *idx);
        assert_eq!(
            inactive,
            [
                (601, LicenseStatus::Revoked),
                (602, LicenseStatus::Suspended)
            ]
        );
        // 603 entries fill whole bytes of 4: the list covers 604.
        let list = store.status_list().unwrap();
        assert_eq!(list.capacity(), 604);
        assert_eq!(
            [list.get(600), list.get(601), list.get(602), list.get(604)],
            [Some(0), Some(1), Some(2), None]
        );
        store
            .set_license_status(&suspended.id, LicenseStatus::Active, None)
            .unwrap();
        assert_eq!(store.status_list().unwrap().get(602), Some(0));
        store.set_status_uri("https://lic.example/list").unwrap();

        // Durable: a store opened again goes on after the last index; so does a copy.
        let copy = tempfile::tempdir().unwrap();
        let target = Location::Directory(copy.path().join("copy"));
        store.copy_to(&target).unwrap();
        drop(store);
        let reopened = Store::open(location).unwrap();
        assert_eq!(reopened.reserve_status(1).unwrap().first, 603);
        let copied = Store::open(&target).unwrap();
        let range = copied.reserve_status(2).unwrap();
        assert_eq!(
            (range.first, range.uri.as_str()),
            (603, "https://lic.example/list")
        );
        let mut inactive = copied.backend().inactive_statuses().unwrap();
        inactive.sort_by_key(|(idx, _)| *idx);
        assert_eq!(inactive, [(601, LicenseStatus::Revoked)]);
    });
}

#[test]
fn pages_hold_what_the_whole_reads_hold_in_bytewise_order_and_the_counts_agree() {
    on_each_backend(|store, _| {
        let store = &store;
        let mut ids: Vec<String> = (0..5).map(|_| license(store, &["app"], None).id).collect();
        ids.sort();
        // A batch being staged: its license is in no page and not counted.
        let issuer = Issuer::new(&store.issuer().unwrap(), &store.active_key().unwrap());
        let batch = store.begin_batch(NOW, None, 1).unwrap();
        let request = IssueRequest {
            licensee: "hidden".into(),
            products: vec!["app".into()],
            ..IssueRequest::default()
        };
        let issued = issuer.issue(&request, NOW, batch.millis()).unwrap();
        store
            .stage_licenses(&batch, &[LicenseRecord::from_issued(&issued)])
            .unwrap();
        // Bytewise, "Z" < "a" < "a b" < "é"; a collation of words would order them otherwise.
        let hwids = ["é", "a b", "Z", "a"];
        for id in &ids[1..3] {
            for hwid in hwids {
                store.activate(id, machine(hwid), None, NOW).unwrap();
            }
        }
        let backend = store.backend();

        let mut paged = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = backend.licenses_page(after.as_deref(), 2).unwrap();
            assert!(page.len() <= 2, "{}", page.len());
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            paged.extend(page.into_iter().map(|r| r.id));
        }
        assert_eq!(paged, ids);
        let whole: Vec<String> = backend
            .licenses(&LicenseFilter::default())
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(whole, ids);
        assert_eq!(backend.license_count().unwrap(), 5);
        assert_eq!(backend.licenses_page(Some(&ids[4]), 2).unwrap().len(), 0);

        let mut paged = Vec::new();
        let mut after: Option<(String, String)> = None;
        loop {
            let from = after
                .as_ref()
                .map(|(id, hwid)| (id.as_str(), hwid.as_str()));
            let page = backend.activations_page(from, 3).unwrap();
            assert!(page.len() <= 3, "{}", page.len());
            let Some(last) = page.last() else { break };
            after = Some((last.license_id.clone(), last.hwid.clone()));
            paged.extend(page.into_iter().map(|a| (a.license_id, a.hwid)));
        }
        let expected: Vec<(String, String)> = ids[1..3]
            .iter()
            .flat_map(|id| ["Z", "a", "a b", "é"].map(|hwid| (id.clone(), hwid.to_owned())))
            .collect();
        assert_eq!(paged, expected);
        assert_eq!(backend.activations(None).unwrap().len(), 8);
        assert_eq!(backend.activation_count().unwrap(), 8);
        store.abandon_batch(&batch).unwrap();
    });
}
