//! `pmsg demo`: walks the seed procedure on a fresh database through the
//! real `Store` API, with the demo's own simulated clock, and narrates what
//! the library returns. It also checks the headline promises as it goes
//! (routing, the DST-proof deadline, masking, notices, purge, audit): a
//! surprise stops the demo with an `internal` error rather than a wrong story.

/// Writes one line of narration (or an empty line) to the demo's output.
macro_rules! say {
    ($d:expr) => {
        writeln!($d.out)?
    };
    ($d:expr, $($arg:tt)*) => {
        writeln!($d.out, $($arg)*)?
    };
}

mod clinic_tools;
mod compose;
mod follow_up;
mod seed;

use crate::commands::{self, db_path};
use crate::error::CliError;
use chrono::{DateTime, Utc};
use pmsg_core::{deadline, Config, Event, Store};
use std::io::{self, StdoutLock, Write};
use std::path::{Path, PathBuf};

/// Runs the demo on a new database: `db`, or a temporary file.
pub fn run(db: Option<&Path>) -> Result<(), CliError> {
    let file = DemoDb::create(db)?;
    let config = Config {
        time_zone: seed::ZONE.into(),
        ..Config::default()
    };
    let mut d = Demo {
        store: Store::open(db_path(&file.path)?, &config)?,
        out: io::stdout().lock(),
    };
    say!(d, "pmsg demo: the seed procedure on a fresh database");
    match db {
        // A URL may hold a password: it is not repeated.
        Some(path) if commands::is_url(path) => {
            say!(
                d,
                "Database: the PostgreSQL store of --db (kept at the end)"
            )
        }
        Some(path) => say!(d, "Database: {} (kept at the end)", path.display()),
        None => say!(d, "Database: a temporary file (removed at the end)"),
    }
    say!(
        d,
        "Clinic time zone: {}. The demo keeps its own clock and passes every call an explicit `now`.",
        seed::ZONE
    );

    compose::load_directory(&mut d)?;
    compose::search(&mut d)?;
    compose::send_to_minor(&mut d)?;
    let lab = compose::send_lab_results(&mut d)?;
    compose::compare_views(&mut d, &lab)?;
    follow_up::deliver_over_time(&mut d, &lab)?;
    follow_up::download_and_reply(&mut d, &lab)?;
    follow_up::billing(&mut d)?;
    follow_up::chart(&mut d, &lab)?;
    follow_up::purge_and_audit(&mut d, &lab)?;
    let flu = clinic_tools::group_send(&mut d)?;
    clinic_tools::assign(&mut d, &flu)?;
    clinic_tools::confidential(&mut d)?;
    d.step(14, "The audit trail, with the clinic tools' entries")?;
    follow_up::audit(&mut d)?;

    if let Some(path) = db {
        say!(d);
        if commands::is_url(path) {
            say!(
                d,
                "The database stays in that PostgreSQL store; it keeps the clinic's settings (time zone {}),",
                seed::ZONE
            );
        } else {
            say!(
                d,
                "The database stays in {}; it keeps the clinic's settings (time zone {}),",
                path.display(),
                seed::ZONE
            );
        }
        say!(
            d,
            "which the other subcommands use (`pmsg settings show --db FILE`)."
        );
    }
    say!(d);
    say!(d, "demo complete");
    d.out.flush()?;
    Ok(())
}

/// The demo's store and where it narrates.
struct Demo {
    store: Store,
    out: StdoutLock<'static>,
}

impl Demo {
    /// A step's header.
    fn step(&mut self, number: u32, title: &str) -> Result<(), CliError> {
        say!(self);
        say!(self, "== {number}. {title} ==");
        Ok(())
    }

    /// Sets the simulated clock to `local` (RFC 3339 with the clinic's
    /// offset) and says so; returns the instant.
    fn clock(&mut self, weekday: &str, local: &str) -> Result<DateTime<Utc>, CliError> {
        say!(self, "-- clock: {weekday} {local}");
        Ok(deadline::parse_instant(local)?)
    }

    /// The host's delivery loop (R-D5): print each due event, then ack it.
    fn deliver(&mut self, now: DateTime<Utc>) -> Result<Vec<Event>, CliError> {
        let events = self.store.due_events(now, None)?;
        if events.is_empty() {
            say!(self, "   due_events: nothing due");
        }
        for e in &events {
            say!(
                self,
                "   {} -> {}  (due {}, conversation {}, event {})",
                e.kind.as_str(),
                e.to,
                e.due_at,
                short(&e.conversation),
                short(&e.id)
            );
            say!(self, "      notice: \"{}\"", e.notice);
            self.store.ack(&e.id, now)?;
        }
        if !events.is_empty() {
            say!(self, "   (each delivered, then acknowledged with ack)");
        }
        Ok(events)
    }
}

/// Fails the demo when the library did something the SPEC does not promise.
fn expect(holds: bool, what: impl FnOnce() -> String) -> Result<(), CliError> {
    if holds {
        Ok(())
    } else {
        Err(CliError::demo(what()))
    }
}

/// The last 8 characters of an id (the random part of a UUIDv7).
fn short(id: &str) -> String {
    let start = id.char_indices().rev().nth(7).map_or(0, |(i, _)| i);
    format!("…{}", &id[start..])
}

/// Indents every line of a document for the narration.
fn indented(d: &mut Demo, text: &str, max_lines: usize) -> Result<(), CliError> {
    let lines: Vec<&str> = text.lines().collect();
    for line in lines.iter().take(max_lines) {
        say!(d, "   |{}{line}", if line.is_empty() { "" } else { " " });
    }
    if lines.len() > max_lines {
        say!(d, "   | … ({} more lines)", lines.len() - max_lines);
    }
    Ok(())
}

/// The demo's database file: created fresh, removed at the end unless the
/// user named it (`--db`).
struct DemoDb {
    path: PathBuf,
    temporary: bool,
}

impl DemoDb {
    fn create(db: Option<&Path>) -> Result<DemoDb, CliError> {
        if let Some(url) = db.filter(|p| commands::is_url(p)) {
            // A PostgreSQL store: fresh means without a row (its schema
            // may be missing, or initialised and empty); it is kept.
            if commands::url_contents(url)? == pmsg_core::StoreContents::NotEmpty {
                return Err(CliError::argument(
                    "the PostgreSQL store of --db already holds data; the demo needs a fresh \
                     one (give a new pmsg_schema)",
                ));
            }
            return Ok(DemoDb {
                path: url.to_path_buf(),
                temporary: false,
            });
        }
        let (path, temporary) = match db {
            Some(p) => (p.to_path_buf(), false),
            None => {
                let name = format!("pmsg-demo-{}.db", std::process::id());
                (std::env::temp_dir().join(name), true)
            }
        };
        if path.exists() {
            return Err(CliError::argument(format!(
                "database file {} already exists; the demo needs a fresh one",
                path.display()
            )));
        }
        Ok(DemoDb { path, temporary })
    }

    /// The database file and SQLite's WAL companions.
    fn files(&self) -> Vec<PathBuf> {
        ["", "-wal", "-shm", "-journal"]
            .iter()
            .map(|suffix| {
                let mut name = self.path.clone().into_os_string();
                name.push(suffix);
                PathBuf::from(name)
            })
            .collect()
    }
}

impl Drop for DemoDb {
    fn drop(&mut self) {
        if self.temporary {
            for file in self.files() {
                let _ = std::fs::remove_file(file);
            }
        }
    }
}
