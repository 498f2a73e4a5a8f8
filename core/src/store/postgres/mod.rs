//! The PostgreSQL backend (SPEC R-ST1, R-ST2): a database named by a
//! `postgres://` or `postgresql://` URL, reached through a small pool of
//! connections (r2d2), optionally over TLS (rustls).
//!
//! - Every write is one `SERIALIZABLE` transaction: the rules read, decide
//!   in Rust and write, exactly as on SQLite (where writers are serialized
//!   outright). A transaction that loses a serialization conflict or a
//!   deadlock (SQLSTATE 40001, 40P01) is rolled back and run again after a
//!   jittered pause, for up to [`RETRY_BUDGET`] (SQLite's busy timeout),
//!   then fails with `storage` saying so. So that a transaction cannot
//!   starve (lose to a stream of shorter ones), after [`RUN_ALONE_AFTER`]
//!   conflicts it runs alone: every write transaction begins by taking the
//!   store's advisory lock shared (`pg_advisory_xact_lock_shared`), and
//!   the starving one takes it exclusive, on a connection of its own,
//!   before it begins, so that no other writer of the store runs beside
//!   it.
//! - A pooled connection found broken when its transaction begins (the
//!   server restarted, or ended it) is dropped and another one taken:
//!   nothing was sent on it, so the operation simply goes on. A connection
//!   that breaks later, mid-transaction or at `COMMIT`, fails the
//!   operation with `storage` (it may or may not have committed, as when a
//!   process is killed) and is dropped from the pool.
//! - Reads are `REPEATABLE READ READ ONLY`: one consistent snapshot.
//! - The schema has its own numbered migrations
//!   (`../migrations/postgres/000N_*.sql`) reaching the same versions as
//!   SQLite's, recorded in `pmsg_schema_version`; concurrent first opens
//!   migrate one at a time under `pg_advisory_xact_lock`.
//! - The audit chain (R-AU1) is one chain per conversation
//!   ([`AuditChaining::PerConversation`]).
//! - A purge (R-D6) sets the content to NULL: it is gone from every live
//!   row at once. pmsg runs no VACUUM afterwards, by decision: measured
//!   (`pmsg-torture purge-remnants`), a plain VACUUM left half the small
//!   purged files in the table's pages and every large one in its TOAST
//!   pages (freed space is not overwritten), while VACUUM FULL, which does
//!   clear the table's files, locks the attachment table against every
//!   send, view and download while it rewrites it, and neither touches
//!   the WAL or the backups. Those are the operator's (RELIABILITY.md,
//!   "PostgreSQL").
//!
//! URL parameters of pmsg's own (removed before the URL reaches the
//! driver): `pmsg_schema=NAME` (a schema, created if missing, used as the
//! `search_path`: one database can hold many stores), `pmsg_pool_size=N`
//! (connections per handle, default 8), `pmsg_busy_timeout_ms=N` (how
//! long a statement waits for a lock: the connections' `lock_timeout`,
//! default 10 s as SQLite's busy timeout). `sslmode` takes `disable`,
//! `allow`, `prefer` (the default), `require`, `verify-ca`, `verify-full`,
//! with `sslrootcert=FILE` (PEM) as in libpq; see `tls.rs`.

mod queries;
mod tls;

use crate::error::{Error, Result, StorageKind};
use crate::store::{Backend, Finish, Tx, SCHEMA_VERSION};
use postgres::{Client, Statement};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

/// The migrations, in order; migration `i` takes the schema to version
/// `i + 1`, the same versions as the SQLite migrations.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/postgres/0001_initial.sql"),
    include_str!("../migrations/postgres/0002_folder_indexes.sql"),
    include_str!("../migrations/postgres/0003_claims_groups_assignments_confidential.sql"),
    include_str!("../migrations/postgres/0004_settings.sql"),
];

const _: () = assert!(MIGRATIONS.len() as i64 == SCHEMA_VERSION);

/// How long one operation's transaction is tried again while it loses
/// serialization conflicts before the failure is reported: SQLite's busy
/// timeout. Conflicts are frequent under SERIALIZABLE with many writers:
/// PostgreSQL's predicate locks are per index page (or per table after a
/// sequential scan), and ids that grow with time put concurrent inserts
/// on the same pages, so writers of different conversations conflict
/// too. With 16 writers a fixed 10 attempts (about 0.3 s) left 4% of the
/// operations failing (`pmsg-torture concurrency --db`, RELIABILITY.md).
pub(crate) const RETRY_BUDGET: Duration = Duration::from_secs(10);

