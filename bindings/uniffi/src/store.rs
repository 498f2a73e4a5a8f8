//! `Store`: the uniffi object, one method per `pmsg_core::Store`
//! operation. Each method converts its arguments, makes one call into the
//! core and converts the result; a panic becomes `PmsgError::Internal`.

use super::error::PmsgError;
use super::records::*;
use super::{guard, json_object, now};
use std::sync::Arc;

/// A pmsg store: one SQLite file (or private in-memory database) holding
/// the directory, conversations, events, billing and audit (R-ST1).
///
/// Thread-safe: share one handle between threads (R-ST2); every call is
/// one transaction. Several handles and processes may open one file.
///
/// Time: pmsg never reads the clock. Every operation that depends on time
/// takes `now_ms`, milliseconds since the Unix epoch (UTC); instants before
/// 1970 are negative. Results show instants as clinic-local RFC 3339 text
/// (whole seconds) and as `*_ms` fields.
///
/// Parties are written `staff:ID` or `account:ID` (`by`), and results name
/// recipients the same way (`workgroup:ID` too).
#[derive(uniffi::Object)]
pub struct Store {
    inner: pmsg_core::Store,
}

impl Store {
    fn wrap(inner: pmsg_core::Store) -> Arc<Store> {
        Arc::new(Store { inner })
    }
}

#[uniffi::export]
impl Store {
    /// Opens (creating if needed) the database file at `path`, migrating an
    /// older schema; a newer one is `SchemaTooNew` (R-ST1). The clinic's
    /// settings belong to the store (R-ST3): no `config` uses the store's
    /// (a new store takes the SPEC section 14 defaults); a `config` gives
    /// every key, which a new store takes and an existing one must already
    /// have (else `InvalidConfig` naming the first key that differs).
    #[uniffi::constructor(default(config))]
    pub fn open(path: String, config: Option<Config>) -> Result<Arc<Store>, PmsgError> {
        guard(|| {
            Ok(Store::wrap(match config {
                Some(c) => pmsg_core::Store::open(&path, &c.into())?,
                None => pmsg_core::Store::open_with(&path, None)?,
            }))
        })
    }

    /// Opens (creating if needed) an encrypted database file (SQLCipher)
    /// with the passphrase `key` (not empty). A wrong key, or a plain file,
    /// fails at once with `Storage` saying the key is wrong; so does a
    /// library built without encryption (see `has_encryption`).
    #[uniffi::constructor(default(config))]
    pub fn open_encrypted(
        path: String,
        key: String,
        config: Option<Config>,
    ) -> Result<Arc<Store>, PmsgError> {
        guard(|| {
            Ok(Store::wrap(match config {
                Some(c) => pmsg_core::Store::open_encrypted(&path, &c.into(), &key)?,
                None => pmsg_core::Store::open_encrypted_with(&path, None, &key)?,
            }))
        })
    }

    /// Opens a private in-memory store (tests, demos). No `config` means
    /// the SPEC section 14 defaults.
    #[uniffi::constructor(default(config))]
    pub fn open_in_memory(config: Option<Config>) -> Result<Arc<Store>, PmsgError> {
        guard(|| {
            let config = config.map(Into::into).unwrap_or_default();
            Ok(Store::wrap(pmsg_core::Store::open_in_memory(&config)?))
        })
    }

    /// Upserts directory records, all or nothing (section 2, section 15).
    pub fn upsert_directory(&self, update: DirectoryUpdate) -> Result<(), PmsgError> {
        guard(|| Ok(self.inner.upsert_directory(&update.into())?))
    }

    /// R-R1: patients by EMR ID or last-name prefix, at most 50, each with
    /// where a message sent at `now_ms` would be delivered. Not audited.
    pub fn search(&self, query: String, now_ms: i64) -> Result<Vec<SearchMatch>, PmsgError> {
        guard(|| {
            let matches = self.inner.search(&query, now("now_ms", now_ms)?)?;
            Ok(matches.into_iter().map(Into::into).collect())
        })
    }

