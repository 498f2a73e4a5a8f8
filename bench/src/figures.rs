//! The figures: how each one is measured. Every timing uses
//! `std::time::Instant` around the one call being measured, after a
//! warm-up, and reports the median (p99 in an `info` line) over at least
//! 50 samples where a sample is cheap.
//!
//! The C-ABI and uniffi figures are in [`crate::overhead`]. A figure that
//! needs a part the harness cannot reach (a built `libpmsg.so`, a
//! toolchain) reports `SKIPPED` with the reason.

use crate::populate::{self, Scale};
use crate::raw_floor;
use crate::report::{Report, Stats};
use crate::rng::Rng;
use crate::Res;
use pmsg_core::{Config, Store};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// What one harness run measures, and where its stores live.
#[derive(Debug, Clone)]
pub struct Setup {
    pub conversations: u64,
    pub seed: u64,
    pub quick: bool,
    /// Durable sends timed on each side of `send_ratio`.
    pub sends: usize,
    /// Samples per latency figure (≥ 50).
    pub samples: usize,
    /// Where stores are built and kept between runs.
    pub dir: PathBuf,
    pub progress: bool,
    /// Rebuild stores even when a matching one is kept.
    pub fresh: bool,
}

/// A populated store and its manifest.
#[derive(Debug, Clone)]
pub struct Built {
    pub path: PathBuf,
    pub manifest: Value,
}

impl Built {
    pub fn end_ms(&self) -> i64 {
        self.manifest["end_ms"].as_i64().unwrap_or_default()
    }

    pub fn open(&self) -> pmsg_core::Result<Store> {
        Store::open(&self.path.to_string_lossy(), &Config::default())
    }
}

/// The instant at which sweeps are measured: 30 days after the store's
/// last operation, when every pending event (all are due within 14 days)
/// is due, so each call returns a full page where the store holds one.
pub fn sweep_instant(store: &Built) -> i64 {
    populate::plus_days(store.end_ms(), 30)
}

fn note(msg: &str) {
    eprintln!("pmsg-bench: {msg}");
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs `f` `warmup` times unrecorded, then `n` times; `f` returns the
/// milliseconds of the part it measured.
fn sample(warmup: usize, n: usize, mut f: impl FnMut() -> Res<f64>) -> Res<Stats> {
    for _ in 0..warmup {
        f()?;
    }
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(f()?);
    }
    Ok(Stats::of(v))
}

fn f3(x: f64) -> String {
    format!("{x:.3}")
}

/// The store of `conversations` conversations for this seed: kept from an
/// earlier run when its manifest matches, built otherwise.
pub fn ensure_store(
    setup: &Setup,
    conversations: u64,
    label: &str,
    rep: &mut Report,
) -> Res<Built> {
    let path = setup.dir.join(format!(
        "pmsg-bench-{conversations}-seed{}.sqlite",
        setup.seed
    ));
    let kept = if setup.fresh {
        None
    } else {
        populate::cached(&path, conversations, setup.seed)
    };
    let reused = kept.is_some();
    let manifest = match kept {
        Some(m) => m,
        None => {
            note(&format!(
                "building the {conversations}-conversation store at {}",
                path.display()
            ));
            populate::populate(&path, conversations, setup.seed, setup.progress)?
        }
    };
    let c = &manifest["counts"];
    rep.info(
        "",
        &format!("store_{label}_conversations"),
        conversations,
        "count",
    );
    rep.info(
        "",
        &format!("store_{label}_reused"),
        u8::from(reused),
        "flag",
    );
    rep.info(
        "",
        &format!("populate_{label}_s"),
        &manifest["populate_seconds"],
        "s",
    );
    for key in [
        "messages",
        "events",
        "events_pending",
        "events_acked",
        "billing_entries",
    ] {
        rep.info("", &format!("store_{label}_{key}"), &c[key], "count");
    }
    let size = std::fs::metadata(&path)?.len() as f64 / (1024.0 * 1024.0);
    rep.info(
        "",
        &format!("store_{label}_file_mib"),
        format!("{size:.1}"),
        "MiB",
    );
    Ok(Built { path, manifest })
}

