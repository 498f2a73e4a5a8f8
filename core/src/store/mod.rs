//! Storage (SPEC R-ST1, R-ST2): one SQLite file, WAL, foreign keys on, a
//! busy timeout, numbered migrations. Every SQL statement of pmsg lives in
//! this module; the rules see only [`Tx`]'s narrow, typed methods, so that
//! another backend can be added without touching them.

mod queries;

pub(crate) use queries::*;

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The migrations, in order; migration `i` takes the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_folder_indexes.sql"),
    include_str!("migrations/0003_claims_groups_assignments_confidential.sql"),
];

/// The newest schema version this library writes (R-ST1).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a writer waits for another connection's lock (R-ST2).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A database: one connection behind a mutex (rusqlite's `Connection` is
/// `Send` but not `Sync`), so one handle serves many threads (R-ST2).
pub(crate) struct Db {
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

impl Db {
    /// Opens (creating if needed) the file at `path`, or an in-memory database
    /// for `None`, applies the production PRAGMAs and migrates the schema.
    pub fn open(path: Option<&str>) -> Result<Db> {
        Self::open_keyed(path, None)
    }

    /// As [`Db::open`], with the SQLCipher key for an encrypted file. The
    /// key is checked at once: a wrong key (or a file that is not a pmsg
    /// database) fails here with a clear `storage` error, not at some later read.
    pub fn open_keyed(path: Option<&str>, key: Option<&str>) -> Result<Db> {
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
        Ok(Db {
            conn: Mutex::new(conn),
            checkpoint_owed: AtomicBool::new(true),
        })
    }

    /// Runs `f` in a write transaction (`BEGIN IMMEDIATE`, so no BUSY on
    /// upgrade). It commits when `f` succeeds, and also when `f` fails with
    /// `not_authorized`, whose refusal entry must stay in the audit (R-A1);
    /// any other failure rolls everything back (R-S2, R-S3).
    pub fn write<T>(&self, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&Tx { c: &tx });
        match out {
            Ok(v) => {
                tx.commit()?;
                Ok(v)
            }
            Err(e @ Error::NotAuthorized { .. }) => {
                tx.commit()?;
                Err(e)
            }
            Err(e) => {
                let rolled_back = tx.rollback();
                Err(after_rollback(&conn, rolled_back, e))
            }
        }
    }

    /// Runs `f` in one write transaction that commits only when `f`
    /// succeeds: any failure, a refusal included, rolls all of it back.
    pub fn write_all_or_nothing<T>(&self, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&Tx { c: &tx });
        match out {
            Ok(v) => {
                tx.commit()?;
                Ok(v)
            }
            Err(e) => {
                let rolled_back = tx.rollback();
                Err(after_rollback(&conn, rolled_back, e))
            }
        }
    }

    /// Runs `f` in a read transaction (one consistent snapshot).
    pub fn read<T>(&self, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let out = f(&Tx { c: &tx });
        let rolled_back = tx.rollback();
        match out {
            Ok(v) => rolled_back.map(|()| v).map_err(Into::into),
            Err(e) => Err(after_rollback(&conn, rolled_back, e)),
        }
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

    /// Records that purged content awaits a checkpoint ([`Db::checkpoint_owed`]).
    pub fn owe_checkpoint(&self) {
        self.checkpoint_owed.store(true, Ordering::SeqCst);
    }

    /// Whether purged content may still be in the WAL.
    pub fn checkpoint_owed(&self) -> bool {
        self.checkpoint_owed.load(Ordering::SeqCst)
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

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
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

/// Applies every migration newer than the file's `user_version`, each in
/// one transaction; a file newer than this library is `schema_too_new`.
/// The error to report for a transaction that failed with `e` and was then
/// rolled back with result `rolled_back`: `e` itself. After an I/O error
/// SQLite may already have rolled the transaction back on its own, and the
/// explicit ROLLBACK then fails with "no transaction is active", which
/// would hide the cause; only a rollback that failed and left the
/// transaction open is worth reporting too.
fn after_rollback(conn: &Connection, rolled_back: rusqlite::Result<()>, e: Error) -> Error {
    match rolled_back {
        Err(rb) if !conn.is_autocommit() => {
            Error::Storage(format!("{e}; and the rollback failed: {rb}"))
        }
        _ => e,
    }
}

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

/// A transaction in progress: the only way the rules reach the database.
pub(crate) struct Tx<'a> {
    c: &'a rusqlite::Transaction<'a>,
}
