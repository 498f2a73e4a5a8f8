#![cfg(feature = "postgres")]
//! TLS to PostgreSQL (R-ST1: `sslmode`, `sslrootcert`, rustls) against a
//! server that speaks it: `PMSG_TEST_PG_TLS=1 scripts/with-postgres cargo
//! test -p pmsg-core --test postgres_tls` (a throwaway CA, a certificate
//! for `localhost`, the server on 127.0.0.1 with `ssl=on`). Without
//! `PMSG_TEST_DATABASE_TLS_URL` each test prints a `SKIPPED` line.
//!
//! The evidence that the store's own connections are encrypted comes from
//! the server: `pg_stat_ssl` joined with `pg_stat_activity` on the
//! `application_name` the store's URL gives its connections, read over a
//! separate plain connection (the unix socket of `PMSG_TEST_DATABASE_URL`).

use pmsg_core::*;

mod common;
mod pg_common;
use common::{config, directory, send_request, t};
use pg_common::{client, env_or_skip, DropSchema};

/// The TLS URL, the plain URL (unix socket) and the other CA's file.
fn setup(test: &str) -> Option<(String, String, String)> {
    let test = format!("postgres_tls::{test}");
    Some((
        env_or_skip(&test, "PMSG_TEST_DATABASE_TLS_URL")?,
        env_or_skip(&test, "PMSG_TEST_DATABASE_URL")?,
        env_or_skip(&test, "PMSG_TEST_PG_TLS_OTHER_CA")?,
    ))
}

/// `url` with the query parameter `key` set to `value` (added if missing).
fn with_param(url: &str, key: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with(&format!("{key}=")))
        .map(str::to_string)
        .collect();
    params.push(format!("{key}={value}"));
    format!("{base}?{}", params.join("&"))
}

/// `url` without the query parameter `key`.
fn without_param(url: &str, key: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with(&format!("{key}=")))
        .collect();
    if params.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", params.join("&"))
    }
}

/// A fresh schema and application name for one store of a test.
fn store_url(url: &str, plain: &str, name: &str) -> (String, String, DropSchema) {
    let schema = format!("pmsg_tls_{}_{name}", std::process::id());
    let app = format!("pmsg_tls_{}_{name}", std::process::id());
    let url = with_param(
        &with_param(url, "pmsg_schema", &schema),
        "application_name",
        &app,
    );
    let drop = DropSchema {
        base: plain.to_string(),
        schema,
    };
    (url, app, drop)
}

