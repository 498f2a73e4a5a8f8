//! Server kill (R-ST1, R-ST2 on PostgreSQL): `threads` threads share ONE
//! `Store` handle on a fresh schema and work (sends with files, replies on
//! both sides, reads, downloads, deliveries with acknowledgements,
//! purges, closes) while the PostgreSQL server is killed with SIGKILL
//! (every process of the cluster), left down a moment and started again
//! with `pg_ctl restart`, `kills` times. Then:
//!
//! * an operation may fail only with `storage`, and only if it was in
//!   flight during an outage (it began before the server was back and
//!   ended after the kill); any other error, or any failure of an
//!   operation that began once the server was back, is counted against it;
//! * every operation that returned success is still there (the crash
//!   harness's promises, through SQL and through the API);
//! * the same handle works again: every thread completes operations after
//!   each restart, without reopening anything;
//! * what failed left nothing half-done: the invariants, amcheck, the
//!   audit chains; and nothing appeared that no caller was told about
//!   beyond the operations whose outcome is unknown (failed at `COMMIT`).

use crate::checks::{self, History};
use crate::concurrency::mono_ns;
use crate::fixture::{self, Rand, Sizes, StaffOptions};
use crate::oplog::{Att, Op, Posted, PurgedAtt};
use crate::pgserver::Cluster;
use crate::place::{self, Place};
use pmsg_core::{ConversationStatus, Store};
use rand::seq::IndexedRandom;
use rand::Rng;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Simulated milliseconds per real millisecond (15 simulated minutes), as
/// in `concurrency`: deadlines, reminders and retention come due while
/// the threads run.
const SIM_PER_REAL: u64 = 900_000;

/// Options of `server-kill`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerKillArgs {
    /// The PostgreSQL database (`postgres://` or `postgresql://` URL); the
    /// run uses a new schema of it, dropped after a clean run.
    #[arg(long, value_name = "URL")]
    pub db: String,
    /// The cluster's data folder (default: `$PMSG_TEST_PG_DATA`).
    #[arg(long)]
    pub pg_data: Option<PathBuf>,
    /// The folder of the server's `pg_ctl` (default: `$PMSG_TEST_PG_BIN`).
    #[arg(long)]
    pub pg_bin: Option<PathBuf>,
    /// How many times the server is killed.
    #[arg(long, default_value_t = 3)]
    pub kills: u32,
    /// Threads sharing the one handle.
    #[arg(long, default_value_t = 4)]
    pub threads: usize,
    /// Seed of the operation mix and of the kill instants.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Work before each kill (and after the last restart), milliseconds
    /// (each kill lands at a random instant of the second half).
    #[arg(long, default_value_t = 1500)]
    pub work_ms: u64,
    /// How long the server stays down, milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub down_ms: u64,
    /// Keep the schema after a clean run.
    #[arg(long)]
    pub keep: bool,
}

/// An operation that returned success, and when.
#[derive(Debug, Clone)]
struct Done {
    end_ns: u64,
    op: Op,
}

/// An operation that failed, and when.
#[derive(Debug, Clone)]
struct Failed {
    start_ns: u64,
    end_ns: u64,
    what: &'static str,
    code: String,
    message: String,
    /// It posted a message (whose commit may have happened).
    posted: bool,
    /// It was a send (a conversation may have been created).
    send: bool,
}

/// What one thread did.
#[derive(Debug, Default)]
struct ThreadLog {
    done: Vec<Done>,
    failed: Vec<Failed>,
}

/// One outage: from the kill to the server accepting connections again.
#[derive(Debug, Clone, Copy)]
struct Outage {
    kill_ns: u64,
    back_ns: u64,
}

