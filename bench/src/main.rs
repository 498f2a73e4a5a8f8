//! pmsg-bench: every performance figure of pmsg in one run, each against
//! its target, and the data generator behind them.
//!
//! ```sh
//! cargo run --release -p pmsg-bench -- [--quick] [--json] [--conversations N]
//! scripts/with-postgres cargo run --release -p pmsg-bench -- --quick --postgres
//! cargo run --release -p pmsg-bench -- populate --db FILE --conversations N [--seed S]
//! ```
//!
//! See BENCHMARKS.md at the repository root for what each figure means,
//! the machine, and the figures measured.

mod figures;
mod group;
mod overhead;
mod pg;
mod raw_floor;
mod raw_pg_floor;
mod report;

use pmsg_bench::{populate, rng};

use clap::{Args, Parser, Subcommand};
use figures::Setup;
use report::{Outcome, Report};
use std::path::PathBuf;
use std::time::Instant;

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The conversations of `--quick` when `--conversations` is not given.
const QUICK_CONVERSATIONS: u64 = 20_000;
/// The reference point of `sweep_scaling`, always built.
const REFERENCE_CONVERSATIONS: u64 = 1_000;

#[derive(Parser, Debug)]
#[command(
    name = "pmsg-bench",
    version,
    about = "pmsg benchmarks: every figure against its target, in one run",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The whole harness at a small size (20,000 conversations unless
    /// --conversations is given), in well under three minutes.
    #[arg(long)]
    quick: bool,
    /// Print one JSON object instead of lines.
    #[arg(long)]
    json: bool,
    /// Conversations in the measured store [default: 1,000,000; 20,000 with --quick].
    #[arg(long, value_name = "N")]
    conversations: Option<u64>,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where stores are built and kept between runs [default: $TMPDIR/pmsg-bench].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Durable sends timed on each side of send_ratio [default: 1,000; 300 with --quick].
    #[arg(long, value_name = "K")]
    sends: Option<usize>,
    /// Samples per latency figure, at least 50 [default: 200; 100 with --quick].
    #[arg(long, value_name = "S")]
    samples: Option<usize>,
    /// Rebuild the stores even when matching ones are kept.
    #[arg(long)]
    fresh: bool,
    /// Show the generator's progress bar even when stderr is not a terminal.
    #[arg(long)]
    progress: bool,
    /// Also measure the PostgreSQL figures (pg_*), on the database of
    /// $PMSG_TEST_DATABASE_URL (stores kept there in schemas of their own).
    #[arg(long)]
    postgres: bool,
    /// Only the PostgreSQL figures (implies --postgres; the others read
    /// "not measured in this run").
    #[arg(long)]
    postgres_only: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Fill a new store with a generated clinic network (replaces FILE).
    Populate {
        /// The store file to create.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Conversations to generate.
        #[arg(long, value_name = "N", default_value_t = populate::FULL_CONVERSATIONS)]
        conversations: u64,
        /// Seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Show the progress bar even when stderr is not a terminal.
        #[arg(long)]
        progress: bool,
    },
    /// (internal) The sweep_rss_mib child: sweep, deliver and acknowledge
    /// every event due at --now-ms, then print peak RSS as JSON.
    #[command(hide = true)]
    SweepChild {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        now_ms: i64,
    },
    /// (internal) The group_send child: one group send to every patient of
    /// --db at --now-ms; prints its time and peak RSS as JSON.
    #[command(hide = true)]
    GroupChild {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        now_ms: i64,
    },
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Populate {
            db,
            conversations,
            seed,
            progress,
        }) => populate::populate(&db, conversations, seed, progress).map(|m| {
            println!("{}", serde_json::to_string_pretty(&m).unwrap_or_default());
        }),
        Some(Command::SweepChild { db, now_ms }) => figures::sweep_child(&db, now_ms),
        Some(Command::GroupChild { db, now_ms }) => group::group_child(&db, now_ms),
        None => harness(cli.run),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// Runs one figure's measurement; a failure turns its figures into
/// `SKIPPED failed: …` and is remembered for the exit status.
fn measure(
    rep: &mut Report,
    failed: &mut bool,
    figures: &[&str],
    f: impl FnOnce(&mut Report) -> Res<()>,
) {
    eprintln!("pmsg-bench: measuring {}", figures.join(", "));
    if let Err(e) = f(rep) {
        *failed = true;
        for name in figures {
            rep.skip(name, format!("failed: {}", chain(e.as_ref())));
        }
    }
}

/// An error and its sources (a driver's "db error" says what it was only
/// in its source).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// The 1-minute load average, or `?` where /proc has none.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// The PostgreSQL figures: SKIPPED without `--postgres` or without a
/// database; otherwise the 1k and N stores on the server (kept in their
/// schemas between runs), then each figure.
fn postgres_figures(setup: &Setup, asked: bool, r: &mut Report, failed: &mut bool) {
    let base = match pg::database(asked) {
        Ok(url) => url,
        Err(why) => {
            for name in pg::FIGURES {
                r.skip(name, why.clone());
            }
            return;
        }
    };
    r.info("", "loadavg_1m_at_postgres_start", loadavg(), "load");
    let stores = (|| -> Res<_> {
        r.info(
            "",
            "pg_server_version",
            pg::server_version(&base)?,
            "version",
        );
        let small = pg::ensure_store(setup, &base, REFERENCE_CONVERSATIONS, "pg_1k", r)?;
        let big = if setup.conversations == REFERENCE_CONVERSATIONS {
            small.clone()
        } else {
            pg::ensure_store(setup, &base, setup.conversations, "pg_n", r)?
        };
        Ok((small, big))
    })();
    let (small, big) = match stores {
        Ok(s) => s,
        Err(e) => {
            *failed = true;
            for name in pg::FIGURES {
                r.skip(
                    name,
                    format!("failed: the PostgreSQL stores: {}", chain(e.as_ref())),
                );
            }
            return;
        }
    };
    measure(r, failed, &["pg_sweep_scaling"], |r| {
        figures::sweep_scaling(setup, &big, &small, r, "pg_")
    });
    measure(r, failed, &["pg_folder_first_ms"], |r| {
        figures::folders(setup, &big, r, "pg_")
    });
    measure(r, failed, &["pg_search_ms"], |r| {
        figures::search(setup, &big, r, "pg_")
    });
    measure(r, failed, &["pg_send_ratio", "pg_send_scaling_8"], |r| {
        pg::send(setup, &base, r)
    });
    measure(r, failed, &["pg_claim_ms"], |r| pg::claims(setup, &big, r));
}

