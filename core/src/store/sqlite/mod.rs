//! The SQLite backend (SPEC R-ST1, R-ST2): one file, WAL, foreign keys on,
//! a busy timeout, numbered migrations (`../migrations/000N_*.sql`,
//! tracked by `PRAGMA user_version`). Writers are serialized by SQLite
//! (`BEGIN IMMEDIATE`), so nothing here is ever retried.
//!
//! A path may be written as a `file:` URI to give pmsg's own parameters:
//! `file:PATH?pmsg_busy_timeout_ms=N` (see [`parse_path`]).

mod queries;

use crate::error::{Error, Result, StorageKind};
use crate::store::{Backend, Finish, Tx, SCHEMA_VERSION};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The migrations, in order; migration `i` takes the schema to version `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_folder_indexes.sql"),
    include_str!("../migrations/0003_claims_groups_assignments_confidential.sql"),
    include_str!("../migrations/0004_settings.sql"),
];

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::storage(kind_of(&e), e.to_string())
    }
}

/// What a host can do about an SQLite error: its primary result code as
/// a [`StorageKind`].
pub(crate) fn kind_of(e: &rusqlite::Error) -> StorageKind {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::DatabaseBusy | C::DatabaseLocked) => StorageKind::Busy,
        Some(C::DiskFull) => StorageKind::DiskFull,
        Some(
            C::SystemIoFailure
            | C::CannotOpen
            | C::ReadOnly
            | C::PermissionDenied
            | C::FileLockingProtocolFailed
            | C::NoLargeFileSupport,
        ) => StorageKind::Io,
        Some(C::DatabaseCorrupt | C::NotADatabase) => StorageKind::Corrupt,
        _ => StorageKind::Other,
    }
}

/// How long a writer waits for another connection's lock (R-ST2) unless
/// the path's `pmsg_busy_timeout_ms` says otherwise.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest busy timeout a path may ask for (one hour).
const MAX_BUSY_TIMEOUT_MS: u64 = 3_600_000;

/// Reads a database path: a plain file path as it is, or a `file:` URI
/// with pmsg's parameters, `file:PATH?pmsg_busy_timeout_ms=N` (how long a
/// writer waits for another connection's lock before failing with
/// `storage`/`busy`: 0 to 3600000 ms, default 10 s). PATH is
/// percent-decoded and may start with `//` and an empty or `localhost`
/// authority (`file:///var/lib/clinic.db`). Any other parameter is
/// `invalid_argument`: SQLite's own URI parameters are not taken.
pub(crate) fn parse_path(path: &str) -> Result<(String, Duration)> {
    let bad =
        |why: String| Error::InvalidArgument(format!("database path {path:?}: {why} (R-ST1)"));
    let Some(rest) = path.strip_prefix("file:") else {
        return Ok((path.to_string(), BUSY_TIMEOUT));
    };
    let (file, query) = rest.split_once('?').unwrap_or((rest, ""));
    let file = match file.strip_prefix("//") {
        Some(after) => {
            let slash = after.find('/').unwrap_or(after.len());
            let authority = &after[..slash];
            if !authority.is_empty() && authority != "localhost" {
                return Err(bad(format!(
                    "the authority {authority:?} is not empty or localhost"
                )));
            }
            &after[slash..]
        }
        None => file,
    };
    let file = percent_decode(file).map_err(bad)?;
    if file.is_empty() {
        return Err(bad("names no file".into()));
    }
    let mut timeout = BUSY_TIMEOUT;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "pmsg_busy_timeout_ms" => match v.parse::<u64>() {
                Ok(ms) if ms <= MAX_BUSY_TIMEOUT_MS => timeout = Duration::from_millis(ms),
                _ => {
                    return Err(bad(format!(
                        "pmsg_busy_timeout_ms {v:?} must be a whole number of milliseconds \
                         from 0 to {MAX_BUSY_TIMEOUT_MS}"
                    )))
                }
            },
            _ => {
                return Err(bad(format!(
                    "unknown parameter {k:?} (pmsg takes pmsg_busy_timeout_ms)"
                )))
            }
        }
    }
    Ok((file, timeout))
}