/// `open_ms`: `Store::open` (connection, PRAGMAs, schema version check)
/// of the N-conversation file, with no other connection open in the process.
pub fn open_ms(setup: &Setup, big: &Built, rep: &mut Report) -> Res<()> {
    let s = sample(3, setup.samples.clamp(50, 100), || {
        let t = Instant::now();
        let store = big.open()?;
        let elapsed = ms(t.elapsed());
        drop(store);
        Ok(elapsed)
    })?;
    rep.info("open_ms", "open_p99_ms", f3(s.p99), "ms");
    rep.value("open_ms", s.median);
    Ok(())
}

fn sweep_stats(store: &Store, now_ms: i64, samples: usize) -> Res<(Stats, usize)> {
    let now = populate::instant(now_ms);
    let returned = store.due_events(now, Some(100))?.len();
    let s = sample(20, samples, || {
        let t = Instant::now();
        let page = store.due_events(now, Some(100))?;
        let elapsed = ms(t.elapsed());
        std::hint::black_box(page);
        Ok(elapsed)
    })?;
    Ok((s, returned))
}

/// `sweep_scaling`: median `due_events(now, Some(100))` at N over the same
/// at 1k, both at [`sweep_instant`]. `p` prefixes the figure's and its
/// `info` lines' names: `""` on the file stores, `"pg_"` on PostgreSQL.
pub fn sweep_scaling(
    setup: &Setup,
    big: &Built,
    small: &Built,
    rep: &mut Report,
    p: &str,
) -> Res<()> {
    let (big_store, small_store) = (big.open()?, small.open()?);
    let (n, n_returned) = sweep_stats(&big_store, sweep_instant(big), setup.samples)?;
    let (k, k_returned) = sweep_stats(&small_store, sweep_instant(small), setup.samples)?;
    // The steady state, for reference: what a deliverer sees at the last operation.
    let (steady, steady_returned) = sweep_stats(&big_store, big.end_ms(), setup.samples)?;
    let us = |x: f64| format!("{:.1}", x * 1e3);
    let fig = format!("{p}sweep_scaling");
    let mut info = |name: &str, value: String, unit: &str| {
        rep.info(&fig, &format!("{p}{name}"), value, unit);
    };
    info("sweep_n_p50_us", us(n.median), "us");
    info("sweep_n_p99_us", us(n.p99), "us");
    info("sweep_n_returned", n_returned.to_string(), "events");
    info("sweep_1k_p50_us", us(k.median), "us");
    info("sweep_1k_p99_us", us(k.p99), "us");
    info("sweep_1k_returned", k_returned.to_string(), "events");
    info("sweep_n_at_end_p50_us", us(steady.median), "us");
    info(
        "sweep_n_at_end_returned",
        steady_returned.to_string(),
        "events",
    );
    rep.value(&fig, n.median / k.median);
    Ok(())
}