/// Conflicts one operation loses before its transaction runs alone (with
/// the store's writers lock exclusive): about a second of retries.
pub(crate) const RUN_ALONE_AFTER: u32 = 20;

/// The store's writers lock, taken shared by every write transaction
/// (the key is `hashtext` of this and the schema's name).
const SHARED_WRITERS_LOCK: &str = "SELECT pg_advisory_xact_lock_shared(hashtext($1))";

/// Connections per handle unless `pmsg_pool_size` says otherwise.
const DEFAULT_POOL_SIZE: u32 = 8;

/// How long an operation waits for a free connection (or a new one).
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(30);

/// One wait on the pool: r2d2 retries a failed connect after a delay that
/// doubles up to half of this, so a short wait (taken again until
/// [`CHECKOUT_TIMEOUT`]) lets a handle reconnect within half a second of
/// the server's return. With the pool's wait at 30 s, a handle whose
/// server was down 7 s served again only seconds after it was back
/// (`pmsg-torture server-kill`).
const POOL_WAIT: Duration = Duration::from_secs(1);

/// How long a statement waits for a lock unless `pmsg_busy_timeout_ms`
/// says otherwise (`lock_timeout`; the same default as SQLite's busy timeout).
const BUSY_TIMEOUT_MS: u64 = 10_000;

/// The longest `pmsg_busy_timeout_ms` (one hour).
const MAX_BUSY_TIMEOUT_MS: u64 = 3_600_000;

/// One pooled connection and its prepared statements.
pub(crate) struct PgConn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

/// Opens connections for the pool: the driver's configuration, the TLS
/// choice, and the schema to put on the `search_path`.
#[derive(Clone)]
struct Manager {
    config: postgres::Config,
    tls: tls::Tls,
    schema: Option<String>,
    busy_timeout_ms: u64,
}