pub fn run(args: &ServerKillArgs) -> ExitCode {
    let verdict = |line: String, ok: bool| {
        println!("{line}");
        if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    };
    if !place::is_postgres(&args.db) {
        eprintln!("error: --db takes a postgres:// or postgresql:// URL");
        return ExitCode::from(2);
    }
    let env_path = |given: &Option<PathBuf>, var: &str| {
        given
            .clone()
            .or_else(|| std::env::var_os(var).map(PathBuf::from))
    };
    let (Some(data), Some(bin)) = (
        env_path(&args.pg_data, "PMSG_TEST_PG_DATA"),
        env_path(&args.pg_bin, "PMSG_TEST_PG_BIN"),
    ) else {
        eprintln!(
            "error: the cluster to kill is unknown: give --pg-data and --pg-bin \
             (or PMSG_TEST_PG_DATA and PMSG_TEST_PG_BIN, as scripts/with-postgres exports)"
        );
        return ExitCode::from(2);
    };
    let cluster = Cluster { data, bin };
    let place = Place::schema(&args.db, "serverkill", 0);
    place.remove();
    let threads = args.threads.max(1);
    println!(
        "server-kill: seed {}, {threads} threads on one handle, {} kills of the cluster in {} \
         (work {} ms, down {} ms each), schema {}",
        args.seed,
        args.kills,
        cluster.data.display(),
        args.work_ms,
        args.down_ms,
        place.name()
    );
    let started = Instant::now();
    let world = fixture::concurrency_world(1, threads);
    // A pool of its own size: every thread may hold a connection.
    let url = format!("{}&pmsg_pool_size={}", place.location(), threads.max(2));
    let store = match Store::open(&url, &fixture::config())
        .and_then(|s| s.upsert_directory(&world.update).map(|()| s))
    {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("error: cannot open {}: {}: {e}", place.name(), e.code());
            return ExitCode::FAILURE;
        }
    };
    let start_ns = mono_ns();
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let mut w = Worker {
                store: Arc::clone(&store),
                me: world.staff[t].clone(),
                patients: world.patients.clone(),
                rng: fixture::rng(args.seed, t as u64 + 1),
                start_ns,
                convs: Vec::new(),
                log: ThreadLog::default(),
            };
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    w.step();
                }
                w.log
            })
        })
        .collect();

    // The kills.
    let mut rng = fixture::rng(args.seed, u64::MAX);
    let mut outages = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for k in 1..=args.kills {
        let half = args.work_ms / 2;
        let wait = half + rng.random_range(0..=half.max(1));
        std::thread::sleep(Duration::from_millis(wait));
        let kill_ns = mono_ns();
        let killed = match cluster.kill() {
            Ok(k) => k,
            Err(e) => {
                problems.push(format!("kill {k}: {e}"));
                break;
            }
        };
        std::thread::sleep(Duration::from_millis(args.down_ms));
        match cluster.restart() {
            Ok(took) => {
                let back_ns = mono_ns();
                outages.push(Outage { kill_ns, back_ns });
                println!(
                    "kill {k}: SIGKILL to the postmaster (pid {}) and {} other processes after \
                     {wait} ms of work; down {} ms; pg_ctl restart took {} ms",
                    killed.postmaster,
                    killed.processes - 1,
                    args.down_ms,
                    took.as_millis()
                );
            }
            Err(e) => {
                problems.push(format!("restart {k}: {e}"));
                outages.push(Outage {
                    kill_ns,
                    back_ns: u64::MAX,
                });
                break;
            }
        }
    }
    std::thread::sleep(Duration::from_millis(args.work_ms));
    stop.store(true, Ordering::SeqCst);
    let mut logs = Vec::new();
    for h in handles {
        match h.join() {
            Ok(l) => logs.push(l),
            Err(_) => problems.push("a worker thread panicked".into()),
        }
    }
    let work_secs = started.elapsed().as_secs_f64();

    // The verdict.
    let in_outage = |f: &Failed| {
        outages
            .iter()
            .any(|o| f.start_ns < o.back_ns && f.end_ns > o.kill_ns)
    };
    let mut in_flight = 0u64;
    let mut in_flight_seen: Vec<String> = Vec::new();
    let mut after_back = Vec::new();
    let mut other = Vec::new();
    for f in logs.iter().flat_map(|l| &l.failed) {
        if f.code != "storage" {
            other.push(format!("{}: {}: {}", f.what, f.code, f.message));
        } else if in_outage(f) {
            in_flight += 1;
            let line = format!("{}: storage: {}", f.what, f.message);
            if in_flight_seen.len() < 4 && !in_flight_seen.contains(&line) {
                in_flight_seen.push(line);
            }
        } else {
            after_back.push(format!("{}: {}", f.what, f.message));
        }
    }
    // The same handle serves again: every thread completed operations
    // after each restart; how long after it the first one returned.
    let mut back_after = Vec::new();
    for (i, o) in outages.iter().enumerate() {
        let firsts: Vec<Option<u64>> = logs
            .iter()
            .map(|l| {
                l.done
                    .iter()
                    .map(|d| d.end_ns)
                    .filter(|t| *t > o.back_ns)
                    .min()
            })
            .collect();
        if firsts.iter().any(Option::is_none) {
            problems.push(format!(
                "after restart {}: {} of {threads} threads completed no operation on the handle",
                i + 1,
                firsts.iter().filter(|f| f.is_none()).count()
            ));
        }
        if let Some(first) = firsts.iter().flatten().min() {
            back_after.push(format!("{} ms", (first - o.back_ns) / 1_000_000));
        }
    }

    // What returned success is there; nothing is half-done.
    let mut done: Vec<&Done> = logs.iter().flat_map(|l| &l.done).collect();
    done.sort_by_key(|d| d.end_ns);
    let mut history = History::default();
    let mut kinds: std::collections::BTreeMap<&str, u64> = Default::default();
    for d in &done {
        history.absorb(&d.op);
        *kinds.entry(d.op.name()).or_default() += 1;
    }
    let check_now = done.iter().filter_map(|d| d.op.now()).max().unwrap_or(0) + 60_000;
    let mut lost = Vec::new();
    let mut corrupt = Vec::new();
    match place.inspect() {
        Ok(mut insp) => {
            if let Some(why) = checks::amcheck_missing(&mut insp) {
                println!("note: {why}: amcheck's checks skipped");
            }
            corrupt.extend(checks::database(&mut insp));
            corrupt.extend(checks::audit(&store));
            // Through the very handle that lived through the kills.
            lost.extend(checks::acknowledged(
                &store,
                &mut insp,
                &place,
                &history.promises,
                0,
                check_now,
            ));
            // Nothing no caller was told about, beyond the unknown outcomes.
            let sends = kinds.get("send").copied().unwrap_or(0) as i64;
            let posts = sends
                + kinds.get("staff_reply").copied().unwrap_or(0) as i64
                + kinds.get("patient_reply").copied().unwrap_or(0) as i64;
            let failed: Vec<&Failed> = logs.iter().flat_map(|l| &l.failed).collect();
            let maybe_sends = failed.iter().filter(|f| f.send).count() as i64;
            let maybe_posts = failed.iter().filter(|f| f.posted).count() as i64;
            for (what, got, told, maybe) in [
                (
                    "conversations",
                    insp.count("SELECT count(*) FROM conversation"),
                    sends,
                    maybe_sends,
                ),
                (
                    "messages",
                    insp.count("SELECT count(*) FROM message"),
                    posts,
                    maybe_posts,
                ),
            ] {
                if got < told || got > told + maybe {
                    corrupt.push(format!(
                        "{what}: the store has {got}; {told} were acknowledged and {maybe} failed \
                         (outcome unknown)"
                    ));
                }
            }
        }
        Err(e) => corrupt.push(format!("inspection after the kills: {e}")),
    }

    let kinds_line: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("acknowledged: {}", kinds_line.join(", "));
    println!(
        "the handle served again {} after each restart",
        if back_after.is_empty() {
            "-".to_string()
        } else {
            back_after.join(", ")
        }
    );
    for p in &in_flight_seen {
        println!("  in flight: {p}");
    }
    for p in problems.iter().take(10) {
        println!("  PROBLEM: {p}");
    }
    for p in after_back.iter().take(10) {
        println!("  FAILED AFTER THE SERVER WAS BACK: {p}");
    }
    for p in other.iter().take(10) {
        println!("  ERROR: {p}");
    }
    for p in lost.iter().take(10) {
        println!("  LOST: {p}");
    }
    for p in corrupt.iter().take(10) {
        println!("  CORRUPT: {p}");
    }
    println!("wall time: {work_secs:.1} s of work and kills");
    let clean = problems.is_empty()
        && after_back.is_empty()
        && other.is_empty()
        && lost.is_empty()
        && corrupt.is_empty()
        && outages.len() == args.kills as usize;
    drop(store);
    if clean && !args.keep {
        place.remove();
    } else {
        println!("schema kept: {}", place.name());
    }
    verdict(
        format!(
            "server-kill: {} kills, {} acknowledged operations, {} lost, {in_flight} failed with \
             storage in flight, {} failed after the server was back, {} other errors, {} corrupt{}",
            outages.len(),
            done.len(),
            lost.len(),
            after_back.len(),
            other.len(),
            corrupt.len(),
            if problems.is_empty() {
                String::new()
            } else {
                format!(", {} harness problems", problems.len())
            }
        ),
        clean,
    )
}

