//! # pmsg-core
//!
//! The embeddable core of a patient portal's secure messaging (see
//! `SPEC.md`): staff send one patient a message, the patient side is
//! notified, reads and may reply, and may owe a reply by a deadline. This
//! crate owns the conversation state, the rules and every deadline, over one
//! SQLite file. It never reads the clock: every operation takes `now`.
//!
//! Start with [`Store`]: one method per operation, plain records in and out,
//! one [`Error`] type whose [`Error::code`] is the SPEC §13 code.
#![warn(missing_docs)]

mod access;
mod assignment;
mod audit;
pub mod billing;
mod chart;
mod claims;
pub mod compose;
mod confidential;
mod config;
pub mod deadline;
mod directory;
mod error;
pub mod events;
pub mod folders;
pub mod folding;
mod group;
mod messaging;
mod model;
mod party;
pub mod request;
mod routing;
mod store;
pub mod strict_json;

pub use config::{Config, PartialConfig, CONFIG_KEYS, DEFAULT_MEDIA_TYPES};
pub use error::{Error, Result, StorageError, StorageKind, ERROR_CODES};
pub use model::*;
pub use store::{SCHEMA_VERSION, SQLITE_MIGRATIONS};

use chrono::{DateTime, TimeZone, Utc};
use config::Settings;
use folders::{decode_cursor, encode_cursor};
use party::Actor;
use std::sync::{Arc, RwLock};
use store::{Db, FolderRows, Tx};

/// The library version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A UTC instant as stored: milliseconds since the Unix epoch.
pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored instant back as a UTC instant.
pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// A new UUIDv7 whose time part is `now` (never the system clock).
pub(crate) fn new_id(now: DateTime<Utc>) -> String {
    let secs = now.timestamp().max(0) as u64;
    let nanos = now.timestamp_subsec_nanos();
    uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos)).to_string()
}

/// An invalid value among the keys given is `invalid_config` before the
/// database is opened.
fn check_given(config: Option<&PartialConfig>) -> Result<()> {
    match config {
        Some(c) => c.over(&Config::default()).resolve().map(|_| ()),
        None => Ok(()),
    }
}

/// Whether this build encrypts at rest: `true` with the cargo feature
/// `encryption` (SQLCipher), which [`Store::open_encrypted`] needs.
pub const ENCRYPTION: bool = cfg!(feature = "encryption");

/// A pmsg store: one SQLite file (or in-memory database), or one
/// PostgreSQL database, holding the clinic's settings, the directory,
/// conversations, events, billing and audit (R-ST1).
///
/// `Store` is `Send + Sync`: share one handle between threads (R-ST2);
/// several processes may open the same file.
///
/// Every method that takes `now` first checks it (R-T1): an instant outside
/// 1970-01-02T00:00:00Z ..= 9999-12-29T23:59:59Z
/// ([`deadline::ACCEPTED_RANGE`]) is `invalid_argument` naming the value
/// and the range, before anything else and not audited. Within it every
/// shown instant, in every IANA zone, is RFC 3339 with a four-digit year
/// and an offset, and a valid FHIR `instant`; a deadline that would fall
/// after 9999-12-31T09:59:59Z is refused by its own rule
/// (`invalid_response_deadline`, `invalid_notify_interval`).
///
/// # Settings (R-ST3)
///
/// The clinic's §14 settings belong to the store: fixed when it is created
/// (by its first open: that open's settings, the defaults for the keys it
/// leaves out), the same for every handle, process and machine, and
/// changed only by [`Store::update_settings`]. A handle opened with
/// settings only checks them: each key it gives must equal the store's
/// after §14's normalisation ([`Config::normalized`]), else the open fails
/// with `invalid_config` naming the first key that differs (in §14's
/// order). A handle opened without settings ([`Store::open_with`] with
/// `None`) uses the store's. A store written before schema version 4 takes
/// the settings of the first handle that opens it after the upgrade.
///
/// Every operation reads the settings' version in its own transaction and
/// re-reads the settings when it changed, so an update by any handle or
/// process is seen by every handle at its next operation.
pub struct Store {
    db: Db,
    /// The settings as this handle last read them.
    current: RwLock<Arc<Current>>,
}

/// The store's settings at one version (R-ST3).
struct Current {
    version: i64,
    /// The normal form.
    config: Config,
    /// What the rules read.
    settings: Settings,
}