impl Manager {
    fn connect(&self) -> std::result::Result<PgConn, postgres::Error> {
        let mut client = self.tls.connect(&self.config)?;
        if let Some(schema) = &self.schema {
            client.batch_execute(&format!("SET search_path TO {}", quote_ident(schema)))?;
        }
        // A lock not granted in time is SQLSTATE 55P03: `storage`/`busy`.
        client.batch_execute(&format!("SET lock_timeout = {}", self.busy_timeout_ms))?;
        Ok(PgConn {
            client,
            statements: HashMap::new(),
        })
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<PgConn, postgres::Error> {
        Manager::connect(self)
    }

    fn is_valid(&self, conn: &mut PgConn) -> std::result::Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

/// A PostgreSQL database: a pool of connections.
pub(crate) struct PgDb {
    pool: r2d2::Pool<Manager>,
    /// Opens the connection of a transaction that runs alone.
    alone: Box<Manager>,
    /// The text whose `hashtext` is the key of the store's writers lock.
    writers_lock: String,
}

/// The parts of a pmsg URL.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ParsedUrl {
    /// The URL without pmsg's own parameters, for the driver.
    pub driver_url: String,
    pub schema: Option<String>,
    pub pool_size: u32,
    /// `lock_timeout` of every connection, in milliseconds.
    pub busy_timeout_ms: u64,
    pub ssl: tls::SslSettings,
}

/// Splits a pmsg PostgreSQL URL into the driver's URL and pmsg's settings.
pub(crate) fn parse_url(url: &str) -> Result<ParsedUrl> {
    let bad = |why: String| Error::InvalidArgument(format!("PostgreSQL URL: {why} (R-ST1)"));
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut kept = Vec::new();
    let mut schema = None;
    let mut pool_size = DEFAULT_POOL_SIZE;
    let mut busy_timeout_ms = BUSY_TIMEOUT_MS;
    let mut sslmode = None;
    let mut sslrootcert = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(v).map_err(|e| bad(format!("parameter {k}: {e}")))?;
        match k {
            "pmsg_schema" => {
                let ok = !value.is_empty()
                    && value.len() <= 63
                    && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !ok {
                    return Err(bad(format!(
                        "pmsg_schema {value:?} must be 1 to 63 ASCII letters, digits or underscores"
                    )));
                }
                schema = Some(value);
            }
            "pmsg_pool_size" => {
                pool_size = match value.parse::<u32>() {
                    Ok(n) if (1..=1000).contains(&n) => n,
                    _ => {
                        return Err(bad(format!(
                            "pmsg_pool_size {value:?} must be a whole number from 1 to 1000"
                        )))
                    }
                }
            }
            "pmsg_busy_timeout_ms" => {
                busy_timeout_ms = match value.parse::<u64>() {
                    Ok(n) if n <= MAX_BUSY_TIMEOUT_MS => n,
                    _ => {
                        return Err(bad(format!(
                            "pmsg_busy_timeout_ms {value:?} must be a whole number of \
                             milliseconds from 0 to {MAX_BUSY_TIMEOUT_MS}"
                        )))
                    }
                }
            }
            "sslmode" => sslmode = Some(value),
            "sslrootcert" => sslrootcert = Some(value),
            _ => kept.push(pair),
        }
    }
    let ssl = tls::SslSettings::new(sslmode.as_deref(), sslrootcert).map_err(bad)?;
    // As libpq: a `host` parameter replaces the host of the authority (the
    // driver would try both, the authority's first).
    let mut base = base.to_string();
    let mut extra_port = None;
    if kept.iter().any(|p| p.starts_with("host=")) {
        if let Some(start) = base.find("://").map(|i| i + 3) {
            let end = base[start..].find('/').map_or(base.len(), |i| start + i);
            let auth = &base[start..end];
            let (user, hostport) = match auth.rfind('@') {
                Some(at) => (&auth[..=at], &auth[at + 1..]),
                None => ("", auth),
            };
            if let Some((_, port)) = hostport.rsplit_once(':') {
                if !port.is_empty() && !kept.iter().any(|p| p.starts_with("port=")) {
                    extra_port = Some(format!("port={port}"));
                }
            }
            base = format!("{}{user}{}", &base[..start], &base[end..]);
        }
    }
    let mut kept: Vec<&str> = kept;
    if let Some(p) = &extra_port {
        kept.push(p);
    }
    let driver_url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(ParsedUrl {
        driver_url,
        schema,
        pool_size,
        busy_timeout_ms,
        ssl,
    })
}

fn percent_decode(s: &str) -> std::result::Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad percent escape in {s:?}"))?;
                out.push(hex);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("{s:?} is not UTF-8"))
}

/// A quoted SQL identifier.
fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The URL with any password replaced, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The storage error for a driver error, naming its SQLSTATE when it has
/// one, else its causes (the driver's own words are only the kind of
/// failure: "error performing TLS handshake" without the certificate
/// problem that caused it).
fn storage(e: &postgres::Error) -> Error {
    match e.as_db_error() {
        Some(db) => Error::storage(
            kind_of(e),
            format!(
                "PostgreSQL: {} (SQLSTATE {})",
                db.message(),
                db.code().code()
            ),
        ),
        None => {
            let mut text = format!("PostgreSQL: {e}");
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                let words = c.to_string();
                if !text.ends_with(&words) {
                    text.push_str(": ");
                    text.push_str(&words);
                }
                cause = c.source();
            }
            Error::storage(kind_of(e), text)
        }
    }
}

/// What a host can do about a driver error: by its SQLSTATE when the
/// server sent one, else a closed connection or a socket error is a lost
/// connection.
fn kind_of(e: &postgres::Error) -> StorageKind {
    if let Some(code) = e.code() {
        return kind_of_sqlstate(code.code());
    }
    let io = std::iter::successors(std::error::Error::source(e), |s| s.source())
        .any(|s| s.is::<std::io::Error>());
    if e.is_closed() || io {
        StorageKind::ConnectionLost
    } else {
        StorageKind::Other
    }
}