/// The figures on SQLite file stores (and the C ABI and bindings over
/// them): the 1k and N stores, kept in `--dir`, then each figure.
fn sqlite_figures(setup: &Setup, rep: &mut Report, failed: &mut bool) -> Res<()> {
    let small = figures::ensure_store(setup, REFERENCE_CONVERSATIONS, "1k", rep)?;
    let big = if setup.conversations == REFERENCE_CONVERSATIONS {
        small.clone()
    } else {
        figures::ensure_store(setup, setup.conversations, "n", rep)?
    };

    // open_ms first: no other connection to the file is open yet.
    measure(rep, failed, &["open_ms"], |r| {
        figures::open_ms(setup, &big, r)
    });
    measure(rep, failed, &["sweep_scaling"], |r| {
        figures::sweep_scaling(setup, &big, &small, r, "")
    });
    measure(
        rep,
        failed,
        &["folder_first_ms", "folder_deep_ratio"],
        |r| figures::folders(setup, &big, r, ""),
    );
    measure(rep, failed, &["search_ms"], |r| {
        figures::search(setup, &big, r, "")
    });
    measure(rep, failed, &["send_ratio"], |r| {
        figures::send_ratio(setup, r)
    });
    // The C ABI and the uniffi bindings: one copy of the N store, then
    // each sub-harness on its own (a failure skips its figure only).
    let mut bench = None;
    measure(rep, failed, &overhead::FIGURES, |r| {
        bench = Some(overhead::Bench::prepare(setup, &big, r)?);
        Ok(())
    });
    if let Some(b) = &mut bench {
        measure(rep, failed, &["ffi_overhead_ns"], |r| b.c(r));
        measure(rep, failed, &["uniffi_python_overhead_us"], |r| b.python(r));
        measure(rep, failed, &["uniffi_kotlin_overhead_us"], |r| b.kotlin(r));
    }
    drop(bench);
    measure(rep, failed, &["sweep_rss_mib"], |r| {
        figures::sweep_rss(setup, &big, r)
    });
    measure(rep, failed, &["lib_size_mib"], |r| {
        figures::lib_size(setup, r)
    });
    measure(
        rep,
        failed,
        &[
            "group_send_speedup",
            "group_send_rss_mib",
            "group_report_ms",
        ],
        |r| group::group_send(setup, r),
    );
    Ok(())
}

fn harness(args: RunArgs) -> Res<()> {
    let began = Instant::now();
    let setup = Setup {
        conversations: args.conversations.unwrap_or(if args.quick {
            QUICK_CONVERSATIONS
        } else {
            populate::FULL_CONVERSATIONS
        }),
        seed: args.seed,
        quick: args.quick,
        sends: args.sends.unwrap_or(if args.quick { 300 } else { 1_000 }),
        samples: args
            .samples
            .unwrap_or(if args.quick { 100 } else { 200 })
            .max(50),
        dir: args
            .dir
            .unwrap_or_else(|| std::env::temp_dir().join("pmsg-bench")),
        progress: args.progress,
        fresh: args.fresh,
    };
    if setup.conversations == 0 {
        return Err("--conversations must be at least 1".into());
    }
    std::fs::create_dir_all(&setup.dir)?;
    let mut rep = Report::default();
    rep.info("", "conversations", setup.conversations, "count");
    rep.info("", "seed", setup.seed, "seed");
    rep.info("", "quick", u8::from(setup.quick), "flag");
    // Other work on the machine shows in every latency (2 cores here).
    rep.info("", "loadavg_1m_at_start", loadavg(), "load");

    let mut failed = false;
    // With --postgres-only the SQLite figures read "not measured in this run".
    if !args.postgres_only {
        sqlite_figures(&setup, &mut rep, &mut failed)?;
    }
    postgres_figures(
        &setup,
        args.postgres || args.postgres_only,
        &mut rep,
        &mut failed,
    );

    rep.info("", "loadavg_1m_at_end", loadavg(), "load");
    rep.info(
        "",
        "harness_wall_s",
        format!("{:.1}", began.elapsed().as_secs_f64()),
        "s",
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rep.json())?);
    } else {
        for line in rep.lines() {
            println!("{line}");
        }
    }
    if failed {
        let why: Vec<String> = report::FIGURES
            .iter()
            .filter_map(|t| match rep.outcome(t.name) {
                Some(Outcome::Skipped(w)) if w.starts_with("failed") => {
                    Some(format!("{}: {w}", t.name))
                }
                _ => None,
            })
            .collect();
        return Err(format!("some figures could not be measured: {}", why.join("; ")).into());
    }
    Ok(())
}