/// What a PostgreSQL store holds ([`Store::postgres_contents`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreContents {
    /// No pmsg schema there yet: [`Store::open`] would create it.
    Uninitialised,
    /// pmsg's tables, none holding a row.
    Empty,
    /// pmsg's tables, some holding rows.
    NotEmpty,
}

impl Current {
    /// The settings as stored: a JSON object of §14 keys in normal form
    /// (a key missing, e.g. one added by a later version of pmsg, takes
    /// its default).
    fn load(version: i64, json: &str) -> Result<Current> {
        let unusable = |why: String| {
            Error::storage(
                StorageKind::Corrupt,
                format!("the store's settings cannot be read: {why} (R-ST3)"),
            )
        };
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| unusable(e.to_string()))?;
        let config = PartialConfig::from_json(&value)
            .and_then(|p| p.over(&Config::default()).normalized())
            .map_err(|e| unusable(e.to_string()))?;
        let settings = config.resolve()?;
        Ok(Current {
            version,
            config,
            settings,
        })
    }
}

impl Store {
    /// Opens (creating if needed) the database file at `path` (or the
    /// PostgreSQL database of a `postgres://` URL), migrating an older
    /// schema; a newer schema is `schema_too_new` (R-ST1). `config` gives
    /// every §14 key: a new store takes it as its settings, an existing
    /// one must have these settings (R-ST3), else `invalid_config` naming
    /// the first key that differs. To give some keys or none, use
    /// [`Store::open_with`].
    ///
    /// An SQLite path may be a `file:` URI with pmsg's parameters:
    /// `file:clinic.db?pmsg_busy_timeout_ms=500` sets how long a writer
    /// waits for another's lock before `storage` (kind `busy`); default
    /// 10 s. PostgreSQL URLs take the same parameter (`lock_timeout`).
    pub fn open(path: &str, config: &Config) -> Result<Store> {
        Store::open_with(path, Some(&PartialConfig::from(config.clone())))
    }

    /// What the PostgreSQL store of `url` (a `postgres://` or
    /// `postgresql://` URL, its `pmsg_schema` included) holds, found in
    /// one read-only transaction that creates and migrates nothing: for a
    /// host (or the CLI) that must not create a store by mistake, or must
    /// fill only an empty one. Errors: `invalid_argument` (not such a URL,
    /// a malformed one), `storage` (cannot connect).
    pub fn postgres_contents(url: &str) -> Result<StoreContents> {
        store::postgres_contents(url)
    }

    /// As [`Store::open`], with some of the §14 keys or none (R-ST3):
    /// `None` uses the store's settings (a new store takes the defaults);
    /// `Some(keys)` checks the keys given against the store's (a new store
    /// takes them, with the defaults for the others). An invalid value is
    /// `invalid_config` before the database is touched.
    pub fn open_with(path: &str, config: Option<&PartialConfig>) -> Result<Store> {
        check_given(config)?;
        Store::adopt(Db::open(path)?, config)
    }

    /// Opens (creating if needed) an encrypted database file (SQLCipher) with
    /// the passphrase `key` (not empty). A wrong key fails at once with
    /// `storage`, saying the key is wrong; a plain file opened with a key
    /// fails the same way. Needs the `encryption` feature: without it this
    /// fails with `storage` saying so ([`ENCRYPTION`] tells which build this is).
    /// `config` as for [`Store::open`].
    pub fn open_encrypted(path: &str, config: &Config, key: &str) -> Result<Store> {
        Store::open_encrypted_with(path, Some(&PartialConfig::from(config.clone())), key)
    }

    /// As [`Store::open_encrypted`], with some of the §14 keys or none, as
    /// [`Store::open_with`].
    pub fn open_encrypted_with(
        path: &str,
        config: Option<&PartialConfig>,
        key: &str,
    ) -> Result<Store> {
        check_given(config)?;
        if key.is_empty() {
            return Err(Error::InvalidArgument(
                "the encryption key is empty: give the passphrase the file was created with".into(),
            ));
        }
        if !ENCRYPTION {
            return Err(Error::storage(
                StorageKind::Other,
                format!(
                    "cannot open {path:?} encrypted: this build of pmsg has no encryption \
                 (build it with the cargo feature `encryption`)"
                ),
            ));
        }
        Store::adopt(Db::open_keyed(path, key)?, config)
    }

    /// Opens a private in-memory store (tests, demos) with these settings.
    pub fn open_in_memory(config: &Config) -> Result<Store> {
        let config = PartialConfig::from(config.clone());
        check_given(Some(&config))?;
        Store::adopt(Db::open_in_memory()?, Some(&config))
    }