/// What the server says of the connections named `app`: (ssl, version).
fn ssl_of(plain: &str, app: &str) -> Vec<(bool, Option<String>)> {
    let mut admin = client(plain, None);
    admin
        .query(
            "SELECT s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
             WHERE a.application_name = $1",
            &[&app],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// Opens a store at `url`, upserts, sends and views: it works. The store
/// is returned open, so that its pooled connection can be looked at.
fn works(url: &str) -> Store {
    let store = Store::open(url, &config()).unwrap_or_else(|e| panic!("open {url}: {e}"));
    let now = t("2026-03-02T15:00:00Z");
    store.upsert_directory(&directory()).unwrap();
    let out = store.send(&send_request("over TLS", vec![]), now).unwrap();
    let view = store.view("staff:s-ng", &out.conversation_id, now).unwrap();
    assert_eq!(view.messages[0].body, "over TLS");
    store
}

#[test]
fn verify_full_connects_encrypted_and_works() {
    let Some((tls, plain, _)) = setup("verify_full_connects_encrypted_and_works") else {
        return;
    };
    assert!(tls.contains("sslmode=verify-full"), "{tls}");
    let (url, app, _drop) = store_url(&tls, &plain, "full");
    let store = Store::open(&url, &config()).unwrap();
    let now = t("2026-03-02T15:00:00Z");
    store.upsert_directory(&directory()).unwrap();
    let out = store.send(&send_request("over TLS", vec![]), now).unwrap();
    let view = store.view("staff:s-ng", &out.conversation_id, now).unwrap();
    assert_eq!(view.messages[0].body, "over TLS");
    // The store's pooled connection is idle, still open: the server says
    // it is TLS.
    let seen = ssl_of(&plain, &app);
    assert!(!seen.is_empty(), "no connection of {app} is open");
    for (ssl, version) in &seen {
        assert!(
            *ssl && version.as_deref().is_some_and(|v| v.starts_with("TLSv1.")),
            "a connection of the store is not encrypted: {seen:?}"
        );
    }

    // The control: the same evidence says "plain" for a plain connection
    // over TCP (the server also accepts those), so it can tell.
    let (plain_tcp, plain_app, _drop2) = store_url(&tls, &plain, "control");
    let plain_tcp = without_param(&with_param(&plain_tcp, "sslmode", "disable"), "sslrootcert");
    let control = Store::open(&plain_tcp, &config()).unwrap();
    control.upsert_directory(&directory()).unwrap();
    let seen = ssl_of(&plain, &plain_app);
    assert!(
        !seen.is_empty() && seen.iter().all(|(ssl, _)| !ssl),
        "sslmode=disable should be plain: {seen:?}"
    );
}

#[test]
fn a_server_certificate_from_another_root_is_refused() {
    let Some((tls, plain, other_ca)) = setup("a_server_certificate_from_another_root_is_refused")
    else {
        return;
    };
    for mode in ["verify-full", "verify-ca", "require"] {
        let (url, _, _drop) = store_url(&tls, &plain, "wrongroot");
        let url = with_param(&with_param(&url, "sslmode", mode), "sslrootcert", &other_ca);
        let e = Store::open(&url, &config())
            .err()
            .unwrap_or_else(|| panic!("{mode} with another CA's root connected"));
        assert_eq!(e.code(), "storage", "{mode}: {e}");
        let msg = e.to_string();
        assert!(
            msg.contains("certificate") && msg.contains("UnknownIssuer"),
            "{mode}: the error should name the certificate problem: {msg}"
        );
    }
}

#[test]
fn verify_full_checks_the_host_name_and_verify_ca_does_not() {
    let Some((tls, plain, _)) = setup("verify_full_checks_the_host_name_and_verify_ca_does_not")
    else {
        return;
    };
    // The certificate names `localhost` (a DNS name, no IP address).
    let by_ip = tls.replacen("@localhost:", "@127.0.0.1:", 1);
    assert_ne!(by_ip, tls, "the TLS URL should name localhost: {tls}");
    let (url, _, _drop) = store_url(&by_ip, &plain, "byip");
    let e = Store::open(&url, &config())
        .err()
        .expect("verify-full connected to 127.0.0.1 with a certificate for localhost");
    assert_eq!(e.code(), "storage", "{e}");
    assert!(
        e.to_string().contains("certificate not valid for name"),
        "the error should say the certificate is not for that name: {e}"
    );
    // verify-ca checks the chain only: the same connection works.
    let (url, app, _drop) = store_url(&by_ip, &plain, "byipca");
    let _store = works(&with_param(&url, "sslmode", "verify-ca"));
    let seen = ssl_of(&plain, &app);
    assert!(
        !seen.is_empty() && seen.iter().all(|(ssl, _)| *ssl),
        "{seen:?}"
    );
}

#[test]
fn require_without_a_root_encrypts_without_checking() {
    let Some((tls, plain, _)) = setup("require_without_a_root_encrypts_without_checking") else {
        return;
    };
    let (url, app, _drop) = store_url(&tls, &plain, "require");
    let url = without_param(&with_param(&url, "sslmode", "require"), "sslrootcert");
    let _store = works(&url);
    let seen = ssl_of(&plain, &app);
    assert!(
        !seen.is_empty() && seen.iter().all(|(ssl, _)| *ssl),
        "{seen:?}"
    );
}
