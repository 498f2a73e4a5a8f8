//! Several delivery workers on one store (SPEC R-D7): `threads` workers in
//! each of `processes` processes claim the due events under a lease,
//! "deliver" each one (a line appended to the worker's own log file, the
//! way a host would send a text and then record it), then acknowledge it.
//!
//! Two phases, each on a fresh store holding `events` due events:
//!
//! * **live**: every worker lives; each event must be delivered exactly
//!   once, by one worker.
//! * **kill**: one process stops in the middle of a batch (it has printed
//!   part of what it claimed and acknowledged none of that batch) and is
//!   killed with SIGKILL; the others finish what they can claim; then a
//!   rescue worker runs once the lease has expired. Every event must be
//!   delivered at least once, and the only events delivered twice are
//!   those the killed worker printed but had not acknowledged.
//!
//! The processes share nothing but the database file; the parent reads the
//! log files afterwards.

use crate::place::{self, Place};
use pmsg_core::{
    Account, AccountKind, DirectoryUpdate, Patient, Response, SendRequest, Sender, Staff, Store,
};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Options of `workers`.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkersArgs {
    /// Processes, each with its own store handle.
    #[arg(long, default_value_t = 2)]
    pub processes: usize,
    /// Worker threads in each process (sharing the process's handle).
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Due events in each phase's store.
    #[arg(long, default_value_t = 400)]
    pub events: usize,
    /// Events claimed per call.
    #[arg(long, default_value_t = 5)]
    pub limit: i64,
    /// Lease of a claim, seconds (simulated time: the workers' clock stands still).
    #[arg(long, default_value_t = 60)]
    pub lease: i64,
    /// Folder for the database files and logs (default: the temp dir).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// A PostgreSQL database (`postgres://` or `postgresql://` URL) instead
    /// of SQLite files: each phase's store is a new schema of it
    /// (`pmsg_schema=`), dropped after a clean run (the logs stay in the
    /// folder).
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Negative control: the workers peek with `due_events` instead of
    /// claiming (the single-worker loop of R-D5), so the live phase must
    /// find events delivered twice.
    #[arg(long, hide = true)]
    pub self_test_no_claims: bool,
}

/// Options of the hidden `claimer` subcommand: one worker process.
#[derive(Debug, Clone, clap::Args)]
pub struct ClaimerArgs {
    /// The database file or URL.
    #[arg(long)]
    pub db: String,
    /// This process's name; its workers are NAME-t0, NAME-t1, …
    #[arg(long)]
    pub name: String,
    /// Worker threads.
    #[arg(long)]
    pub threads: usize,
    /// The workers' clock: ms since the epoch (it does not move).
    #[arg(long)]
    pub now_ms: i64,
    /// Lease, seconds.
    #[arg(long)]
    pub lease: i64,
    /// Events per claim.
    #[arg(long)]
    pub limit: i64,
    /// Folder of the log files (one per worker).
    #[arg(long)]
    pub logs: PathBuf,
    /// Stop in the middle of a batch once the process has delivered this
    /// many events (then wait to be killed).
    #[arg(long)]
    pub stall_after: Option<u64>,
    /// Peek with `due_events` instead of claiming (negative control).
    #[arg(long)]
    pub no_claims: bool,
    /// Start working at this wall-clock instant (ms since the epoch), so
    /// that every process of a phase starts together.
    #[arg(long)]
    pub start_at_ms: Option<u64>,
}

/// The instant the events are due (2026-03-02T14:00:00Z).
const DUE_MS: i64 = 1_772_460_000_000;

pub fn run(args: &WorkersArgs) -> ExitCode {
    let base = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("pmsg-torture-workers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot find this executable: {e}");
            return ExitCode::from(2);
        }
    };
    if args.db.as_deref().is_some_and(|u| !place::is_postgres(u)) {
        eprintln!("error: --db takes a postgres:// or postgresql:// URL");
        return ExitCode::from(2);
    }
    let workers = args.processes.max(1) * args.threads.max(1);
    println!(
        "workers: {} threads x {} processes ({workers} workers), {} events per phase, claims of {} with a {} s lease",
        args.threads, args.processes, args.events, args.limit, args.lease
    );
    let live = match live_phase(args, &exe, &dir.join("live")) {
        Ok(line) => line,
        Err(why) => return fail(&dir, &format!("live phase: {why}")),
    };
    println!("{live}");
    let kill = match kill_phase(args, &exe, &dir.join("kill")) {
        Ok(line) => line,
        Err(why) => return fail(&dir, &format!("kill phase: {why}")),
    };
    println!("{kill}");
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "workers: {workers} workers in {} processes, no event delivered twice while every worker lived, every event delivered after a kill -9 mid-batch",
        args.processes
    );
    ExitCode::SUCCESS
}

