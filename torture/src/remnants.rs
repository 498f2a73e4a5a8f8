//! What remains of purged attachment content on PostgreSQL (R-D6),
//! measured. PostgreSQL has no `secure_delete`: a purge (`UPDATE
//! attachment SET content = NULL`) leaves the old row version, content
//! and all, in the table's pages (and a large value's chunks in its TOAST
//! table) until VACUUM, and the bytes were written to the WAL when they
//! were inserted. This subcommand purges attachments through pmsg and
//! searches for their bytes, stage by stage: in the live rows (SQL), in
//! the files of the attachment table and of its TOAST table, in every
//! other file of the database's folder, and in `pg_wal`.
//!
//! Each attachment's first and last 32 bytes (random) are its probes;
//! attachments that are not purged are the control: they must be found,
//! or the search proves nothing. Needs the data folder (reading it takes
//! the server's user or root) and a superuser (CHECKPOINT, pg_switch_wal).

use crate::fixture::{self, Rand};
use crate::place::{self, pg_error, Inspector, Place};
use pmsg_core::{NewAttachment, Response, SendRequest, Sender, Store};
use rand::{Rng, RngCore};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options of `purge-remnants`.
#[derive(Debug, Clone, clap::Args)]
pub struct RemnantsArgs {
    /// The PostgreSQL database (URL); a new schema of it is used.
    #[arg(long, value_name = "URL")]
    pub db: String,
    /// The cluster's data folder (default: `$PMSG_TEST_PG_DATA`).
    #[arg(long)]
    pub pg_data: Option<PathBuf>,
    /// Attachments of each size (half purged, half kept as the control).
    #[arg(long, default_value_t = 12)]
    pub files: usize,
    /// Size of the small attachments (stored inline in the row), bytes.
    #[arg(long, default_value_t = 1024)]
    pub small: usize,
    /// Size of the large attachments (stored out of line, in TOAST), bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    pub large: usize,
    /// Seed of the contents.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Keep the schema.
    #[arg(long)]
    pub keep: bool,
}

/// One attachment and its probes.
struct Probe {
    large: bool,
    purged: bool,
    bytes: [Vec<u8>; 2],
}

/// Where bytes were looked for.
const PLACES: [&str; 5] = [
    "live rows",
    "attachment heap",
    "attachment TOAST",
    "other files of the database",
    "pg_wal",
];

/// For one stage: per place, the purged attachments found (small, large)
/// and the control attachments found.
struct Found {
    stage: &'static str,
    purged: [(usize, usize); 5],
    control: [usize; 5],
}