    /// R-ST3 at open: the store's settings, written first if it has none
    /// yet (a new store, or one older than schema version 4: the keys
    /// given, the defaults for the others), then the keys given checked
    /// against them.
    fn adopt(db: Db, given: Option<&PartialConfig>) -> Result<Store> {
        let mut stored = db.read(|tx| tx.settings())?;
        if stored.is_none() {
            let first = given
                .map_or_else(Config::default, |g| g.over(&Config::default()))
                .normalized()?
                .to_json()
                .to_string();
            // Another handle may write them first: then these are compared.
            stored = db.write(
                &mut |tx| {
                    tx.insert_settings(&first)?;
                    tx.settings()
                },
                |r| r.is_ok(),
            )?;
        }
        let (version, json) = stored.ok_or_else(|| {
            Error::Internal("the store has no settings after they were written".into())
        })?;
        let current = Current::load(version, &json)?;
        if let Some(given) = given {
            given.check_against(&current.config)?;
        }
        Ok(Store {
            db,
            current: RwLock::new(Arc::new(current)),
        })
    }

    /// The store's settings as of `tx` (R-ST3): this handle's copy when the
    /// stored version is the same (one indexed read), else read again.
    fn settings_in(&self, tx: &Tx) -> Result<Arc<Current>> {
        let cached = Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()));
        let missing = || {
            Error::storage(
                StorageKind::Corrupt,
                "the store has no settings row (R-ST3)",
            )
        };
        let version = tx.settings_version()?.ok_or_else(missing)?;
        if version == cached.version {
            return Ok(cached);
        }
        let (version, json) = tx.settings()?.ok_or_else(missing)?;
        let fresh = Arc::new(Current::load(version, &json)?);
        self.remember(&fresh);
        Ok(fresh)
    }

    /// Keeps `c` as this handle's copy unless it already has a newer one
    /// (a transaction on an older snapshot may finish later).
    fn remember(&self, c: &Arc<Current>) {
        let mut slot = self.current.write().unwrap_or_else(|p| p.into_inner());
        if c.version > slot.version {
            *slot = Arc::clone(c);
        }
    }

    /// R-ST3: the store's settings now, in their normal form.
    pub fn settings(&self) -> Result<Config> {
        self.db.read(|tx| Ok(self.settings_in(tx)?.config.clone()))
    }

    /// R-ST3: changes the store's settings: the keys given take their new
    /// values, the others keep theirs. `by` is `staff:ID` of a staff member
    /// of the directory (else `unknown_staff`; not a party is
    /// `invalid_argument`); an invalid value is `invalid_config`. Audited
    /// as `settings` (actor `by`, no conversation). Every handle, in every
    /// process, uses the new settings from its next operation on. Returns
    /// the settings now in force.
    pub fn update_settings(
        &self,
        by: &str,
        settings: &PartialConfig,
        now: DateTime<Utc>,
    ) -> Result<Config> {
        let actor = Actor::parse(by)?;
        let updated = self.write(|tx| {
            let staff = match &actor {
                Actor::Staff(id) => id,
                Actor::Account(_) => return Err(Error::UnknownStaff(by.to_string())),
            };
            if tx.staff(staff)?.is_none() {
                return Err(Error::UnknownStaff(staff.clone()));
            }
            let config = settings.over(&self.settings_in(tx)?.config).normalized()?;
            let version = tx.update_settings(&config.to_json().to_string())?;
            audit::append(tx, ms(now), &actor.party(), "settings", None, None)?;
            Ok(Current {
                version,
                settings: config.resolve()?,
                config,
            })
        })?;
        let updated = Arc::new(updated);
        self.remember(&updated);
        Ok(updated.config.clone())
    }

    /// Runs `f` in one write transaction. It commits when `f` succeeds, and
    /// also when `f` fails with `not_authorized`, whose refusal entry must
    /// stay in the audit (R-A1); any other failure rolls everything back
    /// (R-S2, R-S3). `f` may run more than once (a backend retries a
    /// transaction that lost a serialization conflict); each run sees a
    /// fresh transaction.
    fn write<T>(&self, mut f: impl FnMut(&Tx) -> Result<T>) -> Result<T> {
        self.db.write(&mut f, |r| {
            matches!(r, Ok(_) | Err(Error::NotAuthorized { .. }))
        })
    }

    /// [`Store::write`] with the store's settings as of the transaction.
    fn write_with<T>(&self, mut f: impl FnMut(&Tx, &Settings) -> Result<T>) -> Result<T> {
        self.write(|tx| f(tx, &self.settings_in(tx)?.settings))
    }

    /// One read transaction with the store's settings as of it.
    fn read_with<T>(&self, mut f: impl FnMut(&Tx, &Settings) -> Result<T>) -> Result<T> {
        self.db.read(|tx| f(tx, &self.settings_in(tx)?.settings))
    }

    /// Upserts directory records, all or nothing (§2, §15).
    pub fn upsert_directory(&self, update: &DirectoryUpdate) -> Result<()> {
        self.write(|tx| directory::upsert(tx, update))
    }

    /// R-R1: patients by EMR ID or last-name prefix, at most 50, each with
    /// where a message sent at `now` would be delivered.
    pub fn search(&self, query: &str, now: DateTime<Utc>) -> Result<Vec<SearchMatch>> {
        deadline::check_now(now)?;
        let prefix = folding::fold_query(query)?;
        let emr_key = folding::case_fold(query.trim());
        self.read_with(|tx, s| {
            let mut out = Vec::new();
            for p in tx.search_patients(&emr_key, &prefix, 50)? {
                let (deliver_to, unreachable_reason) = match routing::route(tx, s, &p, now)? {
                    routing::Route::Deliver(a) => {
                        (a.iter().map(|a| party::account(a)).collect(), None)
                    }
                    routing::Route::Unreachable(why) => (Vec::new(), Some(why)),
                };
                let confidential_deliver_to = confidential::deliver_to(tx, &p)?;
                out.push(SearchMatch {
                    emr_id: p.emr_id,
                    first_name: p.first_name,
                    last_name: p.last_name,
                    date_of_birth: p.date_of_birth,
                    deliver_to,
                    unreachable_reason,
                    confidential_deliver_to,
                });
            }
            Ok(out)
        })
    }

    /// §4: sends the first message of a new conversation (R-S1…R-S5).
    pub fn send(&self, request: &SendRequest, now: DateTime<Utc>) -> Result<SendOutcome> {
        deadline::check_now(now)?;
        self.write_with(|tx, s| messaging::send(tx, s, request, now))
    }

    /// R-M2, R-M3: replies in a conversation, as the patient side or staff.
    pub fn reply(&self, request: &ReplyRequest, now: DateTime<Utc>) -> Result<SendOutcome> {
        deadline::check_now(now)?;
        self.write_with(|tx, s| messaging::reply(tx, s, request, now))
    }

    /// R-M1: marks what is addressed to `by`'s side as read.
    pub fn read(&self, by: &str, conversation: &str, now: DateTime<Utc>) -> Result<()> {
        deadline::check_now(now)?;
        self.write(|tx| messaging::read(tx, by, conversation, now))
    }

    /// The conversation as `by` sees it (audited as `view`).
    pub fn view(
        &self,
        by: &str,
        conversation: &str,
        now: DateTime<Utc>,
    ) -> Result<ConversationView> {
        deadline::check_now(now)?;
        self.write_with(|tx, s| messaging::view(tx, s, by, conversation, now))
    }

    /// R-D6: an attachment's content (audited as `download`).
    pub fn download(
        &self,
        by: &str,
        conversation: &str,
        attachment: &str,
        now: DateTime<Utc>,
    ) -> Result<Download> {
        deadline::check_now(now)?;
        self.write_with(|tx, s| messaging::download(tx, s, by, conversation, attachment, now))
    }

    /// R-M4: closes an open conversation (staff participants only).
    pub fn close(&self, by: &str, conversation: &str, now: DateTime<Utc>) -> Result<()> {
        deadline::check_now(now)?;
        self.write(|tx| messaging::close(tx, by, conversation, now))
    }

    /// R-D5: pending events due at `now`, by due instant then creation
    /// order; `None` returns every due event, a negative limit is
    /// `invalid_argument`.
    pub fn due_events(&self, now: DateTime<Utc>, limit: Option<i64>) -> Result<Vec<Event>> {
        deadline::check_now(now)?;
        let limit = events::check_limit(limit)?.map_or(-1, |n| n as i64);
        self.read_with(|tx, s| {
            Ok(tx
                .due_events(ms(now), limit)?
                .into_iter()
                .map(|e| events::shown(e, s.zone, None))
                .collect())
        })
    }

    /// R-D7: claims the due events that no unexpired claim holds, for
    /// `worker`, until `now + lease_seconds`; each returned event carries
    /// its `claimed_until`. `limit` reads as in [`Store::due_events`].
    pub fn claim_due_events(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        limit: Option<i64>,
        lease_seconds: i64,
    ) -> Result<Vec<Event>> {
        deadline::check_now(now)?;
        let args = claims::ClaimArgs::check(worker, limit, lease_seconds)?;
        self.write_with(|tx, s| claims::claim(tx, s, &args, now))
    }

    /// §16 (R-G1…R-G4): one composition to many patients, each in a
    /// conversation of their own, in one transaction.
    pub fn send_group(
        &self,
        request: &GroupSendRequest,
        now: DateTime<Utc>,
    ) -> Result<GroupSendOutcome> {
        deadline::check_now(now)?;
        self.write_with(|tx, s| group::send(tx, s, request, now))
    }

    /// R-G5: per patient of a group send, read/replied/awaiting/overdue at
    /// `now`, for the group's author and its from-workgroup's members
    /// (audited as `group_report`).
    pub fn group_report(
        &self,
        by: &str,
        group_id: &str,
        now: DateTime<Utc>,
    ) -> Result<GroupReport> {
        deadline::check_now(now)?;
        self.write(|tx| group::report(tx, by, group_id, now))
    }

    /// §17 (R-AS1…R-AS4): hands a conversation on to `to` (`workgroup:ID`
    /// or `staff:ID`) with an optional staff note (audited as `assign`).
    pub fn assign(
        &self,
        by: &str,
        conversation: &str,
        to: &str,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        deadline::check_now(now)?;
        self.write(|tx| assignment::assign(tx, by, conversation, to, note, now))
    }

    /// R-D5: acknowledges a delivered event; idempotent; acknowledging a
    /// cancelled event succeeds; an unknown id is `unknown_event`.
    pub fn ack(&self, event_id: &str, now: DateTime<Utc>) -> Result<()> {
        deadline::check_now(now)?;
        self.write(|tx| ack(tx, event_id, now))
    }

    /// §7: one page of a folder for `by` (`staff:ID` or `account:ID`),
    /// after `cursor` (from the previous page), `page_size` default 50.
    pub fn folder(
        &self,
        by: &str,
        folder: &str,
        cursor: Option<&str>,
        page_size: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<FolderPage> {
        deadline::check_now(now)?;
        let actor = Actor::parse(by)?;
        let kind = FolderKind::parse(folder)?;
        let size = folders::page_size(page_size)?;
        let after = cursor.map(decode_cursor).transpose()?;
        self.read_with(|tx, settings| {
            let (rows, ranges, patient_side) = match &actor {
                Actor::Staff(s) => {
                    if tx.staff(s)?.is_none() {
                        return Err(Error::UnknownStaff(s.clone()));
                    }
                    let rows = match kind {
                        FolderKind::Inbox => FolderRows::StaffInbox,
                        FolderKind::Sent => FolderRows::StaffSent,
                        FolderKind::AwaitingResponse => FolderRows::StaffAwaiting,
                        FolderKind::Closed => FolderRows::StaffClosed,
                    };
                    // `sent` lists only what they authored themselves.
                    let with_workgroups = kind != FolderKind::Sent;
                    (rows, access::staff_folder_ranges(tx, s, with_workgroups)?, false)
                }
                Actor::Account(a) => {
                    if tx.account(a)?.is_none() {
                        return Err(Error::UnknownAccount(a.clone()));
                    }
                    let rows = match kind {
                        FolderKind::Inbox => FolderRows::AccountInbox,
                        FolderKind::AwaitingResponse => FolderRows::AccountAwaiting,
                        _ => {
                            return Err(Error::InvalidArgument(format!(
                                "folder {folder:?} is a staff folder; accounts have inbox and awaiting_response (§7)"
                            )))
                        }
                    };
                    (rows, access::account_folder_ranges(tx, a)?, true)
                }
            };
            let mut rows = tx.folder_page(rows, &ranges, after, i64::from(size) + 1)?;
            let next_cursor = if rows.len() > size as usize {
                rows.truncate(size as usize);
                rows.last().map(|c| encode_cursor(c.last_activity, c.created_at, c.seq))
            } else {
                None
            };
            let mut entries = Vec::with_capacity(rows.len());
            for c in rows.drain(..) {
                let patient = tx.patient(&c.patient_key)?;
                let (awaiting, overdue, due) = messaging::requirement(&c, now);
                entries.push(FolderEntry {
                    conversation: c.id.clone(),
                    subject: c.subject.clone(),
                    last_activity: deadline::format_local(
                        from_ms(c.last_activity),
                        settings.zone,
                    ),
                    unread: if patient_side {
                        c.unread_by_patient > 0
                    } else {
                        c.unread_by_staff > 0
                    },
                    awaiting_response: awaiting,
                    overdue,
                    response_due_at: due
                        .map(|t| deadline::format_local(from_ms(t), settings.zone)),
                    status: if c.closed {
                        ConversationStatus::Closed
                    } else {
                        ConversationStatus::Open
                    },
                    patient_emr_id: patient
                        .as_ref()
                        .map(|p| p.emr_id.clone())
                        .unwrap_or_default(),
                    patient_name: patient
                        .map(|p| format!("{} {}", p.first_name, p.last_name))
                        .unwrap_or_default(),
                });
            }
            Ok(FolderPage {
                entries,
                next_cursor,
            })
        })
    }

    /// R-D6: deletes the content of attachments whose retention ended.
    pub fn purge(&self, now: DateTime<Utc>) -> Result<Vec<PurgedAttachment>> {
        deadline::check_now(now)?;
        let purged = self.write(|tx| messaging::purge(tx, now))?;
        // The backend's duty to the purged bytes (SQLite: a WAL checkpoint).
        self.db.after_purge(!purged.is_empty())?;
        Ok(purged)
    }

    /// R-B3: a billing cycle's entries and totals (`2026-03`, `2026-03-1`, `2026-W10`).
    pub fn billing_report(&self, cycle: &str) -> Result<BillingReport> {
        self.read_with(|tx, s| billing::report(tx, s, cycle))
    }

    /// R-B3: the same report as RFC 4180 CSV.
    pub fn billing_report_csv(&self, cycle: &str) -> Result<String> {
        billing::to_csv(&self.billing_report(cycle)?)
    }

    /// R-C1…R-C3: the chart document (`text` or `fhir`), for staff who can
    /// see the conversation (audited as `export`).
    pub fn export_chart(
        &self,
        by: &str,
        conversation: &str,
        format: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        deadline::check_now(now)?;
        self.write_with(|tx, s| {
            let (actor, conv) =
                messaging::open_conversation(tx, by, conversation, "export", true, now)?;
            let format = ChartFormat::parse(format)?;
            let doc = chart::load(tx, s, &conv)?;
            audit::append(tx, ms(now), &actor.party(), "export", Some(&conv.id), None)?;
            Ok(match format {
                ChartFormat::Text => chart::render_text(&doc),
                ChartFormat::Fhir => chart::render_fhir(&doc),
            })
        })
    }

    /// R-AU1: the last `count` audit entries, oldest first.
    pub fn audit_tail(&self, count: i64) -> Result<Vec<AuditEntry>> {
        if count < 0 {
            return Err(Error::InvalidArgument(format!(
                "audit count {count} is negative (R-AU1)"
            )));
        }
        self.read_with(|tx, s| {
            Ok(tx
                .audit_tail(count)?
                .into_iter()
                .map(|r| AuditEntry {
                    seq: r.seq as u64,
                    at: deadline::format_local(from_ms(r.at), s.zone),
                    actor: r.actor,
                    action: r.action,
                    conversation: r.conversation,
                    message: r.message,
                    hash: r.hash,
                })
                .collect())
        })
    }

    /// R-AU1: verifies the whole hash chain and names the first broken entry.
    pub fn verify_audit(&self) -> Result<AuditVerification> {
        self.db.read(audit::verify)
    }

    /// Runs several operations in one transaction (bulk imports, data
    /// generators): each follows exactly the rules of its `Store` method,
    /// and all of them commit or none do. A failure of any operation, an
    /// access refusal included, rolls the whole batch back.
    ///
    /// On PostgreSQL a batch that loses a serialization conflict is not run
    /// again (`f` runs once): it fails with `storage` saying so, and the
    /// caller may run it again.
    pub fn batch<T>(&self, f: impl FnOnce(&Batch) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        self.db.write(
            &mut |tx| match f.take() {
                Some(f) => f(&Batch {
                    tx,
                    settings: &self.settings_in(tx)?.settings,
                }),
                None => Err(Error::storage(
                    StorageKind::Busy,
                    "the batch lost a serialization conflict with another writer and was rolled \
                     back; a batch is not retried by pmsg: run it again",
                )),
            },
            |r| r.is_ok(),
        )
    }
}