/// The kind of an SQLSTATE (PostgreSQL's appendix A).
fn kind_of_sqlstate(code: &str) -> StorageKind {
    match code {
        // lock_not_available (lock_timeout), too_many_connections
        "55P03" | "53300" => StorageKind::Busy,
        // disk_full
        "53100" => StorageKind::DiskFull,
        // io_error, undefined_file, duplicate_file
        "58030" | "58P01" | "58P02" => StorageKind::Io,
        // data_corrupted, index_corrupted
        "XX001" | "XX002" => StorageKind::Corrupt,
        // admin_shutdown, crash_shutdown, cannot_connect_now
        "57P01" | "57P02" | "57P03" => StorageKind::ConnectionLost,
        // serialization_failure, deadlock_detected: pmsg retries these; one
        // that reaches a caller was not (or no longer) retried
        "40001" | "40P01" => StorageKind::RetriesExhausted,
        c if c.starts_with("08") => StorageKind::ConnectionLost,
        _ => StorageKind::Other,
    }
}

/// Whether a failed transaction may simply be run again: it lost a
/// serialization conflict or was chosen as a deadlock victim.
fn is_retryable(e: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

/// The pool's connection maker for `url`, and a first connection (without
/// the `search_path`), so that a wrong URL, host or password fails now
/// with the server's own words.
fn connect_first(url: &str) -> Result<(ParsedUrl, Manager, Client)> {
    let parsed = parse_url(url)?;
    let config: postgres::Config = parsed.driver_url.parse().map_err(|e| {
        Error::InvalidArgument(format!(
            "PostgreSQL URL {:?}: {e} (R-ST1)",
            redact(&parsed.driver_url)
        ))
    })?;
    let tls = tls::Tls::new(&parsed.ssl, &config)?;
    let manager = Manager {
        config,
        tls,
        schema: parsed.schema.clone(),
        busy_timeout_ms: parsed.busy_timeout_ms,
    };
    let first = manager.connect_unscoped().map_err(|e| {
        Error::storage(
            kind_of(&e),
            format!(
                "cannot connect to PostgreSQL {:?}: {}",
                redact(url),
                storage(&e)
            ),
        )
    })?;
    Ok((parsed, manager, first))
}

/// What the store of `url` holds, found in one read-only transaction
/// that creates nothing: its schema (`pmsg_schema`, else the first of the
/// `search_path` holding `pmsg_schema_version`) is initialised when that
/// table records a version; it is empty when none of its other tables
/// has a row (the clinic's settings, R-ST3, are not data: a store is
/// empty until something but its settings is written).
pub(crate) fn contents(url: &str) -> Result<crate::StoreContents> {
    use crate::StoreContents;
    let (parsed, _, mut client) = connect_first(url)?;
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(|e| storage(&e))?;
    let table = match &parsed.schema {
        Some(s) => format!("{}.pmsg_schema_version", quote_ident(s)),
        None => "pmsg_schema_version".to_string(),
    };
    let schema: Option<String> = tx
        .query_opt(
            "SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.oid = to_regclass($1)",
            &[&table],
        )
        .map_err(|e| storage(&e))?
        .map(|r| r.get(0));
    let Some(schema) = schema else {
        return Ok(StoreContents::Uninitialised);
    };
    let q = quote_ident(&schema);
    let version: Option<i64> = tx
        .query_one(
            &format!("SELECT max(version) FROM {q}.pmsg_schema_version"),
            &[],
        )
        .map_err(|e| storage(&e))?
        .get(0);
    if version.unwrap_or(0) < 1 {
        return Ok(StoreContents::Uninitialised);
    }
    let tables: Vec<String> = tx
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') \
             AND c.relname NOT IN ('pmsg_schema_version', 'settings') \
             ORDER BY 1",
            &[&schema],
        )
        .map_err(|e| storage(&e))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for t in tables {
        let any: bool = tx
            .query_one(
                &format!("SELECT EXISTS (SELECT 1 FROM {q}.{})", quote_ident(&t)),
                &[],
            )
            .map_err(|e| storage(&e))?
            .get(0);
        if any {
            return Ok(StoreContents::NotEmpty);
        }
    }
    Ok(StoreContents::Empty)
}