fn fail(dir: &Path, why: &str) -> ExitCode {
    println!("  WRONG: {why}");
    println!("files kept in {}", dir.display());
    println!("workers: FAILED");
    ExitCode::FAILURE
}

/// Every worker lives: each event delivered exactly once.
fn live_phase(args: &WorkersArgs, exe: &Path, dir: &Path) -> Result<String, String> {
    let (store_place, ids) = prepare(args, dir, "live", args.events)?;
    let db = store_place.location();
    // Every process of the phase starts together, 300 ms from now.
    let phase = Phase {
        exe,
        args,
        db: &db,
        logs: dir,
        start_at_ms: wall_ms() + 300,
    };
    let mut children = Vec::new();
    for p in 0..args.processes.max(1) {
        children.push(phase.spawn(&format!("p{p}"), DUE_MS, None)?);
    }
    for (name, c) in children {
        wait_ok(&name, c)?;
    }
    let logs = read_logs(dir)?;
    let mut by_event: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (worker, events) in &logs {
        for e in events {
            by_event.entry(e).or_default().push(worker);
        }
    }
    let twice: Vec<_> = by_event.iter().filter(|(_, w)| w.len() > 1).collect();
    if let Some((e, w)) = twice.first() {
        return Err(format!(
            "{} events delivered more than once while every worker lived, e.g. {e} by {w:?}",
            twice.len()
        ));
    }
    let delivered: BTreeSet<&str> = by_event.keys().copied().collect();
    let missing: Vec<_> = ids
        .iter()
        .filter(|i| !delivered.contains(i.as_str()))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} events never delivered, e.g. {}",
            missing.len(),
            missing[0]
        ));
    }
    // What each worker delivered. SQLite's busy handler is not fair: a
    // process whose threads take turns at the write lock can keep another
    // process waiting for most of a phase, so a share of zero is possible
    // and only reported; the claims are what keeps deliveries single.
    let shares: Vec<String> = logs
        .iter()
        .map(|(w, v)| format!("{w} {}", v.len()))
        .collect();
    left_pending(&db, DUE_MS)?;
    store_place.remove();
    Ok(format!(
        "live: {} events, each delivered exactly once ({})",
        ids.len(),
        shares.join(", ")
    ))
}

/// One process stalls mid-batch and is killed; a rescue worker delivers
/// what it held once the lease has expired.
fn kill_phase(args: &WorkersArgs, exe: &Path, dir: &Path) -> Result<String, String> {
    let (store_place, ids) = prepare(args, dir, "kill", args.events)?;
    let db = store_place.location();
    // The victim stalls after a few deliveries, in the middle of a batch.
    let stall = (args.limit as u64 * 2 + 2).min(ids.len() as u64 / 4).max(1);
    let phase = Phase {
        exe,
        args,
        db: &db,
        logs: dir,
        start_at_ms: wall_ms() + 300,
    };
    // The victim starts first: with SQLite's unfair busy handler, a victim
    // started beside the others could be kept waiting until they had
    // claimed everything, and its kill would test nothing. The others
    // start once it has stalled, holding its claims, and run while it is
    // killed.
    let (_, mut victim) = phase.spawn("victim", DUE_MS, Some(stall))?;
    // Wait until the victim has delivered `stall` events, then kill -9 it.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let delivered: usize = read_logs(dir)?
            .iter()
            .filter(|(w, _)| w.starts_with("victim"))
            .map(|(_, v)| v.len())
            .sum();
        if delivered as u64 >= stall {
            break;
        }
        if let Ok(Some(status)) = victim.try_wait() {
            return Err(format!(
                "the victim exited ({status}) after {delivered} deliveries, before stalling at {stall}: the kill was not exercised"
            ));
        }
        if Instant::now() > deadline {
            let _ = victim.kill();
            return Err("the victim never reached its stall point".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let others_phase = Phase {
        start_at_ms: wall_ms(),
        ..phase
    };
    let mut others = Vec::new();
    for p in 1..args.processes.max(1) {
        others.push(others_phase.spawn(&format!("p{p}"), DUE_MS, None)?);
    }
    victim
        .kill()
        .map_err(|e| format!("cannot kill the victim: {e}"))?;
    let _ = victim.wait();
    for (name, c) in others {
        wait_ok(&name, c)?;
    }
    let before_rescue = read_logs(dir)?;
    let victim_events: BTreeSet<String> = before_rescue
        .iter()
        .filter(|(w, _)| w.starts_with("victim"))
        .flat_map(|(_, v)| v.iter().cloned())
        .collect();
    // While the victim's lease lasts, nobody else may take its events.
    let held = pending(&db, DUE_MS)?;
    if held.is_empty() {
        return Err("the killed victim held no unacknowledged claim: not mid-batch".into());
    }
    // The lease expires: a rescue worker delivers what the victim held.
    let rescue_now = DUE_MS + args.lease * 1000;
    let rescuer = Phase {
        start_at_ms: wall_ms(),
        ..phase
    };
    let (rescue_name, rescue) = rescuer.spawn("rescue", rescue_now, None)?;
    wait_ok(&rescue_name, rescue)?;
    let logs = read_logs(dir)?;
    let mut by_event: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (worker, events) in &logs {
        for e in events {
            by_event.entry(e).or_default().push(worker);
        }
    }
    let delivered: BTreeSet<&str> = by_event.keys().copied().collect();
    let missing: Vec<_> = ids
        .iter()
        .filter(|i| !delivered.contains(i.as_str()))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} events lost after the kill, e.g. {}",
            missing.len(),
            missing[0]
        ));
    }
    let mut redelivered = 0;
    for (e, w) in &by_event {
        if w.len() > 1 {
            let by_victim = w.iter().filter(|x| x.starts_with("victim")).count();
            let by_rescue = w.iter().filter(|x| x.starts_with("rescue")).count();
            if w.len() != 2 || by_victim != 1 || by_rescue != 1 || !victim_events.contains(*e) {
                return Err(format!("event {e} delivered by {w:?}: only the killed worker's unacknowledged events may come twice"));
            }
            redelivered += 1;
        }
    }
    left_pending(&db, rescue_now)?;
    store_place.remove();
    Ok(format!(
        "kill: the victim delivered {} and was killed holding {} unacknowledged; after the lease the rescue worker delivered them ({} of them a second time, printed but not acknowledged before the kill); {} events, none lost",
        victim_events.len(),
        held.len(),
        redelivered,
        ids.len()
    ))
}