fn percent_decode(s: &str) -> std::result::Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent escape at byte {i}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the decoded path is not UTF-8".to_string())
}

/// A database: one connection behind a mutex (rusqlite's `Connection` is
/// `Send` but not `Sync`), so one handle serves many threads (R-ST2).
pub(crate) struct SqliteDb {
    conn: Mutex<Connection>,
    /// A checkpoint is owed to purged content: set by a purge that purged
    /// something, cleared only by a checkpoint that completed. A purge
    /// commits before it checkpoints, so when the checkpoint fails
    /// (`storage`) and the caller retries, the retry finds nothing left to
    /// purge but must still checkpoint, or the purged bytes stay in the WAL
    /// (R-D6). It starts set, so the first purge after an open also
    /// checkpoints (the failure may have been in an earlier process).
    checkpoint_owed: AtomicBool,
}

impl SqliteDb {
    /// Opens (creating if needed) the file at `path`, or an in-memory database
    /// for `None`, applies the production PRAGMAs and migrates the schema.
    pub fn open(path: Option<&str>) -> Result<SqliteDb> {
        Self::open_keyed(path, None)
    }

    /// As [`SqliteDb::open`], with the SQLCipher key for an encrypted file. The
    /// key is checked at once: a wrong key (or a file that is not a pmsg
    /// database) fails here with a clear `storage` error, not at some later read.
    pub fn open_keyed(path: Option<&str>, key: Option<&str>) -> Result<SqliteDb> {
        let (path, busy_timeout) = match path {
            Some(p) => {
                let (file, timeout) = parse_path(p)?;
                (Some(file), timeout)
            }
            None => (None, BUSY_TIMEOUT),
        };
        let path = path.as_deref();
        let conn = match path {
            Some(p) => Connection::open_with_flags(
                p,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            ),
            None => Connection::open_in_memory(),
        }
        .map_err(|e| {
            Error::storage(
                kind_of(&e),
                format!("cannot open database {:?}: {e}", path.unwrap_or(":memory:")),
            )
        })?;
        conn.busy_timeout(busy_timeout)?;
        if let Some(key) = key {
            // SQLCipher would otherwise log its own errors to stderr.
            let _ = conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()));
            conn.pragma_update(None, "key", key)?;
        }
        if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            let what = path.unwrap_or(":memory:");
            return Err(match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) if key.is_some() => Error::storage(
                    StorageKind::WrongKey,
                    format!(
                        "cannot open {what:?}: the encryption key is wrong, or the file is not a pmsg database"
                    ),
                ),
                Some(rusqlite::ErrorCode::NotADatabase) => Error::storage(
                    StorageKind::Corrupt,
                    format!(
                        "cannot open {what:?}: it is not a pmsg database (or it is encrypted and needs its key)"
                    ),
                ),
                _ => Error::storage(kind_of(&e), format!("cannot read {what:?}: {e}")),
            });
        }
        if path.is_some() {
            // WAL survives a crash of the process at any instant and lets
            // readers run beside one writer (R-ST1, R-ST2).
            let mode = wal_mode(&conn, busy_timeout)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(Error::storage(
                    StorageKind::Other,
                    format!("journal_mode WAL refused (got {mode})"),
                ));
            }
        }
        conn.execute_batch(
            "PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA secure_delete = ON;",
        )?;
        conn.set_prepared_statement_cache_capacity(128);
        migrate(&conn)?;
        Ok(SqliteDb {
            conn: Mutex::new(conn),
            checkpoint_owed: AtomicBool::new(true),
        })
    }

    /// Copies the WAL into the database file and truncates the WAL, so that
    /// content deleted by a purge survives in neither (R-D6). Best effort:
    /// a busy reader elsewhere only delays it to the next checkpoint.
    pub fn checkpoint(&self) -> Result<()> {
        let conn = self.lock()?;
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        if busy == 0 {
            self.checkpoint_owed.store(false, Ordering::SeqCst);
        }
        Ok(())
    }

    /// R-D6 after a purge: a purge that purged something owes a
    /// checkpoint, and one owed (also after an earlier purge whose
    /// checkpoint failed) is done now. `secure_delete` zeroed the pages; the
    /// checkpoint also clears the WAL.
    pub fn after_purge(&self, purged_any: bool) -> Result<()> {
        if purged_any {
            self.checkpoint_owed.store(true, Ordering::SeqCst);
        }
        if self.checkpoint_owed.load(Ordering::SeqCst) {
            self.checkpoint()?;
        }
        Ok(())
    }

    /// Limits the file's size in pages (tests of a full disk).
    #[cfg(test)]
    pub fn set_max_page_count(&self, pages: i64) -> Result<()> {
        let conn = self.lock()?;
        conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }

    /// The file's size in pages.
    #[cfg(test)]
    pub fn page_count(&self) -> Result<i64> {
        Ok(self
            .lock()?
            .query_row("PRAGMA page_count", [], |r| r.get(0))?)
    }

    pub(crate) fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        // A panic while holding the lock leaves no open transaction behind
        // (rusqlite rolls back on drop), so the connection is still sound.
        Ok(self.conn.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Switches the file to WAL. Switching a new file needs an exclusive lock,
/// and SQLite answers SQLITE_BUSY at once there (no busy handler), so
/// several processes creating one file together retry until the busy
/// timeout instead of failing (R-ST2).
fn wal_mode(conn: &Connection, busy_timeout: Duration) -> Result<String> {
    let deadline = std::time::Instant::now() + busy_timeout;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Ok(mode) => return Ok(mode),
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// What to report of a rollback with result `rolled_back`. After an I/O
/// error SQLite may already have rolled the transaction back on its own,
/// and the explicit ROLLBACK then fails with "no transaction is active",
/// which would hide the cause; only a rollback that failed and left the
/// transaction open is worth reporting.
fn after_rollback(conn: &Connection, rolled_back: rusqlite::Result<()>) -> Result<()> {
    match rolled_back {
        Err(rb) if !conn.is_autocommit() => Err(Error::storage(
            kind_of(&rb),
            format!("the rollback failed: {rb}"),
        )),
        _ => Ok(()),
    }
}

/// Applies every migration newer than the file's `user_version`, each in
/// one transaction; a file newer than this library is `schema_too_new`.
fn migrate(conn: &Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = i as i64 + 1;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let applied = (|| -> Result<()> {
            // Another process may have migrated between our check and our lock.
            let now: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if now >= version {
                return Ok(());
            }
            conn.execute_batch(sql)?;
            conn.execute_batch(&format!("PRAGMA user_version = {version}"))?;
            Ok(())
        })();
        match applied {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    Ok(())
}

impl Backend for SqliteDb {
    /// `BEGIN IMMEDIATE`, so no BUSY on upgrade; a failed rollback is
    /// reported (the closure's own error is the caller's to add).
    fn write(&self, f: &mut dyn FnMut(&Tx) -> Finish) -> Result<()> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        match f(&SqliteTx { c: &tx }) {
            Finish::Commit => Ok(tx.commit()?),
            Finish::Rollback => {
                let rolled_back = tx.rollback();
                after_rollback(&conn, rolled_back)
            }
        }
    }

    fn read(&self, f: &mut dyn FnMut(&Tx)) -> Result<()> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        f(&SqliteTx { c: &tx });
        let rolled_back = tx.rollback();
        after_rollback(&conn, rolled_back)
    }
}

/// A transaction in progress on SQLite.
pub(crate) struct SqliteTx<'a> {
    c: &'a rusqlite::Transaction<'a>,
}