pub fn run(args: &RemnantsArgs) -> ExitCode {
    match measure(args) {
        Ok((stages, n_small, n_large, ok)) => {
            println!(
                "{:<44} {}",
                "purged attachments found (small/large); control found",
                PLACES.join(" | ")
            );
            for f in &stages {
                let cells: Vec<String> = (0..5)
                    .map(|i| format!("{}/{} ; {}", f.purged[i].0, f.purged[i].1, f.control[i]))
                    .collect();
                println!("{:<44} {}", f.stage, cells.join(" | "));
            }
            let live_clean = stages.iter().skip(1).all(|f| f.purged[0] == (0, 0));
            let files_at = |i: usize| {
                let f = &stages[i];
                f.purged[1].0 + f.purged[1].1 + f.purged[2].0 + f.purged[2].1
            };
            let last = stages.len() - 1;
            println!(
                "purge-remnants: {n_small} small + {n_large} large attachments purged; in live rows: \
                 {} after the purge; in the table's files: {} after the purge, {} after VACUUM, {} \
                 after VACUUM FULL; elsewhere in the database folder: {} after VACUUM FULL; in \
                 pg_wal: {} after the purge, {} after WAL switches and checkpoints",
                if live_clean { "none" } else { "SOME" },
                files_at(1),
                files_at(2),
                files_at(3),
                stages[3].purged[3].0 + stages[3].purged[3].1,
                stages[1].purged[4].0 + stages[1].purged[4].1,
                stages[last].purged[4].0 + stages[last].purged[4].1,
            );
            if ok && live_clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            println!("purge-remnants: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

type Measured = (Vec<Found>, usize, usize, bool);

fn measure(args: &RemnantsArgs) -> Result<Measured, String> {
    if !place::is_postgres(&args.db) {
        return Err("--db takes a postgres:// or postgresql:// URL".into());
    }
    let data = args
        .pg_data
        .clone()
        .or_else(|| std::env::var_os("PMSG_TEST_PG_DATA").map(PathBuf::from))
        .ok_or("the data folder is unknown: give --pg-data (or PMSG_TEST_PG_DATA)")?;
    let place = Place::schema(&args.db, "remnants", 0);
    place.remove();
    let result = measure_in(args, &place, &data);
    if !args.keep {
        place.remove();
    }
    result
}

fn measure_in(args: &RemnantsArgs, place: &Place, data: &Path) -> Result<Measured, String> {
    let store = Store::open(&place.location(), &fixture::config()).map_err(|e| e.to_string())?;
    let world = fixture::concurrency_world(1, 1);
    store
        .upsert_directory(&world.update)
        .map_err(|e| e.to_string())?;
    let staff = &world.staff[0];
    let mut rng: Rand = fixture::rng(args.seed, 77);
    let t0 = fixture::epoch_ms();
    let mut probes = Vec::new();
    for i in 0..args.files * 2 {
        let large = i % 2 == 1;
        let purged = (i / 2) % 2 == 0;
        let size = if large { args.large } else { args.small }.max(64);
        let mut content = vec![0u8; size];
        rng.fill_bytes(&mut content);
        let (emr, account) = world.patients[2 + 4 * (rng.random_range(0..5))].clone();
        let req = SendRequest {
            author: staff.id.clone(),
            patient: emr,
            from: Some(Sender::Direct),
            subject: "Results".into(),
            body: "Please see the file.".into(),
            attachments: vec![NewAttachment {
                name: "result.pdf".into(),
                media_type: "application/pdf".into(),
                content: content.clone(),
            }],
            unread_notify: None,
            response: Response::Allowed,
            allow_reply_attachments: false,
            mask_name: false,
            billable_fee_code: None,
            file_to_chart: false,
            confidential: false,
            malformed: vec![],
        };
        let out = store
            .send(&req, fixture::at(t0))
            .map_err(|e| e.to_string())?;
        let id = out.attachments[0].id.clone();
        if purged {
            // The patient side downloads it: retention starts (R-D6).
            store
                .download(
                    &account,
                    &out.conversation_id,
                    &id,
                    fixture::at(t0 + 60_000),
                )
                .map_err(|e| e.to_string())?;
        }
        probes.push(Probe {
            large,
            purged,
            bytes: [content[..32].to_vec(), content[size - 32..].to_vec()],
        });
    }
    let mut insp = place.inspect()?;
    let mut stages = Vec::new();
    checkpoint(&mut insp)?;
    stages.push(look(
        &mut insp,
        data,
        &probes,
        "before the purge (after a CHECKPOINT)",
    )?);
    let purged = store
        .purge(fixture::at(t0 + 8 * 86_400_000))
        .map_err(|e| e.to_string())?;
    let want = probes.iter().filter(|p| p.purged).count();
    if purged.len() != want {
        return Err(format!(
            "the purge removed {} attachments, not {want}",
            purged.len()
        ));
    }
    checkpoint(&mut insp)?;
    stages.push(look(
        &mut insp,
        data,
        &probes,
        "after the purge (and a CHECKPOINT)",
    )?);
    insp.batch("VACUUM attachment")?;
    checkpoint(&mut insp)?;
    stages.push(look(&mut insp, data, &probes, "after VACUUM attachment")?);
    insp.batch("VACUUM FULL attachment")?;
    checkpoint(&mut insp)?;
    stages.push(look(
        &mut insp,
        data,
        &probes,
        "after VACUUM FULL attachment",
    )?);
    for _ in 0..3 {
        insp.batch("SELECT pg_switch_wal()")?;
        checkpoint(&mut insp)?;
    }
    stages.push(look(
        &mut insp,
        data,
        &probes,
        "after 3 x (pg_switch_wal(); CHECKPOINT)",
    )?);
    // The search is valid only if it finds the kept files where they live.
    let before = &stages[0];
    let n_control = probes.iter().filter(|p| !p.purged).count();
    let mut ok = true;
    for f in &stages {
        if f.control[0] != n_control {
            println!(
                "  SEARCH INVALID: {}: {} of {n_control} kept attachments found in the live rows",
                f.stage, f.control[0]
            );
            ok = false;
        }
    }
    let in_files = before.control[1] + before.control[2];
    if in_files != n_control {
        println!(
            "  SEARCH INVALID: before the purge {in_files} of {n_control} kept attachments found in the table's files"
        );
        ok = false;
    }
    let n_small = probes.iter().filter(|p| p.purged && !p.large).count();
    let n_large = probes.iter().filter(|p| p.purged && p.large).count();
    Ok((stages, n_small, n_large, ok))
}

fn checkpoint(insp: &mut Inspector) -> Result<(), String> {
    insp.batch("CHECKPOINT")
}

/// The files of a relation: `base/DB/NODE`, its segments `NODE.1`…
/// (not its free space and visibility maps).
fn relation_files(data: &Path, relpath: &str) -> Vec<PathBuf> {
    let path = data.join(relpath);
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    let name = name.to_string_lossy().into_owned();
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| {
                    let f = e.file_name().to_string_lossy().into_owned();
                    f == name
                        || f.strip_prefix(&format!("{name}."))
                            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
                })
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default()
}

/// Searches every place for every probe.
fn look(
    insp: &mut Inspector,
    data: &Path,
    probes: &[Probe],
    stage: &'static str,
) -> Result<Found, String> {
    let paths = insp.rows(
        "SELECT pg_relation_filepath(c.oid) || ' ' || coalesce(pg_relation_filepath(c.reltoastrelid), '-')
           || ' ' || coalesce((SELECT pg_relation_filepath(i.indexrelid) FROM pg_index i
                               WHERE i.indrelid = c.reltoastrelid LIMIT 1), '-')
         FROM pg_class c WHERE c.oid = 'attachment'::regclass",
    )?;
    let parts: Vec<&str> = paths
        .first()
        .map(|p| p.split(' ').collect())
        .unwrap_or_default();
    let [heap, toast, toast_index] = parts[..] else {
        return Err(format!(
            "cannot locate the attachment table's files: {paths:?}"
        ));
    };
    let heap_files = relation_files(data, heap);
    let mut toast_files = relation_files(data, toast);
    toast_files.extend(relation_files(data, toast_index));
    let db_dir = data
        .join(heap)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let others: Vec<PathBuf> = files_in(&db_dir)
        .into_iter()
        .filter(|p| !heap_files.contains(p) && !toast_files.contains(p))
        .collect();
    let wal = files_in(&data.join("pg_wal"));
    // Every probe, and for each place which probes it holds: one pass
    // over each file.
    let all: Vec<&[u8]> = probes
        .iter()
        .flat_map(|p| p.bytes.iter().map(Vec::as_slice))
        .collect();
    let searcher = Searcher::new(&all);
    let mut in_place = vec![vec![false; all.len()]; 5];
    for (g, files) in [&heap_files, &toast_files, &others, &wal]
        .iter()
        .enumerate()
    {
        for f in files.iter() {
            if let Ok(bytes) = std::fs::read(f) {
                searcher.search(&bytes, &mut in_place[g + 1]);
            }
        }
    }
    let Inspector::Pg { client, .. } = insp else {
        return Err("not PostgreSQL".into());
    };
    for (k, b) in all.iter().enumerate() {
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM attachment WHERE position($1 IN content) > 0",
                &[b],
            )
            .map_err(|e| pg_error(&e))?
            .get(0);
        in_place[0][k] = n > 0;
    }
    let mut found = Found {
        stage,
        purged: [(0, 0); 5],
        control: [0; 5],
    };
    for (j, p) in probes.iter().enumerate() {
        for (i, hits) in in_place.iter().enumerate() {
            // Probes 2j and 2j+1 are attachment j's first and last bytes.
            if !(hits[2 * j] || hits[2 * j + 1]) {
                continue;
            }
            if p.purged {
                if p.large {
                    found.purged[i].1 += 1;
                } else {
                    found.purged[i].0 += 1;
                }
            } else {
                found.control[i] += 1;
            }
        }
    }
    Ok(found)
}

/// Finds many 32-byte probes in one pass: a table of the probes' first two
/// bytes filters the positions, a map of their first eight finds the
/// candidates, which are then compared whole.
struct Searcher<'a> {
    first2: Vec<bool>,
    by_prefix: std::collections::HashMap<u64, Vec<usize>>,
    probes: Vec<&'a [u8]>,
}

impl<'a> Searcher<'a> {
    fn new(probes: &[&'a [u8]]) -> Searcher<'a> {
        let mut first2 = vec![false; 1 << 16];
        let mut by_prefix: std::collections::HashMap<u64, Vec<usize>> = Default::default();
        for (i, p) in probes.iter().enumerate() {
            first2[usize::from(u16::from_le_bytes([p[0], p[1]]))] = true;
            let key = u64::from_le_bytes(p[..8].try_into().unwrap_or([0; 8]));
            by_prefix.entry(key).or_default().push(i);
        }
        Searcher {
            first2,
            by_prefix,
            probes: probes.to_vec(),
        }
    }

    /// Marks in `found` every probe that occurs in `data`.
    fn search(&self, data: &[u8], found: &mut [bool]) {
        if data.len() < 32 {
            return;
        }
        for i in 0..=data.len() - 32 {
            if !self.first2[usize::from(u16::from_le_bytes([data[i], data[i + 1]]))] {
                continue;
            }
            let key = u64::from_le_bytes(data[i..i + 8].try_into().unwrap_or([0; 8]));
            if let Some(candidates) = self.by_prefix.get(&key) {
                for &c in candidates {
                    if data[i..].starts_with(self.probes[c]) {
                        found[c] = true;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_searcher_finds_every_probe_anywhere_and_nothing_else() {
        let a: Vec<u8> = (0..32).collect();
        let b: Vec<u8> = (100..132).collect();
        let c: Vec<u8> = (200..232).collect();
        let s = Searcher::new(&[&a, &b, &c]);
        let mut data = vec![7u8; 1000];
        data[3..35].copy_from_slice(&a);
        data[1000 - 32..].copy_from_slice(&b);
        data[500..531].copy_from_slice(&c[..31]);
        let mut found = [false; 3];
        s.search(&data, &mut found);
        assert_eq!(found, [true, true, false]);
    }
}
