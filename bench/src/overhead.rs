//! `ffi_overhead_ns`, `uniffi_python_overhead_us`, `uniffi_kotlin_overhead_us`:
//! what the C ABI and the uniffi bindings add to a `Store::view` and a
//! `Store::due_events` call.
//!
//! All sides call the same two operations on one copy of the N store, with
//! the same arguments: `view` of the first conversation of
//! [`populate::FOLDER_USER`]'s inbox, by that staff member, and
//! `due_events(now, Some(100))`, both at [`sweep_instant`] (100 events
//! returned), and read the result: every field of the view, and every
//! field of each event that a host needs to send its notice (id, kind, to,
//! conversation, message, due instant, notice). Each side times batches
//! of calls (warm-up first) and reports the mean per call of each batch; a
//! side's figure is the median batch. The overhead of a call is the
//! sub-harness's median minus the direct Rust call's; each figure is the
//! worse of the two calls.
//!
//! The sub-harnesses are separate programs that print `view <ns>` and
//! `due_events <ns>` lines, one per batch:
//! - C: `bench/c/ffi_overhead.c`, compiled here with `cc -O2 -std=c99`
//!   against `include/pmsg.h` and the release `libpmsg.a`: the typed C API
//!   (`pmsg_conversation_view`, `pmsg_events_due` and their accessors),
//!   and, printed as `view_json`/`due_events_json` and reported as `info`,
//!   the JSON functions. Its runs are interleaved with the Rust batches,
//!   round by round, so both see the same machine; the difference is also
//!   taken round by round, and `ffi_overhead_ns` is MET only when those
//!   per-round differences resolve it (`report::resolve`).
//! - Python: `bench/python/overhead.py`, importing the bindings generated
//!   from the release `libpmsg_uniffi.so` (uniffi library mode), the
//!   library beside them.
//! - Kotlin: the Maven project `bench/kotlin` (JNA), compiled with the
//!   bindings generated from the release library and run in its own JVM.
//!
//! A side whose toolchain is absent is `SKIPPED`; any other failure is one.
//!
//! `view` is audited: every call commits a transaction. On disk each would
//! wait for an `fsync` (0.25–4 ms here, see BENCHMARKS.md), which would
//! bury a difference of nanoseconds, so the copy is put on a tmpfs
//! (`/dev/shm`) where there is one and room on it.

use crate::figures::{libpmsg_candidates, sweep_instant, Built, Setup};
use crate::populate;
use crate::report::{Report, Stats};
use crate::Res;
use pmsg_core::{Config, Store};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The figures measured here, in the order they are measured.
pub const FIGURES: [&str; 3] = [
    "ffi_overhead_ns",
    "uniffi_python_overhead_us",
    "uniffi_kotlin_overhead_us",
];

/// Events asked of `due_events`, as in `sweep_scaling`.
const LIMIT: i64 = 100;

/// The workspace root, where cargo builds the library.
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The uniffi library (crate `pmsg-uniffi`), beside `libpmsg.so` in `lib_dir`.
const UNIFFI_LIB: &str = "libpmsg_uniffi.so";

#[derive(Debug, Clone, Copy)]
enum Call {
    View,
    DueEvents,
}

impl Call {
    const BOTH: [Call; 2] = [Call::View, Call::DueEvents];

    /// As the sub-harnesses print it, and in `info` names.
    fn name(self) -> &'static str {
        match self {
            Call::View => "view",
            Call::DueEvents => "due_events",
        }
    }

    /// The C harness's line for the same call through the JSON functions.
    fn json_name(self) -> &'static str {
        match self {
            Call::View => "view_json",
            Call::DueEvents => "due_events_json",
        }
    }
}

/// Per-call means of batches, in nanoseconds, for each call (and, from the
/// C harness, for each call through the JSON functions).
#[derive(Debug, Default)]
struct Batches {
    view: Vec<f64>,
    due_events: Vec<f64>,
    view_json: Vec<f64>,
    due_events_json: Vec<f64>,
}

impl Batches {
    fn of(&mut self, call: Call) -> &mut Vec<f64> {
        match call {
            Call::View => &mut self.view,
            Call::DueEvents => &mut self.due_events,
        }
    }

