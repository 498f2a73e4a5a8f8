//! Where a harness run keeps its stores, and how the checks look inside
//! them behind pmsg's back.
//!
//! * [`Place::File`]: an SQLite file (with its `-wal` and `-shm`), read
//!   with rusqlite.
//! * [`Place::Schema`]: a fresh schema of a PostgreSQL database
//!   (`pmsg_schema=` appended to the `--db` URL, as every pmsg URL may
//!   carry), read with the `postgres` crate over a connection of its own.
//!
//! [`Inspector`] runs the checks' SQL on either: the invariants are
//! written in the SQL both understand (`IS DISTINCT FROM`, `string_agg`,
//! boolean columns used as truth values), and a lookup's `?1` becomes `$1`
//! on PostgreSQL.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Whether `db` names a PostgreSQL database rather than a file.
pub fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// One store of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// An SQLite file.
    File(PathBuf),
    /// Schema `schema` of the PostgreSQL database at `base` (a URL without
    /// `pmsg_schema`).
    Schema {
        /// The `--db` URL.
        base: String,
        /// The schema (ASCII letters, digits, `_`).
        schema: String,
    },
}

impl Place {
    /// A schema of `base` named after the run's kind, this process and `n`:
    /// unique on the database while the process lives.
    pub fn schema(base: &str, kind: &str, n: u64) -> Place {
        Place::Schema {
            base: base.to_string(),
            schema: format!("pmsg_torture_{kind}_{}_{n}", std::process::id()),
        }
    }

    /// What `Store::open` takes: the file's path or the URL with `pmsg_schema`.
    pub fn location(&self) -> String {
        match self {
            Place::File(p) => p.to_string_lossy().into_owned(),
            Place::Schema { base, schema } => {
                let sep = if base.contains('?') { '&' } else { '?' };
                format!("{base}{sep}pmsg_schema={schema}")
            }
        }
    }

    /// The file name or the schema name, for reports.
    pub fn name(&self) -> String {
        match self {
            Place::File(p) => p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Place::Schema { schema, .. } => schema.clone(),
        }
    }

    /// The file's path, for SQLite.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Place::File(p) => Some(p),
            Place::Schema { .. } => None,
        }
    }

    /// Removes the store: the file with its WAL and shared-memory file, or
    /// the schema with everything in it.
    pub fn remove(&self) {
        match self {
            Place::File(p) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut s = p.as_os_str().to_owned();
                    s.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(s));
                }
            }
            Place::Schema { base, schema } => {
                if let Ok(mut c) = pg_client(base) {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            }
        }
    }

    /// A connection for the checks, beside pmsg's own.
    pub fn inspect(&self) -> Result<Inspector, String> {
        match self {
            Place::File(p) => rusqlite::Connection::open(p)
                .map(Inspector::Sqlite)
                .map_err(|e| format!("rusqlite open of {}: {e}", p.display())),
            Place::Schema { base, schema } => {
                let mut c = pg_client(base)?;
                c.batch_execute(&format!("SET search_path TO {schema}"))
                    .map_err(|e| format!("SET search_path TO {schema}: {e}"))?;
                Ok(Inspector::Pg {
                    client: Box::new(c),
                    statements: HashMap::new(),
                })
            }
        }
    }
}