/// A conversation a thread owns: only its thread acts on it (and
/// acknowledges its events), so the thread knows its state exactly,
/// until an operation on it fails with an unknown outcome.
#[derive(Debug, Clone)]
struct Conv {
    id: String,
    account: String,
    open: bool,
    reply_files: bool,
    /// Staff attachments the patient side may download.
    attachments: Vec<Att>,
    /// An operation on it failed: it may or may not have committed.
    unsure: bool,
}

struct Worker {
    store: Arc<Store>,
    me: fixture::StaffMember,
    patients: Vec<(String, String)>,
    rng: Rand,
    start_ns: u64,
    convs: Vec<Conv>,
    log: ThreadLog,
}

const MIX: [(&str, u32); 8] = [
    ("send", 26),
    ("staff_reply", 14),
    ("patient_reply", 14),
    ("read", 8),
    ("download", 8),
    ("deliver", 20),
    ("purge", 4),
    ("close", 6),
];

/// An error: what failed, and whether it may have posted a message.
type StepError = (pmsg_core::Error, bool, bool);

impl Worker {
    fn now_ms(&self) -> i64 {
        let real_ms = mono_ns().saturating_sub(self.start_ns) / 1_000_000;
        fixture::epoch_ms() + (real_ms * SIM_PER_REAL) as i64
    }