impl PgDb {
    /// Connects, creates the `pmsg_schema` if asked and missing, and migrates.
    pub fn open(url: &str) -> Result<PgDb> {
        let (parsed, manager, mut first) = connect_first(url)?;
        migrate(&mut first, parsed.schema.as_deref())?;
        drop(first);
        let alone = Box::new(manager.clone());
        let writers_lock = format!("pmsg writers {}", parsed.schema.as_deref().unwrap_or(""));
        let pool = r2d2::Pool::builder()
            .max_size(parsed.pool_size)
            .min_idle(Some(0))
            .test_on_check_out(false)
            .connection_timeout(POOL_WAIT)
            .build(manager)
            .map_err(|e| {
                Error::storage(
                    StorageKind::ConnectionLost,
                    format!("PostgreSQL connection pool: {e}"),
                )
            })?;
        Ok(PgDb {
            pool,
            alone,
            writers_lock,
        })
    }

    /// A connection from the pool, waiting for one (all busy, or the
    /// server unreachable) up to [`CHECKOUT_TIMEOUT`].
    fn checkout(&self) -> Result<r2d2::PooledConnection<Manager>> {
        let started = std::time::Instant::now();
        loop {
            match self.pool.get() {
                Ok(c) => return Ok(c),
                Err(_) if started.elapsed() + POOL_WAIT <= CHECKOUT_TIMEOUT => {}
                Err(e) => {
                    // Every connection busy for the whole wait, or none could be made.
                    let state = self.pool.state();
                    let kind = if state.connections >= self.pool.max_size()
                        && state.idle_connections == 0
                    {
                        StorageKind::Busy
                    } else {
                        StorageKind::ConnectionLost
                    };
                    return Err(Error::storage(
                        kind,
                        format!(
                            "no PostgreSQL connection within {} s: {e}",
                            CHECKOUT_TIMEOUT.as_secs()
                        ),
                    ));
                }
            }
        }
    }

