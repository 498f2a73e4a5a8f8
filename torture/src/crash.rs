//! Crash safety (R-ST1): a child process works on one database file and is
//! killed with SIGKILL at a random moment; the file is then reopened and
//! every operation the child acknowledged must be there, and nothing
//! half-done may be. The next child continues on the same file, so state
//! accumulates, until a fresh file is started every `fresh_every`
//! iterations.

use crate::checks::{self, Expect, History};
use crate::child;
use crate::fixture::{self, Rand};
use crate::oplog::{self, Op};
use crate::place::{self, Inspector, Place};
use pmsg_core::Store;
use rand::Rng;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// How the negative control damages the file before it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Corruption {
    /// Delete an acknowledged message's row (lost and corrupt).
    Message,
    /// Put an acknowledged event back to pending (lost: delivered again).
    Unack,
    /// Rewrite one audit entry's actor (corrupt: the hash chain breaks).
    Audit,
    /// Append a purged attachment's first bytes to the WAL (lost: secure
    /// deletion broken; SQLite ignores trailing bytes that are no frame).
    Leak,
}

/// Options of `crash`.
#[derive(Debug, Clone, clap::Args)]
pub struct CrashArgs {
    /// Child processes to start and kill.
    #[arg(long, default_value_t = 200)]
    pub iterations: u64,
    /// Seed of the operation mix and the kill delays.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder for the database files (default: a new folder in the temp dir,
    /// removed after a clean run).
    #[arg(long, conflicts_with = "db")]
    pub db_dir: Option<PathBuf>,
    /// A PostgreSQL database (`postgres://` or `postgresql://` URL) instead
    /// of SQLite files: each fresh store is a new schema of it
    /// (`pmsg_schema=`), dropped after a clean run.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Start a fresh database (file or schema) every K iterations (0: never).
    #[arg(long, default_value_t = 25)]
    pub fresh_every: u64,
    /// Longest delay before the kill, in milliseconds (default 200 on
    /// SQLite, 1000 on PostgreSQL, where a child needs longer to start and
    /// each commit is a round trip to the server).
    #[arg(long)]
    pub max_kill_ms: Option<u64>,
    /// Keep the database files after a clean run.
    #[arg(long)]
    pub keep: bool,
    /// Negative control: damage the file once, then check and stop.
    #[arg(long, hide = true, num_args = 0..=1, default_missing_value = "message")]
    pub self_test_corrupt: Option<Corruption>,
}

/// The state carried from one iteration to the next on one store.
struct FileState {
    place: Place,
    history: History,
    /// Instant the next child starts at: after everything ever committed.
    next_start: i64,
}

/// Totals of a run.
#[derive(Default)]
struct Totals {
    ops: u64,
    /// Acknowledged operations by kind (purged attachments as `purged`).
    kinds: std::collections::BTreeMap<&'static str, u64>,
    lost: u64,
    corrupt: u64,
}

