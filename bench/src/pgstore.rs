//! Generated stores on PostgreSQL: a store is a schema (`pmsg_schema=NAME`
//! in its URL), and what a file store keeps beside it (the manifest) is
//! kept on the schema itself (`COMMENT ON SCHEMA`), so that it lives and
//! dies with the store. [`crate::populate::populate`] takes such a URL
//! wherever it takes a file path.
//!
//! The bench's own connections (counts, the raw-PostgreSQL floor) are made
//! here, with the driver directly and without TLS: the URL's pmsg
//! parameters are removed, and a `host` parameter replaces the URL's host
//! as it does for pmsg (and libpq).

use postgres::{Client, NoTls};
use serde_json::{json, Value};
use std::path::Path;

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The URL when `path` is a PostgreSQL URL rather than a file.
pub fn url_of(path: &Path) -> Option<&str> {
    let s = path.to_str()?;
    (s.starts_with("postgres://") || s.starts_with("postgresql://")).then_some(s)
}

fn split(url: &str) -> (&str, Vec<&str>) {
    match url.split_once('?') {
        Some((base, q)) => (base, q.split('&').filter(|p| !p.is_empty()).collect()),
        None => (url, Vec::new()),
    }
}

/// `url` naming the store in schema `schema` (any `pmsg_schema` it had is
/// replaced).
pub fn with_schema(url: &str, schema: &str) -> String {
    let (base, mut params) = split(url);
    params.retain(|p| !p.starts_with("pmsg_schema="));
    let schema = format!("pmsg_schema={schema}");
    params.push(&schema);
    format!("{base}?{}", params.join("&"))
}

/// `url` with `pmsg_pool_size=n` (replacing any).
pub fn with_pool_size(url: &str, n: u32) -> String {
    let (base, mut params) = split(url);
    params.retain(|p| !p.starts_with("pmsg_pool_size="));
    let size = format!("pmsg_pool_size={n}");
    params.push(&size);
    format!("{base}?{}", params.join("&"))
}

/// The `pmsg_schema` of a URL.
pub fn schema_of(url: &str) -> Option<&str> {
    split(url)
        .1
        .into_iter()
        .find_map(|p| p.strip_prefix("pmsg_schema="))
}

/// A driver error with the server's words and SQLSTATE (its `Display`
/// says only "db error").
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "PostgreSQL: {} (SQLSTATE {})",
            db.message(),
            db.code().code()
        ),
        None => format!("PostgreSQL: {e}"),
    }
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The driver's configuration for `url`: pmsg's parameters removed, a
/// `host` parameter in place of the URL's host. The bench connects without
/// TLS, so a URL that may use TLS (a TCP host without `sslmode=disable`)
/// is refused rather than measured over different connections than pmsg's.
pub fn driver_config(url: &str) -> Res<postgres::Config> {
    let (base, params) = split(url);
    let mut kept = Vec::new();
    let mut sslmode = None;
    for p in params {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        match k {
            "pmsg_schema" | "pmsg_pool_size" | "sslrootcert" => {}
            "sslmode" => sslmode = Some(v),
            _ => kept.push(p),
        }
    }
    let host_param = kept.iter().find_map(|p| p.strip_prefix("host="));
    let mut base = base.to_string();
    let mut extra = None;
    if host_param.is_some() {
        // As pmsg and libpq: the `host` parameter replaces the URL's host
        // (its port stays, unless a `port` parameter is given).
        if let Some(start) = base.find("://").map(|i| i + 3) {
            let end = base[start..].find('/').map_or(base.len(), |i| start + i);
            let auth = base[start..end].to_string();
            let (user, hostport) = match auth.rfind('@') {
                Some(at) => (&auth[..=at], &auth[at + 1..]),
                None => ("", auth.as_str()),
            };
            if let Some((_, port)) = hostport.rsplit_once(':') {
                if !port.is_empty() && !kept.iter().any(|p| p.starts_with("port=")) {
                    extra = Some(format!("port={port}"));
                }
            }
            base = format!("{}{user}{}", &base[..start], &base[end..]);
        }
    }
    let unix_socket = match host_param {
        Some(h) => h.starts_with('/') || h.starts_with("%2F") || h.starts_with("%2f"),
        None => false,
    };
    if !unix_socket && sslmode != Some("disable") {
        return Err(format!(
            "the bench's own PostgreSQL connections (the raw floor, counts) use no TLS: give a \
             unix socket (host=/DIR) or sslmode=disable, so that pmsg connects alike (sslmode {})",
            sslmode.unwrap_or("absent: prefer")
        )
        .into());
    }
    if let Some(p) = &extra {
        kept.push(p);
    }
    let driver = if kept.is_empty() {
        base
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(driver.parse()?)
}

/// A connection to the database of `url`, with the URL's `pmsg_schema` (if
/// any) as its `search_path`.
pub fn connect(url: &str) -> Res<Client> {
    let mut client = driver_config(url)?.connect(NoTls)?;
    if let Some(schema) = schema_of(url) {
        client.batch_execute(&format!("SET search_path TO {}", quote_ident(schema)))?;
    }
    Ok(client)
}

/// The URL's schema, refusing a URL without one (the bench never works
/// on a database's default schema).
fn own_schema(url: &str) -> Res<&str> {
    schema_of(url).ok_or_else(|| {
        "a generated store on PostgreSQL needs a schema of its own (pmsg_schema= in its URL)".into()
    })
}

/// Drops the store of `url` (its schema, with everything in it).
pub fn drop_store(url: &str) -> Res<()> {
    let schema = own_schema(url)?;
    let mut client = driver_config(url)?.connect(NoTls)?;
    client.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {} CASCADE",
        quote_ident(schema)
    ))?;
    Ok(())
}

