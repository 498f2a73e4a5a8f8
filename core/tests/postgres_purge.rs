#![cfg(feature = "postgres")]
//! R-D6 on PostgreSQL: a purged attachment's content is gone from every
//! live row of every table of the store at once (a query over the live
//! tables, through a connection of the test's own). What remains in the
//! server's files (dead row versions until VACUUM, the WAL) is measured by
//! `pmsg-torture purge-remnants` and is the operator's part
//! (RELIABILITY.md, "PostgreSQL"). Needs `PMSG_TEST_DATABASE_URL`
//! (`scripts/with-postgres cargo test -p pmsg-core --test postgres_purge`);
//! prints a `SKIPPED` line without it.

use pmsg_core::*;

mod common;
mod pg_common;
use common::{config, directory, send_request, t};
use pg_common::{base_url, client, fresh_schema, DropSchema};

/// Random-looking bytes (xorshift), `n` of them, from `seed`.
fn content(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn purged_content_is_in_no_live_row_of_any_table() {
    let Some(base) = base_url("postgres_purge::purged_content_is_in_no_live_row_of_any_table")
    else {
        return;
    };
    let (schema, url) = fresh_schema(&base, "purge", "");
    let _drop = DropSchema {
        base: base.clone(),
        schema: schema.clone(),
    };
    let store = Store::open(&url, &config()).unwrap();
    let now = t("2026-03-02T15:00:00Z");
    store.upsert_directory(&directory()).unwrap();
    // Four files: a small one (kept in the row) and a large one (kept out
    // of line, in the TOAST table), each purged and kept.
    let files: Vec<(Vec<u8>, bool)> = [
        (2_000, true),
        (64 * 1024, true),
        (2_000, false),
        (64 * 1024, false),
    ]
    .iter()
    .enumerate()
    .map(|(i, (n, purge))| (content(i as u64 + 1, *n), *purge))
    .collect();
    for (i, (bytes, purge)) in files.iter().enumerate() {
        let out = store
            .send(
                &send_request(
                    &format!("file {i}"),
                    vec![NewAttachment {
                        name: format!("f{i}.pdf"),
                        media_type: "application/pdf".into(),
                        content: bytes.clone(),
                    }],
                ),
                now,
            )
            .unwrap();
        if *purge {
            // The patient downloads it: retention starts.
            store
                .download(
                    "account:a-lea",
                    &out.conversation_id,
                    &out.attachments[0].id,
                    now,
                )
                .unwrap();
        }
    }
    let purged = store.purge(t("2026-03-10T15:00:00Z")).unwrap();
    assert_eq!(purged.len(), 2);

    let mut c = client(&base, Some(&schema));
    let tables: Vec<String> = c
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = $1 ORDER BY 1",
            &[&schema],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(tables.contains(&"attachment".to_string()), "{tables:?}");
    // Where a file's first or last 32 bytes occur: in the attachment's
    // content, and anywhere in the text of any row of any table (a bytea
    // shows as its hex).
    let mut found_in = |bytes: &[u8]| -> Vec<String> {
        let mut at = Vec::new();
        for probe in [&bytes[..32], &bytes[bytes.len() - 32..]] {
            let n: i64 = c
                .query_one(
                    "SELECT count(*) FROM attachment WHERE position($1 IN content) > 0",
                    &[&probe],
                )
                .unwrap()
                .get(0);
            if n > 0 {
                at.push("attachment.content".to_string());
            }
            for table in &tables {
                let n: i64 = c
                    .query_one(
                        &format!("SELECT count(*) FROM {table} r WHERE strpos(r::text, $1) > 0"),
                        &[&hex(probe)],
                    )
                    .unwrap()
                    .get(0);
                if n > 0 {
                    at.push(format!("a row of {table}"));
                }
            }
        }
        at
    };
    for (i, (bytes, purge)) in files.iter().enumerate() {
        let at = found_in(bytes);
        if *purge {
            assert!(
                at.is_empty(),
                "purged file {i} ({} bytes) is still in {at:?}",
                bytes.len()
            );
        } else {
            // The control: the search finds what is there.
            assert!(
                at.contains(&"attachment.content".to_string())
                    && at.contains(&"a row of attachment".to_string()),
                "kept file {i} ({} bytes) was not found: {at:?}",
                bytes.len()
            );
        }
    }
    // The search would see a purged file that came back in another row.
    c.execute(
        "UPDATE attachment SET content = $1 WHERE seq = (SELECT max(seq) FROM attachment)",
        &[&files[0].0],
    )
    .unwrap();
    let mut again = 0;
    for table in &tables {
        let n: i64 = c
            .query_one(
                &format!("SELECT count(*) FROM {table} r WHERE strpos(r::text, $1) > 0"),
                &[&hex(&files[0].0[..32])],
            )
            .unwrap()
            .get(0);
        again += n;
    }
    assert_eq!(again, 1, "the tampered row should be found");
    c.execute(
        "UPDATE attachment SET content = $1 WHERE seq = (SELECT max(seq) FROM attachment)",
        &[&files[3].0],
    )
    .unwrap();
    // The rows stay, with their metadata, and say they were purged.
    let rows: Vec<(i64, bool, bool)> = c
        .query(
            "SELECT size, content IS NULL, purged_at IS NOT NULL FROM attachment ORDER BY seq",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        rows,
        vec![
            (2_000, true, true),
            (65_536, true, true),
            (2_000, false, false),
            (65_536, false, false)
        ]
    );
}