    fn step(&mut self) {
        let op = fixture::pick(&mut self.rng, &MIX);
        let start_ns = mono_ns();
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
        if let Err((e, posted, send)) = result {
            self.log.failed.push(Failed {
                start_ns,
                end_ns: mono_ns(),
                what: op,
                code: e.code().to_string(),
                message: e.to_string(),
                posted,
                send,
            });
        }
    }

    fn done(&mut self, op: Op) {
        self.log.done.push(Done {
            end_ns: mono_ns(),
            op,
        });
    }

    /// A conversation of this thread, open and sure, if any.
    fn open_conv(&mut self) -> Option<usize> {
        let open: Vec<usize> = (0..self.convs.len())
            .filter(|i| self.convs[*i].open && !self.convs[*i].unsure)
            .collect();
        open.choose(&mut self.rng).copied()
    }

    fn atts(out: &pmsg_core::SendOutcome, contents: &[Vec<u8>]) -> Vec<Att> {
        out.attachments
            .iter()
            .zip(contents)
            .map(|(a, c)| Att {
                id: a.id.clone(),
                size: c.len() as u64,
                fnv: format!("{:016x}", fixture::fnv64(c)),
                probe: (c.len() >= 32).then(|| fixture::hex(&c[..32])),
            })
            .collect()
    }

    fn send(&mut self) -> Result<(), StepError> {
        let (emr, account) = self
            .patients
            .choose(&mut self.rng)
            .cloned()
            .unwrap_or_default();
        let opts = StaffOptions::random(&mut self.rng, false);
        let req = fixture::send_request(&mut self.rng, &self.me, &emr, &opts, Sizes::Small);
        let now = self.now_ms();
        let out = self
            .store
            .send(&req, fixture::at(now))
            .map_err(|e| (e, true, true))?;
        let contents: Vec<Vec<u8>> = req.attachments.iter().map(|a| a.content.clone()).collect();
        let atts = Self::atts(&out, &contents);
        self.convs.push(Conv {
            id: out.conversation_id.clone(),
            account,
            open: out.status == ConversationStatus::Open,
            reply_files: opts.allow_reply_attachments,
            attachments: atts.clone(),
            unsure: false,
        });
        self.done(Op::Send(Posted {
            now,
            conv: out.conversation_id,
            msg: out.message_id,
            by: self.me.party(),
            atts,
            closed: out.status == ConversationStatus::Closed,
        }));
        Ok(())
    }

    fn staff_reply(&mut self) -> Result<(), StepError> {
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
        let now = self.now_ms();
        let out = match self.store.reply(&req, fixture::at(now)) {
            Ok(o) => o,
            Err(e) => {
                self.convs[i].unsure = true;
                return Err((e, true, false));
            }
        };
        let contents: Vec<Vec<u8>> = req.attachments.iter().map(|a| a.content.clone()).collect();
        let atts = Self::atts(&out, &contents);
        let c = &mut self.convs[i];
        c.open = out.status == ConversationStatus::Open;
        c.reply_files = opts.allow_reply_attachments;
        c.attachments.extend(atts.iter().cloned());
        let conv = c.id.clone();
        self.done(Op::StaffReply(Posted {
            now,
            conv,
            msg: out.message_id,
            by: self.me.party(),
            atts,
            closed: out.status == ConversationStatus::Closed,
        }));
        Ok(())
    }