/// `folder_first_ms` and `folder_deep_ratio`: the first page of
/// `awaiting_response` and of `inbox` for [`populate::FOLDER_USER`], and the
/// page 1,000 deep (following cursors; the last page when the folder has
/// fewer), each the worse of the two folders. With `p` = `"pg_"` (on
/// PostgreSQL) the figure is `pg_folder_first_ms`, every `info` name is
/// prefixed, and the deep-page ratio is an `info` line of it.
pub fn folders(setup: &Setup, big: &Built, rep: &mut Report, p: &str) -> Res<()> {
    let first_fig = format!("{p}folder_first_ms");
    let deep_fig = if p.is_empty() {
        "folder_deep_ratio".to_string()
    } else {
        first_fig.clone()
    };
    let store = big.open()?;
    let user = format!(
        "staff:{}",
        big.manifest["folder_user"]
            .as_str()
            .unwrap_or(populate::FOLDER_USER)
    );
    let now = populate::instant(big.end_ms());
    let mut worst_first: f64 = 0.0;
    let mut worst_ratio: f64 = 0.0;
    for folder in ["awaiting_response", "inbox"] {
        let page = |cursor: Option<&str>| store.folder(&user, folder, cursor, None, now);
        let first = sample(20, setup.samples, || {
            let t = Instant::now();
            let p = page(None)?;
            let elapsed = ms(t.elapsed());
            std::hint::black_box(p);
            Ok(elapsed)
        })?;
        // Walk to page 1,000; the deep page is the deepest full page on the
        // way (the last page of a smaller folder is usually partial).
        let walk = Instant::now();
        let first_page = page(None)?;
        let full = first_page.entries.len();
        let mut entries = full;
        let mut cursor = first_page.next_cursor;
        let (mut page_no, mut deep_page, mut deep_cursor) = (1usize, 1usize, None);
        while page_no < 1_000 {
            let Some(c) = cursor else { break };
            let p = page(Some(&c))?;
            page_no += 1;
            entries += p.entries.len();
            if p.entries.len() == full {
                deep_page = page_no;
                deep_cursor = Some(c);
            }
            cursor = p.next_cursor;
        }
        let walk_ms = ms(walk.elapsed());
        let deep = sample(20, setup.samples, || {
            let t = Instant::now();
            let p = page(deep_cursor.as_deref())?;
            let elapsed = ms(t.elapsed());
            std::hint::black_box(p);
            Ok(elapsed)
        })?;
        let ratio = deep.median / first.median;
        rep.info(
            &first_fig,
            &format!("{p}folder_{folder}_first_p50_ms"),
            f3(first.median),
            "ms",
        );
        rep.info(
            &first_fig,
            &format!("{p}folder_{folder}_first_p99_ms"),
            f3(first.p99),
            "ms",
        );
        rep.info(
            &deep_fig,
            &format!("{p}folder_{folder}_deep_page"),
            deep_page,
            "page",
        );
        rep.info(
            &deep_fig,
            &format!("{p}folder_{folder}_deep_p50_ms"),
            f3(deep.median),
            "ms",
        );
        rep.info(
            &deep_fig,
            &format!("{p}folder_{folder}_deep_p99_ms"),
            f3(deep.p99),
            "ms",
        );
        rep.info(
            &deep_fig,
            &format!("{p}folder_{folder}_walk_ms_per_page"),
            f3(walk_ms / page_no as f64),
            "ms",
        );
        rep.info(
            &deep_fig,
            &format!("{p}folder_{folder}_pages_walked"),
            page_no,
            "pages",
        );
        rep.info(
            &deep_fig,
            &format!("{p}folder_{folder}_entries_walked"),
            entries,
            "entries",
        );
        worst_first = worst_first.max(first.median);
        worst_ratio = worst_ratio.max(ratio);
    }
    rep.value(&first_fig, worst_first);
    if p.is_empty() {
        rep.value(&deep_fig, worst_ratio);
    } else {
        rep.info(
            &deep_fig,
            &format!("{p}folder_deep_ratio"),
            format!("{worst_ratio:.2}"),
            "ratio",
        );
    }
    Ok(())
}

/// Last-name prefixes of common, accented and apostrophe'd names (R-R1).
pub const SEARCH_QUERIES: &[&str] = &[
    "smi", "joh", "wil", "bro", "jon", "gar", "mil", "dav", "rod", "mar", "cote", "o'b", "o’c",
    "mul", "ngu", "lev", "gag", "wis", "sch", "kow",
];

