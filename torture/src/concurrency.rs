//! Concurrency (R-ST2): `threads` threads in each of `processes` processes,
//! all on one database file, each process sharing ONE `Store` handle
//! between its threads. Every thread sends, replies (staff and patient
//! side), reads, downloads, closes, purges and delivers (`due_events` then
//! `ack`). Afterwards the file must hold exactly what the callers were told
//! succeeded, no caller may ever have seen an error, and no event may come
//! back from `due_events` once its acknowledgement has returned.
//!
//! Delivery is sharded like a host with several delivery workers would:
//! every thread polls every due event, and acknowledges those whose id
//! hashes to its own shard. So each event has exactly one acknowledger,
//! and "acknowledged at most once" is an exact assertion.

use crate::checks;
use crate::fixture::{self, Rand, Sizes, StaffOptions, World};
use crate::place::{self, Place};
use pmsg_core::{ConversationStatus, Response, Store};
use rand::seq::IndexedRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::Instant;

/// Simulated milliseconds per real millisecond (15 simulated minutes):
/// one real second is about 10 simulated days, so response deadlines
/// (1–5 days), unread reminders (1–3 days) and retention (7 days) all
/// come due, and cancel or purge, while the threads are still working.
const SIM_PER_REAL: u64 = 900_000;

/// Options of `concurrency`.
#[derive(Debug, Clone, clap::Args)]
pub struct ConcArgs {
    /// Worker threads in each process.
    #[arg(long, default_value_t = 8)]
    pub threads: usize,
    /// Processes on the file: this one plus `processes - 1` children.
    #[arg(long, default_value_t = 2)]
    pub processes: usize,
    /// Operations in all, split evenly over every thread of every process.
    #[arg(long, default_value_t = 4000)]
    pub ops: u64,
    /// Seed of the operation mix.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder for the database file (default: the temp dir).
    #[arg(long, conflicts_with = "db")]
    pub db_dir: Option<PathBuf>,
    /// A PostgreSQL database (`postgres://` or `postgresql://` URL) instead
    /// of an SQLite file: the run uses a new schema of it (`pmsg_schema=`),
    /// dropped after a clean run.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Keep the database file after a clean run.
    #[arg(long)]
    pub keep: bool,
    /// Every process opens the brand-new file (creating and migrating it)
    /// at the same moment, instead of the parent creating it first.
    #[arg(long)]
    pub cold_start: bool,
    /// Negative control: delete one reported message behind pmsg's back
    /// before the counts are checked.
    #[arg(long, hide = true)]
    pub self_test_corrupt: bool,
}

/// Options of the hidden `conc-worker` subcommand (one extra process).
#[derive(Debug, Clone, clap::Args)]
pub struct WorkerArgs {
    /// The database file or URL.
    #[arg(long)]
    pub db: String,
    /// This process's index (1 and up; the parent is 0).
    #[arg(long)]
    pub process: usize,
    /// Processes in the run.
    #[arg(long)]
    pub processes: usize,
    /// Threads per process.
    #[arg(long)]
    pub threads: usize,
    /// Operations in all.
    #[arg(long)]
    pub ops: u64,
    /// Seed.
    #[arg(long)]
    pub seed: u64,
    /// The parent's CLOCK_MONOTONIC at the start, in ns (the shared clock).
    #[arg(long)]
    pub start_ns: u64,
    /// Upsert the directory first (cold start).
    #[arg(long)]
    pub cold_start: bool,
}

/// A message a thread posted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PostedMsg {
    conv: String,
    msg: String,
    deliveries: u64,
    fee: bool,
    notify: bool,
    required: bool,
}

/// One `due_events` call: when it started, and the FNV hashes of the ids
/// it returned.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Poll {
    start_ns: u64,
    ids: Vec<u64>,
}

/// One acknowledgement, and when it returned.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct AckRec {
    id: String,
    done_ns: u64,
}

/// What the threads of a process did and saw.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Log {
    ops: u64,
    errors: Vec<String>,
    sends: Vec<PostedMsg>,
    staff_replies: Vec<PostedMsg>,
    patient_replies: Vec<String>,
    reads: u64,
    downloads: u64,
    closes: u64,
    purged: Vec<String>,
    polls: Vec<Poll>,
    /// Events of its own shard a thread was given by `due_events`.
    delivered: Vec<String>,
    acks: Vec<AckRec>,
}