    fn json_of(&mut self, call: Call) -> &mut Vec<f64> {
        match call {
            Call::View => &mut self.view_json,
            Call::DueEvents => &mut self.due_events_json,
        }
    }

    fn median(&mut self, call: Call) -> f64 {
        Stats::of(self.of(call).clone()).median
    }

    /// Adds another run's batches.
    fn extend(&mut self, mut other: Batches) {
        for call in Call::BOTH {
            self.of(call).append(other.of(call));
            self.json_of(call).append(other.json_of(call));
        }
    }

    /// Adds the `view <ns>` and `due_events <ns>` lines of a sub-harness
    /// (and the C harness's `view_json`, `due_events_json`).
    fn parse(&mut self, stdout: &str) -> Res<()> {
        for line in stdout.lines().map(strip_ansi) {
            let mut words = line.split_whitespace();
            let (Some(name), Some(ns), None) = (words.next(), words.next(), words.next()) else {
                continue;
            };
            for call in Call::BOTH {
                if name == call.name() {
                    self.of(call).push(ns.parse()?);
                } else if name == call.json_name() {
                    self.json_of(call).push(ns.parse()?);
                }
            }
        }
        if self.view.is_empty() || self.due_events.is_empty() {
            return Err(format!("no timings in its output: {:?}", tail(stdout)).into());
        }
        Ok(())
    }
}

/// The overhead of one call, measured round by round: the medians of all
/// batches, and each round's own difference of medians.
#[derive(Debug, Default)]
struct Difference {
    c: Vec<f64>,
    rust: Vec<f64>,
    rounds: Vec<f64>,
}

impl Difference {
    fn add_round(&mut self, c: &[f64], rust: &[f64]) {
        self.rounds
            .push(Stats::of(c.to_vec()).median - Stats::of(rust.to_vec()).median);
        self.c.extend_from_slice(c);
        self.rust.extend_from_slice(rust);
    }

    fn c_median(&self) -> f64 {
        Stats::of(self.c.clone()).median
    }

    /// The overhead: the C median minus the Rust median.
    fn value(&self) -> f64 {
        self.c_median() - Stats::of(self.rust.clone()).median
    }

    /// The least and greatest per-round difference.
    fn spread(&self) -> (f64, f64) {
        let lo = self.rounds.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = self
            .rounds
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }
}

/// `line` without terminal colour sequences (Maven prints some, even with -B).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ parameters final-letter
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim().lines().collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}

/// How many batches of how many calls each side times.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// C and Rust: rounds of (Rust batches, one C run of as many batches).
    rounds: usize,
    batches_per_round: usize,
    c_calls: usize,
    python_batches: usize,
    python_calls: usize,
    kotlin_batches: usize,
    kotlin_calls: usize,
    /// Unrecorded calls of each kind before the Kotlin batches (JIT).
    kotlin_warmup: usize,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                rounds: 4,
                batches_per_round: 3,
                c_calls: 200,
                python_batches: 8,
                python_calls: 30,
                kotlin_batches: 10,
                kotlin_calls: 100,
                kotlin_warmup: 1_000,
            }
        } else {
            Plan {
                rounds: 8,
                batches_per_round: 4,
                c_calls: 1_000,
                python_batches: 20,
                python_calls: 100,
                kotlin_batches: 20,
                kotlin_calls: 300,
                kotlin_warmup: 3_000,
            }
        }
    }
}

/// The measured store and the direct Rust side.
pub struct Bench {
    plan: Plan,
    dir: PathBuf,
    /// The copy of the N store every side calls.
    db: PathBuf,
    store: Store,
    /// Removes the copy, after `store` (fields drop in this order).
    _scratch: Scratch,
    by: String,
    conversation: String,
    now_ms: i64,
    /// The release `libpmsg.so`, `libpmsg.a` and `libpmsg_uniffi.so`'s directory.
    lib_dir: PathBuf,
    rust: Batches,
}

fn wall(t: Instant) -> String {
    format!("{:.1}", t.elapsed().as_secs_f64())
}