    /// Runs `f` in transactions started by `begin` until it neither loses
    /// a serialization conflict nor commits into one, for up to
    /// [`RETRY_BUDGET`].
    fn run(&self, write: bool, f: &mut dyn FnMut(&Tx) -> Finish) -> Result<()> {
        // The budget runs from the first conflict (time spent waiting for
        // a connection, e.g. while the server restarts, is not counted).
        let mut conflicted_since: Option<std::time::Instant> = None;
        // Broken pooled connections skipped so far: at most one per
        // connection the pool can hold, then the failure is reported.
        let mut broken = 0;
        let mut conflicts = 0u32;
        loop {
            let alone = write && conflicts >= RUN_ALONE_AFTER;
            let mut own;
            let mut pooled;
            let conn: &mut PgConn = if alone {
                own =
                    self.connect_alone(conflicted_since.unwrap_or_else(std::time::Instant::now))?;
                &mut own
            } else {
                pooled = self.checkout()?;
                &mut pooled
            };
            let outcome = 'attempt: {
                let PgConn { client, statements } = &mut *conn;
                let begun = if write {
                    client
                        .build_transaction()
                        .isolation_level(postgres::IsolationLevel::Serializable)
                        .start()
                } else {
                    client
                        .build_transaction()
                        .isolation_level(postgres::IsolationLevel::RepeatableRead)
                        .read_only(true)
                        .start()
                };
                let tx = match begun {
                    Ok(tx) => tx,
                    Err(e) => break 'attempt Attempt::BeginFailed(e),
                };
                let ptx = PgTx {
                    tx: RefCell::new(tx),
                    statements: RefCell::new(statements),
                    conflict: Cell::new(false),
                    failed: Cell::new(false),
                };
                if write && !alone {
                    if let Err(e) = ptx.execute(SHARED_WRITERS_LOCK, &[&self.writers_lock]) {
                        break 'attempt if ptx.conflict.get() {
                            Attempt::Conflict
                        } else {
                            Attempt::Done(Err(e))
                        };
                    }
                }
                let finish = f(&ptx);
                let PgTx {
                    tx,
                    conflict,
                    failed,
                    ..
                } = ptx;
                let tx = tx.into_inner();
                if conflict.get() {
                    drop(tx); // rolls back
                    break 'attempt Attempt::Conflict;
                }
                Attempt::Done(match finish {
                    Finish::Commit if failed.get() => {
                        drop(tx);
                        Err(Error::Internal(
                            "a statement failed inside a transaction that was asked to commit"
                                .into(),
                        ))
                    }
                    Finish::Commit => match tx.commit() {
                        Ok(()) => Ok(()),
                        Err(e) if is_retryable(&e) => break 'attempt Attempt::Conflict,
                        Err(e) => Err(storage(&e)),
                    },
                    Finish::Rollback => tx.rollback().map_err(|e| {
                        Error::storage(kind_of(&e), format!("the rollback failed: {e}"))
                    }),
                })
            };
            if alone {
                // Closing the connection would release the lock too.
                let _ = conn.client.simple_query("SELECT pg_advisory_unlock_all()");
            }
            match outcome {
                Attempt::Done(result) => return result,
                // The connection was dead before anything of this operation
                // was sent (the server restarted, or ended it, while it sat
                // in the pool): the pool drops it on its return, and the
                // next checkout finds or opens another.
                Attempt::BeginFailed(_)
                    if !alone && conn.client.is_closed() && broken < self.pool.max_size() =>
                {
                    broken += 1;
                }
                Attempt::BeginFailed(e) => return Err(storage(&e)),
                Attempt::Conflict => {
                    conflicts += 1;
                    let since = *conflicted_since.get_or_insert_with(std::time::Instant::now);
                    if since.elapsed() >= RETRY_BUDGET {
                        return Err(Error::storage(
                            StorageKind::RetriesExhausted,
                            format!(
                                "the transaction lost a serialization conflict with other writers \
                                 (SQLSTATE 40001 or 40P01) {conflicts} times in {:.1} s and pmsg \
                                 gave up; nothing of it was committed",
                                since.elapsed().as_secs_f64()
                            ),
                        ));
                    }
                    if conflicts < RUN_ALONE_AFTER {
                        backoff(conflicts);
                    }
                }
            }
        }
    }

    /// A connection of its own for a transaction that runs alone, holding
    /// the store's writers lock exclusive: taken before the transaction
    /// begins (so its snapshot comes after every other writer's commit),
    /// waiting at most what is left of [`RETRY_BUDGET`] (which runs from
    /// `since`, the first conflict).
    fn connect_alone(&self, since: std::time::Instant) -> Result<PgConn> {
        let mut conn = self.alone.connect().map_err(|e| {
            Error::storage(
                kind_of(&e),
                format!("cannot connect to PostgreSQL: {}", storage(&e)),
            )
        })?;
        let left = RETRY_BUDGET
            .saturating_sub(since.elapsed())
            .as_millis()
            .max(1);
        conn.client
            .batch_execute(&format!("SET lock_timeout = {left}"))
            .and_then(|()| {
                conn.client.execute(
                    "SELECT pg_advisory_lock(hashtext($1))",
                    &[&self.writers_lock],
                )
            })
            .map_err(|e| {
                Error::storage(
                    StorageKind::RetriesExhausted,
                    format!(
                        "the transaction lost serialization conflicts with other writers {} times \
                         and could not run alone within {} s: {}; nothing of it was committed",
                        RUN_ALONE_AFTER,
                        RETRY_BUDGET.as_secs(),
                        storage(&e)
                    ),
                )
            })?;
        Ok(conn)
    }
}

/// How one try of an operation's transaction ended.
enum Attempt {
    /// Committed, rolled back as asked, or failed for good.
    Done(Result<()>),
    /// Lost a serialization conflict or a deadlock: to be run again.
    Conflict,
    /// `BEGIN` failed.
    BeginFailed(postgres::Error),
}

impl Manager {
    /// A connection without the `search_path`, whose schema may not exist yet.
    fn connect_unscoped(&self) -> std::result::Result<Client, postgres::Error> {
        self.tls.connect(&self.config)
    }
}

/// Waits a little before trying again: 1 ms up to a cap that doubles
/// with each attempt to 100 ms, uniformly ("full jitter"), so that the
/// conflicting writers spread out.
fn backoff(attempt: u32) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let cap_ms = (1u64 << attempt.min(7)).min(100);
    let ms = 1 + u64::from(nanos) % cap_ms;
    std::thread::sleep(Duration::from_millis(ms));
}

impl Backend for PgDb {
    fn write(&self, f: &mut dyn FnMut(&Tx) -> Finish) -> Result<()> {
        self.run(true, f)
    }