    /// Section 4: sends the first message of a new conversation (R-S1 to
    /// R-S5; confidential: R-CF1, R-CF2). The first failing check of R-S2
    /// is the error.
    pub fn send(&self, request: SendRequest, now_ms: i64) -> Result<SendOutcome, PmsgError> {
        guard(|| {
            let now = now("now_ms", now_ms)?;
            Ok(self.inner.send(&request.into(), now)?.into())
        })
    }

    /// R-M2, R-M3: replies in a conversation, as the patient side or staff.
    pub fn reply(&self, request: ReplyRequest, now_ms: i64) -> Result<SendOutcome, PmsgError> {
        guard(|| {
            let now = now("now_ms", now_ms)?;
            Ok(self.inner.reply(&request.into(), now)?.into())
        })
    }

    /// `send` with the request written as a JSON object, read by the core's
    /// JSON reader (`pmsg_core::request`, the scenario format of
    /// tests/conformance): a field of the wrong type is reported at its
    /// place in the R-S2 order. Not a JSON object is `InvalidArgument`.
    pub fn send_json(&self, request_json: String, now_ms: i64) -> Result<SendOutcome, PmsgError> {
        guard(|| {
            let request =
                pmsg_core::request::send_request(&json_object(&request_json, "request_json")?)?;
            let now = now("now_ms", now_ms)?;
            Ok(self.inner.send(&request, now)?.into())
        })
    }

    /// `reply` with the request written as a JSON object (see `send_json`).
    pub fn reply_json(&self, request_json: String, now_ms: i64) -> Result<SendOutcome, PmsgError> {
        guard(|| {
            let request =
                pmsg_core::request::reply_request(&json_object(&request_json, "request_json")?)?;
            let now = now("now_ms", now_ms)?;
            Ok(self.inner.reply(&request, now)?.into())
        })
    }

    /// Section 16 (R-G1 to R-G4): one composition to many patients, each
    /// in a conversation of their own, in one transaction. Checks the
    /// author, `from`, `confidential`, the patient list, then the fields
    /// once for the whole group (the first failure is the error and nothing
    /// is sent); then an unknown or unreachable patient is skipped, and
    /// every other one gets a conversation exactly as a single `send` would
    /// make it. No reachable patient at all is `RecipientNotReachable`.
    pub fn send_group(
        &self,
        request: GroupSendRequest,
        now_ms: i64,
    ) -> Result<GroupSendOutcome, PmsgError> {
        guard(|| {
            let now = now("now_ms", now_ms)?;
            Ok(self.inner.send_group(&request.into(), now)?.into())
        })
    }

    /// `send_group` with the request written as a JSON object (`patients`,
    /// a list of EMR IDs, in place of `patient`), read by the core's JSON
    /// reader (see `send_json`): a malformed field, such as a `patients`
    /// that is not a list of strings, is reported at its place in the R-G2
    /// order. Not a JSON object is `InvalidArgument`.
    pub fn send_group_json(
        &self,
        request_json: String,
        now_ms: i64,
    ) -> Result<GroupSendOutcome, PmsgError> {
        guard(|| {
            let request = pmsg_core::request::group_send_request(&json_object(
                &request_json,
                "request_json",
            )?)?;
            let now = now("now_ms", now_ms)?;
            Ok(self.inner.send_group(&request, now)?.into())
        })
    }

    /// R-G5: per patient of a group send, in list order, whether the
    /// patient side read the group's message, replied, and whether a
    /// response is awaited or overdue at `now_ms`. For the group's author
    /// and the current members of its `from` workgroup; anyone else is
    /// `NotAuthorized` (audited), an unknown group `UnknownGroup`. Audited
    /// as `group_report`; marks nothing read.
    pub fn group_report(
        &self,
        by: String,
        group_id: String,
        now_ms: i64,
    ) -> Result<GroupReport, PmsgError> {
        guard(|| {
            let now = now("now_ms", now_ms)?;
            Ok(self.inner.group_report(&by, &group_id, now)?.into())
        })
    }

