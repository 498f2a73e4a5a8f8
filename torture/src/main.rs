//! pmsg-torture: the reliability harness of pmsg (see RELIABILITY.md).
//!
//! * `crash`: a child process works on one database file and is killed
//!   with SIGKILL at a random moment, again and again; after each kill every
//!   acknowledged operation must be there and nothing half-done may be.
//! * `concurrency`: threads in several processes on one file; no caller may
//!   see a `storage` error and the final counts must be exact.
//!
//! * `workers`: several delivery workers in several processes claim due
//!   events (R-D7); none is delivered twice while every worker lives, and
//!   none is lost when one is killed mid-batch.
//! * `server-kill` (PostgreSQL): the server is killed with SIGKILL and
//!   restarted under threads working on one handle; only operations in
//!   flight fail, with `storage`, nothing acknowledged is lost, and the
//!   same handle works again once the server is back.
//!
//! All print one summary line last and exit 0 only when clean. Each runs
//! on SQLite files by default, or with `--db postgres://…` on fresh
//! schemas of a PostgreSQL database (`pmsg_schema=`).

mod checks;
mod child;
mod concurrency;
mod crash;
mod fixture;
mod oplog;
mod pgserver;
mod place;
mod remnants;
mod serverkill;
mod workers;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// pmsg reliability harness: kill -9 crash safety and multi-thread,
/// multi-process concurrency, on SQLite files or (`--db URL`) PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "pmsg-torture", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Kill a working child with SIGKILL, reopen, check; repeat.
    Crash(crash::CrashArgs),
    /// Many threads in several processes on one file; check exact counts.
    Concurrency(concurrency::ConcArgs),
    /// Delivery workers in several processes claiming events (R-D7), with a
    /// kill -9 of one of them mid-batch.
    Workers(workers::WorkersArgs),
    /// PostgreSQL only: threads on one handle while the server is killed
    /// with SIGKILL and restarted, again and again.
    ServerKill(serverkill::ServerKillArgs),
    /// PostgreSQL only: what remains of purged attachments (R-D6) in the
    /// live rows, the table's files and the WAL, after the purge, VACUUM
    /// and VACUUM FULL.
    PurgeRemnants(remnants::RemnantsArgs),
    /// (internal) One process of `workers`.
    #[command(hide = true)]
    Claimer(workers::ClaimerArgs),
    /// (internal) The crash child: works on --db until killed.
    #[command(hide = true)]
    Child {
        /// The database file or PostgreSQL URL.
        #[arg(long)]
        db: String,
        /// Seed of the operation mix.
        #[arg(long)]
        seed: u64,
        /// Instant of the first operation, ms since the epoch.
        #[arg(long)]
        start_ms: i64,
        /// Stop after this many operations (normally the kill comes first).
        #[arg(long, default_value_t = u64::MAX)]
        max_ops: u64,
    },
    /// (internal) One extra process of `concurrency`.
    #[command(hide = true)]
    ConcWorker(concurrency::WorkerArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Cmd::Crash(args) => crash::run(&args),
        Cmd::Concurrency(args) => concurrency::run(&args),
        Cmd::Child {
            db,
            seed,
            start_ms,
            max_ops,
        } => child::run(&db, seed, start_ms, max_ops),
        Cmd::ConcWorker(args) => concurrency::worker(&args),
        Cmd::Workers(args) => workers::run(&args),
        Cmd::ServerKill(args) => serverkill::run(&args),
        Cmd::PurgeRemnants(args) => remnants::run(&args),
        Cmd::Claimer(args) => workers::claimer(&args),
    }
}
