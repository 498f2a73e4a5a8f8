//! The operational subcommands: each opens the store, makes one library
//! call (or one per event) and prints the result.

use crate::error::CliError;
use chrono::{DateTime, Utc};
use pmsg_core::{deadline, request, PartialConfig, Store, StoreContents};
use std::io::{self, Write};
use std::path::Path;

/// The §14 keys of `--config FILE` (only those the file gives), or none:
/// the store's own settings are used (R-ST3).
pub fn load_config(path: Option<&Path>) -> Result<Option<PartialConfig>, CliError> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).map_err(|e| CliError::config(path, e))?;
    let what = format!("configuration file {}", path.display());
    let value = pmsg_core::strict_json::parse_as(&text, &what, pmsg_core::Error::InvalidConfig)?;
    Ok(Some(PartialConfig::from_json(&value)?))
}

/// `--now`, or the system clock when it is not given (R-T1).
pub fn instant(now: Option<&str>) -> Result<DateTime<Utc>, CliError> {
    match now {
        Some(text) => Ok(deadline::parse_instant(text)?),
        None => Ok(Utc::now()),
    }
}

/// A database path as the library takes it.
pub fn db_path(path: &Path) -> Result<&str, CliError> {
    path.to_str().ok_or_else(|| {
        CliError::argument(format!(
            "database path {} is not valid UTF-8",
            path.display()
        ))
    })
}

