//! Encryption at rest (SQLCipher, feature `encryption`): nothing readable
//! in the file or its WAL, and a wrong key refused at open.
#![cfg(feature = "encryption")]

use pmsg_core::*;

mod common;
use common::{contains, directory, send_request, t};

const BODY: &str = "UNMISTAKABLE-BODY-TEXT: your biopsy result is benign";

fn send(store: &Store) -> SendOutcome {
    store
        .send(&send_request(BODY, vec![]), t("2026-03-02T09:00:00-05:00"))
        .unwrap()
}

#[test]
fn message_bodies_leave_no_trace_in_the_file_or_its_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("enc.db").to_string_lossy().into_owned();
    let store = Store::open_encrypted(&path, &Config::default(), "correct horse").unwrap();
    store.upsert_directory(&directory()).unwrap();
    let out = send(&store);
    // Read both files while the store is open (the WAL holds the newest pages).
    for f in [path.clone(), format!("{path}-wal")] {
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !contains(&bytes, b"UNMISTAKABLE-BODY-TEXT"),
            "plaintext body in {f}"
        );
        assert!(!contains(&bytes, b"Dr. Ana Ng"), "plaintext name in {f}");
    }
    drop(store);
    let store = Store::open_encrypted(&path, &Config::default(), "correct horse").unwrap();
    let v = store
        .view(
            "staff:s-ng",
            &out.conversation_id,
            t("2026-03-02T10:00:00-05:00"),
        )
        .unwrap();
    assert_eq!(v.messages[0].body, BODY);
}

#[test]
fn a_wrong_key_fails_at_open_with_a_clear_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("enc.db").to_string_lossy().into_owned();
    let store = Store::open_encrypted(&path, &Config::default(), "right key").unwrap();
    store.upsert_directory(&directory()).unwrap();
    drop(store);
    let err = Store::open_encrypted(&path, &Config::default(), "wrong key")
        .err()
        .expect("must refuse");
    assert_eq!(err.code(), "storage");
    assert!(err.to_string().contains("key is wrong"), "{err}");
    let err = Store::open(&path, &Config::default())
        .err()
        .expect("no key, no entry");
    assert_eq!(err.code(), "storage");
    assert!(err.to_string().contains("encrypted"), "{err}");
}