/// `search_ms`: `Store::search` of a last-name prefix over the patients
/// (`p` as for [`sweep_scaling`]).
pub fn search(setup: &Setup, big: &Built, rep: &mut Report, p: &str) -> Res<()> {
    let fig = format!("{p}search_ms");
    let store = big.open()?;
    let now = populate::instant(big.end_ms());
    let mut i = 0usize;
    let mut results = 0usize;
    let n = setup.samples.max(SEARCH_QUERIES.len() * 5);
    let s = sample(SEARCH_QUERIES.len(), n, || {
        let q = SEARCH_QUERIES[i % SEARCH_QUERIES.len()];
        i += 1;
        let t = Instant::now();
        let found = store.search(q, now)?;
        let elapsed = ms(t.elapsed());
        results += found.len();
        Ok(elapsed)
    })?;
    rep.info(&fig, &format!("{p}search_p99_ms"), f3(s.p99), "ms");
    // What a user typing one letter gets: the widest prefixes.
    let mut i = 0usize;
    let wide = sample(2, 50, || {
        let q = ["s", "m", "b", "k"][i % 4];
        i += 1;
        let t = Instant::now();
        std::hint::black_box(store.search(q, now)?);
        Ok(ms(t.elapsed()))
    })?;
    rep.info(
        &fig,
        &format!("{p}search_one_letter_p50_ms"),
        f3(wide.median),
        "ms",
    );
    rep.info(
        &fig,
        &format!("{p}search_mean_results"),
        format!("{:.1}", results as f64 / (n + SEARCH_QUERIES.len()) as f64),
        "patients",
    );
    rep.info(
        &fig,
        &format!("{p}search_patients"),
        &big.manifest["counts"]["patients"],
        "patients",
    );
    rep.value(&fig, s.median);
    Ok(())
}