/// A plain connection to the database of a pmsg URL: pmsg's own
/// parameters and the TLS ones removed (the checks connect without TLS:
/// give them a unix socket or a server that accepts plain connections),
/// and, as pmsg and libpq do, a `host` parameter replacing the host of the
/// authority.
pub fn pg_client(url: &str) -> Result<postgres::Client, String> {
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
    let mut base = base.to_string();
    let mut extra = Vec::new();
    if kept.iter().any(|p| p.starts_with("host=")) {
        if let Some(start) = base.find("://").map(|i| i + 3) {
            let end = base[start..].find('/').map_or(base.len(), |i| start + i);
            let auth = base[start..end].to_string();
            let (user, hostport) = match auth.rfind('@') {
                Some(at) => (&auth[..=at], &auth[at + 1..]),
                None => ("", auth.as_str()),
            };
            if let Some((_, port)) = hostport.rsplit_once(':') {
                if !port.is_empty() && !kept.iter().any(|p| p.starts_with("port=")) {
                    extra.push(format!("port={port}"));
                }
            }
            base = format!("{}{user}{}", &base[..start], &base[end..]);
        }
    }
    let mut params: Vec<String> = kept.iter().map(|s| s.to_string()).collect();
    params.extend(extra);
    let driver = if params.is_empty() {
        base
    } else {
        format!("{base}?{}", params.join("&"))
    };
    postgres::Client::connect(&driver, postgres::NoTls)
        .map_err(|e| format!("cannot connect to {}: {e}", redact(&driver)))
}

/// The URL with any password hidden.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// A connection the checks read (and the negative controls damage) the
/// store through.
pub enum Inspector {
    /// rusqlite on the file.
    Sqlite(rusqlite::Connection),
    /// A PostgreSQL client whose `search_path` is the store's schema, with
    /// its prepared statements.
    Pg {
        /// The connection.
        client: Box<postgres::Client>,
        /// Statements prepared on it, by SQL text.
        statements: HashMap<String, postgres::Statement>,
    },
}

/// A value one lookup returns.
pub trait Value: Sized {
    /// From rusqlite.
    fn sqlite(r: &rusqlite::Row) -> rusqlite::Result<Self>;
    /// From postgres.
    fn pg(r: &postgres::Row) -> Result<Self, postgres::Error>;
}

impl Value for i64 {
    fn sqlite(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        r.get(0)
    }
    fn pg(r: &postgres::Row) -> Result<Self, postgres::Error> {
        r.try_get(0)
    }
}

impl Value for bool {
    fn sqlite(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        r.get(0)
    }
    fn pg(r: &postgres::Row) -> Result<Self, postgres::Error> {
        r.try_get(0)
    }
}

impl Value for String {
    fn sqlite(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        r.get(0)
    }
    fn pg(r: &postgres::Row) -> Result<Self, postgres::Error> {
        r.try_get(0)
    }
}