/// Whether `--db` names a PostgreSQL store (a `postgres://` or
/// `postgresql://` URL) rather than an SQLite file.
pub fn is_url(db: &Path) -> bool {
    db.to_str()
        .is_some_and(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

/// What the PostgreSQL store of `--db` holds (nothing is created).
pub fn url_contents(db: &Path) -> Result<StoreContents, CliError> {
    Ok(Store::postgres_contents(db_path(db)?)?)
}

/// Opens a database that must already exist: a mistyped `--db` should not
/// silently create an empty one. A file must exist; a PostgreSQL store
/// must be initialised (its schema holds pmsg's tables, even with no row).
fn open_existing(db: &Path, config: Option<&Path>) -> Result<Store, CliError> {
    let config = load_config(config)?;
    if is_url(db) {
        if url_contents(db)? == StoreContents::Uninitialised {
            return Err(CliError::argument(
                "the PostgreSQL store of --db is not initialised: its schema has no pmsg \
                 tables (create one with `pmsg directory import`)",
            ));
        }
    } else if !db.exists() {
        return Err(CliError::argument(format!(
            "database file {} does not exist (create one with `pmsg directory import`)",
            db.display()
        )));
    }
    Ok(Store::open_with(db_path(db)?, config.as_ref())?)
}

/// `pmsg deliver`: one JSON line per due event, acknowledged only once the
/// line is written, so an event that could not be printed stays pending.
/// With a worker (name, lease seconds) the events are claimed first (R-D7):
/// another worker sees none of them until the lease ends, and an event this
/// worker could not print is delivered by someone after it.
pub fn deliver(
    db: &Path,
    config: Option<&Path>,
    now: Option<String>,
    limit: Option<i64>,
    worker: Option<(String, i64)>,
) -> Result<(), CliError> {
    let now = instant(now.as_deref())?;
    let store = open_existing(db, config)?;
    let events = match &worker {
        Some((name, lease)) => store.claim_due_events(name, now, limit, *lease)?,
        None => store.due_events(now, limit)?,
    };
    let mut out = io::stdout().lock();
    for event in events {
        writeln!(
            out,
            "{}",
            serde_json::to_string(&event).map_err(internal_json)?
        )?;
        out.flush()?;
        store.ack(&event.id, now)?;
    }
    Ok(())
}

/// What `pmsg send-group` sends.
pub struct GroupArgs {
    /// Staff id.
    pub author: String,
    /// `direct` or `workgroup:ID`.
    pub from: String,
    /// The file of EMR IDs.
    pub patients: std::path::PathBuf,
    /// Subject.
    pub subject: String,
    /// Body, or `@FILE`.
    pub body: String,
    /// Response option.
    pub response: pmsg_core::Response,
    /// Confidential (R-CF1).
    pub confidential: bool,
    /// Mask the sender (R-S5).
    pub mask_name: bool,
    /// Fee code (R-B1).
    pub fee_code: Option<String>,
    /// `--now`.
    pub now: Option<String>,
}

/// The EMR IDs of a `--patients` file: a JSON list of strings, or one per
/// line (blank lines and `#` comments skipped).
fn patient_list(file: &Path) -> Result<Vec<String>, CliError> {
    let named =
        |why: String| CliError::argument(format!("patients file {}: {why}", file.display()));
    let text = std::fs::read_to_string(file).map_err(|e| named(e.to_string()))?;
    if text.trim_start().starts_with('[') {
        return serde_json::from_str::<Vec<String>>(&text)
            .map_err(|e| named(format!("not a JSON list of EMR IDs: {e}")));
    }
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// `pmsg send-group`: one group send (R-G1…R-G4); prints the outcome, one
/// entry per patient (sent with its conversation, or skipped with the code).
pub fn send_group(db: &Path, config: Option<&Path>, args: &GroupArgs) -> Result<(), CliError> {
    let now = instant(args.now.as_deref())?;
    let from = match args.from.as_str() {
        "direct" => pmsg_core::Sender::Direct,
        f => match f.strip_prefix("workgroup:") {
            Some(w) if !w.is_empty() => pmsg_core::Sender::Workgroup(w.to_string()),
            _ => {
                return Err(CliError::argument(format!(
                    "--from {f:?} is not 'direct' or 'workgroup:ID' (R-S1)"
                )))
            }
        },
    };
    let body = match args.body.strip_prefix('@') {
        Some(file) => std::fs::read_to_string(file)
            .map_err(|e| CliError::argument(format!("body file {file}: {e}")))?,
        None => args.body.clone(),
    };
    let request = pmsg_core::GroupSendRequest {
        author: args.author.clone(),
        patients: patient_list(&args.patients)?,
        from: Some(from),
        subject: args.subject.clone(),
        body,
        attachments: Vec::new(),
        unread_notify: None,
        response: args.response,
        allow_reply_attachments: false,
        mask_name: args.mask_name,
        billable_fee_code: args.fee_code.clone(),
        file_to_chart: false,
        confidential: args.confidential,
        malformed: Vec::new(),
    };
    let store = open_existing(db, config)?;
    let outcome = store.send_group(&request, now)?;
    let json = serde_json::to_string_pretty(&outcome).map_err(internal_json)?;
    writeln!(io::stdout().lock(), "{json}")?;
    Ok(())
}

/// `pmsg group-report`: the group's per-patient report (R-G5), pretty JSON.
pub fn group_report(
    db: &Path,
    config: Option<&Path>,
    party: &str,
    group: &str,
    now: Option<String>,
) -> Result<(), CliError> {
    let now = instant(now.as_deref())?;
    let store = open_existing(db, config)?;
    let report = store.group_report(party, group, now)?;
    let json = serde_json::to_string_pretty(&report).map_err(internal_json)?;
    writeln!(io::stdout().lock(), "{json}")?;
    Ok(())
}

/// `pmsg assign`: hands a conversation on (R-AS1…R-AS4) and says so.
pub fn assign(
    db: &Path,
    config: Option<&Path>,
    party: &str,
    conversation: &str,
    to: &str,
    note: Option<&str>,
    now: Option<String>,
) -> Result<(), CliError> {
    let now = instant(now.as_deref())?;
    let store = open_existing(db, config)?;
    store.assign(party, conversation, to, note, now)?;
    writeln!(
        io::stdout().lock(),
        "conversation {conversation} assigned to {to}"
    )?;
    Ok(())
}

/// `pmsg purge`: one JSON line per purged attachment.
pub fn purge(db: &Path, config: Option<&Path>, now: Option<String>) -> Result<(), CliError> {
    let now = instant(now.as_deref())?;
    let store = open_existing(db, config)?;
    let mut out = io::stdout().lock();
    for purged in store.purge(now)? {
        writeln!(
            out,
            "{}",
            serde_json::to_string(&purged).map_err(internal_json)?
        )?;
    }
    Ok(())
}

/// `pmsg report billing`: pretty JSON, or the CSV.
pub fn billing(db: &Path, config: Option<&Path>, cycle: &str, csv: bool) -> Result<(), CliError> {
    let store = open_existing(db, config)?;
    let text = if csv {
        store.billing_report_csv(cycle)?
    } else {
        let report = store.billing_report(cycle)?;
        let json = serde_json::to_string_pretty(&report).map_err(internal_json)?;
        json + "\n"
    };
    io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// What `pmsg export` exports.
pub struct ExportArgs {
    /// Conversation id.
    pub conversation: String,
    /// `staff:ID`.
    pub party: String,
    /// `text` or `fhir`.
    pub format: String,
    /// `--now`.
    pub now: Option<String>,
}

/// `pmsg export`: the chart document (audited as `export`).
pub fn export(db: &Path, config: Option<&Path>, args: &ExportArgs) -> Result<(), CliError> {
    let now = instant(args.now.as_deref())?;
    let store = open_existing(db, config)?;
    let doc = store.export_chart(&args.party, &args.conversation, &args.format, now)?;
    let mut out = io::stdout().lock();
    out.write_all(doc.as_bytes())?;
    if !doc.ends_with('\n') {
        writeln!(out)?;
    }
    Ok(())
}

/// The keys of a directory file (conformance FORMAT.md).
const DIRECTORY_KEYS: [&str; 5] = ["accounts", "patients", "connections", "staff", "workgroups"];

/// `pmsg directory import`: upserts the file, all or nothing, and prints
/// the counts.
pub fn import_directory(db: &Path, config: Option<&Path>, file: &Path) -> Result<(), CliError> {
    let config = load_config(config)?;
    let named =
        |why: String| CliError::argument(format!("directory file {}: {why}", file.display()));
    let text = std::fs::read_to_string(file).map_err(|e| named(e.to_string()))?;
    let value =
        pmsg_core::strict_json::parse(&text, &format!("directory file {}", file.display()))?;
    let object = value
        .as_object()
        .ok_or_else(|| named("is not a JSON object".into()))?;
    if let Some(key) = object
        .keys()
        .find(|k| !DIRECTORY_KEYS.contains(&k.as_str()))
    {
        return Err(named(format!(
            "unknown key {key:?}; a directory has {}",
            DIRECTORY_KEYS.join(", ")
        )));
    }
    let update = request::directory(&value)?;
    let store = Store::open_with(db_path(db)?, config.as_ref())?;
    store.upsert_directory(&update)?;
    writeln!(
        io::stdout().lock(),
        "directory imported: {} accounts, {} patients, {} connections, {} staff, {} workgroups",
        update.accounts.len(),
        update.patients.len(),
        update.connections.len(),
        update.staff.len(),
        update.workgroups.len()
    )?;
    Ok(())
}

/// `pmsg settings show`: the store's settings (R-ST3), pretty JSON.
pub fn show_settings(db: &Path) -> Result<(), CliError> {
    let store = open_existing(db, None)?;
    let json = serde_json::to_string_pretty(&store.settings()?.to_json()).map_err(internal_json)?;
    writeln!(io::stdout().lock(), "{json}")?;
    Ok(())
}

/// `pmsg settings update`: changes the keys the file gives (R-ST3,
/// audited as `settings`) and prints the settings now in force.
pub fn update_settings(
    db: &Path,
    party: &str,
    file: &Path,
    now: Option<String>,
) -> Result<(), CliError> {
    let now = instant(now.as_deref())?;
    let keys = load_config(Some(file))?.unwrap_or_default();
    let store = open_existing(db, None)?;
    let updated = store.update_settings(party, &keys, now)?;
    let json = serde_json::to_string_pretty(&updated.to_json()).map_err(internal_json)?;
    writeln!(io::stdout().lock(), "{json}")?;
    Ok(())
}

fn internal_json(e: serde_json::Error) -> CliError {
    CliError {
        code: "internal",
        message: format!("serializing JSON output: {e}"),
    }
}

/// `pmsg populate`: a generated clinic network in a new database (never
/// over an existing one: the generator starts from an empty file), or in a
/// PostgreSQL store without a row (uninitialised or empty).
pub fn populate(db: &Path, conversations: u64, seed: u64, progress: bool) -> Result<(), CliError> {
    if conversations == 0 {
        return Err(CliError::argument(
            "--conversations 0: give at least one conversation",
        ));
    }
    if is_url(db) {
        if url_contents(db)? == StoreContents::NotEmpty {
            return Err(CliError::argument(
                "the PostgreSQL store of --db already holds data: populate fills an empty \
                 store, give a new pmsg_schema",
            ));
        }
    } else if db.exists() {
        return Err(CliError::argument(format!(
            "database {} already exists: populate creates a new database, give a new path",
            db.display()
        )));
    }
    db_path(db)?;
    let manifest =
        pmsg_bench::populate::populate(db, conversations, seed, progress).map_err(|e| {
            match e.downcast_ref::<pmsg_core::Error>() {
                Some(core) => CliError {
                    code: core.code(),
                    message: core.to_string(),
                },
                None => CliError {
                    code: "storage",
                    message: if is_url(db) {
                        format!("populating the PostgreSQL store of --db: {e}")
                    } else {
                        format!("populating {}: {e}", db.display())
                    },
                },
            }
        })?;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&manifest).unwrap_or_default()
    )?;
    Ok(())
}