    /// Section 17 (R-AS1 to R-AS4): a staff participant `by` hands an open
    /// conversation on to `to` (`workgroup:ID` or `staff:ID` of staff who
    /// accept direct messages), with an optional staff `note` (at most
    /// 2,000 characters; LF, CR and TAB are its only control characters).
    /// The conversation's `from` becomes `to`: later patient replies go
    /// there, and the assignee becomes a staff participant. Schedules an
    /// `Assigned` event to `to`; staff views list the assignment, the
    /// patient side never sees it. Audited as `assign`.
    pub fn assign(
        &self,
        by: String,
        conversation: String,
        to: String,
        note: Option<String>,
        now_ms: i64,
    ) -> Result<(), PmsgError> {
        guard(|| {
            let now = now("now_ms", now_ms)?;
            Ok(self
                .inner
                .assign(&by, &conversation, &to, note.as_deref(), now)?)
        })
    }

    /// R-M1: marks what is addressed to `by`'s side as read (audited).
    pub fn read(&self, by: String, conversation: String, now_ms: i64) -> Result<(), PmsgError> {
        guard(|| {
            Ok(self
                .inner
                .read(&by, &conversation, now("now_ms", now_ms)?)?)
        })
    }

    /// The conversation as `by` sees it (audited as `view`).
    pub fn view(
        &self,
        by: String,
        conversation: String,
        now_ms: i64,
    ) -> Result<ConversationView, PmsgError> {
        guard(|| {
            let view = self
                .inner
                .view(&by, &conversation, now("now_ms", now_ms)?)?;
            view.try_into()
        })
    }

    /// R-D6: an attachment's content, by attachment id (audited as
    /// `download`). A first patient-side download starts the retention.
    pub fn download(
        &self,
        by: String,
        conversation: String,
        attachment: String,
        now_ms: i64,
    ) -> Result<Download, PmsgError> {
        guard(|| {
            let now = now("now_ms", now_ms)?;
            Ok(self
                .inner
                .download(&by, &conversation, &attachment, now)?
                .into())
        })
    }

    /// R-M4: closes an open conversation (staff participants only). Named
    /// `close_conversation` so that it is not taken for the handle's own
    /// close (Kotlin's `AutoCloseable.close()`).
    pub fn close_conversation(
        &self,
        by: String,
        conversation: String,
        now_ms: i64,
    ) -> Result<(), PmsgError> {
        guard(|| {
            Ok(self
                .inner
                .close(&by, &conversation, now("now_ms", now_ms)?)?)
        })
    }

    /// R-D5: pending events due at `now_ms`, by due instant then creation
    /// order; no `limit` returns every due event, a negative one is
    /// `InvalidArgument`. Peeks: acknowledge each delivered event with `ack`.
    #[uniffi::method(default(limit))]
    pub fn due_events(&self, now_ms: i64, limit: Option<i64>) -> Result<Vec<Event>, PmsgError> {
        guard(|| {
            self.inner
                .due_events(now("now_ms", now_ms)?, limit)?
                .into_iter()
                .map(TryInto::try_into)
                .collect()
        })
    }

    /// R-D7: for several delivery workers sharing one store. Claims, for
    /// `worker`, the events due at `now_ms` that no unexpired claim holds
    /// (in `due_events` order, at most `limit`; none means all, 0 none), each
    /// until `now_ms + lease_seconds` (1 to 86,400 elapsed seconds), and
    /// returns them with their `claimed_until`. A claim whose instant is
    /// reached has expired: the event is claimable again, by any worker.
    /// One call is atomic across threads and processes. Acknowledge each
    /// delivered event with `ack`. `worker` is a non-empty name of at most
    /// 200 characters without control characters; a bad `worker`, `limit`
    /// or `lease_seconds` (checked in that order) is `InvalidArgument`.
    pub fn claim_due_events(
        &self,
        worker: String,
        now_ms: i64,
        limit: Option<i64>,
        lease_seconds: i64,
    ) -> Result<Vec<Event>, PmsgError> {
        guard(|| {
            let now = now("now_ms", now_ms)?;
            self.inner
                .claim_due_events(&worker, now, limit, lease_seconds)?
                .into_iter()
                .map(TryInto::try_into)
                .collect()
        })
    }