/// A fresh store with `n` due events: one patient (own registered account)
/// per event, one direct message to each. The store is `store.db` in
/// `dir`, or with `--db` the schema `pmsg_torture_workers_PID_N`.
fn prepare(
    args: &WorkersArgs,
    dir: &Path,
    phase: &str,
    n: usize,
) -> Result<(Place, Vec<String>), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let store_place = match &args.db {
        Some(url) => Place::schema(url, "workers", u64::from(phase == "kill")),
        None => Place::File(dir.join("store.db")),
    };
    store_place.remove();
    let db = store_place.location();
    let store = Store::open(&db, &crate::fixture::config()).map_err(|e| e.to_string())?;
    let mut update = DirectoryUpdate {
        staff: vec![Staff {
            id: "s-doc".into(),
            display_name: "Dr. Doc".into(),
            accepts_direct: true,
        }],
        ..Default::default()
    };
    for i in 0..n {
        update.accounts.push(Account {
            id: format!("a{i}"),
            kind: AccountKind::Patient,
            display_name: format!("Patient {i}"),
            registered: true,
        });
        update.patients.push(Patient {
            emr_id: format!("E{i}"),
            first_name: "Pat".into(),
            last_name: format!("Ient{i}"),
            date_of_birth: "1980-01-01".into(),
            dependent: false,
            account: Some(format!("a{i}")),
        });
    }
    let sent_at = crate::fixture::at(DUE_MS - 60_000);
    store
        .batch(|b| {
            b.upsert_directory(&update)?;
            for i in 0..n {
                b.send(
                    &SendRequest {
                        author: "s-doc".into(),
                        patient: format!("E{i}"),
                        from: Some(Sender::Direct),
                        subject: "Results".into(),
                        body: "Please log in.".into(),
                        attachments: Vec::new(),
                        unread_notify: None,
                        response: Response::Allowed,
                        allow_reply_attachments: false,
                        mask_name: false,
                        billable_fee_code: None,
                        file_to_chart: false,
                        confidential: false,
                        malformed: Vec::new(),
                    },
                    sent_at,
                )?;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    let ids: Vec<String> = store
        .due_events(crate::fixture::at(DUE_MS), None)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|e| e.id)
        .collect();
    if ids.len() != n {
        return Err(format!(
            "expected {n} due events, the store has {}",
            ids.len()
        ));
    }
    Ok((store_place, ids))
}

/// The events still pending (not acknowledged) at `now_ms`.
fn pending(db: &str, now_ms: i64) -> Result<Vec<String>, String> {
    let store = Store::open(db, &crate::fixture::config()).map_err(|e| e.to_string())?;
    Ok(store
        .due_events(crate::fixture::at(now_ms), None)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|e| e.id)
        .collect())
}

