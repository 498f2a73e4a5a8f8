//! The raw-PostgreSQL floor of a durable send, as [`crate::raw_floor`] is
//! SQLite's: the very rows one `Store::send` left in its store (schema),
//! inserted with prepared statements into a copy of the same schema (the
//! core's PostgreSQL migrations, applied in order), one transaction per
//! send, over a connection made from the same URL (same server, socket,
//! user and server settings), and nothing else: no validation, routing,
//! id generation, hashing, reads or updates.
//!
//! The floor's transactions run at the server's default isolation, `READ
//! COMMITTED`, which is all plain inserts need. pmsg runs every write
//! `SERIALIZABLE`; that choice, and the retries it brings, are part of
//! what the figures measure. (At `SERIALIZABLE` the floor itself is no
//! floor: 8 floor clients inserting these rows lost serialization
//! conflicts 10 times in a row, through the foreign-key checks' predicate
//! locks on the rightmost index pages that every new row shares.)

use pmsg_bench::pgstore;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, Statement};
use std::collections::HashMap;
use std::error::Error;

/// The core's PostgreSQL schema, as the core applies it (every migration
/// of `core/src/store/postgres/mod.rs`, in order).
pub const SCHEMA: &str = concat!(
    include_str!("../../core/src/store/migrations/postgres/0001_initial.sql"),
    "\n",
    include_str!("../../core/src/store/migrations/postgres/0002_folder_indexes.sql"),
    "\n",
    include_str!(
        "../../core/src/store/migrations/postgres/0003_claims_groups_assignments_confidential.sql"
    ),
);

/// The directory tables, copied once before anything is timed, in an order
/// that satisfies the foreign keys.
const DIRECTORY_TABLES: [&str; 6] = [
    "account",
    "staff",
    "workgroup",
    "workgroup_member",
    "patient",
    "connection",
];

/// The rows of one send, table by table in an order that satisfies the
/// foreign keys, each selected by the conversation's seq (`$1`), except
/// the audit rows, selected by its id (`$2`).
const SEND_TABLES: [(&str, &str); 9] = [
    (
        "conversation",
        "SELECT * FROM conversation WHERE seq = $1 AND $2::text IS NOT NULL",
    ),
    (
        "message",
        "SELECT * FROM message WHERE conversation_seq = $1 AND $2::text IS NOT NULL ORDER BY seq",
    ),
    (
        "attachment",
        "SELECT * FROM attachment WHERE message_seq IN \
         (SELECT seq FROM message WHERE conversation_seq = $1) AND $2::text IS NOT NULL ORDER BY seq",
    ),
    (
        "delivery",
        "SELECT * FROM delivery WHERE message_seq IN \
         (SELECT seq FROM message WHERE conversation_seq = $1) AND $2::text IS NOT NULL",
    ),
    (
        "conversation_account",
        "SELECT * FROM conversation_account WHERE conversation_seq = $1 AND $2::text IS NOT NULL",
    ),
    (
        "conversation_party",
        "SELECT * FROM conversation_party WHERE conversation_seq = $1 AND $2::text IS NOT NULL",
    ),
    (
        "event",
        "SELECT * FROM event WHERE conversation_seq = $1 AND $2::text IS NOT NULL ORDER BY seq",
    ),
    (
        "billing_entry",
        "SELECT * FROM billing_entry WHERE conversation_seq = $1 AND $2::text IS NOT NULL ORDER BY seq",
    ),
    (
        "audit",
        "SELECT * FROM audit WHERE conversation = $2 AND $1::bigint IS NOT NULL ORDER BY seq",
    ),
];

/// One column value of a captured row, as the driver read it.
#[derive(Debug, Clone)]
pub enum Val {
    Null,
    Int8(i64),
    Int4(i32),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
}

impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int8(v) => v.to_sql(ty, out),
            Val::Int4(v) => v.to_sql(ty, out),
            Val::Bool(v) => v.to_sql(ty, out),
            Val::Text(v) => v.to_sql(ty, out),
            Val::Bytes(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn read(row: &postgres::Row, i: usize) -> Result<Val, postgres::Error> {
    let ty = row.columns()[i].type_();
    Ok(if *ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?
            .map_or(Val::Null, Val::Int8)
    } else if *ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map_or(Val::Null, Val::Int4)
    } else if *ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?
            .map_or(Val::Null, Val::Bool)
    } else if *ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)?
            .map_or(Val::Null, Val::Bytes)
    } else {
        row.try_get::<_, Option<String>>(i)?
            .map_or(Val::Null, Val::Text)
    })
}

/// The rows one send wrote, table by table in insertion order, each with
/// its `INSERT` statement's text.
#[derive(Debug, Clone, Default)]
pub struct SendRows {
    pub tables: Vec<(String, Vec<Vec<Val>>)>,
}

impl SendRows {
    pub fn row_count(&self) -> usize {
        self.tables.iter().map(|(_, r)| r.len()).sum()
    }
}

/// A floor connection and its prepared statements.
pub struct Floor {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// Creates the floor's schema (dropping an older one): the core's schema
/// and the directory tables of the store in schema `directory_from`.
/// `url` names the floor's schema (`pmsg_schema=`).
pub fn create(url: &str, directory_from: &str) -> Result<(), Box<dyn Error>> {
    pgstore::drop_store(url)?;
    let schema = pgstore::schema_of(url).ok_or("the floor's URL names no schema")?;
    let mut client = pgstore::driver_config(url)?.connect(postgres::NoTls)?;
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let copy: String = DIRECTORY_TABLES
        .iter()
        .map(|t| {
            format!(
                "INSERT INTO {}.{t} SELECT * FROM {}.{t};",
                q(schema),
                q(directory_from)
            )
        })
        .collect();
    client.batch_execute(&format!(
        "BEGIN; CREATE SCHEMA {s}; SET LOCAL search_path TO {s}; {SCHEMA}\n{copy} COMMIT;",
        s = q(schema)
    ))?;
    client.batch_execute(&format!("ANALYZE {}.patient", q(schema)))?;
    Ok(())
}

/// A connection to the floor of `url` (its schema on the `search_path`).
pub fn open(url: &str) -> Result<Floor, Box<dyn Error>> {
    Ok(Floor {
        client: pgstore::connect(url)?,
        statements: HashMap::new(),
    })
}

/// Reads back everything the send that created conversation `id` wrote,
/// through `src` (a connection to the store's schema).
pub fn capture(src: &mut Client, id: &str) -> Result<SendRows, postgres::Error> {
    let seq: i64 = src
        .query_one("SELECT seq FROM conversation WHERE id = $1", &[&id])?
        .get(0);
    let mut out = SendRows::default();
    for (table, sql) in SEND_TABLES {
        let rows = src.query(sql, &[&seq, &id])?;
        if let Some(first) = rows.first() {
            let width = first.len();
            let marks: Vec<String> = (1..=width).map(|i| format!("${i}")).collect();
            let insert = format!("INSERT INTO {table} VALUES ({})", marks.join(", "));
            let values = rows
                .iter()
                .map(|r| (0..width).map(|i| read(r, i)).collect())
                .collect::<Result<Vec<Vec<Val>>, _>>()?;
            out.tables.push((insert, values));
        }
    }
    Ok(out)
}

/// Inserts one send's rows in one transaction (the server's default
/// isolation, `READ COMMITTED`: plain inserts need no more), with prepared
/// statements (each prepared once per connection).
pub fn insert(floor: &mut Floor, rows: &SendRows) -> Result<(), postgres::Error> {
    for (sql, _) in &rows.tables {
        if !floor.statements.contains_key(sql) {
            let st = floor.client.prepare(sql)?;
            floor.statements.insert(sql.clone(), st);
        }
    }
    let mut tx = floor.client.transaction()?;
    for (sql, table_rows) in &rows.tables {
        let st = &floor.statements[sql];
        for row in table_rows {
            let params: Vec<&(dyn ToSql + Sync)> =
                row.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            tx.execute(st, &params)?;
        }
    }
    tx.commit()
}