/// Whether `program` can be run (`program --version`).
fn present(program: impl AsRef<OsStr>) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs a sub-harness and collects its batches.
fn run(cmd: &mut Command) -> Res<Batches> {
    let out = cmd.output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "{:?} exited with {}: {}",
            cmd.get_program(),
            out.status,
            tail(if stderr.trim().is_empty() {
                &stdout
            } else {
                &stderr
            })
        )
        .into());
    }
    let mut b = Batches::default();
    b.parse(&stdout)?;
    Ok(b)
}

/// `cargo build --quiet --locked ARGS` in the workspace (a no-op when the
/// artifacts are fresh). `CARGO` is the cargo running `cargo run`.
fn cargo_build(args: &[&str]) -> Res<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--locked"])
        .args(args)
        .current_dir(ROOT)
        .status()?;
    if !status.success() {
        return Err(format!("cargo build {} failed ({status})", args.join(" ")).into());
    }
    Ok(())
}

/// Copies the store (and its WAL, if any) to `to`.
fn copy_store(from: &Path, to: &Path) -> std::io::Result<()> {
    populate::remove_store(to);
    let wal = |p: &Path| PathBuf::from(format!("{}-wal", p.display()));
    let copied = std::fs::copy(from, to).and_then(|_| {
        if std::fs::metadata(wal(from)).is_ok_and(|m| m.len() > 0) {
            std::fs::copy(wal(from), wal(to))?;
        }
        Ok(())
    });
    if copied.is_err() {
        populate::remove_store(to);
    }
    copied
}

impl Bench {
    /// Builds (or checks) the release library, copies the N store and
    /// chooses the conversation to view.
    pub fn prepare(setup: &Setup, big: &Built, rep: &mut Report) -> Res<Bench> {
        let began = Instant::now();
        // The release libraries the sub-harnesses use: the C ABI's, and the
        // uniffi one as `PMSG_PROFILE=release bindings/generate.sh` builds it.
        if let Err(e) = cargo_build(&["--release", "-p", "pmsg", "-p", "pmsg-uniffi"]) {
            eprintln!("pmsg-bench: {e}; using the release libpmsg already built, if any");
        }
        let lib_dir = libpmsg_candidates()
            .into_iter()
            .find(|p| p.exists())
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .ok_or("no release libpmsg.so (cargo build --release -p pmsg)")?;

        // A copy on a tmpfs when there is room (see the module comment),
        // named for this process: /dev/shm is shared by every run on the
        // machine.
        let name = format!("ffi-overhead-{}.sqlite", std::process::id());
        let name = name.as_str();
        let shm = Path::new("/dev/shm");
        let on_tmpfs = shm.is_dir() && copy_store(&big.path, &shm.join(name)).is_ok();
        let db = if on_tmpfs {
            shm.join(name)
        } else {
            let db = setup.dir.join(name);
            copy_store(&big.path, &db)?;
            db
        };
        let store = Store::open(&db.to_string_lossy(), &Config::default())?;
        let user = format!(
            "staff:{}",
            big.manifest["folder_user"]
                .as_str()
                .unwrap_or(populate::FOLDER_USER)
        );
        let inbox = store.folder(&user, "inbox", None, None, populate::instant(big.end_ms()))?;
        let conversation = inbox
            .entries
            .first()
            .ok_or_else(|| format!("{user} has an empty inbox"))?
            .conversation
            .clone();
        let bench = Bench {
            plan: Plan::new(setup.quick),
            dir: setup.dir.clone(),
            _scratch: Scratch(db.clone()),
            db,
            store,
            by: user,
            conversation,
            now_ms: sweep_instant(big),
            lib_dir,
            rust: Batches::default(),
        };
        let f = "ffi_overhead_ns";
        rep.info(f, "ffi_store_on_tmpfs", u8::from(on_tmpfs), "flag");
        let view = bench
            .store
            .view(&bench.by, &bench.conversation, bench.now())?;
        rep.info(f, "ffi_view_messages", view.messages.len(), "messages");
        let due = bench.store.due_events(bench.now(), Some(LIMIT))?;
        rep.info(f, "ffi_due_events_returned", due.len(), "events");
        rep.info(f, "ffi_lib_dir", bench.lib_dir.display(), "path");
        rep.info(f, "ffi_prepare_s", wall(began), "s");
        Ok(bench)
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        populate::instant(self.now_ms)
    }

