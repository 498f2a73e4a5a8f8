//! The SQLite backend (SPEC R-ST1, R-ST2): one file, WAL, foreign keys on,
//! a busy timeout, numbered migrations (`../migrations/000N_*.sql`,
//! tracked by `PRAGMA user_version`). Writers are serialized by SQLite
//! (`BEGIN IMMEDIATE`), so nothing here is ever retried.

mod queries;

use crate::error::{Error, Result};
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
];

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Storage(e.to_string())
    }
}

/// How long a writer waits for another connection's lock (R-ST2).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

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
            Error::Storage(format!(
                "cannot open database {:?}: {e}",
                path.unwrap_or(":memory:")
            ))
        })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
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
                Some(rusqlite::ErrorCode::NotADatabase) if key.is_some() => Error::Storage(format!(
                    "cannot open {what:?}: the encryption key is wrong, or the file is not a pmsg database"
                )),
                Some(rusqlite::ErrorCode::NotADatabase) => Error::Storage(format!(
                    "cannot open {what:?}: it is not a pmsg database (or it is encrypted and needs its key)"
                )),
                _ => Error::Storage(format!("cannot read {what:?}: {e}")),
            });
        }
        if path.is_some() {
            // WAL survives a crash of the process at any instant and lets
            // readers run beside one writer (R-ST1, R-ST2).
            let mode = wal_mode(&conn)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(Error::Storage(format!(
                    "journal_mode WAL refused (got {mode})"
                )));
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
fn wal_mode(conn: &Connection) -> Result<String> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
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
        Err(rb) if !conn.is_autocommit() => {
            Err(Error::Storage(format!("the rollback failed: {rb}")))
        }
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