/// Operations inside one [`Store::batch`] transaction.
pub struct Batch<'a> {
    tx: &'a Tx<'a>,
    settings: &'a Settings,
}

impl Batch<'_> {
    /// As [`Store::upsert_directory`].
    pub fn upsert_directory(&self, update: &DirectoryUpdate) -> Result<()> {
        directory::upsert(self.tx, update)
    }

    /// As [`Store::send`].
    pub fn send(&self, request: &SendRequest, now: DateTime<Utc>) -> Result<SendOutcome> {
        deadline::check_now(now)?;
        messaging::send(self.tx, self.settings, request, now)
    }

    /// As [`Store::reply`].
    pub fn reply(&self, request: &ReplyRequest, now: DateTime<Utc>) -> Result<SendOutcome> {
        deadline::check_now(now)?;
        messaging::reply(self.tx, self.settings, request, now)
    }

    /// As [`Store::read`].
    pub fn read(&self, by: &str, conversation: &str, now: DateTime<Utc>) -> Result<()> {
        deadline::check_now(now)?;
        messaging::read(self.tx, by, conversation, now)
    }

    /// As [`Store::close`].
    pub fn close(&self, by: &str, conversation: &str, now: DateTime<Utc>) -> Result<()> {
        deadline::check_now(now)?;
        messaging::close(self.tx, by, conversation, now)
    }

    /// As [`Store::ack`].
    pub fn ack(&self, event_id: &str, now: DateTime<Utc>) -> Result<()> {
        deadline::check_now(now)?;
        ack(self.tx, event_id, now)
    }

    /// As [`Store::send_group`].
    pub fn send_group(
        &self,
        request: &GroupSendRequest,
        now: DateTime<Utc>,
    ) -> Result<GroupSendOutcome> {
        deadline::check_now(now)?;
        group::send(self.tx, self.settings, request, now)
    }

    /// As [`Store::assign`].
    pub fn assign(
        &self,
        by: &str,
        conversation: &str,
        to: &str,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        deadline::check_now(now)?;
        assignment::assign(self.tx, by, conversation, to, note, now)
    }
}