    /// R-D5: acknowledges a delivered event; idempotent; acknowledging a
    /// cancelled event succeeds; an unknown id is `UnknownEvent`.
    pub fn ack(&self, event_id: String, now_ms: i64) -> Result<(), PmsgError> {
        guard(|| Ok(self.inner.ack(&event_id, now("now_ms", now_ms)?)?))
    }

    /// Section 7: one page of a folder for `by` (`staff:ID` or
    /// `account:ID`), after `cursor` (the previous page's `next_cursor`);
    /// no `page_size` means 50 (1-1000). Accounts have only `Inbox` and
    /// `AwaitingResponse`.
    #[uniffi::method(default(cursor = None, page_size = None))]
    pub fn folder(
        &self,
        by: String,
        folder: FolderKind,
        now_ms: i64,
        cursor: Option<String>,
        page_size: Option<u32>,
    ) -> Result<FolderPage, PmsgError> {
        self.folder_by_name(by, folder.name().to_string(), now_ms, cursor, page_size)
    }

    /// `folder` with the folder named as text (`inbox`, `sent`,
    /// `awaiting_response`, `closed`), for hosts that hold the name as text:
    /// the core reads it (an unknown name is `InvalidArgument`).
    #[uniffi::method(default(cursor = None, page_size = None))]
    pub fn folder_by_name(
        &self,
        by: String,
        folder: String,
        now_ms: i64,
        cursor: Option<String>,
        page_size: Option<u32>,
    ) -> Result<FolderPage, PmsgError> {
        guard(|| {
            let now = now("now_ms", now_ms)?;
            self.inner
                .folder(&by, &folder, cursor.as_deref(), page_size, now)?
                .try_into()
        })
    }

    /// R-D6: deletes the content of attachments whose retention ended by
    /// `now_ms`; their metadata stays. Each purge is audited.
    pub fn purge(&self, now_ms: i64) -> Result<Vec<PurgedAttachment>, PmsgError> {
        guard(|| {
            let purged = self.inner.purge(now("now_ms", now_ms)?)?;
            Ok(purged.into_iter().map(Into::into).collect())
        })
    }

    /// R-B3: a billing cycle's entries and totals (`2026-03`, `2026-03-1`,
    /// `2026-W10`, by the configured cycle).
    pub fn billing_report(&self, cycle: String) -> Result<BillingReport, PmsgError> {
        guard(|| self.inner.billing_report(&cycle)?.try_into())
    }

    /// R-B3: the same report as RFC 4180 CSV text.
    pub fn billing_report_csv(&self, cycle: String) -> Result<String, PmsgError> {
        guard(|| Ok(self.inner.billing_report_csv(&cycle)?))
    }

    /// R-C1 to R-C3: the chart document, for staff who can see the
    /// conversation (audited as `export`): plain text, or FHIR R4 JSON text.
    pub fn export_chart(
        &self,
        by: String,
        conversation: String,
        format: ChartFormat,
        now_ms: i64,
    ) -> Result<String, PmsgError> {
        self.export_chart_by_name(by, conversation, format.name().to_string(), now_ms)
    }

    /// `export_chart` with the format named as text (`text` or `fhir`), for
    /// hosts that hold the name as text: the core reads it, after the
    /// access check (an unknown name is `InvalidArgument`).
    pub fn export_chart_by_name(
        &self,
        by: String,
        conversation: String,
        format: String,
        now_ms: i64,
    ) -> Result<String, PmsgError> {
        guard(|| {
            let now = now("now_ms", now_ms)?;
            Ok(self.inner.export_chart(&by, &conversation, &format, now)?)
        })
    }

    /// R-AU1: the last `count` audit entries, oldest first.
    pub fn audit_tail(&self, count: i64) -> Result<Vec<AuditEntry>, PmsgError> {
        guard(|| {
            self.inner
                .audit_tail(count)?
                .into_iter()
                .map(TryInto::try_into)
                .collect()
        })
    }

    /// R-AU1: verifies the whole hash chain and names the first broken entry.
    pub fn verify_audit(&self) -> Result<AuditVerification, PmsgError> {
        guard(|| Ok(self.inner.verify_audit()?.into()))
    }
}