    fn read(&self, f: &mut dyn FnMut(&Tx)) -> Result<()> {
        self.run(false, &mut |tx| {
            f(tx);
            Finish::Rollback
        })
    }
}

/// Applies every migration newer than the recorded version, each in one
/// transaction holding the advisory lock of this store, so that
/// concurrent first opens migrate one at a time; a newer schema is
/// `schema_too_new`.
fn migrate(client: &mut Client, schema: Option<&str>) -> Result<()> {
    let lock_key = format!("pmsg migrate {}", schema.unwrap_or(""));
    let scope = |client: &mut postgres::Transaction| -> Result<()> {
        if let Some(s) = schema {
            client
                .batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {q}; SET LOCAL search_path TO {q}",
                    q = quote_ident(s)
                ))
                .map_err(|e| storage(&e))?;
        }
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS pmsg_schema_version (version BIGINT NOT NULL)",
            )
            .map_err(|e| storage(&e))
    };
    let mut version = 0;
    loop {
        let mut tx = client.transaction().map_err(|e| storage(&e))?;
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&lock_key])
            .map_err(|e| storage(&e))?;
        scope(&mut tx)?;
        let found: Option<i64> = tx
            .query_opt("SELECT max(version) FROM pmsg_schema_version", &[])
            .map_err(|e| storage(&e))?
            .and_then(|r| r.get(0));
        let found = found.unwrap_or(0);
        if found > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == SCHEMA_VERSION {
            tx.commit().map_err(|e| storage(&e))?;
            return Ok(());
        }
        if found < version {
            return Err(Error::storage(
                StorageKind::Other,
                format!(
                    "the schema version went back from {version} to {found} during the migration"
                ),
            ));
        }
        let next = found + 1;
        tx.batch_execute(MIGRATIONS[found as usize]).map_err(|e| {
            let Error::Storage(why) = storage(&e) else {
                unreachable!()
            };
            Error::storage(
                why.kind,
                format!(
                    "PostgreSQL migration to schema version {next}: {}",
                    why.message
                ),
            )
        })?;
        tx.execute("DELETE FROM pmsg_schema_version", &[])
            .map_err(|e| storage(&e))?;
        tx.execute(
            "INSERT INTO pmsg_schema_version (version) VALUES ($1)",
            &[&next],
        )
        .map_err(|e| storage(&e))?;
        tx.commit().map_err(|e| storage(&e))?;
        version = next;
    }
}

/// A transaction in progress on PostgreSQL. Every driver error is turned
/// into `storage` here; one that calls for a retry marks the transaction,
/// and the backend runs the operation again whatever the rules made of it.
pub(crate) struct PgTx<'a> {
    tx: RefCell<postgres::Transaction<'a>>,
    statements: RefCell<&'a mut HashMap<&'static str, Statement>>,
    conflict: Cell<bool>,
    failed: Cell<bool>,
}