/// `send_ratio`: durable `Store::send`s per second over the raw-SQLite
/// floor (see [`raw_floor`]), both on fresh files in the store directory
/// holding the same directory (a 10k-conversation network's: 2,000
/// patients). Each send is followed by the floor's insert of its rows, so
/// both sides see the same disk and the same load. The same sends are
/// then repeated on in-memory databases (`info` only): the CPU cost alone.
pub fn send_ratio(setup: &Setup, rep: &mut Report) -> Res<()> {
    const WARMUP: usize = 20;
    let work = setup.dir.join("send-ratio");
    std::fs::create_dir_all(&work)?;
    let (a_path, b_path) = (work.join("store.sqlite"), work.join("floor.sqlite"));
    populate::remove_store(&a_path);
    populate::remove_store(&b_path);

    let dir = populate::directory(&Scale::for_conversations(10_000), setup.seed);
    let store = Store::open(&a_path.to_string_lossy(), &Config::default())?;
    populate::write_directory(&store, &dir)?;
    let reader = rusqlite::Connection::open(&a_path)?;
    reader.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let mut floor = raw_floor::create(&b_path, &a_path)?;

    let requests: Vec<_> = {
        let mut rng = Rng::derive(setup.seed, u64::MAX - 1);
        (0..WARMUP + setup.sends)
            .map(|_| populate::send_request(&mut rng, &dir))
            .collect()
    };
    let start_ms = populate::start_instant().timestamp_millis();
    let at = |i: usize| populate::instant(start_ms + 1_000 * i as i64);
    let (mut store_ms, mut floor_ms) = (Vec::new(), Vec::new());
    let mut captured: Vec<raw_floor::SendRows> = Vec::with_capacity(requests.len());
    for (i, req) in requests.iter().enumerate() {
        let t = Instant::now();
        let out = store.send(req, at(i))?;
        let store_elapsed = ms(t.elapsed());
        let rows = raw_floor::capture(&reader, &out.conversation_id)?;
        let t = Instant::now();
        raw_floor::insert(&mut floor, &rows)?;
        let floor_elapsed = ms(t.elapsed());
        if i >= WARMUP {
            store_ms.push(store_elapsed);
            floor_ms.push(floor_elapsed);
        }
        captured.push(rows);
    }
    drop((store, reader, floor));

    // The same sends without a disk: what each side costs in CPU alone.
    let memory_store = Store::open_in_memory(&Config::default())?;
    populate::write_directory(&memory_store, &dir)?;
    let mut memory_floor = raw_floor::create_in_memory(&a_path)?;
    let mut store_cpu_us = Vec::new();
    let mut floor_cpu_us = Vec::new();
    for (i, (req, rows)) in requests.iter().zip(&captured).enumerate() {
        let t = Instant::now();
        memory_store.send(req, at(i))?;
        let store_us = ms(t.elapsed()) * 1e3;
        let t = Instant::now();
        raw_floor::insert(&mut memory_floor, rows)?;
        let floor_us = ms(t.elapsed()) * 1e3;
        if i >= WARMUP {
            store_cpu_us.push(store_us);
            floor_cpu_us.push(floor_us);
        }
    }
    drop((memory_store, memory_floor));
    populate::remove_store(&a_path);
    populate::remove_store(&b_path);
    let _ = std::fs::remove_dir(&work);
    let rows: usize = captured[WARMUP..].iter().map(|r| r.row_count()).sum();

    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let overhead_us = (mean(&store_ms) - mean(&floor_ms)) * 1e3;
    let rate = |v: &[f64]| 1e3 / mean(v);
    let (send_rate, raw_rate) = (rate(&store_ms), rate(&floor_ms));
    let (s, f) = (Stats::of(store_ms), Stats::of(floor_ms));
    rep.info(
        "send_ratio",
        "send_rate",
        format!("{send_rate:.0}"),
        "per_s",
    );
    rep.info("send_ratio", "raw_rate", format!("{raw_rate:.0}"), "per_s");
    rep.info("send_ratio", "send_p50_ms", f3(s.median), "ms");
    rep.info("send_ratio", "send_p99_ms", f3(s.p99), "ms");
    rep.info("send_ratio", "raw_p50_ms", f3(f.median), "ms");
    rep.info("send_ratio", "raw_p99_ms", f3(f.p99), "ms");
    let (sc, fc) = (Stats::of(store_cpu_us), Stats::of(floor_cpu_us));
    rep.info(
        "send_ratio",
        "send_in_memory_p50_us",
        format!("{:.0}", sc.median),
        "us",
    );
    rep.info(
        "send_ratio",
        "raw_in_memory_p50_us",
        format!("{:.0}", fc.median),
        "us",
    );
    // What the core adds to each send beyond the floor's inserts and commit.
    rep.info(
        "send_ratio",
        "send_overhead_us",
        format!("{overhead_us:.0}"),
        "us",
    );
    rep.info("send_ratio", "sends_per_side", s.samples, "sends");
    rep.info(
        "send_ratio",
        "rows_per_send",
        format!("{:.2}", rows as f64 / f.samples as f64),
        "rows",
    );
    rep.value("send_ratio", send_rate / raw_rate);
    Ok(())
}

/// Where a release `libpmsg.so` would be: beside this binary, in
/// `$CARGO_TARGET_DIR/release`, or in the workspace's `target/release`.
pub fn libpmsg_candidates() -> Vec<PathBuf> {
    // Release directories first: beside a debug build of this binary (as
    // under `cargo test`) lies a debug libpmsg.so, maybe an older one.
    let mut v = Vec::new();
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        v.push(PathBuf::from(t).join("release/libpmsg.so"));
    }
    v.push(PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/release/libpmsg.so"
    )));
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        v.push(dir.join("libpmsg.so"));
    }
    v
}