    fn patient_reply(&mut self) -> Result<(), StepError> {
        let Some(i) = self.open_conv() else {
            return self.send();
        };
        let c = self.convs[i].clone();
        let files = c.reply_files && self.rng.random_bool(0.3);
        let req = fixture::patient_reply(&mut self.rng, &c.account, &c.id, files, Sizes::Small);
        let now = self.now_ms();
        let out = match self.store.reply(&req, fixture::at(now)) {
            Ok(o) => o,
            Err(e) => {
                self.convs[i].unsure = true;
                return Err((e, true, false));
            }
        };
        let contents: Vec<Vec<u8>> = req.attachments.iter().map(|a| a.content.clone()).collect();
        self.done(Op::PatientReply(Posted {
            now,
            conv: c.id,
            msg: out.message_id.clone(),
            by: c.account,
            atts: Self::atts(&out, &contents),
            closed: false,
        }));
        Ok(())
    }

    fn read(&mut self) -> Result<(), StepError> {
        let sure: Vec<usize> = (0..self.convs.len())
            .filter(|i| !self.convs[*i].unsure)
            .collect();
        let Some(i) = sure.choose(&mut self.rng).copied() else {
            return self.send();
        };
        let c = self.convs[i].clone();
        let by = if self.rng.random_bool(0.5) {
            c.account
        } else {
            self.me.party()
        };
        let now = self.now_ms();
        if let Err(e) = self.store.read(&by, &c.id, fixture::at(now)) {
            self.convs[i].unsure = true;
            return Err((e, false, false));
        }
        self.done(Op::Read {
            now,
            conv: c.id,
            by,
        });
        Ok(())
    }

    fn download(&mut self) -> Result<(), StepError> {
        let candidates: Vec<(usize, Att)> = self
            .convs
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.unsure)
            .flat_map(|(i, c)| c.attachments.iter().map(move |a| (i, a.clone())))
            .collect();
        let Some((i, att)) = candidates.choose(&mut self.rng).cloned() else {
            return self.send();
        };
        let c = self.convs[i].clone();
        let now = self.now_ms();
        match self
            .store
            .download(&c.account, &c.id, &att.id, fixture::at(now))
        {
            Ok(d) => {
                if fixture::fnv64(&d.content) != u64::from_str_radix(&att.fnv, 16).unwrap_or(0) {
                    return Err((
                        pmsg_core::Error::Internal(format!(
                            "attachment {} came back with other bytes",
                            att.id
                        )),
                        false,
                        false,
                    ));
                }
                self.done(Op::Download {
                    now,
                    conv: c.id,
                    by: c.account,
                    att: att.id,
                });
                Ok(())
            }
            // A purge (by any thread) removed it: expected; not offered again.
            Err(e) if e.code() == "attachment_expired" => {
                self.convs[i].attachments.retain(|a| a.id != att.id);
                Ok(())
            }
            Err(e) => {
                self.convs[i].unsure = true;
                Err((e, false, false))
            }
        }
    }

    /// Delivers the due events of this thread's own conversations, each
    /// acknowledged (so that no other thread cancels one between its
    /// delivery and its acknowledgement).
    fn deliver(&mut self) -> Result<(), StepError> {
        let now = self.now_ms();
        let events = self
            .store
            .due_events(fixture::at(now), None)
            .map_err(|e| (e, false, false))?;
        for e in events {
            let Some(i) = self.convs.iter().position(|c| c.id == e.conversation) else {
                continue;
            };
            if self.convs[i].unsure {
                continue;
            }
            if let Err(err) = self.store.ack(&e.id, fixture::at(now)) {
                self.convs[i].unsure = true;
                return Err((err, false, false));
            }
            self.done(Op::Ack {
                now,
                event: e.id,
                conv: e.conversation,
                kind: e.kind.as_str().into(),
            });
        }
        Ok(())
    }

    fn purge(&mut self) -> Result<(), StepError> {
        let now = self.now_ms();
        let purged = self
            .store
            .purge(fixture::at(now))
            .map_err(|e| (e, false, false))?;
        let atts: Vec<PurgedAtt> = purged
            .into_iter()
            .map(|p| PurgedAtt {
                conv: p.conversation,
                att: p.attachment,
            })
            .collect();
        for c in &mut self.convs {
            c.attachments
                .retain(|a| !atts.iter().any(|p| p.att == a.id));
        }
        self.done(Op::Purge { now, atts });
        Ok(())
    }

    fn close(&mut self) -> Result<(), StepError> {
        let Some(i) = self.open_conv() else {
            return self.send();
        };
        let by = self.me.party();
        let now = self.now_ms();
        if let Err(e) = self.store.close(&by, &self.convs[i].id, fixture::at(now)) {
            self.convs[i].unsure = true;
            return Err((e, false, false));
        }
        self.convs[i].open = false;
        let conv = self.convs[i].id.clone();
        self.done(Op::Close { now, conv, by });
        Ok(())
    }
}