type Params<'p> = &'p [&'p (dyn postgres::types::ToSql + Sync)];

impl PgTx<'_> {
    fn err(&self, e: postgres::Error) -> Error {
        self.failed.set(true);
        if is_retryable(&e) {
            self.conflict.set(true);
        }
        storage(&e)
    }

    /// The prepared statement for `sql`, prepared once per connection.
    fn statement(&self, sql: &'static str) -> Result<Statement> {
        if let Some(st) = self.statements.borrow().get(sql) {
            return Ok(st.clone());
        }
        let st = self.tx.borrow_mut().prepare(sql).map_err(|e| self.err(e))?;
        self.statements.borrow_mut().insert(sql, st.clone());
        Ok(st)
    }

    fn execute(&self, sql: &'static str, params: Params) -> Result<u64> {
        let st = self.statement(sql)?;
        let r = self.tx.borrow_mut().execute(&st, params);
        r.map_err(|e| self.err(e))
    }

    fn query(&self, sql: &'static str, params: Params) -> Result<Vec<postgres::Row>> {
        let st = self.statement(sql)?;
        let r = self.tx.borrow_mut().query(&st, params);
        r.map_err(|e| self.err(e))
    }

    fn query_opt(&self, sql: &'static str, params: Params) -> Result<Option<postgres::Row>> {
        let st = self.statement(sql)?;
        let r = self.tx.borrow_mut().query_opt(&st, params);
        r.map_err(|e| self.err(e))
    }

    fn query_one(&self, sql: &'static str, params: Params) -> Result<postgres::Row> {
        let st = self.statement(sql)?;
        let r = self.tx.borrow_mut().query_one(&st, params);
        r.map_err(|e| self.err(e))
    }

    /// Visits the rows of `sql` in batches of `batch`, through a portal,
    /// until `f` returns false.
    fn scan(
        &self,
        sql: &'static str,
        params: Params,
        batch: i32,
        f: &mut dyn FnMut(&postgres::Row) -> Result<bool>,
    ) -> Result<()> {
        let st = self.statement(sql)?;
        let portal = {
            let r = self.tx.borrow_mut().bind(&st, params);
            r.map_err(|e| self.err(e))?
        };
        loop {
            let rows = {
                let r = self.tx.borrow_mut().query_portal(&portal, batch);
                r.map_err(|e| self.err(e))?
            };
            let done = rows.len() < batch as usize;
            for row in &rows {
                if !f(row)? {
                    return Ok(());
                }
            }
            if done {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pmsg_parameters_leave_the_driver_url() {
        let p = parse_url(
            "postgresql://pmsg@localhost/pmsg?host=/tmp/x&pmsg_schema=s_01&port=5432&pmsg_pool_size=3",
        )
        .unwrap();
        assert_eq!(
            p.driver_url,
            "postgresql://pmsg@/pmsg?host=/tmp/x&port=5432"
        );
        assert_eq!(p.schema.as_deref(), Some("s_01"));
        assert_eq!(p.pool_size, 3);
        let p = parse_url("postgres://u:secret@db.example/x").unwrap();
        assert_eq!(p.driver_url, "postgres://u:secret@db.example/x");
        assert_eq!(p.pool_size, DEFAULT_POOL_SIZE);
        assert_eq!(p.schema, None);
        let p = parse_url("postgres://u@h:6000/d?host=/run/pg").unwrap();
        assert_eq!(p.driver_url, "postgres://u@/d?host=/run/pg&port=6000");
    }

    #[test]
    fn bad_pmsg_parameters_are_invalid_arguments() {
        for url in [
            "postgres://h/d?pmsg_schema=",
            "postgres://h/d?pmsg_schema=a-b",
            "postgres://h/d?pmsg_schema=%22x",
            "postgres://h/d?pmsg_pool_size=0",
            "postgres://h/d?pmsg_pool_size=x",
            "postgres://h/d?sslmode=sometimes",
        ] {
            let e = parse_url(url).err().unwrap_or_else(|| panic!("{url}"));
            assert_eq!(e.code(), "invalid_argument", "{url}: {e}");
        }
    }

    #[test]
    fn sqlstates_have_kinds() {
        for (code, kind) in [
            ("55P03", StorageKind::Busy),
            ("53100", StorageKind::DiskFull),
            ("58030", StorageKind::Io),
            ("XX001", StorageKind::Corrupt),
            ("08006", StorageKind::ConnectionLost),
            ("57P01", StorageKind::ConnectionLost),
            ("40001", StorageKind::RetriesExhausted),
            ("23505", StorageKind::Other),
        ] {
            assert_eq!(kind_of_sqlstate(code), kind, "{code}");
        }
    }

    #[test]
    fn the_busy_timeout_is_a_url_parameter() {
        let p = parse_url("postgres://h/d?pmsg_busy_timeout_ms=250").unwrap();
        assert_eq!(p.busy_timeout_ms, 250);
        assert_eq!(p.driver_url, "postgres://h/d");
        assert_eq!(
            parse_url("postgres://h/d").unwrap().busy_timeout_ms,
            BUSY_TIMEOUT_MS
        );
        for bad in ["x", "-1", "3600001"] {
            let url = format!("postgres://h/d?pmsg_busy_timeout_ms={bad}");
            assert_eq!(parse_url(&url).unwrap_err().code(), "invalid_argument");
        }
    }

    #[test]
    fn passwords_are_redacted_from_messages() {
        assert_eq!(
            redact("postgres://u:secret@h/d"),
            "postgres://u:***@h/d".to_string()
        );
        assert_eq!(redact("postgres://u@h/d"), "postgres://u@h/d".to_string());
    }
}