    /// The sub-harnesses' arguments after their own: DB BY CONVERSATION
    /// NOW_MS LIMIT BATCHES CALLS.
    fn args(&self, batches: usize, calls: usize) -> Vec<String> {
        vec![
            self.db.display().to_string(),
            self.by.clone(),
            self.conversation.clone(),
            self.now_ms.to_string(),
            LIMIT.to_string(),
            batches.to_string(),
            calls.to_string(),
        ]
    }

    /// One batch of `calls` direct calls: the mean nanoseconds per call.
    /// Each result is read as the C harness reads it (every field of the
    /// view; every field of each event that a notice needs, each string's
    /// first byte touched), then dropped as the sub-harnesses free theirs.
    fn rust_batch(&self, call: Call, calls: usize) -> Res<f64> {
        let now = self.now();
        let mut sink = 0u64;
        let t = Instant::now();
        for _ in 0..calls {
            match call {
                Call::View => {
                    let view = self.store.view(&self.by, &self.conversation, now)?;
                    read_view(&view, &mut sink);
                }
                Call::DueEvents => {
                    for e in &self.store.due_events(now, Some(LIMIT))? {
                        for s in [&e.id[..], e.kind.as_str(), &e.to, &e.conversation] {
                            touch(s, &mut sink);
                        }
                        touch(e.message.as_deref().unwrap_or(""), &mut sink);
                        touch(&e.due_at, &mut sink);
                        touch(&e.notice, &mut sink);
                    }
                }
            }
        }
        let ns = t.elapsed().as_nanos() as f64 / calls as f64;
        std::hint::black_box(sink);
        Ok(ns)
    }

    /// `batches` batches of each call, after a warm-up batch of each; kept,
    /// and returned as this round's.
    fn rust_batches(&mut self, batches: usize, calls: usize) -> Res<Batches> {
        for call in Call::BOTH {
            self.rust_batch(call, calls)?;
        }
        let mut round = Batches::default();
        for _ in 0..batches {
            for call in Call::BOTH {
                let ns = self.rust_batch(call, calls)?;
                self.rust.of(call).push(ns);
                round.of(call).push(ns);
            }
        }
        Ok(round)
    }

    /// The direct calls' medians, measured (without C) if not yet.
    fn rust_medians(&mut self) -> Res<[f64; 2]> {
        if self.rust.view.is_empty() {
            let p = self.plan;
            self.rust_batches(p.rounds * p.batches_per_round, p.c_calls)?;
        }
        Ok(Call::BOTH.map(|c| self.rust.median(c)))
    }

    /// The median nanoseconds `serde_json` takes to render the results of
    /// both calls, as the C ABI does.
    fn json_render_ns(&self) -> Res<[f64; 2]> {
        let view = self.store.view(&self.by, &self.conversation, self.now())?;
        let events = self.store.due_events(self.now(), Some(LIMIT))?;
        let time = |f: &dyn Fn() -> serde_json::Result<String>| -> Res<f64> {
            let calls = self.plan.c_calls;
            let mut v = Vec::new();
            for batch in 0..=self.plan.rounds * self.plan.batches_per_round {
                let t = Instant::now();
                for _ in 0..calls {
                    std::hint::black_box(f()?);
                }
                if batch > 0 {
                    v.push(t.elapsed().as_nanos() as f64 / calls as f64);
                }
            }
            Ok(Stats::of(v).median)
        };
        Ok([
            time(&|| serde_json::to_string(&view))?,
            time(&|| serde_json::to_string(&events))?,
        ])
    }