/// Nothing may be left undelivered at the end.
fn left_pending(db: &str, now_ms: i64) -> Result<(), String> {
    let left = pending(db, now_ms)?;
    if left.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} events left unacknowledged, e.g. {}",
            left.len(),
            left[0]
        ))
    }
}

/// What every worker process of a phase shares.
struct Phase<'a> {
    exe: &'a Path,
    args: &'a WorkersArgs,
    db: &'a str,
    logs: &'a Path,
    /// Wall-clock start of the phase's processes (ms since the epoch).
    start_at_ms: u64,
}

impl Phase<'_> {
    fn spawn(
        &self,
        name: &str,
        now_ms: i64,
        stall_after: Option<u64>,
    ) -> Result<(String, Child), String> {
        let args = self.args;
        let mut cmd = Command::new(self.exe);
        cmd.args(["claimer", "--db", self.db, "--name", name])
            .args(["--threads", &args.threads.max(1).to_string()])
            .args(["--now-ms", &now_ms.to_string()])
            .args(["--lease", &args.lease.to_string()])
            .args(["--limit", &args.limit.to_string()])
            .args(["--start-at-ms", &self.start_at_ms.to_string()])
            .arg("--logs")
            .arg(self.logs)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(n) = stall_after {
            cmd.args(["--stall-after", &n.to_string()]);
        }
        if args.self_test_no_claims {
            cmd.arg("--no-claims");
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start worker process {name}: {e}"))?;
        Ok((name.to_string(), child))
    }
}

fn wait_ok(name: &str, child: Child) -> Result<(), String> {
    let out = child
        .wait_with_output()
        .map_err(|e| format!("worker process {name}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("worker process {name} exited with {}", out.status))
    }
}

/// Every worker's log: worker name → delivered event ids in order.
fn read_logs(dir: &Path) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|x| x == "log") {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            // A line is complete only with its newline (a kill may cut one).
            let events = text
                .split_inclusive('\n')
                .filter_map(|l| l.strip_suffix('\n'))
                .map(str::to_string)
                .collect();
            out.insert(name, events);
        }
    }
    Ok(out)
}

fn wall_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The hidden `claimer`: one process, `threads` workers on one handle.
pub fn claimer(args: &ClaimerArgs) -> ExitCode {
    let store = match Store::open(&args.db, &crate::fixture::config()) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("claimer {}: cannot open: {e}", args.name);
            return ExitCode::FAILURE;
        }
    };
    if let Some(at) = args.start_at_ms {
        let now = wall_ms();
        if at > now {
            std::thread::sleep(Duration::from_millis(at - now));
        }
    }
    let delivered = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..args.threads.max(1))
        .map(|t| {
            let store = Arc::clone(&store);
            let delivered = Arc::clone(&delivered);
            let args = args.clone();
            std::thread::spawn(move || work(&store, &args, t, &delivered))
        })
        .collect();
    let mut ok = true;
    for h in handles {
        match h.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                eprintln!("claimer {}: {e}", args.name);
                ok = false;
            }
            Err(_) => ok = false,
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// One worker: claim, deliver (log line), acknowledge, until nothing is
/// claimable.
fn work(
    store: &Store,
    args: &ClaimerArgs,
    thread: usize,
    delivered: &AtomicU64,
) -> Result<(), String> {
    let worker = format!("{}-t{thread}", args.name);
    let path = args.logs.join(format!("{worker}.log"));
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let now = crate::fixture::at(args.now_ms);
    loop {
        let batch = if args.no_claims {
            store.due_events(now, Some(args.limit))
        } else {
            store.claim_due_events(&worker, now, Some(args.limit), args.lease)
        }
        .map_err(|e| format!("{worker}: claim: {}: {e}", e.code()))?;
        if batch.is_empty() {
            return Ok(());
        }
        for e in &batch {
            if let Some(n) = args.stall_after {
                if delivered.load(Ordering::SeqCst) >= n {
                    // Mid-batch: what this batch printed is unacknowledged.
                    loop {
                        std::thread::sleep(Duration::from_secs(1));
                    }
                }
            }
            // One write per line: the line reaches the file before the
            // acknowledgement, as a host records a sent notice.
            log.write_all(format!("{}\n", e.id).as_bytes())
                .map_err(|e| format!("{worker}: log: {e}"))?;
            // Sending a text takes a moment.
            std::thread::sleep(Duration::from_millis(1));
            delivered.fetch_add(1, Ordering::SeqCst);
        }
        for e in &batch {
            store
                .ack(&e.id, now)
                .map_err(|err| format!("{worker}: ack {}: {}: {err}", e.id, err.code()))?;
        }
    }
}