/// Writes the manifest of the store of `url` (on its schema).
pub fn set_manifest(url: &str, manifest: &Value) -> Res<()> {
    let schema = own_schema(url)?;
    let mut client = connect(url)?;
    // COMMENT takes a literal only: quote the JSON as one.
    let text = serde_json::to_string(manifest)?.replace('\'', "''");
    client.batch_execute(&format!(
        "COMMENT ON SCHEMA {} IS '{text}'",
        quote_ident(schema)
    ))?;
    Ok(())
}

/// The manifest of the store of `url`, if its schema exists and has one.
pub fn manifest(url: &str) -> Option<Value> {
    let schema = own_schema(url).ok()?;
    let mut client = driver_config(url).ok()?.connect(NoTls).ok()?;
    let row = client
        .query_opt(
            "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1",
            &[&schema],
        )
        .ok()??;
    let text: Option<String> = row.get(0);
    serde_json::from_str(&text?).ok()
}

/// Bytes of every relation of the store's schema (tables, indexes, TOAST).
pub fn size_bytes(url: &str) -> Res<i64> {
    let schema = own_schema(url)?;
    let mut client = connect(url)?;
    let row = client.query_one(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')",
        &[&schema],
    )?;
    Ok(row.get(0))
}

/// Row counts of the store of `url`: the same as
/// [`crate::populate::count`] for a file.
pub fn count(url: &str) -> Res<Value> {
    let mut c = connect(url)?;
    let mut one = |sql: &str| -> Res<i64> { Ok(c.query_one(sql, &[])?.get(0)) };
    Ok(json!({
        "conversations": one("SELECT count(*) FROM conversation")?,
        "conversations_closed": one("SELECT count(*) FROM conversation WHERE status = 'closed'")?,
        "conversations_awaiting": one("SELECT count(*) FROM conversation WHERE req_message IS NOT NULL")?,
        "conversations_big_workgroup": one(&format!(
            "SELECT count(*) FROM conversation_party WHERE party = 'workgroup:{}'",
            crate::populate::BIG_WORKGROUP
        ))?,
        "messages": one("SELECT count(*) FROM message")?,
        "messages_patient": one("SELECT count(*) FROM message WHERE side = 'patient'")?,
        "messages_max_per_conversation": one(
            "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM message GROUP BY conversation_seq) t"
        )?,
        "attachments": one("SELECT count(*) FROM attachment")?,
        "events": one("SELECT count(*) FROM event")?,
        "events_pending": one("SELECT count(*) FROM event WHERE state = 'pending'")?,
        "events_acked": one("SELECT count(*) FROM event WHERE state = 'acked'")?,
        "events_cancelled": one("SELECT count(*) FROM event WHERE state = 'cancelled'")?,
        "billing_entries": one("SELECT count(*) FROM billing_entry")?,
        "audit_entries": one("SELECT count(*) FROM audit")?,
        "patients": one("SELECT count(*) FROM patient")?,
        "accounts": one("SELECT count(*) FROM account")?,
        "connections": one("SELECT count(*) FROM connection")?,
        "staff": one("SELECT count(*) FROM staff")?,
        "workgroups": one("SELECT count(*) FROM workgroup")?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_and_pool_sizes_are_set_in_the_url() {
        let u = "postgresql://pmsg@localhost/pmsg?host=/tmp/x&port=5432";
        let s = with_schema(u, "b_1");
        assert_eq!(s, format!("{u}&pmsg_schema=b_1"));
        assert_eq!(schema_of(&s), Some("b_1"));
        assert_eq!(schema_of(&with_schema(&s, "c")), Some("c"));
        assert_eq!(
            with_pool_size("postgres://h/d", 1),
            "postgres://h/d?pmsg_pool_size=1"
        );
        assert_eq!(url_of(Path::new(&s)), Some(s.as_str()));
        assert_eq!(url_of(Path::new("/tmp/a.sqlite")), None);
    }

    #[test]
    fn the_driver_gets_the_socket_and_no_pmsg_parameters() {
        let c = driver_config(
            "postgresql://pmsg@localhost:5433/pmsg?host=/tmp/x&pmsg_schema=s&pmsg_pool_size=2",
        )
        .unwrap();
        assert_eq!(c.get_user(), Some("pmsg"));
        assert_eq!(c.get_dbname(), Some("pmsg"));
        assert_eq!(c.get_ports(), &[5433]);
        assert_eq!(c.get_hosts().len(), 1);
        assert!(driver_config("postgres://u@db.example/d").is_err());
        assert!(driver_config("postgres://u@db.example/d?sslmode=require").is_err());
        assert!(driver_config("postgres://u@db.example/d?sslmode=disable").is_ok());
    }
}