    /// `ffi_overhead_ns`: the C harness against the direct calls, round by
    /// round; the direct calls are timed even without a C compiler (the
    /// uniffi figures need them).
    pub fn c(&mut self, rep: &mut Report) -> Res<()> {
        const F: &str = "ffi_overhead_ns";
        let began = Instant::now();
        let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
        let exe = if present(&cc) {
            Some(self.compile_c(&cc)?)
        } else {
            None
        };
        let p = self.plan;
        let mut c = Batches::default();
        let mut typed = [Difference::default(), Difference::default()];
        let mut json = [Difference::default(), Difference::default()];
        for _ in 0..p.rounds {
            let mut rust_round = self.rust_batches(p.batches_per_round, p.c_calls)?;
            if let Some(exe) = &exe {
                let mut round =
                    run(Command::new(exe).args(self.args(p.batches_per_round, p.c_calls)))?;
                for (i, call) in Call::BOTH.into_iter().enumerate() {
                    let rust = rust_round.of(call).clone();
                    typed[i].add_round(round.of(call), &rust);
                    if !round.json_of(call).is_empty() {
                        json[i].add_round(round.json_of(call), &rust);
                    }
                }
                c.extend(round);
            }
        }
        let json_render = self.json_render_ns()?;
        let rust = self.rust_medians()?;
        for (i, call) in Call::BOTH.into_iter().enumerate() {
            let n = call.name();
            rep.info(
                F,
                &format!("ffi_rust_{n}_ns"),
                format!("{:.0}", rust[i]),
                "ns",
            );
            rep.info(
                F,
                &format!("ffi_{n}_json_render_ns"),
                format!("{:.0}", json_render[i]),
                "ns",
            );
        }
        let Some(exe) = exe else {
            rep.skip(F, format!("no C compiler ({cc:?} not found; set CC)"));
            return Ok(());
        };
        let _ = std::fs::remove_file(exe);
        // The figure is the worse call; its spread is that call's rounds.
        let mut worst: Option<usize> = None;
        for (i, call) in Call::BOTH.into_iter().enumerate() {
            let n = call.name();
            let d = &typed[i];
            let (lo, hi) = d.spread();
            rep.info(
                F,
                &format!("ffi_c_{n}_ns"),
                format!("{:.0}", d.c_median()),
                "ns",
            );
            rep.info(
                F,
                &format!("ffi_{n}_overhead_ns"),
                format!("{:.0}", d.value()),
                "ns",
            );
            rep.info(
                F,
                &format!("ffi_{n}_overhead_spread_ns"),
                format!("{lo:.0}..{hi:.0}"),
                "ns",
            );
            if !json[i].c.is_empty() {
                let j = &json[i];
                let (jlo, jhi) = j.spread();
                rep.info(
                    F,
                    &format!("ffi_c_{n}_json_ns"),
                    format!("{:.0}", j.c_median()),
                    "ns",
                );
                rep.info(
                    F,
                    &format!("ffi_{n}_json_overhead_ns"),
                    format!("{:.0}", j.value()),
                    "ns",
                );
                rep.info(
                    F,
                    &format!("ffi_{n}_json_overhead_spread_ns"),
                    format!("{jlo:.0}..{jhi:.0}"),
                    "ns",
                );
            }
            if worst.is_none_or(|w| d.value() > typed[w].value()) {
                worst = Some(i);
            }
        }
        let worst = &typed[worst.unwrap_or(0)];
        let (lo, hi) = worst.spread();
        if !json[0].c.is_empty() && !json[1].c.is_empty() {
            let json_worst = json[0].value().max(json[1].value());
            rep.info(F, "ffi_overhead_json_ns", format!("{json_worst:.0}"), "ns");
        }
        rep.info(
            F,
            "ffi_overhead_spread_ns",
            format!("{lo:.0}..{hi:.0}"),
            "ns",
        );
        rep.info(F, "ffi_rounds", p.rounds, "rounds");
        rep.info(F, "ffi_batches_per_side", c.view.len(), "batches");
        rep.info(F, "ffi_calls_per_batch", p.c_calls, "calls");
        rep.info(F, "ffi_c_wall_s", wall(began), "s");
        rep.difference(F, worst.value(), lo, hi);
        Ok(())
    }

    /// Compiles `bench/c/ffi_overhead.c` against the release library:
    /// `libpmsg.a` when built, else `libpmsg.so` (with an rpath).
    fn compile_c(&self, cc: &OsStr) -> Res<PathBuf> {
        let exe = self.dir.join("ffi_overhead");
        let mut cmd = Command::new(cc);
        cmd.args(["-O2", "-std=c99", "-o"])
            .arg(&exe)
            .arg(format!("-I{ROOT}/include"))
            .arg(format!("{ROOT}/bench/c/ffi_overhead.c"));
        let static_lib = self.lib_dir.join("libpmsg.a");
        if static_lib.exists() {
            cmd.arg(static_lib).args(["-lm", "-ldl", "-lpthread"]);
        } else {
            let dir = self.lib_dir.display();
            cmd.arg(format!("-L{dir}"))
                .arg(format!("-Wl,-rpath,{dir}"))
                .arg("-lpmsg");
        }
        let out = cmd.output()?;
        if !out.status.success() {
            return Err(format!(
                "compiling bench/c/ffi_overhead.c: {}",
                tail(&String::from_utf8_lossy(&out.stderr))
            )
            .into());
        }
        Ok(exe)
    }