impl Log {
    fn merge(&mut self, o: Log) {
        self.ops += o.ops;
        self.errors.extend(o.errors);
        self.sends.extend(o.sends);
        self.staff_replies.extend(o.staff_replies);
        self.patient_replies.extend(o.patient_replies);
        self.reads += o.reads;
        self.downloads += o.downloads;
        self.closes += o.closes;
        self.purged.extend(o.purged);
        self.polls.extend(o.polls);
        self.delivered.extend(o.delivered);
        self.acks.extend(o.acks);
    }
}

/// CLOCK_MONOTONIC in nanoseconds: one clock for every process on the
/// machine, so an ack in one process and a poll in another can be ordered.
pub fn mono_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC exists on
    // every Unix this harness runs on.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Runs the concurrency harness.
pub fn run(args: &ConcArgs) -> ExitCode {
    let threads = args.threads.max(1);
    let processes = args.processes.max(1);
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot find this executable: {e}");
            return ExitCode::from(2);
        }
    };
    let place = match &args.db {
        Some(url) if place::is_postgres(url) => Place::schema(url, "concurrency", 0),
        Some(_) => {
            eprintln!("error: --db takes a postgres:// or postgresql:// URL (SQLite: --db-dir)");
            return ExitCode::from(2);
        }
        None => {
            let dir = args.db_dir.clone().unwrap_or_else(std::env::temp_dir);
            if let Err(e) = std::fs::create_dir_all(&dir) {
                eprintln!("error: cannot create {}: {e}", dir.display());
                return ExitCode::from(2);
            }
            Place::File(dir.join(format!(
                "pmsg-torture-concurrency-{}.db",
                std::process::id()
            )))
        }
    };
    place.remove();
    let db = place.location();
    let shown = match &place {
        Place::File(_) => db.clone(),
        Place::Schema { base, schema } => format!("schema {schema} of {}", place::redact(base)),
    };
    let world = fixture::concurrency_world(processes, threads);
    println!(
        "concurrency: seed {}, {threads} threads x {processes} processes, {} operations, {} on {shown}",
        args.seed,
        args.ops,
        if args.cold_start { "cold start" } else { "directory first" },
    );
    let started = Instant::now();
    let mut errors: Vec<String> = Vec::new();
    if !args.cold_start {
        if let Err(e) =
            Store::open(&db, &fixture::config()).and_then(|s| s.upsert_directory(&world.update))
        {
            eprintln!("error: cannot create {db}: {}: {e}", e.code());
            return ExitCode::FAILURE;
        }
    }
    // On a cold start every process waits for the same instant, 150 ms
    // ahead (time for the children to start), then opens the new file.
    let start_ns = mono_ns() + if args.cold_start { 150_000_000 } else { 0 };
    let mut children = Vec::new();
    for p in 1..processes {
        let spawned = Command::new(&exe)
            .args(["conc-worker", "--db", &db])
            .args([
                "--process",
                &p.to_string(),
                "--processes",
                &processes.to_string(),
            ])
            .args([
                "--threads",
                &threads.to_string(),
                "--ops",
                &args.ops.to_string(),
            ])
            .args([
                "--seed",
                &args.seed.to_string(),
                "--start-ns",
                &start_ns.to_string(),
            ])
            .args(args.cold_start.then_some("--cold-start"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        match spawned {
            Ok(c) => children.push((p, c)),
            Err(e) => errors.push(format!("process {p}: cannot start: {e}")),
        }
    }
    let setup = Setup {
        db: db.clone(),
        process: 0,
        processes,
        threads,
        ops: args.ops,
        seed: args.seed,
        start_ns,
        cold_start: args.cold_start,
    };
    let mut log = run_process(&setup, &world);
    for (p, c) in children {
        match c.wait_with_output() {
            Ok(out) if out.status.success() => match serde_json::from_slice::<Log>(&out.stdout) {
                Ok(l) => log.merge(l),
                Err(e) => errors.push(format!("process {p}: unreadable report: {e}")),
            },
            Ok(out) => errors.push(format!("process {p}: exited with {}", out.status)),
            Err(e) => errors.push(format!("process {p}: {e}")),
        }
    }
    let work_secs = started.elapsed().as_secs_f64();
    errors.extend(log.errors.iter().cloned());
    if args.self_test_corrupt {
        if let Err(e) = delete_one_message(&place, &log) {
            errors.push(format!("self-test damage failed: {e}"));
        }
    }
    let wrong = verify(&place, &log);
    for e in errors.iter().take(20) {
        println!("  ERROR: {e}");
    }
    for w in wrong.iter().take(40) {
        println!("  WRONG: {w}");
    }
    println!(
        "{} sends, {} staff replies, {} patient replies, {} reads, {} downloads, {} closes, {} purged, \
         {} due_events calls, {} events acknowledged",
        log.sends.len(),
        log.staff_replies.len(),
        log.patient_replies.len(),
        log.reads,
        log.downloads,
        log.closes,
        log.purged.len(),
        log.polls.len(),
        log.acks.len()
    );
    println!("events in the store: {}", event_states(&place));
    println!(
        "wall time: {work_secs:.1} s of work ({:.0} operations/s), {:.1} s with checks",
        log.ops as f64 / work_secs.max(1e-9),
        started.elapsed().as_secs_f64()
    );
    let clean = errors.is_empty() && wrong.is_empty();
    if clean && !args.keep {
        place.remove();
    } else {
        println!("database kept at {shown}");
    }
    println!(
        "concurrency: {threads} threads x {processes} processes, {} operations, {} errors, counts {}",
        log.ops,
        errors.len(),
        if wrong.is_empty() { "exact" } else { "WRONG" }
    );
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The hidden `conc-worker`: one extra process; prints its [`Log`] as JSON.
pub fn worker(args: &WorkerArgs) -> ExitCode {
    let setup = Setup {
        db: args.db.clone(),
        process: args.process,
        processes: args.processes.max(1),
        threads: args.threads.max(1),
        ops: args.ops,
        seed: args.seed,
        start_ns: args.start_ns,
        cold_start: args.cold_start,
    };
    let world = fixture::concurrency_world(setup.processes, setup.threads);
    let log = run_process(&setup, &world);
    match serde_json::to_string(&log) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Setup {
    db: String,
    process: usize,
    processes: usize,
    threads: usize,
    ops: u64,
    seed: u64,
    start_ns: u64,
    cold_start: bool,
}

/// One process: opens ONE store and runs its threads on it.
fn run_process(setup: &Setup, world: &World) -> Log {
    let mut log = Log::default();
    if setup.cold_start {
        let wait = setup.start_ns.saturating_sub(mono_ns());
        std::thread::sleep(std::time::Duration::from_nanos(wait));
    }
    let opened = Store::open(&setup.db, &fixture::config()).and_then(|s| {
        if setup.cold_start {
            s.upsert_directory(&world.update)?;
        }
        Ok(s)
    });
    let store = match opened {
        Ok(s) => Arc::new(s),
        Err(e) => {
            log.errors.push(format!(
                "process {}: open: {}: {e}",
                setup.process,
                e.code()
            ));
            return log;
        }
    };
    let shards = (setup.processes * setup.threads) as u64;
    let handles: Vec<_> = (0..setup.threads)
        .map(|t| {
            let index = (setup.process * setup.threads + t) as u64;
            let ops = setup.ops / shards + u64::from(index < setup.ops % shards);
            let mut worker = Worker {
                store: Arc::clone(&store),
                me: world.staff[index as usize].clone(),
                patients: world.patients.clone(),
                rng: fixture::rng(setup.seed, index + 1),
                shard: index,
                shards,
                start_ns: setup.start_ns,
                convs: Vec::new(),
                log: Log::default(),
            };
            std::thread::spawn(move || {
                worker.run(ops);
                worker.log
            })
        })
        .collect();
    for h in handles {
        match h.join() {
            Ok(l) => log.merge(l),
            Err(_) => log.errors.push(format!(
                "process {}: a worker thread panicked",
                setup.process
            )),
        }
    }
    log
}

/// A conversation a thread owns: only its thread acts on it, so the
/// thread's view of its state is exact and no operation is refused.
#[derive(Debug, Clone)]
struct Conv {
    id: String,
    account: String,
    open: bool,
    reply_files: bool,
    attachments: Vec<String>,
}

struct Worker {
    store: Arc<Store>,
    me: fixture::StaffMember,
    patients: Vec<(String, String)>,
    rng: Rand,
    shard: u64,
    shards: u64,
    start_ns: u64,
    convs: Vec<Conv>,
    log: Log,
}

const MIX: [(&str, u32); 8] = [
    ("send", 28),
    ("staff_reply", 14),
    ("patient_reply", 16),
    ("read", 8),
    ("download", 6),
    ("deliver", 20),
    ("purge", 3),
    ("close", 5),
];

impl Worker {
    /// The shared simulated clock.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let real_ms = mono_ns().saturating_sub(self.start_ns) / 1_000_000;
        fixture::at(fixture::epoch_ms() + (real_ms * SIM_PER_REAL) as i64)
    }

    fn run(&mut self, ops: u64) {
        for _ in 0..ops {
            let op = fixture::pick(&mut self.rng, &MIX);
            self.log.ops += 1;
            let result = match op {
                "staff_reply" => self.staff_reply(),
                "patient_reply" => self.patient_reply(),
                "read" => self.read(),
                "download" => self.download(),
                "deliver" => self.deliver(),
                "purge" => self.purge(),
                "close" => self.close(),
                _ => self.send(),
            };
            if let Err(e) = result {
                self.log
                    .errors
                    .push(format!("{} {op}: {}: {e}", self.me.party(), e.code()));
            }
        }
    }

    fn open_conv(&mut self) -> Option<usize> {
        let open: Vec<usize> = (0..self.convs.len())
            .filter(|i| self.convs[*i].open)
            .collect();
        open.choose(&mut self.rng).copied()
    }

    fn posted(out: &pmsg_core::SendOutcome, opts: &StaffOptions) -> PostedMsg {
        PostedMsg {
            conv: out.conversation_id.clone(),
            msg: out.message_id.clone(),
            deliveries: out.delivered_to.len() as u64,
            fee: opts.fee_code.is_some(),
            notify: opts.unread_notify.is_some(),
            required: matches!(opts.response, Response::Required { .. }),
        }
    }

    fn send(&mut self) -> pmsg_core::Result<()> {
        let (emr, account) = self
            .patients
            .choose(&mut self.rng)
            .cloned()
            .unwrap_or_default();
        let opts = StaffOptions::random(&mut self.rng, false);
        let req = fixture::send_request(&mut self.rng, &self.me, &emr, &opts, Sizes::Small);
        let out = self.store.send(&req, self.now())?;
        self.log.sends.push(Self::posted(&out, &opts));
        self.convs.push(Conv {
            id: out.conversation_id,
            account,
            open: out.status == ConversationStatus::Open,
            reply_files: opts.allow_reply_attachments,
            attachments: out.attachments.into_iter().map(|a| a.id).collect(),
        });
        Ok(())
    }

    fn staff_reply(&mut self) -> pmsg_core::Result<()> {
        let Some(i) = self.open_conv() else {
            return self.send();
        };
        let opts = StaffOptions::random(&mut self.rng, false);
        let req = fixture::staff_reply(
            &mut self.rng,
            &self.me,
            &self.convs[i].id,
            &opts,
            Sizes::Small,
        );
        let out = self.store.reply(&req, self.now())?;
        self.log.staff_replies.push(Self::posted(&out, &opts));
        let c = &mut self.convs[i];
        c.open = out.status == ConversationStatus::Open;
        c.reply_files = opts.allow_reply_attachments;
        c.attachments
            .extend(out.attachments.into_iter().map(|a| a.id));
        Ok(())
    }

    fn patient_reply(&mut self) -> pmsg_core::Result<()> {
        let Some(i) = self.open_conv() else {
            return self.send();
        };
        let c = self.convs[i].clone();
        let files = c.reply_files && self.rng.random_bool(0.3);
        let req = fixture::patient_reply(&mut self.rng, &c.account, &c.id, files, Sizes::Small);
        let out = self.store.reply(&req, self.now())?;
        self.log.patient_replies.push(out.message_id);
        Ok(())
    }

    fn read(&mut self) -> pmsg_core::Result<()> {
        let Some(c) = self.convs.choose(&mut self.rng).cloned() else {
            return self.send();
        };
        let by = if self.rng.random_bool(0.5) {
            c.account
        } else {
            self.me.party()
        };
        self.store.read(&by, &c.id, self.now())?;
        self.log.reads += 1;
        Ok(())
    }

    fn download(&mut self) -> pmsg_core::Result<()> {
        let candidates: Vec<(String, String, String)> = self
            .convs
            .iter()
            .flat_map(|c| {
                c.attachments
                    .iter()
                    .map(|a| (c.id.clone(), c.account.clone(), a.clone()))
            })
            .collect();
        let Some((conv, account, att)) = candidates.choose(&mut self.rng).cloned() else {
            return self.send();
        };
        match self.store.download(&account, &conv, &att, self.now()) {
            Ok(_) => {
                self.log.downloads += 1;
                Ok(())
            }
            // Another thread's purge may have removed it: expected, and
            // then it must not be offered again.
            Err(e) if e.code() == "attachment_expired" => {
                for c in &mut self.convs {
                    c.attachments.retain(|a| *a != att);
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn deliver(&mut self) -> pmsg_core::Result<()> {
        let now = self.now();
        let start_ns = mono_ns();
        let events = self.store.due_events(now, None)?;
        self.log.polls.push(Poll {
            start_ns,
            ids: events
                .iter()
                .map(|e| fixture::fnv64(e.id.as_bytes()))
                .collect(),
        });
        for e in events {
            if fixture::fnv64(e.id.as_bytes()) % self.shards != self.shard {
                continue;
            }
            self.log.delivered.push(e.id.clone());
            self.store.ack(&e.id, now)?;
            self.log.acks.push(AckRec {
                id: e.id,
                done_ns: mono_ns(),
            });
        }
        Ok(())
    }

    fn purge(&mut self) -> pmsg_core::Result<()> {
        let purged = self.store.purge(self.now())?;
        self.log
            .purged
            .extend(purged.into_iter().map(|p| p.attachment));
        Ok(())
    }

    fn close(&mut self) -> pmsg_core::Result<()> {
        let Some(i) = self.open_conv() else {
            return self.send();
        };
        self.store
            .close(&self.me.party(), &self.convs[i].id, self.now())?;
        self.convs[i].open = false;
        self.log.closes += 1;
        Ok(())
    }
}

/// Events by kind and state, e.g. `new_message 10 acked 2 pending`.
fn event_states(place: &Place) -> String {
    let tally = place.inspect().and_then(|mut c| {
        c.rows(
            "SELECT kind || ' ' || state || ' ' || count(*) FROM event
             GROUP BY kind, state ORDER BY kind, state",
        )
    });
    match tally {
        Ok(t) => t.join(", "),
        Err(e) => format!("unreadable: {e}"),
    }
}

/// The negative control: deletes the first reported message's row.
fn delete_one_message(place: &Place, log: &Log) -> Result<(), String> {
    let mut conn = place.inspect()?;
    conn.without_foreign_keys()?;
    if let Some(m) = log.sends.first() {
        conn.execute("DELETE FROM message WHERE id = ?1", &[m.msg.as_str()])?;
    }
    Ok(())
}

/// Compares the store with what the callers were told; one string per
/// difference.
fn verify(place: &Place, log: &Log) -> Vec<String> {
    let mut wrong = Vec::new();
    let store = match Store::open(&place.location(), &fixture::config()) {
        Ok(s) => s,
        Err(e) => return vec![format!("reopen: {}: {e}", e.code())],
    };
    let mut conn = match place.inspect() {
        Ok(c) => c,
        Err(e) => return vec![e],
    };
    wrong.extend(checks::database(&mut conn));
    wrong.extend(checks::audit(&store));

    let conn = std::cell::RefCell::new(conn);
    let count = |sql: &str| -> i64 { conn.borrow_mut().count(sql) };
    let ids = |sql: &str| -> HashSet<String> {
        conn.borrow_mut()
            .rows(sql)
            .map(|r| r.into_iter().collect())
            .unwrap_or_default()
    };
    let mut expect = |what: &str, got: i64, want: usize| {
        if got != want as i64 {
            wrong.push(format!(
                "{what}: the file has {got}, the callers were told {want}"
            ));
        }
    };
    let staff_msgs: Vec<&PostedMsg> = log.sends.iter().chain(&log.staff_replies).collect();
    expect(
        "conversations",
        count("SELECT count(*) FROM conversation"),
        log.sends.len(),
    );
    expect(
        "messages",
        count("SELECT count(*) FROM message"),
        staff_msgs.len() + log.patient_replies.len(),
    );
    expect(
        "new_message events",
        count("SELECT count(*) FROM event WHERE kind = 'new_message'"),
        staff_msgs.iter().map(|m| m.deliveries as usize).sum(),
    );
    expect(
        "response_overdue events",
        count("SELECT count(*) FROM event WHERE kind = 'response_overdue'"),
        staff_msgs
            .iter()
            .filter(|m| m.required)
            .map(|m| m.deliveries as usize)
            .sum(),
    );
    expect(
        "unread_reminder events",
        count("SELECT count(*) FROM event WHERE kind = 'unread_reminder'"),
        staff_msgs.iter().filter(|m| m.notify).count(),
    );
    expect(
        "new_reply events",
        count("SELECT count(*) FROM event WHERE kind = 'new_reply'"),
        log.patient_replies.len(),
    );
    expect(
        "billing entries",
        count("SELECT count(*) FROM billing_entry"),
        staff_msgs.iter().filter(|m| m.fee).count(),
    );
    for (action, want) in [
        ("send", log.sends.len()),
        ("reply", log.staff_replies.len() + log.patient_replies.len()),
        ("read", log.reads as usize),
        ("download", log.downloads as usize),
        ("close", log.closes as usize),
        ("purge", log.purged.len()),
        ("view", 0),
        ("export", 0),
        ("refused", 0),
    ] {
        expect(
            &format!("audit entries '{action}'"),
            conn.borrow_mut()
                .lookup::<i64>("SELECT count(*) FROM audit WHERE action = ?1", action)
                .ok()
                .flatten()
                .unwrap_or(-1),
            want,
        );
    }
    expect(
        "purged attachments",
        count("SELECT count(*) FROM attachment WHERE purged_at IS NOT NULL"),
        log.purged.len(),
    );
    let told: HashSet<String> = log.sends.iter().map(|m| m.conv.clone()).collect();
    if ids("SELECT id FROM conversation") != told {
        wrong.push("the conversations in the file are not those the senders were given".into());
    }
    let told: HashSet<String> = staff_msgs
        .iter()
        .map(|m| m.msg.clone())
        .chain(log.patient_replies.iter().cloned())
        .collect();
    if ids("SELECT id FROM message") != told {
        wrong.push("the messages in the file are not those the posters were given".into());
    }
    let purged: HashSet<&String> = log.purged.iter().collect();
    if purged.len() != log.purged.len() {
        wrong.push(format!(
            "{} attachments were purged by two purges",
            log.purged.len() - purged.len()
        ));
    }

    // Events: each acknowledged at most once, every delivered one acknowledged.
    let mut acked: HashMap<&str, u64> = HashMap::new();
    let mut ack_done: HashMap<u64, u64> = HashMap::new();
    for a in &log.acks {
        *acked.entry(a.id.as_str()).or_default() += 1;
        let h = fixture::fnv64(a.id.as_bytes());
        let t = ack_done.entry(h).or_insert(a.done_ns);
        *t = (*t).min(a.done_ns);
    }
    let twice = acked.values().filter(|n| **n > 1).count();
    if twice > 0 {
        wrong.push(format!("{twice} events were acknowledged more than once"));
    }
    let delivered: HashSet<&str> = log.delivered.iter().map(String::as_str).collect();
    let acked_set: HashSet<&str> = acked.keys().copied().collect();
    if delivered != acked_set {
        wrong.push(format!(
            "{} events delivered, {} acknowledged: not the same events",
            delivered.len(),
            acked_set.len()
        ));
    }
    let file_acked = ids("SELECT id FROM event WHERE state = 'acked'");
    let cancelled = ids("SELECT id FROM event WHERE state = 'cancelled'");
    let strays = file_acked
        .iter()
        .filter(|id| !acked_set.contains(id.as_str()))
        .count();
    if strays > 0 {
        wrong.push(format!(
            "{strays} events are acked in the file but nobody acknowledged them"
        ));
    }
    let unrecorded = acked_set
        .iter()
        .filter(|id| !file_acked.contains(**id) && !cancelled.contains(**id))
        .count();
    if unrecorded > 0 {
        wrong.push(format!(
            "{unrecorded} acknowledged events are neither acked nor cancelled in the file"
        ));
    }
    // No event comes back from a poll that started after its ack returned,
    // whichever thread or process polled.
    let mut late = 0;
    for p in &log.polls {
        for h in &p.ids {
            if ack_done.get(h).is_some_and(|done| *done < p.start_ns) {
                late += 1;
            }
        }
    }
    if late > 0 {
        wrong.push(format!(
            "{late} times an event came back from due_events after its ack had returned"
        ));
    }
    match store.due_events(fixture::far_future(), None) {
        Ok(events) => {
            let again = events
                .iter()
                .filter(|e| acked_set.contains(e.id.as_str()))
                .count();
            if again > 0 {
                wrong.push(format!("{again} acknowledged events are still due"));
            }
        }
        Err(e) => wrong.push(format!("final due_events: {}: {e}", e.code())),
    }
    wrong
}