/// R-D5: acknowledges one event (idempotent; unknown ids refused).
fn ack(tx: &Tx, event_id: &str, now: DateTime<Utc>) -> Result<()> {
    if tx.event_state(event_id)?.is_none() {
        return Err(Error::UnknownEvent(event_id.to_string()));
    }
    tx.ack_event(event_id, ms(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_batch_leaves_nothing_behind() {
        let store = Store::open_in_memory(&Config::default()).unwrap();
        let now = deadline::parse_instant("2026-03-02T09:00:00Z").unwrap();
        let staff = Staff {
            id: "s".into(),
            display_name: "S".into(),
            accepts_direct: true,
        };
        let err = store
            .batch(|b| {
                b.upsert_directory(&DirectoryUpdate {
                    staff: vec![staff.clone()],
                    ..Default::default()
                })?;
                b.read("staff:s", "no-such-conversation", now)
            })
            .unwrap_err();
        assert_eq!(err.code(), "unknown_conversation");
        // The staff upsert was rolled back with the rest.
        assert_eq!(
            store
                .folder("staff:s", "inbox", None, None, now)
                .unwrap_err()
                .code(),
            "unknown_staff"
        );
    }

    #[test]
    fn a_send_that_cannot_be_written_fails_with_storage_and_loses_nothing() {
        let dir = std::env::temp_dir().join(format!("pmsg-full-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("full.db");
        let _ = std::fs::remove_file(&path);
        let store = Store::open(path.to_str().unwrap(), &Config::default()).unwrap();
        let now = deadline::parse_instant("2026-03-02T09:00:00Z").unwrap();
        store
            .upsert_directory(&DirectoryUpdate {
                accounts: vec![Account {
                    id: "a".into(),
                    kind: AccountKind::Patient,
                    display_name: "A".into(),
                    registered: true,
                }],
                patients: vec![Patient {
                    emr_id: "E1".into(),
                    first_name: "A".into(),
                    last_name: "B".into(),
                    date_of_birth: "1980-01-01".into(),
                    dependent: false,
                    account: Some("a".into()),
                }],
                staff: vec![Staff {
                    id: "s".into(),
                    display_name: "S".into(),
                    accepts_direct: true,
                }],
                ..Default::default()
            })
            .unwrap();
        let request = |content: Vec<u8>| SendRequest {
            author: "s".into(),
            patient: "E1".into(),
            from: Some(Sender::Direct),
            subject: "Subject".into(),
            body: "Body".into(),
            attachments: vec![NewAttachment {
                name: "f.pdf".into(),
                media_type: "application/pdf".into(),
                content,
            }],
            unread_notify: None,
            response: Response::Allowed,
            allow_reply_attachments: false,
            mask_name: false,
            billable_fee_code: None,
            file_to_chart: false,
            confidential: false,
            malformed: vec![],
        };
        let first = store.send(&request(vec![1; 1000]), now).unwrap();
        // The disk is "full": the file may not grow past its current size.
        #[allow(irrefutable_let_patterns)] // without the postgres feature
        let store::Db::Sqlite(db) = &store.db
        else {
            unreachable!("a file store is SQLite")
        };
        db.set_max_page_count(db.page_count().unwrap()).unwrap();
        let err = store.send(&request(vec![2; 200_000]), now).unwrap_err();
        assert_eq!(err.code(), "storage", "{err}");
        assert_eq!(err.storage_kind(), Some(StorageKind::DiskFull), "{err}");
        // Everything committed before is intact and readable.
        let v = store
            .view("staff:s", &first.conversation_id, now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.messages.len(), 1);
        assert_eq!(
            store
                .download(
                    "staff:s",
                    &first.conversation_id,
                    &first.attachments[0].id,
                    now
                )
                .unwrap()
                .content,
            vec![1; 1000]
        );
        assert_eq!(
            store
                .folder("staff:s", "sent", None, None, now)
                .unwrap()
                .entries
                .len(),
            1
        );
        assert!(store.verify_audit().unwrap().ok);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_group_send_that_fails_midway_leaves_nothing_behind() {
        // R-G3: the whole group send is one transaction. The disk fills up
        // after some of its conversations were written: none of them, no
        // event, billing or audit entry and no group remains.
        let dir = std::env::temp_dir().join(format!("pmsg-group-full-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("full.db");
        let _ = std::fs::remove_file(&path);
        let store = Store::open(path.to_str().unwrap(), &Config::default()).unwrap();
        let now = deadline::parse_instant("2026-03-02T09:00:00Z").unwrap();
        let n = 20;
        store
            .upsert_directory(&DirectoryUpdate {
                accounts: (0..n)
                    .map(|i| Account {
                        id: format!("a{i}"),
                        kind: AccountKind::Patient,
                        display_name: "A".into(),
                        registered: true,
                    })
                    .collect(),
                patients: (0..n)
                    .map(|i| Patient {
                        emr_id: format!("E{i}"),
                        first_name: "A".into(),
                        last_name: "B".into(),
                        date_of_birth: "1980-01-01".into(),
                        dependent: false,
                        account: Some(format!("a{i}")),
                    })
                    .collect(),
                staff: vec![Staff {
                    id: "s".into(),
                    display_name: "S".into(),
                    accepts_direct: true,
                }],
                ..Default::default()
            })
            .unwrap();
        let request = GroupSendRequest {
            author: "s".into(),
            patients: (0..n).map(|i| format!("E{i}")).collect(),
            from: Some(Sender::Direct),
            subject: "Subject".into(),
            body: "Body".into(),
            attachments: vec![NewAttachment {
                name: "f.pdf".into(),
                media_type: "application/pdf".into(),
                content: vec![7; 50_000],
            }],
            unread_notify: None,
            response: Response::Allowed,
            allow_reply_attachments: false,
            mask_name: false,
            billable_fee_code: Some("K083".into()),
            file_to_chart: false,
            confidential: false,
            malformed: vec![],
        };
        // Room for a few conversations (each holds its own copy), not twenty.
        let pages = store.db.page_count().unwrap();
        store.db.set_max_page_count(pages + 60).unwrap();
        let err = store.send_group(&request, now).unwrap_err();
        assert_eq!(err.code(), "storage", "{err}");
        assert!(store.due_events(now, None).unwrap().is_empty());
        assert!(store.billing_report("2026-03").unwrap().entries.is_empty());
        assert_eq!(store.verify_audit().unwrap().entries, 0);
        let sent = store.folder("staff:s", "sent", None, None, now).unwrap();
        assert!(sent.entries.is_empty());
        // With room again, the same group goes out whole.
        store.db.set_max_page_count(1 << 30).unwrap();
        let out = store.send_group(&request, now).unwrap();
        assert_eq!(out.entries.len(), n);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn store_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Store>();
    }
}