    /// The pinned bindgen (debug build, as bindings/generate.sh uses it)
    /// on the release library: `--language LANGUAGE` into `out`.
    fn generate(&self, language: &str, out: &Path) -> Res<()> {
        cargo_build(&["-p", "pmsg-uniffi-bindgen"])?;
        let target = self.lib_dir.parent().ok_or("no target directory")?;
        let _ = std::fs::remove_dir_all(out);
        std::fs::create_dir_all(out)?;
        let status = Command::new(target.join("debug/pmsg-uniffi-bindgen"))
            .args(["generate", "--library"])
            .arg(self.lib_dir.join(UNIFFI_LIB))
            .args(["--language", language, "--no-format", "--config"])
            .arg(format!("{ROOT}/bindings/uniffi.toml"))
            .arg("--out-dir")
            .arg(out)
            .current_dir(ROOT)
            .stdout(std::process::Stdio::null())
            .status()?;
        if !status.success() {
            return Err(format!("pmsg-uniffi-bindgen ({language}) failed ({status})").into());
        }
        Ok(())
    }

    /// Reports a uniffi figure from its sub-harness's batches.
    fn report_uniffi(&mut self, rep: &mut Report, lang: &str, mut b: Batches) -> Res<()> {
        let figure = format!("uniffi_{lang}_overhead_us");
        let rust = self.rust_medians()?;
        let mut worst = f64::MIN;
        for (i, call) in Call::BOTH.into_iter().enumerate() {
            let n = call.name();
            let us = b.median(call) / 1e3;
            let overhead = us - rust[i] / 1e3;
            rep.info(
                &figure,
                &format!("uniffi_{lang}_{n}_us"),
                format!("{us:.1}"),
                "us",
            );
            rep.info(
                &figure,
                &format!("uniffi_{lang}_{n}_overhead_us"),
                format!("{overhead:.1}"),
                "us",
            );
            worst = worst.max(overhead);
        }
        rep.info(
            &figure,
            &format!("uniffi_{lang}_batches"),
            b.view.len(),
            "batches",
        );
        rep.value(&figure, worst);
        Ok(())
    }

    /// `uniffi_python_overhead_us`: `bench/python/overhead.py` on bindings
    /// generated into the store directory, the release library beside them.
    pub fn python(&mut self, rep: &mut Report) -> Res<()> {
        const F: &str = "uniffi_python_overhead_us";
        if !present("python3") {
            rep.skip(F, "python3 is not installed");
            return Ok(());
        }
        let began = Instant::now();
        let out = self.dir.join("python-bindings");
        self.generate("python", &out)?;
        std::fs::copy(self.lib_dir.join(UNIFFI_LIB), out.join(UNIFFI_LIB))?;
        let p = self.plan;
        let b = run(Command::new("python3")
            .arg(format!("{ROOT}/bench/python/overhead.py"))
            .arg(&out)
            .args(self.args(p.python_batches, p.python_calls)))?;
        rep.info(F, "uniffi_python_wall_s", wall(began), "s");
        self.report_uniffi(rep, "python", b)
    }