impl Inspector {
    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Inspector::Pg { .. })
    }

    /// The first column of every row of `sql`, as text (NULL as `NULL`).
    pub fn rows(&mut self, sql: &str) -> Result<Vec<String>, String> {
        match self {
            Inspector::Sqlite(conn) => {
                let mut st = conn.prepare(sql).map_err(|e| e.to_string())?;
                let out = st
                    .query_map([], |r| {
                        Ok(match r.get_ref(0)? {
                            rusqlite::types::ValueRef::Null => "NULL".to_string(),
                            rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                            rusqlite::types::ValueRef::Real(f) => f.to_string(),
                            rusqlite::types::ValueRef::Text(t) => {
                                String::from_utf8_lossy(t).into_owned()
                            }
                            rusqlite::types::ValueRef::Blob(b) => format!("<{} bytes>", b.len()),
                        })
                    })
                    .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                    .map_err(|e| e.to_string())?;
                Ok(out)
            }
            Inspector::Pg { client, .. } => {
                // The simple protocol: every value comes back as text.
                let msgs = client.simple_query(sql).map_err(|e| pg_error(&e))?;
                Ok(msgs
                    .into_iter()
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(r) => {
                            Some(r.get(0).unwrap_or("NULL").to_string())
                        }
                        _ => None,
                    })
                    .collect())
            }
        }
    }

    /// The one number `sql` (no parameters) returns; -1 when it fails.
    pub fn count(&mut self, sql: &str) -> i64 {
        self.rows(sql)
            .ok()
            .and_then(|r| r.first().and_then(|v| v.parse().ok()))
            .unwrap_or(-1)
    }

    /// The first value of the one row `sql` finds for `key` (`?1` in the
    /// SQL), through a statement prepared once.
    pub fn lookup<T: Value>(&mut self, sql: &str, key: &str) -> Result<Option<T>, String> {
        use rusqlite::OptionalExtension;
        match self {
            Inspector::Sqlite(conn) => conn
                .prepare_cached(sql)
                .and_then(|mut st| st.query_row([key], T::sqlite).optional())
                .map_err(|e| format!("query failed: {e}")),
            Inspector::Pg { client, statements } => {
                let st = match statements.get(sql) {
                    Some(st) => st.clone(),
                    None => {
                        let st = client
                            .prepare(&sql.replace("?1", "$1"))
                            .map_err(|e| format!("query failed: {}", pg_error(&e)))?;
                        statements.insert(sql.to_string(), st.clone());
                        st
                    }
                };
                match client
                    .query_opt(&st, &[&key])
                    .map_err(|e| format!("query failed: {}", pg_error(&e)))?
                {
                    None => Ok(None),
                    Some(row) => T::pg(&row)
                        .map(Some)
                        .map_err(|e| format!("query failed: {}", pg_error(&e))),
                }
            }
        }
    }

    /// Runs statements (no parameters, no result).
    pub fn batch(&mut self, sql: &str) -> Result<(), String> {
        match self {
            Inspector::Sqlite(conn) => conn.execute_batch(sql).map_err(|e| e.to_string()),
            Inspector::Pg { client, .. } => client.batch_execute(sql).map_err(|e| pg_error(&e)),
        }
    }

    /// Runs one statement with text parameters (`?1`, `?2`…); rows changed.
    pub fn execute(&mut self, sql: &str, params: &[&str]) -> Result<u64, String> {
        match self {
            Inspector::Sqlite(conn) => conn
                .execute(sql, rusqlite::params_from_iter(params))
                .map(|n| n as u64)
                .map_err(|e| e.to_string()),
            Inspector::Pg { client, .. } => {
                let mut pg_sql = sql.to_string();
                for i in (1..=params.len()).rev() {
                    pg_sql = pg_sql.replace(&format!("?{i}"), &format!("${i}"));
                }
                let args: Vec<&(dyn postgres::types::ToSql + Sync)> = params
                    .iter()
                    .map(|p| p as &(dyn postgres::types::ToSql + Sync))
                    .collect();
                client.execute(&pg_sql, &args).map_err(|e| pg_error(&e))
            }
        }
    }

    /// Turns off the checks of foreign keys for this connection (the
    /// negative controls delete rows others refer to).
    pub fn without_foreign_keys(&mut self) -> Result<(), String> {
        match self {
            Inspector::Sqlite(_) => self.batch("PRAGMA foreign_keys = OFF"),
            // Foreign keys are triggers, which a replica does not fire
            // (needs a superuser, as the test cluster's user is).
            Inspector::Pg { .. } => self.batch("SET session_replication_role = replica"),
        }
    }
}

/// A driver error with the server's message and SQLSTATE when it has them.
pub fn pg_error(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_place_appends_pmsg_schema() {
        let p = Place::Schema {
            base: "postgresql://u@/d?host=/tmp/x".into(),
            schema: "s1".into(),
        };
        assert_eq!(p.location(), "postgresql://u@/d?host=/tmp/x&pmsg_schema=s1");
        let p = Place::Schema {
            base: "postgres://u@h/d".into(),
            schema: "s1".into(),
        };
        assert_eq!(p.location(), "postgres://u@h/d?pmsg_schema=s1");
        assert!(is_postgres(&p.location()));
        assert!(!is_postgres("/tmp/x.db"));
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(redact("postgres://u:pw@h/d"), "postgres://u:***@h/d");
        assert_eq!(redact("postgres://u@h/d"), "postgres://u@h/d");
    }
}