/// Runs the crash harness; prints one line per iteration and the summary.
pub fn run(args: &CrashArgs) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot find this executable: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(url) = &args.db {
        if !place::is_postgres(url) {
            eprintln!("error: --db takes a postgres:// or postgresql:// URL (SQLite: --db-dir)");
            return ExitCode::from(2);
        }
    }
    let (dir, made_dir) = match &args.db_dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("pmsg-torture-crash-{}", std::process::id())),
            true,
        ),
    };
    if args.db.is_none() {
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("error: cannot create {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    let max_kill_ms = args
        .max_kill_ms
        .unwrap_or(if args.db.is_some() { 1000 } else { 200 });
    let stores = match &args.db {
        Some(url) => format!(
            "schemas pmsg_torture_crash_{}_N of {}",
            std::process::id(),
            place::redact(url)
        ),
        None => format!("files in {}", dir.display()),
    };
    println!(
        "crash: seed {}, {} iterations, fresh store every {}, kills after 0-{} ms, {stores}",
        args.seed, args.iterations, args.fresh_every, max_kill_ms,
    );
    let started = Instant::now();
    let mut kills = fixture::rng(args.seed, u64::MAX);
    let mut totals = Totals::default();
    let mut file: Option<FileState> = None;
    let mut files = Vec::new();
    let mut done = 0;
    let mut corrupted = false;
    for it in 0..args.iterations {
        let fresh = file.is_none() || (args.fresh_every > 0 && it % args.fresh_every == 0);
        if fresh {
            let place = match &args.db {
                Some(url) => Place::schema(url, "crash", it),
                None => Place::File(dir.join(format!("crash-{it:05}.db"))),
            };
            place.remove();
            files.push(place.clone());
            file = Some(FileState {
                place,
                history: History::default(),
                next_start: fixture::epoch_ms(),
            });
        }
        let Some(state) = file.as_mut() else { break };
        let delay = kill_delay(&mut kills, max_kill_ms);
        let seed = fixture::mix(args.seed ^ fixture::mix(it));
        let outcome = iterate(
            &exe,
            state,
            seed,
            delay,
            args.self_test_corrupt.filter(|_| !corrupted),
        );
        done += 1;
        totals.ops += outcome.acked;
        for (k, n) in &outcome.kinds {
            *totals.kinds.entry(k).or_default() += n;
        }
        totals.lost += outcome.lost.len() as u64;
        totals.corrupt += outcome.corrupt.len() as u64;
        println!(
            "iter {it:4}: {}, killed after {:3} ms, {:3} ops acknowledged, {}",
            state.place.name(),
            delay.as_millis(),
            outcome.acked,
            if outcome.lost.is_empty() && outcome.corrupt.is_empty() {
                "checks ok".to_string()
            } else {
                format!(
                    "{} lost, {} corrupt",
                    outcome.lost.len(),
                    outcome.corrupt.len()
                )
            }
        );
        for p in outcome.lost.iter().take(10) {
            println!("  LOST: {p}");
        }
        for p in outcome.corrupt.iter().take(10) {
            println!("  CORRUPT: {p}");
        }
        if outcome.corrupted {
            corrupted = true;
            break;
        }
    }
    let clean = totals.lost == 0 && totals.corrupt == 0;
    let kinds: Vec<String> = totals
        .kinds
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    println!("acknowledged: {}", kinds.join(", "));
    println!("wall time: {:.1} s", started.elapsed().as_secs_f64());
    if clean && !args.keep {
        for f in &files {
            f.remove();
        }
        if made_dir && args.db.is_none() {
            let _ = std::fs::remove_dir(&dir);
        }
    } else if args.db.is_some() {
        let kept: Vec<String> = files.iter().map(Place::name).collect();
        println!("schemas kept: {}", kept.join(" "));
    } else {
        println!("database files kept in {}", dir.display());
    }
    if args.self_test_corrupt.is_some() && !corrupted {
        eprintln!("self-test: no iteration had an acknowledged operation to damage");
    }
    println!(
        "crash: {done} iterations, {} acknowledged operations, {} lost, {} corrupt",
        totals.ops, totals.lost, totals.corrupt
    );
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// One kill in ten lands in the first 3 ms (process start, open,
/// migration, directory upsert); the others anywhere up to `max_ms`.
fn kill_delay(rng: &mut Rand, max_ms: u64) -> Duration {
    let max_ms = max_ms.max(5);
    if rng.random_bool(0.1) {
        Duration::from_micros(rng.random_range(0..=3_000))
    } else {
        Duration::from_micros(rng.random_range(5_000..=max_ms * 1000))
    }
}

/// What one iteration found.
struct Outcome {
    acked: u64,
    kinds: std::collections::BTreeMap<&'static str, u64>,
    lost: Vec<String>,
    corrupt: Vec<String>,
    corrupted: bool,
}

/// Starts a child, kills it after `delay`, then checks the file.
fn iterate(
    exe: &Path,
    state: &mut FileState,
    seed: u64,
    delay: Duration,
    corruption: Option<Corruption>,
) -> Outcome {
    let mut outcome = Outcome {
        kinds: Default::default(),
        acked: 0,
        lost: Vec::new(),
        corrupt: Vec::new(),
        corrupted: false,
    };
    let spawned = Command::new(exe)
        .arg("child")
        .arg("--db")
        .arg(state.place.location())
        .arg("--seed")
        .arg(seed.to_string())
        .arg("--start-ms")
        .arg(state.next_start.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut proc = match spawned {
        Ok(p) => p,
        Err(e) => {
            outcome.corrupt.push(format!("cannot start the child: {e}"));
            return outcome;
        }
    };
    let mut stdout = proc.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(out) = stdout.as_mut() {
            let _ = out.read_to_end(&mut buf);
        }
        buf
    });
    std::thread::sleep(delay);
    // `Child::kill` is SIGKILL on Unix: no handler, no flush, no unwinding.
    let _ = proc.kill();
    let status = proc.wait();
    let output = reader.join().unwrap_or_default();
    let ops = match oplog::parse(&output) {
        Ok(ops) => ops,
        Err(e) => {
            outcome.corrupt.push(e);
            Vec::new()
        }
    };
    if let Ok(st) = status {
        if st.code() == Some(i32::from(child::FAILED))
            || ops.iter().any(|o| matches!(o, Op::Fail { .. }))
        {
            let why = ops
                .iter()
                .find_map(|o| match o {
                    Op::Fail {
                        during,
                        code,
                        message,
                    } => Some(format!("{during}: {code}: {message}")),
                    _ => None,
                })
                .unwrap_or_else(|| format!("exit {st}"));
            outcome.corrupt.push(format!("the child failed: {why}"));
        }
    }
    let fresh_from = state.history.ops();
    for op in &ops {
        if matches!(op, Op::Fail { .. }) {
            continue;
        }
        outcome.acked += 1;
        *outcome.kinds.entry(op.name()).or_default() += 1;
        if let Op::Purge { atts, .. } = op {
            *outcome.kinds.entry("purged attachments").or_default() += atts.len() as u64;
        }
        if let Some(now) = op.now() {
            state.next_start = state.next_start.max(now);
        }
        state.history.absorb(op);
    }
    // Child steps are at most 6 hours: the next child starts after any
    // operation this one may have committed without acknowledging it.
    state.next_start += 7 * 3_600_000;
    let check_now = state.next_start - 60_000;
    if let Some(kind) = corruption {
        match damage(&state.place, &state.history, fresh_from, kind) {
            Ok(true) => outcome.corrupted = true,
            Ok(false) => {}
            Err(e) => outcome
                .corrupt
                .push(format!("self-test damage failed: {e}")),
        }
    }
    check_file(state, fresh_from, check_now, &mut outcome);
    outcome
}

/// Reopens the store with `Store::open` and with a connection of the
/// checks' own, and runs every check.
fn check_file(state: &FileState, fresh_from: usize, now_ms: i64, outcome: &mut Outcome) {
    let store = match Store::open(&state.place.location(), &fixture::config()) {
        Ok(s) => s,
        Err(e) => {
            outcome
                .corrupt
                .push(format!("Store::open after the kill: {}: {e}", e.code()));
            return;
        }
    };
    let mut insp = match state.place.inspect() {
        Ok(c) => c,
        Err(e) => {
            outcome
                .corrupt
                .push(format!("inspection after the kill: {e}"));
            return;
        }
    };
    outcome.corrupt.extend(checks::database(&mut insp));
    outcome.corrupt.extend(checks::audit(&store));
    outcome.lost.extend(checks::acknowledged(
        &store,
        &mut insp,
        &state.place,
        &state.history.promises,
        fresh_from,
        now_ms,
    ));
}

/// The negative control: damages the store the way `kind` says, behind
/// pmsg's back. `Ok(false)` when there is nothing acknowledged to damage
/// yet.
fn damage(
    place: &Place,
    history: &History,
    fresh_from: usize,
    kind: Corruption,
) -> Result<bool, Box<dyn std::error::Error>> {
    if kind == Corruption::Leak {
        // Only this child's purges have their bytes searched for.
        let probe = history.promises.iter().rev().find_map(|p| match &p.expect {
            Expect::Purged { probe: Some(b), .. } if p.op >= fresh_from => Some(b.clone()),
            _ => None,
        });
        let Some(probe) = probe else { return Ok(false) };
        match place.path() {
            Some(path) => {
                let mut wal = path.as_os_str().to_owned();
                wal.push("-wal");
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(&wal)?;
                std::io::Write::write_all(&mut f, &probe)?;
                return Ok(true);
            }
            None => {
                // PostgreSQL: the purged bytes reappear at the start of
                // another attachment's live row (same length).
                let mut insp = place.inspect()?;
                let Inspector::Pg { client, .. } = &mut insp else {
                    return Ok(false);
                };
                let n = client.execute(
                    "UPDATE attachment SET content = $1 || substring(content FROM 33)
                     WHERE seq = (SELECT min(seq) FROM attachment WHERE size >= 32 AND content IS NOT NULL)",
                    &[&probe],
                )?;
                return Ok(n > 0);
            }
        }
    }
    let mut conn = place.inspect()?;
    conn.without_foreign_keys()?;
    let last = |want: fn(&Expect) -> Option<&String>| {
        history
            .promises
            .iter()
            .rev()
            .find_map(|p| want(&p.expect))
            .cloned()
    };
    let message = last(|e| match e {
        Expect::Message { msg, .. } => Some(msg),
        _ => None,
    });
    let n = match (kind, message) {
        // Nothing posted yet: no message to delete and no audit entry to edit.
        (Corruption::Message | Corruption::Audit, None) => 0,
        (Corruption::Message, Some(msg)) => {
            conn.execute("DELETE FROM message WHERE id = ?1", &[msg.as_str()])?
        }
        // The middle entry (PostgreSQL's sequence numbers have gaps).
        (Corruption::Audit, Some(_)) => conn.execute(
            "UPDATE audit SET actor = 'staff:mallory' WHERE seq =
               (SELECT seq FROM audit ORDER BY seq LIMIT 1 OFFSET (SELECT count(*) / 2 FROM audit))",
            &[],
        )?,
        (Corruption::Leak, _) => 0,
        (Corruption::Unack, _) => match last(|e| match e {
            Expect::Acked { event } => Some(event),
            _ => None,
        }) {
            Some(ev) => conn.execute(
                "UPDATE event SET state = 'pending', acked_at = NULL WHERE id = ?1",
                &[ev.as_str()],
            )?,
            None => 0,
        },
    };
    Ok(n > 0)
}
