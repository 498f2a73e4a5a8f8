//! `pmsg`: the command-line face of pmsg-core. It parses arguments, reads
//! the clock when no `--now` is given (the convenience layer where that is
//! allowed, R-T1), and prints what the library returns. No rule lives here.

mod commands;
mod demo;
mod error;

use clap::{Args, Parser, Subcommand};
use error::CliError;
use std::path::PathBuf;
use std::process::ExitCode;

/// pmsg: secure messaging to a single patient. Delivers notices, purges
/// expired attachments, reports billing, exports chart documents and imports
/// the directory; `pmsg demo` walks the whole procedure.
#[derive(Debug, Parser)]
#[command(name = "pmsg", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Walk the whole seed procedure on a fresh database and narrate it
    /// (clinic zone America/Toronto, a simulated clock).
    Demo {
        /// Keep the demo database in this new file (it must not exist yet),
        /// or in a PostgreSQL store (a postgres:// URL) without a row;
        /// default: a temporary file removed at the end.
        #[arg(long, value_name = "FILE|URL")]
        db: Option<PathBuf>,
    },
    /// Print due events as JSON lines, acknowledging each once printed (R-D5).
    /// With `--worker`, claim them first (R-D7), so that several workers
    /// sharing one store never print the same event while their claims last.
    Deliver {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        clock: ClockArgs,
        /// Deliver at most N events.
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        limit: Option<i64>,
        /// This worker's name (1-200 characters): claim the events under a
        /// lease before printing them (R-D7).
        #[arg(long, value_name = "NAME")]
        worker: Option<String>,
        /// With --worker: how long the claim lasts; an event not acknowledged
        /// by then (the worker died) is claimable again (R-D7).
        #[arg(
            long,
            value_name = "SECONDS",
            requires = "worker",
            default_value_t = 300
        )]
        lease: i64,
    },
    /// Send one message to many patients, each in a conversation of their
    /// own (SPEC §16); prints the per-patient outcome as JSON.
    SendGroup {
        #[command(flatten)]
        store: StoreArgs,
        /// Author: a staff id.
        #[arg(long, value_name = "STAFF_ID")]
        author: String,
        /// `direct` or `workgroup:ID` (R-S1).
        #[arg(long, value_name = "IDENTITY")]
        from: String,
        /// File of EMR IDs: one per line (blank lines and `#` comments
        /// skipped), or a JSON list of strings.
        #[arg(long, value_name = "FILE")]
        patients: PathBuf,
        /// Subject (one line).
        #[arg(long)]
        subject: String,
        /// Body text; `@FILE` reads it from a file.
        #[arg(long)]
        body: String,
        /// Require a reply within N days (R-D2); default: replies allowed.
        #[arg(long, value_name = "N", conflicts_with = "no_reply")]
        required_days: Option<i64>,
        /// No reply possible: each conversation closes once sent (R-S4).
        #[arg(long)]
        no_reply: bool,
        /// Confidential: the patients' own registered accounts only (R-CF1).
        #[arg(long)]
        confidential: bool,
        /// Show the sender to the patients as the masked name (R-S5).
        #[arg(long)]
        mask_name: bool,
        /// Fee code to bill, once per conversation (R-B1).
        #[arg(long, value_name = "CODE")]
        fee_code: Option<String>,
        #[command(flatten)]
        clock: ClockArgs,
    },
    /// A group send's per-patient report: read, replied, awaiting, overdue
    /// (R-G5; the group's author or its workgroup's members; audited).
    GroupReport {
        #[command(flatten)]
        store: StoreArgs,
        /// The group id printed by `send-group`.
        #[arg(long, value_name = "ID")]
        group: String,
        /// Who asks: `staff:ID`.
        #[arg(long = "as", value_name = "PARTY")]
        party: String,
        #[command(flatten)]
        clock: ClockArgs,
    },
    /// Hand a conversation on to a workgroup or a colleague, with a staff
    /// note the patient never sees (SPEC §17; audited).
    Assign {
        #[command(flatten)]
        store: StoreArgs,
        /// Conversation id.
        #[arg(long, value_name = "ID")]
        conversation: String,
        /// Who assigns: `staff:ID`.
        #[arg(long = "as", value_name = "PARTY")]
        party: String,
        /// The assignee: `workgroup:ID` or `staff:ID`.
        #[arg(long, value_name = "PARTY")]
        to: String,
        /// A note for colleagues (at most 2,000 characters).
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        clock: ClockArgs,
    },
    /// Delete attachment content whose retention ended; one JSON line each (R-D6).
    Purge {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        clock: ClockArgs,
    },
    /// Reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Print a conversation's chart document (staff only, audited; R-C1…R-C3).
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// Conversation id.
        #[arg(long, value_name = "ID")]
        conversation: String,
        /// Who exports: `staff:ID`.
        #[arg(long = "as", value_name = "PARTY")]
        party: String,
        /// Document format.
        #[arg(long, value_parser = ["text", "fhir"])]
        format: String,
        #[command(flatten)]
        clock: ClockArgs,
    },
    /// Directory maintenance.
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// The clinic's settings (SPEC §14), which belong to the store (R-ST3).
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Fill a NEW database with a generated clinic network, to try pmsg at
    /// scale: N conversations over N/5 patients (10% minors with
    /// caregivers), N/2,000 staff in N/25,000 workgroups, about 3% of the
    /// conversations from group sends, 5% assigned, 2% confidential,
    /// deterministic from the seed, written through the library's own write path
    /// (BENCHMARKS.md, "The data"). Prints the store's manifest as JSON.
    Populate {
        /// The database file to create (it must not exist yet), or a
        /// PostgreSQL store (a postgres:// URL) without a row.
        #[arg(long, value_name = "FILE|URL")]
        db: PathBuf,
        /// Conversations to generate.
        #[arg(long, value_name = "N", default_value_t = 1_000_000)]
        conversations: u64,
        /// Seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Show the progress bar even when stderr is not a terminal.
        #[arg(long)]
        progress: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// A billing cycle's entries and totals, as pretty JSON or CSV (R-B3).
    Billing {
        #[command(flatten)]
        store: StoreArgs,
        /// Cycle id of the configured kind: `2026-03`, `2026-03-1` or `2026-W10`.
        #[arg(long, value_name = "C")]
        cycle: String,
        /// Print RFC 4180 CSV instead of JSON.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Debug, Subcommand)]
enum DirectoryCommand {
    /// Upsert a directory JSON file (`accounts`, `patients`, `connections`,
    /// `staff`, `workgroups`); creates the database if needed.
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// The directory JSON file.
        #[arg(value_name = "FILE.json")]
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum SettingsCommand {
    /// Print the store's settings as a JSON object of every §14 key.
    Show {
        /// The pmsg database file.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
    },
    /// Change the keys a JSON file gives (the others keep their values);
    /// audited as `settings`. Prints the settings now in force.
    Update {
        /// The pmsg database file.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Who changes them: `staff:ID`.
        #[arg(long = "as", value_name = "PARTY")]
        party: String,
        #[command(flatten)]
        clock: ClockArgs,
        /// A JSON object of §14 keys.
        #[arg(value_name = "FILE.json")]
        file: PathBuf,
    },
}

/// The database, and the settings this command expects of it.
#[derive(Debug, Args)]
struct StoreArgs {
    /// The pmsg database file, or a PostgreSQL store: a postgres:// or
    /// postgresql:// URL (README.md, "PostgreSQL").
    #[arg(long, value_name = "FILE|URL")]
    db: PathBuf,
    /// A JSON object of SPEC §14 keys: each must equal the store's setting
    /// (R-ST3), else `invalid_config`; a new database takes them. Default:
    /// the store's own settings (a new database: the SPEC defaults).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// The instant an operation runs at.
#[derive(Debug, Args)]
struct ClockArgs {
    /// RFC 3339 instant with seconds and offset, e.g. 2026-03-10T09:00:00-04:00
    /// (default: the system clock).
    #[arg(long, value_name = "T")]
    now: Option<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {}", e.code, e.message);
            ExitCode::from(1)
        }
    }
}

/// Help and version go to stdout with status 0; anything else is a usage
/// error: `error: usage: …` on stderr, status 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let rendered = e.render().to_string();
    let text = rendered.strip_prefix("error: ").unwrap_or(&rendered);
    eprint!("error: usage: {text}");
    ExitCode::from(2)
}

fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Demo { db } => demo::run(db.as_deref()),
        Command::Deliver {
            store,
            clock,
            limit,
            worker,
            lease,
        } => commands::deliver(
            &store.db,
            store.config.as_deref(),
            clock.now,
            limit,
            worker.map(|w| (w, lease)),
        ),
        Command::SendGroup {
            store,
            author,
            from,
            patients,
            subject,
            body,
            required_days,
            no_reply,
            confidential,
            mask_name,
            fee_code,
            clock,
        } => commands::send_group(
            &store.db,
            store.config.as_deref(),
            &commands::GroupArgs {
                author,
                from,
                patients,
                subject,
                body,
                response: match (required_days, no_reply) {
                    (Some(days), _) => pmsg_core::Response::Required { days },
                    (None, true) => pmsg_core::Response::Closed,
                    (None, false) => pmsg_core::Response::Allowed,
                },
                confidential,
                mask_name,
                fee_code,
                now: clock.now,
            },
        ),
        Command::GroupReport {
            store,
            group,
            party,
            clock,
        } => commands::group_report(
            &store.db,
            store.config.as_deref(),
            &party,
            &group,
            clock.now,
        ),
        Command::Assign {
            store,
            conversation,
            party,
            to,
            note,
            clock,
        } => commands::assign(
            &store.db,
            store.config.as_deref(),
            &party,
            &conversation,
            &to,
            note.as_deref(),
            clock.now,
        ),
        Command::Purge { store, clock } => {
            commands::purge(&store.db, store.config.as_deref(), clock.now)
        }
        Command::Report(ReportCommand::Billing { store, cycle, csv }) => {
            commands::billing(&store.db, store.config.as_deref(), &cycle, csv)
        }
        Command::Export {
            store,
            conversation,
            party,
            format,
            clock,
        } => commands::export(
            &store.db,
            store.config.as_deref(),
            &commands::ExportArgs {
                conversation,
                party,
                format,
                now: clock.now,
            },
        ),
        Command::Directory(DirectoryCommand::Import { store, file }) => {
            commands::import_directory(&store.db, store.config.as_deref(), &file)
        }
        Command::Settings(SettingsCommand::Show { db }) => commands::show_settings(&db),
        Command::Settings(SettingsCommand::Update {
            db,
            party,
            clock,
            file,
        }) => commands::update_settings(&db, &party, &file, clock.now),
        Command::Populate {
            db,
            conversations,
            seed,
            progress,
        } => commands::populate(&db, conversations, seed, progress),
    }
}
