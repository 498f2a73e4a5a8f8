//! The raw-SQLite floor of a durable send: the very rows one
//! `Store::send` left in its store, inserted with prepared rusqlite
//! statements into a copy of the same schema, one transaction per send,
//! under the same PRAGMAs, and nothing else: no validation, routing, id
//! generation, hashing, reads or updates.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, TransactionBehavior};
use std::path::Path;

/// The core's schema, as the core applies it: every migration in order
/// (`core/src/store/mod.rs`, `MIGRATIONS`), so the floor maintains the same
/// indexes and the same partial indexes as the core.
pub const SCHEMA: &str = concat!(
    include_str!("../../core/src/store/migrations/0001_initial.sql"),
    "\n",
    include_str!("../../core/src/store/migrations/0002_folder_indexes.sql"),
    "\n",
    include_str!("../../core/src/store/migrations/0003_claims_groups_assignments_confidential.sql"),
);

/// The directory tables, copied once before anything is timed.
const DIRECTORY_TABLES: [&str; 6] = [
    "account",
    "staff",
    "workgroup",
    "workgroup_member",
    "patient",
    "connection",
];

/// The rows of one send, table by table in an order that satisfies the
/// foreign keys, each selected by the conversation's seq (`?1`), except
/// the audit rows, selected by its id (`?1` too).
const SEND_TABLES: [(&str, &str); 9] = [
    ("conversation", "SELECT * FROM conversation WHERE seq = ?1"),
    (
        "message",
        "SELECT * FROM message WHERE conversation_seq = ?1 ORDER BY seq",
    ),
    (
        "attachment",
        "SELECT * FROM attachment WHERE message_seq IN \
         (SELECT seq FROM message WHERE conversation_seq = ?1) ORDER BY seq",
    ),
    (
        "delivery",
        "SELECT * FROM delivery WHERE message_seq IN \
         (SELECT seq FROM message WHERE conversation_seq = ?1)",
    ),
    (
        "conversation_account",
        "SELECT * FROM conversation_account WHERE conversation_seq = ?1",
    ),
    (
        "conversation_party",
        "SELECT * FROM conversation_party WHERE conversation_seq = ?1",
    ),
    (
        "event",
        "SELECT * FROM event WHERE conversation_seq = ?1 ORDER BY seq",
    ),
    (
        "billing_entry",
        "SELECT * FROM billing_entry WHERE conversation_seq = ?1 ORDER BY seq",
    ),
    (
        "audit",
        "SELECT * FROM audit WHERE conversation = ?1 ORDER BY seq",
    ),
];

/// The rows one send wrote, table by table in insertion order, each with
/// its `INSERT` statement (built here, before anything is timed).
#[derive(Debug, Clone, Default)]
pub struct SendRows {
    pub tables: Vec<(String, Vec<Vec<Value>>)>,
}

impl SendRows {
    pub fn row_count(&self) -> usize {
        self.tables.iter().map(|(_, r)| r.len()).sum()
    }
}

/// The store's production PRAGMAs (core/src/store/mod.rs): WAL,
/// synchronous FULL, foreign keys, secure delete.
pub fn production_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    assert!(mode.eq_ignore_ascii_case("wal"), "journal_mode {mode}");
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;",
    )
}

/// A new floor database at `path`: the core's schema, the production
/// PRAGMAs, and the directory of the store at `directory_from`.
pub fn create(path: &Path, directory_from: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    production_pragmas(&conn)?;
    fill(&conn, directory_from)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(conn)
}

/// The same without a disk (an in-memory database: no journal to sync),
/// to isolate the CPU cost of the inserts.
pub fn create_in_memory(directory_from: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;")?;
    fill(&conn, directory_from)?;
    Ok(conn)
}

/// Applies the schema and copies the directory tables.
fn fill(conn: &Connection, directory_from: &Path) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "BEGIN; {SCHEMA} PRAGMA user_version = {}; COMMIT;",
        pmsg_core::SCHEMA_VERSION
    ))?;
    conn.execute(
        "ATTACH DATABASE ?1 AS src",
        [directory_from.to_string_lossy()],
    )?;
    let copy: String = DIRECTORY_TABLES
        .iter()
        .map(|t| format!("INSERT INTO main.{t} SELECT * FROM src.{t};"))
        .collect();
    conn.execute_batch(&format!("BEGIN; {copy} COMMIT; DETACH DATABASE src;"))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Reads back everything the send that created conversation `id` wrote.
pub fn capture(src: &Connection, id: &str) -> rusqlite::Result<SendRows> {
    let seq: i64 = src.query_row("SELECT seq FROM conversation WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    let mut out = SendRows::default();
    for (table, sql) in SEND_TABLES {
        let mut st = src.prepare_cached(sql)?;
        let width = st.column_count();
        let key = if table == "audit" {
            Value::Text(id.to_string())
        } else {
            Value::Integer(seq)
        };
        let rows = st
            .query_map([key], |r| {
                (0..width).map(|i| r.get::<_, Value>(i)).collect()
            })?
            .collect::<rusqlite::Result<Vec<Vec<Value>>>>()?;
        if !rows.is_empty() {
            let marks: Vec<String> = (1..=width).map(|i| format!("?{i}")).collect();
            let sql = format!("INSERT INTO {table} VALUES ({})", marks.join(", "));
            out.tables.push((sql, rows));
        }
    }
    Ok(out)
}

/// Inserts one send's rows in one `BEGIN IMMEDIATE` transaction, with
/// prepared (cached) statements.
pub fn insert(conn: &mut Connection, rows: &SendRows) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for (sql, table_rows) in &rows.tables {
        let mut st = tx.prepare_cached(sql)?;
        for row in table_rows {
            st.execute(params_from_iter(row.iter()))?;
        }
    }
    tx.commit()
}
