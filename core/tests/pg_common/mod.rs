//! What the PostgreSQL-only tests share: the database of
//! `PMSG_TEST_DATABASE_URL` (`scripts/with-postgres` sets it), a fresh
//! schema per test, and a plain connection of the test's own beside the
//! store's (for evidence pmsg's API does not show, and for tampering).
#![allow(dead_code)]

use std::io::Write;

/// `PMSG_TEST_DATABASE_URL`, or `None` after printing a `SKIPPED` line.
pub fn base_url(test: &str) -> Option<String> {
    env_or_skip(test, "PMSG_TEST_DATABASE_URL")
}

/// The variable `name`, or `None` after printing a `SKIPPED` line.
pub fn env_or_skip(test: &str, name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            // Not captured by the test harness: the skip shows.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: {name} is not set (scripts/with-postgres sets it)"
            );
            None
        }
    }
}

/// A fresh schema of the database at `base`: its name, and the URL of a
/// store in it (with `extra` parameters appended).
pub fn fresh_schema(base: &str, test: &str, extra: &str) -> (String, String) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "pmsg_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        test.chars().take(30).collect::<String>()
    );
    let sep = if base.contains('?') { '&' } else { '?' };
    let mut url = format!("{base}{sep}pmsg_schema={schema}");
    if !extra.is_empty() {
        url.push('&');
        url.push_str(extra);
    }
    (schema, url)
}

/// The driver's own URL for a pmsg URL: pmsg's parameters and the TLS
/// ones removed, and (as pmsg and libpq do) a `host` parameter replacing
/// the authority's host.
pub fn driver_url(url: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| {
            !p.is_empty()
                && !p.starts_with("pmsg_")
                && !p.starts_with("sslmode=")
                && !p.starts_with("sslrootcert=")
        })
        .collect();
    let base = if kept.iter().any(|p| p.starts_with("host=")) {
        let start = base.find("://").unwrap() + 3;
        let end = base[start..].find('/').map_or(base.len(), |i| start + i);
        let auth = &base[start..end];
        let user = auth.rfind('@').map_or("", |at| &auth[..=at]);
        format!("{}{user}{}", &base[..start], &base[end..])
    } else {
        base.to_string()
    };
    if kept.is_empty() {
        base
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

/// A plain connection to the database of `url` (no TLS: the test
/// cluster's unix socket), with the `search_path` on `schema` if given.
pub fn client(url: &str, schema: Option<&str>) -> postgres::Client {
    let mut c = postgres::Client::connect(&driver_url(url), postgres::NoTls)
        .unwrap_or_else(|e| panic!("connect to {}: {e}", driver_url(url)));
    if let Some(s) = schema {
        c.batch_execute(&format!("SET search_path TO {s}")).unwrap();
    }
    c
}

/// Drops a test's schema when the test ends, whatever its outcome.
pub struct DropSchema {
    pub base: String,
    pub schema: String,
}

impl Drop for DropSchema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&driver_url(&self.base), postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
        }
    }
}