/// `lib_size_mib`: the stripped size of the release `libpmsg.so`.
pub fn lib_size(setup: &Setup, rep: &mut Report) -> Res<()> {
    let Some(lib) = libpmsg_candidates().into_iter().find(|p| p.exists()) else {
        rep.skip(
            "lib_size_mib",
            "no release libpmsg.so built yet (ffi/: cargo build --release -p pmsg)",
        );
        return Ok(());
    };
    let copy = setup.dir.join("libpmsg.stripped.so");
    std::fs::copy(&lib, &copy)?;
    let stripped = Command::new("strip").arg(&copy).status();
    let size = std::fs::metadata(&copy)?.len();
    let _ = std::fs::remove_file(&copy);
    match stripped {
        Ok(s) if s.success() => {
            rep.info("lib_size_mib", "lib_path", lib.display(), "path");
            rep.info(
                "lib_size_mib",
                "lib_unstripped_mib",
                format!("{:.2}", std::fs::metadata(&lib)?.len() as f64 / 1048576.0),
                "MiB",
            );
            rep.value("lib_size_mib", size as f64 / 1048576.0);
        }
        _ => rep.skip("lib_size_mib", "strip is not installed (binutils)"),
    }
    Ok(())
}

/// `sweep_rss_mib`: peak RSS of a child process (this binary, `sweep-child`)
/// that sweeps, delivers and acknowledges every due event of the
/// N-conversation store, in pages of 100. It works on a copy, so the kept
/// store stays as built.
pub fn sweep_rss(setup: &Setup, big: &Built, rep: &mut Report) -> Res<()> {
    let copy = setup.dir.join("sweep-rss.sqlite");
    populate::remove_store(&copy);
    std::fs::copy(&big.path, &copy)?;
    let wal = |p: &Path| PathBuf::from(format!("{}-wal", p.display()));
    if std::fs::metadata(wal(&big.path)).is_ok_and(|m| m.len() > 0) {
        std::fs::copy(wal(&big.path), wal(&copy))?;
    }
    let out = Command::new(std::env::current_exe()?)
        .args(["sweep-child", "--db"])
        .arg(&copy)
        .args(["--now-ms", &sweep_instant(big).to_string()])
        .output()?;
    populate::remove_store(&copy);
    if !out.status.success() {
        return Err(format!(
            "sweep child failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    let r: Value = serde_json::from_slice(&out.stdout)?;
    let mib = |k: &str| r[k].as_f64().unwrap_or(f64::NAN) / 1024.0;
    rep.info(
        "sweep_rss_mib",
        "sweep_child_events",
        &r["delivered"],
        "events",
    );
    rep.info("sweep_rss_mib", "sweep_child_pages", &r["pages"], "pages");
    rep.info("sweep_rss_mib", "sweep_child_s", &r["seconds"], "s");
    rep.info(
        "sweep_rss_mib",
        "sweep_child_rss_after_open_mib",
        format!("{:.1}", mib("rss_after_open_kib")),
        "MiB",
    );
    rep.value("sweep_rss_mib", mib("vm_hwm_kib"));
    Ok(())
}

/// A field of `/proc/self/status`, in KiB.
pub fn proc_status_kib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// The child of [`sweep_rss`]: opens the store, then pages through every
/// event due at `now_ms`, 100 at a time: each page is delivered (rendered
/// as the JSON a host would send on) and acknowledged in one
/// `Store::batch`. Prints its peak RSS as JSON.
pub fn sweep_child(db: &Path, now_ms: i64) -> Res<()> {
    let began = Instant::now();
    let store = Store::open(&db.to_string_lossy(), &Config::default())?;
    let rss_after_open = proc_status_kib("VmRSS");
    let now = populate::instant(now_ms);
    let (mut delivered, mut pages) = (0usize, 0usize);
    let mut sink = std::io::sink();
    loop {
        let page = store.due_events(now, Some(100))?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            serde_json::to_writer(&mut sink, e)?;
        }
        store.batch(|b| page.iter().try_for_each(|e| b.ack(&e.id, now)))?;
        delivered += page.len();
        pages += 1;
    }
    drop(store);
    println!(
        "{}",
        json!({
            "delivered": delivered,
            "pages": pages,
            "seconds": (began.elapsed().as_secs_f64() * 100.0).round() / 100.0,
            "rss_after_open_kib": rss_after_open,
            "vm_hwm_kib": proc_status_kib("VmHWM"),
        })
    );
    Ok(())
}