    /// `uniffi_kotlin_overhead_us`: the Maven project `bench/kotlin`, its
    /// bindings and library generated from the release library into its
    /// `target/` (never bindings/kotlin's), compiled and run by Maven.
    pub fn kotlin(&mut self, rep: &mut Report) -> Res<()> {
        const F: &str = "uniffi_kotlin_overhead_us";
        if !present("java") || !present("mvn") {
            rep.skip(F, "java or mvn is not installed");
            return Ok(());
        }
        let began = Instant::now();
        let project = PathBuf::from(format!("{ROOT}/bench/kotlin"));
        self.generate("kotlin", &project.join("target/generated-sources/uniffi"))?;
        let res = project.join("target/generated-resources/uniffi/linux-x86-64");
        std::fs::create_dir_all(&res)?;
        // By a rename: a JVM still mapping the old library keeps it.
        let staged = res.join(format!(".{UNIFFI_LIB}.new"));
        std::fs::copy(self.lib_dir.join(UNIFFI_LIB), &staged)?;
        std::fs::rename(&staged, res.join(UNIFFI_LIB))?;
        let p = self.plan;
        let mut args = self.args(p.kotlin_batches, p.kotlin_calls);
        args.push(p.kotlin_warmup.to_string());
        let quoted: Vec<String> = args.iter().map(|a| format!("\"{a}\"")).collect();
        // JNA tries the system loader before the class path: under `cargo
        // test` LD_LIBRARY_PATH names target/debug, whose libpmsg_uniffi.so is a
        // debug build (maybe an older one), not the release library staged here.
        let b = run(Command::new("mvn")
            .env_remove("LD_LIBRARY_PATH")
            .args(["-q", "-B", "compile", "exec:exec"])
            .arg(format!("-Dpmsg.args={}", quoted.join(" ")))
            .current_dir(&project))?;
        rep.info(F, "uniffi_kotlin_wall_s", wall(began), "s");
        self.report_uniffi(rep, "kotlin", b)
    }
}

/// Touches a string read from a result, as the C harness touches each one.
fn touch(s: &str, sink: &mut u64) {
    *sink += u64::from(s.as_bytes().first().copied().unwrap_or(1));
}

/// Reads every field of a view, as the C harness does through the accessors.
fn read_view(v: &pmsg_core::ConversationView, sink: &mut u64) {
    for s in [
        &v.id[..],
        &v.subject,
        v.status.as_str(),
        &v.patient_emr_id,
        &v.patient_name,
    ] {
        touch(s, sink);
    }
    touch(v.response_due_at.as_deref().unwrap_or(""), sink);
    *sink += u64::from(v.awaiting_response) + u64::from(v.overdue) + u64::from(v.confidential);
    for m in &v.messages {
        for s in [&m.id[..], &m.side, &m.sender, &m.from, &m.body, &m.sent_at] {
            touch(s, sink);
        }
        *sink += u64::from(m.read) + u64::from(m.masked);
        for r in &m.recipients {
            touch(r, sink);
        }
        for a in &m.attachments {
            for s in [&a.id[..], &a.name, &a.media_type] {
                touch(s, sink);
            }
            touch(a.purged_at.as_deref().unwrap_or(""), sink);
            *sink += a.size + u64::from(a.purged);
        }
    }
    for a in &v.assignments {
        for s in [&a.by[..], &a.to, &a.at] {
            touch(s, sink);
        }
        touch(a.note.as_deref().unwrap_or(""), sink);
    }
}

/// A store file removed (with its companions) when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        populate::remove_store(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_harness_lines_are_parsed_through_colour_codes() {
        let mut b = Batches::default();
        b.parse("\u{1b}[0m\u{1b}[0mview 1500.5\ndue_events 2000\nnoise here too\nview 1700\n")
            .unwrap();
        assert_eq!(b.view, vec![1500.5, 1700.0]);
        assert_eq!(b.due_events, vec![2000.0]);
        assert!(b.view_json.is_empty());
        assert!(Batches::default().parse("view 12\n").is_err());
        let mut c = Batches::default();
        c.parse("view 10\ndue_events 20\nview_json 30\ndue_events_json 40\n")
            .unwrap();
        assert_eq!((c.view_json[0], c.due_events_json[0]), (30.0, 40.0));
    }

    #[test]
    fn the_overhead_is_taken_over_all_batches_and_its_spread_round_by_round() {
        let mut d = Difference::default();
        d.add_round(&[110.0, 120.0, 130.0], &[100.0, 100.0, 100.0]);
        d.add_round(&[90.0, 95.0, 100.0], &[100.0, 100.0, 100.0]);
        assert_eq!(d.rounds, vec![20.0, -5.0]);
        assert_eq!(d.spread(), (-5.0, 20.0));
        assert_eq!(d.value(), 105.0 - 100.0);
    }
}
