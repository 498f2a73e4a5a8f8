//! Conversations (SPEC §4, §5, R-A1, R-D6): send, reply, read, view,
//! download and close. Each function runs inside one transaction the
//! caller opened (R-S3); the checks run in the order the SPEC gives, and
//! access is always checked first (R-A1).

use crate::access;
use crate::audit;
use crate::compose::{self, malformed_at, StaffFields, StaffOptions};
use crate::confidential;
use crate::config::Settings;
use crate::deadline;
use crate::error::{Error, Result};
use crate::events;
use crate::folders;
use crate::folding;
use crate::model::*;
use crate::party::{self, Actor};
use crate::routing::{self, Route};
use crate::store::{ConvRow, NewEvent, NewMessage, PatientRow, StaffRow, Tx};
use crate::{from_ms, ms, new_id};
use chrono::{DateTime, Utc};

/// R-A1: finds the conversation and checks the actor may see it (staff
/// participants; accounts with current access unless `staff_only`). A
/// refusal is audited and says nothing of the conversation's state.
pub(crate) fn open_conversation(
    tx: &Tx,
    by: &str,
    conversation: &str,
    action: &str,
    staff_only: bool,
    now: DateTime<Utc>,
) -> Result<(Actor, ConvRow)> {
    let actor = Actor::parse(by)?;
    let conv = tx
        .conversation(conversation)?
        .ok_or_else(|| Error::UnknownConversation(conversation.to_string()))?;
    let allowed = match &actor {
        Actor::Account(a) => !staff_only && access::account_has_access(tx, &conv, a)?,
        Actor::Staff(s) => access::staff_is_participant(tx, &conv, s)?,
    };
    if !allowed {
        audit::append(tx, ms(now), &actor.party(), "refused", Some(&conv.id), None)?;
        return Err(Error::NotAuthorized {
            actor: actor.party(),
            action: format!("{action} conversation"),
            conversation: conv.id,
        });
    }
    Ok((actor, conv))
}

/// R-S1: the party a `from` choice stands for, checked against the author.
fn resolve_from(tx: &Tx, author: &StaffRow, from: &Sender) -> Result<String> {
    match from {
        Sender::Workgroup(w) => {
            if tx.workgroup_name(w)?.is_none() {
                return Err(Error::UnknownWorkgroup(w.clone()));
            }
            if !tx.is_member(w, &author.id)? {
                return Err(Error::NotWorkgroupMember {
                    staff: author.id.clone(),
                    workgroup: w.clone(),
                });
            }
            Ok(format!("workgroup:{w}"))
        }
        Sender::Direct => {
            if !author.accepts_direct {
                return Err(Error::DirectNotAccepted {
                    staff: author.id.clone(),
                });
            }
            Ok(format!("staff:{}", author.id))
        }
    }
}

/// R-R2, R-R4 (R-CF2 in a confidential conversation): where a staff
/// message to this patient goes now.
pub(crate) fn route(
    tx: &Tx,
    s: &Settings,
    patient: &PatientRow,
    confidential: bool,
    now: DateTime<Utc>,
) -> Result<Route> {
    if confidential {
        confidential::route(tx, patient)
    } else {
        routing::route(tx, s, patient, now)
    }
}

/// The recipients of a staff message to this patient now, or
/// `recipient_not_reachable` saying why (R-R4, R-CF2).
fn recipients(
    tx: &Tx,
    s: &Settings,
    patient: &PatientRow,
    confidential: bool,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    match route(tx, s, patient, confidential, now)? {
        Route::Deliver(accounts) => Ok(accounts),
        Route::Unreachable(why) => Err(Error::RecipientNotReachable {
            emr_id: patient.emr_id.clone(),
            why,
        }),
    }
}

/// §4: starts a conversation with its first staff message.
pub(crate) fn send(
    tx: &Tx,
    s: &Settings,
    req: &SendRequest,
    now: DateTime<Utc>,
) -> Result<SendOutcome> {
    let (author, from_party) =
        check_author_and_from(tx, &req.author, req.from.as_ref(), &req.malformed)?;
    // R-CF1: right after `from`, before the patient and routing it decides.
    malformed_at(&req.malformed, Field::Confidential)?;
    let patient = tx
        .patient(&folding::case_fold(&req.patient))?
        .ok_or_else(|| Error::UnknownPatient {
            emr_id: req.patient.clone(),
        })?;
    let to = recipients(tx, s, &patient, req.confidential, now)?;
    let opts = compose::check_staff_fields(
        &StaffFields {
            subject: Some(&req.subject),
            body: &req.body,
            attachments: &req.attachments,
            unread_notify: req.unread_notify,
            response: req.response,
            allow_reply_attachments: req.allow_reply_attachments,
            mask_name: req.mask_name,
            fee_code: req.billable_fee_code.as_deref(),
            file_to_chart: req.file_to_chart,
            malformed: &req.malformed,
        },
        s,
    )?;
    let first = FirstMessage {
        subject: &req.subject,
        body: &req.body,
        attachments: &req.attachments,
        opts: &opts,
        confidential: req.confidential,
    };
    Ok(start_conversation(tx, s, &author, &from_party, &patient, to, &first, now)?.outcome)
}

/// R-S2's first checks of a staff composition (a send or a group send):
/// the author (`unknown_staff`), then the `from` identity (R-S1; missing
/// or malformed is `invalid_argument`). Returns the author and the party
/// `from` stands for.
pub(crate) fn check_author_and_from(
    tx: &Tx,
    author: &str,
    from: Option<&Sender>,
    malformed: &[Malformed],
) -> Result<(StaffRow, String)> {
    let author = tx
        .staff(author)?
        .ok_or_else(|| Error::UnknownStaff(author.to_string()))?;
    malformed_at(malformed, Field::From)?;
    let from = from.ok_or_else(|| {
        Error::InvalidArgument("from is missing: write 'direct' or 'workgroup:ID' (R-S1)".into())
    })?;
    let from_party = resolve_from(tx, &author, from)?;
    Ok((author, from_party))
}

/// The first message of a new conversation, its fields already checked.
pub(crate) struct FirstMessage<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub attachments: &'a [NewAttachment],
    pub opts: &'a StaffOptions,
    pub confidential: bool,
}

/// A conversation [`start_conversation`] created.
pub(crate) struct Started {
    pub outcome: SendOutcome,
    pub conversation_seq: i64,
    pub message_seq: i64,
}

/// §4, R-S3: everything a send creates once its checks passed: the
/// conversation, its first message (deliveries, attachments, events,
/// billing), the `send` audit entry, and with `file_to_chart` the chart
/// document and its `export` entry. A group send (R-G3) creates each of
/// its conversations through this same path.
#[allow(clippy::too_many_arguments)]
pub(crate) fn start_conversation(
    tx: &Tx,
    s: &Settings,
    author: &StaffRow,
    from_party: &str,
    patient: &PatientRow,
    to: Vec<String>,
    first: &FirstMessage,
    now: DateTime<Utc>,
) -> Result<Started> {
    let conv_id = new_id(now);
    let conv_seq = tx.insert_conversation(
        &conv_id,
        &patient.key,
        first.subject,
        ms(now),
        from_party,
        first.confidential,
    )?;
    let posted = post_staff_message(
        tx,
        s,
        (conv_seq, ms(now)),
        &author.id,
        from_party,
        &to,
        first.body,
        first.attachments,
        first.opts,
        patient,
        false,
        now,
    )?;
    audit::append(
        tx,
        ms(now),
        &format!("staff:{}", author.id),
        "send",
        Some(&conv_id),
        Some(&posted.message_id),
    )?;
    let message_seq = posted.message_seq;
    let outcome = finish_staff_message(tx, s, conv_id, posted, &author.id, to, first.opts, now)?;
    Ok(Started {
        outcome,
        conversation_seq: conv_seq,
        message_seq,
    })
}

/// What posting a staff message produced.
struct Posted {
    message_id: String,
    message_seq: i64,
    attachments: Vec<AttachmentRef>,
    closed: bool,
}

/// Writes a staff message and everything it implies: deliveries, parties,
/// attachments, requirement, events, billing (R-S3, R-D1…R-D3, R-B1).
/// `conv` is the conversation's seq and its last activity before the message.
#[allow(clippy::too_many_arguments)]
fn post_staff_message(
    tx: &Tx,
    s: &Settings,
    (conv, last_activity): (i64, i64),
    author: &str,
    from_party: &str,
    to: &[String],
    body: &str,
    files: &[NewAttachment],
    opts: &StaffOptions,
    patient: &PatientRow,
    is_reply: bool,
    now: DateTime<Utc>,
) -> Result<Posted> {
    let now_ms = ms(now);
    let (response, required_days, due) = match opts.response {
        Response::Closed => ("closed", None, None),
        Response::Allowed => ("allowed", None, None),
        Response::Required { days } => {
            let due = deadline::add_days(now, s.zone, days as u32);
            deadline::check_shown(due, "the response deadline")
                .map_err(Error::InvalidResponseDeadline)?;
            ("required", Some(days), Some(ms(due)))
        }
    };
    let message_id = new_id(now);
    let msg = tx.insert_message(&NewMessage {
        id: &message_id,
        conversation_seq: conv,
        staff_side: true,
        author,
        from_party,
        to_party: None,
        sent_at: now_ms,
        body,
        response: Some(response),
        required_days,
        response_due_at: due,
        allow_reply_attachments: opts.allow_reply_attachments,
        mask_name: opts.mask_name,
        notify_count: opts.unread_notify.map(|i| i.count),
        notify_unit: opts.unread_notify.map(|i| match i.unit {
            IntervalUnit::Days => "days",
            IntervalUnit::Weeks => "weeks",
        }),
        fee_code: opts.fee_code.as_deref(),
        file_to_chart: opts.file_to_chart,
    })?;
    for account in to {
        tx.insert_delivery(msg, conv, account)?;
    }
    tx.insert_party(conv, &format!("staff:{author}"), true)?;
    tx.insert_party(conv, from_party, false)?;
    let attachments = insert_attachments(tx, msg, files, now)?;
    tx.conversation_after_message(
        conv,
        activity_after(last_activity, now_ms),
        Some((msg, from_party)),
    )?;
    if is_reply {
        // R-M1: replying counts as reading what was addressed to staff.
        mark_read(tx, conv, false, now_ms)?;
    }
    let mut new_events: Vec<NewEvent> = to
        .iter()
        .map(|a| event(EventKind::NewMessage, party::account(a), msg, now_ms, now))
        .collect();
    let mut closed = false;
    match opts.response {
        Response::Required { .. } => {
            // R-D2: one outstanding requirement; a replaced one's alert is cancelled.
            let due = due.unwrap_or(now_ms);
            tx.cancel_events(conv, EventKind::ResponseOverdue.as_str(), None)?;
            tx.set_requirement(conv, Some((msg, due)))?;
            new_events.extend(
                to.iter()
                    .map(|a| event(EventKind::ResponseOverdue, party::account(a), msg, due, now)),
            );
        }
        Response::Closed => {
            // R-S4: closes through the send itself, ending any requirement.
            end_requirement(tx, conv)?;
            tx.set_closed(conv)?;
            closed = true;
        }
        Response::Allowed => {}
    }
    if let Some(iv) = opts.unread_notify {
        let days = compose::interval_days(iv, s)?;
        let due = deadline::add_days(now, s.zone, days);
        deadline::check_shown(due, "the unread reminder").map_err(Error::InvalidNotifyInterval)?;
        let due = ms(due);
        new_events.push(event(
            EventKind::UnreadReminder,
            from_party.to_string(),
            msg,
            due,
            now,
        ));
    }
    for e in events::in_creation_order(new_events) {
        tx.insert_event(conv, &e)?;
    }
    if let Some(code) = &opts.fee_code {
        tx.insert_billing(code, author, &patient.emr_id, conv, msg, now_ms)?;
    }
    folders::sync_flags(tx, conv)?;
    Ok(Posted {
        message_id,
        message_seq: msg,
        attachments,
        closed,
    })
}

/// Audits the chart export of a file-to-chart message and builds the outcome.
#[allow(clippy::too_many_arguments)]
fn finish_staff_message(
    tx: &Tx,
    s: &Settings,
    conv_id: String,
    posted: Posted,
    author: &str,
    to: Vec<String>,
    opts: &StaffOptions,
    now: DateTime<Utc>,
) -> Result<SendOutcome> {
    let (chart_text, chart_fhir) = if opts.file_to_chart {
        let conv = tx
            .conversation(&conv_id)?
            .ok_or_else(|| Error::Internal("conversation vanished".into()))?;
        tx.set_filed_to_chart(conv.seq, ms(now))?;
        let doc = crate::chart::load(tx, s, &conv)?;
        audit::append(
            tx,
            ms(now),
            &format!("staff:{author}"),
            "export",
            Some(&conv_id),
            None,
        )?;
        (
            Some(crate::chart::render_text(&doc)),
            Some(crate::chart::render_fhir(&doc)),
        )
    } else {
        (None, None)
    };
    Ok(SendOutcome {
        conversation_id: conv_id,
        message_id: posted.message_id,
        delivered_to: to.iter().map(|a| party::account(a)).collect(),
        status: if posted.closed {
            ConversationStatus::Closed
        } else {
            ConversationStatus::Open
        },
        attachments: posted.attachments,
        chart_text,
        chart_fhir,
    })
}

fn event(
    kind: EventKind,
    recipient: String,
    msg: i64,
    due_at: i64,
    now: DateTime<Utc>,
) -> NewEvent {
    NewEvent {
        id: new_id(now),
        kind: kind.as_str(),
        recipient,
        message_seq: Some(msg),
        due_at,
    }
}

fn insert_attachments(
    tx: &Tx,
    msg: i64,
    files: &[NewAttachment],
    now: DateTime<Utc>,
) -> Result<Vec<AttachmentRef>> {
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let id = new_id(now);
        tx.insert_attachment(&id, msg, &f.name, &f.media_type, &f.content)?;
        out.push(AttachmentRef {
            id,
            name: f.name.clone(),
        });
    }
    Ok(out)
}

/// R-D2, R-M4: the outstanding requirement ends and its alert is cancelled.
fn end_requirement(tx: &Tx, conv: i64) -> Result<()> {
    tx.set_requirement(conv, None)?;
    tx.cancel_events(conv, EventKind::ResponseOverdue.as_str(), None)
}

/// §15: a conversation's last activity is the greatest message instant,
/// whatever the order in which `now` values arrived.
fn activity_after(last_activity: i64, message_at: i64) -> i64 {
    last_activity.max(message_at)
}

/// R-M1: marks every message of one side (`staff_side`: the staff
/// messages, read by the patient side) read at `now`; a message already
/// read keeps its first read instant. The side's unread count is zeroed.
fn mark_read(tx: &Tx, conv: i64, staff_side: bool, now: i64) -> Result<()> {
    for (seq, read_at) in tx.message_reads(conv, staff_side)? {
        if read_at.is_none() {
            tx.set_message_read(seq, now)?;
        }
    }
    tx.clear_unread(conv, staff_side)
}

/// R-M1 for the patient side: every staff message is read; a reminder not
/// yet due is recalled (R-D3, R-D5).
fn patient_side_reads(tx: &Tx, conv: i64, now: i64) -> Result<()> {
    mark_read(tx, conv, true, now)?;
    tx.cancel_events(conv, EventKind::UnreadReminder.as_str(), Some(now))
}

/// R-M2, R-M3: a reply by the patient side or by a staff participant.
pub(crate) fn reply(
    tx: &Tx,
    s: &Settings,
    req: &ReplyRequest,
    now: DateTime<Utc>,
) -> Result<SendOutcome> {
    let (actor, conv) = open_conversation(tx, &req.by, &req.conversation, "reply in", false, now)?;
    if conv.closed {
        return Err(Error::ConversationClosed(conv.id));
    }
    match actor {
        Actor::Account(account) => patient_reply(tx, s, &account, &conv, req, now),
        Actor::Staff(staff) => staff_reply(tx, s, &staff, &conv, req, now),
    }
}

fn patient_reply(
    tx: &Tx,
    s: &Settings,
    account: &str,
    conv: &ConvRow,
    req: &ReplyRequest,
    now: DateTime<Utc>,
) -> Result<SendOutcome> {
    malformed_at(&req.malformed, Field::Body)?;
    compose::check_body(&req.body)?;
    malformed_at(&req.malformed, Field::Attachments)?;
    if !req.attachments.is_empty() {
        let allowed = match conv.last_staff_message {
            Some(m) => tx.allows_reply_attachments(m)?,
            None => false,
        };
        if !allowed {
            return Err(Error::AttachmentsNotAllowed(conv.id.clone()));
        }
    }
    compose::check_attachments(&req.attachments, s)?;
    let staff_only = req.from.is_some()
        || req.unread_notify.is_some()
        || req.response.is_some()
        || req.allow_reply_attachments.is_some()
        || req.mask_name.is_some()
        || req.billable_fee_code.is_some()
        || req.file_to_chart.is_some()
        || req.confidential.is_some()
        || !req.malformed.is_empty();
    if staff_only {
        return Err(Error::InvalidOptions(
            "from, unread_notify, response, allow_reply_attachments, mask_name, billable_fee_code, \
             file_to_chart and confidential are staff send options; a patient-side reply cannot set them (R-M2)"
                .into(),
        ));
    }
    let now_ms = ms(now);
    let message_id = new_id(now);
    let msg = tx.insert_message(&NewMessage {
        id: &message_id,
        conversation_seq: conv.seq,
        staff_side: false,
        author: account,
        from_party: &party::account(account),
        to_party: Some(&conv.current_from),
        sent_at: now_ms,
        body: &req.body,
        response: None,
        required_days: None,
        response_due_at: None,
        allow_reply_attachments: false,
        mask_name: false,
        notify_count: None,
        notify_unit: None,
        fee_code: None,
        file_to_chart: false,
    })?;
    let attachments = insert_attachments(tx, msg, &req.attachments, now)?;
    tx.conversation_after_message(conv.seq, activity_after(conv.last_activity, now_ms), None)?;
    patient_side_reads(tx, conv.seq, now_ms)?;
    if conv.req_message.is_some() {
        end_requirement(tx, conv.seq)?;
    }
    folders::sync_flags(tx, conv.seq)?;
    tx.insert_event(
        conv.seq,
        &event(
            EventKind::NewReply,
            conv.current_from.clone(),
            msg,
            now_ms,
            now,
        ),
    )?;
    audit::append(
        tx,
        now_ms,
        &party::account(account),
        "reply",
        Some(&conv.id),
        Some(&message_id),
    )?;
    Ok(SendOutcome {
        conversation_id: conv.id.clone(),
        message_id,
        delivered_to: vec![conv.current_from.clone()],
        status: ConversationStatus::Open,
        attachments,
        chart_text: None,
        chart_fhir: None,
    })
}

fn staff_reply(
    tx: &Tx,
    s: &Settings,
    staff: &str,
    conv: &ConvRow,
    req: &ReplyRequest,
    now: DateTime<Utc>,
) -> Result<SendOutcome> {
    let author = tx
        .staff(staff)?
        .ok_or_else(|| Error::UnknownStaff(staff.to_string()))?;
    malformed_at(&req.malformed, Field::From)?;
    let from_party = match &req.from {
        Some(f) => resolve_from(tx, &author, f)?,
        None => match conv.current_from.split_once(':') {
            // R-M3: the current `from` is kept and re-checked under R-S1.
            Some(("workgroup", w)) => resolve_from(tx, &author, &Sender::Workgroup(w.to_string()))?,
            Some(("staff", id)) if id == author.id => resolve_from(tx, &author, &Sender::Direct)?,
            _ => {
                return Err(Error::InvalidOptions(format!(
                    "the conversation's from is {:?}, another staff member's direct identity; \
                     give a from of your own (R-M3)",
                    conv.current_from
                )))
            }
        },
    };
    // R-CF1: a reply follows the conversation's confidentiality; giving
    // the key at all is refused, right after `from`.
    if req.confidential.is_some() || req.malformed.iter().any(|m| m.field == Field::Confidential) {
        return Err(Error::InvalidOptions(format!(
            "confidential is set by the first message of a conversation only; a reply follows \
             the conversation's own (confidential: {}) and may not give it (R-CF1)",
            conv.confidential
        )));
    }
    let patient = tx.patient(&conv.patient_key)?.ok_or_else(|| {
        Error::Internal(format!("patient of conversation {:?} vanished", conv.id))
    })?;
    let to = recipients(tx, s, &patient, conv.confidential, now)?;
    let opts = compose::check_staff_fields(
        &StaffFields {
            subject: None,
            body: &req.body,
            attachments: &req.attachments,
            unread_notify: req.unread_notify,
            response: req.response.unwrap_or_default(),
            allow_reply_attachments: req.allow_reply_attachments.unwrap_or(false),
            mask_name: req.mask_name.unwrap_or(false),
            fee_code: req.billable_fee_code.as_deref(),
            file_to_chart: req.file_to_chart.unwrap_or(false),
            malformed: &req.malformed,
        },
        s,
    )?;
    let posted = post_staff_message(
        tx,
        s,
        (conv.seq, conv.last_activity),
        &author.id,
        &from_party,
        &to,
        &req.body,
        &req.attachments,
        &opts,
        &patient,
        true,
        now,
    )?;
    audit::append(
        tx,
        ms(now),
        &format!("staff:{}", author.id),
        "reply",
        Some(&conv.id),
        Some(&posted.message_id),
    )?;
    finish_staff_message(tx, s, conv.id.clone(), posted, &author.id, to, &opts, now)
}

/// R-M1: marks what is addressed to the reader's side as read (audited
/// even when nothing was unread).
pub(crate) fn read(tx: &Tx, by: &str, conversation: &str, now: DateTime<Utc>) -> Result<()> {
    let (actor, conv) = open_conversation(tx, by, conversation, "read", false, now)?;
    match &actor {
        Actor::Account(_) => patient_side_reads(tx, conv.seq, ms(now))?,
        Actor::Staff(_) => mark_read(tx, conv.seq, false, ms(now))?,
    }
    audit::append(tx, ms(now), &actor.party(), "read", Some(&conv.id), None)
}

/// Views a conversation (audited; marks nothing read).
pub(crate) fn view(
    tx: &Tx,
    s: &Settings,
    by: &str,
    conversation: &str,
    now: DateTime<Utc>,
) -> Result<ConversationView> {
    let (actor, conv) = open_conversation(tx, by, conversation, "view", false, now)?;
    audit::append(tx, ms(now), &actor.party(), "view", Some(&conv.id), None)?;
    build_view(tx, s, &conv, matches!(actor, Actor::Account(_)), now)
}

/// Display names, looked up once per call.
pub(crate) struct Names<'a> {
    tx: &'a Tx<'a>,
    cache: std::collections::HashMap<String, String>,
}

impl<'a> Names<'a> {
    pub(crate) fn new(tx: &'a Tx<'a>) -> Self {
        Names {
            tx,
            cache: Default::default(),
        }
    }

    /// The current display name of a party (§15 "Names").
    pub(crate) fn of(&mut self, party: &str) -> Result<String> {
        if let Some(n) = self.cache.get(party) {
            return Ok(n.clone());
        }
        let name = match party.split_once(':') {
            Some(("staff", id)) => self.tx.staff(id)?.map(|r| r.display_name),
            Some(("workgroup", id)) => self.tx.workgroup_name(id)?,
            Some(("account", id)) => self.tx.account(id)?.map(|r| r.display_name),
            _ => None,
        }
        .unwrap_or_else(|| party.to_string());
        self.cache.insert(party.to_string(), name.clone());
        Ok(name)
    }
}

/// The conversation as one side sees it (R-S5: masked for the patient side).
pub(crate) fn build_view(
    tx: &Tx,
    s: &Settings,
    conv: &ConvRow,
    patient_side: bool,
    now: DateTime<Utc>,
) -> Result<ConversationView> {
    let patient = tx.patient(&conv.patient_key)?.ok_or_else(|| {
        Error::Internal(format!("patient of conversation {:?} vanished", conv.id))
    })?;
    let mut names = Names::new(tx);
    let attachments = tx.attachments_of_conversation(conv.seq)?;
    let mut messages = Vec::new();
    for m in tx.messages(conv.seq)? {
        let (sender, from, recipients) = if m.staff_side {
            let recipients = tx
                .deliveries(m.seq)?
                .iter()
                .map(|a| party::account(a))
                .collect();
            if patient_side && m.mask_name {
                (
                    s.masked_sender_name.clone(),
                    s.masked_sender_name.clone(),
                    recipients,
                )
            } else {
                (
                    names.of(&format!("staff:{}", m.author))?,
                    names.of(&m.from_party)?,
                    recipients,
                )
            }
        } else {
            let name = names.of(&m.from_party)?;
            (name.clone(), name, m.to_party.iter().cloned().collect())
        };
        messages.push(MessageView {
            id: m.id.clone(),
            side: if m.staff_side { "staff" } else { "patient" }.into(),
            sender,
            from,
            body: m.body.clone(),
            sent_at: deadline::format_local(from_ms(m.sent_at), s.zone),
            read: m.read_at.is_some(),
            masked: m.staff_side && m.mask_name && !patient_side,
            recipients,
            attachments: attachments
                .iter()
                .filter(|a| a.message_seq == m.seq)
                .map(|a| AttachmentView {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    media_type: a.media_type.clone(),
                    size: a.size as u64,
                    purged: a.purged_at.is_some(),
                    purged_at: a
                        .purged_at
                        .map(|t| deadline::format_local(from_ms(t), s.zone)),
                })
                .collect(),
        });
    }
    let (awaiting, overdue, due) = requirement(conv, now);
    Ok(ConversationView {
        id: conv.id.clone(),
        subject: conv.subject.clone(),
        status: if conv.closed {
            ConversationStatus::Closed
        } else {
            ConversationStatus::Open
        },
        patient_emr_id: patient.emr_id.clone(),
        patient_name: format!("{} {}", patient.first_name, patient.last_name),
        awaiting_response: awaiting,
        overdue,
        response_due_at: due.map(|t| deadline::format_local(from_ms(t), s.zone)),
        confidential: conv.confidential,
        messages,
        assignments: crate::assignment::shown(tx, s, conv, patient_side)?,
    })
}

/// §15 "Awaiting and overdue": (awaiting, overdue, due instant).
pub(crate) fn requirement(conv: &ConvRow, now: DateTime<Utc>) -> (bool, bool, Option<i64>) {
    match (conv.req_message, conv.req_due_at) {
        (Some(_), Some(due)) => (true, deadline::is_due(from_ms(due), now), Some(due)),
        _ => (false, false, None),
    }
}

/// R-D6: returns an attachment's bytes; a patient-side account's first
/// download of a staff message's attachment starts its retention.
pub(crate) fn download(
    tx: &Tx,
    s: &Settings,
    by: &str,
    conversation: &str,
    attachment: &str,
    now: DateTime<Utc>,
) -> Result<Download> {
    let (actor, conv) = open_conversation(tx, by, conversation, "download from", false, now)?;
    let att = tx
        .attachment_in(conv.seq, attachment)?
        .ok_or_else(|| Error::UnknownAttachment(attachment.to_string()))?;
    let content = match (&att.content, att.meta.purged_at) {
        (Some(c), None) => c.clone(),
        _ => return Err(Error::AttachmentExpired(att.meta.name.clone())),
    };
    if matches!(actor, Actor::Account(_))
        && att.staff_message
        && att.meta.first_download_at.is_none()
    {
        let due = deadline::add_days(now, s.zone, s.retention_days);
        tx.start_retention(att.meta.seq, ms(now), ms(due))?;
    }
    audit::append(
        tx,
        ms(now),
        &actor.party(),
        "download",
        Some(&conv.id),
        Some(&att.message_id),
    )?;
    Ok(Download {
        id: att.meta.id,
        name: att.meta.name,
        media_type: att.meta.media_type,
        content,
    })
}

/// R-M4: a staff participant closes an open conversation.
pub(crate) fn close(tx: &Tx, by: &str, conversation: &str, now: DateTime<Utc>) -> Result<()> {
    let (actor, conv) = open_conversation(tx, by, conversation, "close", true, now)?;
    if conv.closed {
        return Err(Error::ConversationClosed(conv.id));
    }
    tx.set_closed(conv.seq)?;
    end_requirement(tx, conv.seq)?;
    folders::sync_flags(tx, conv.seq)?;
    audit::append(tx, ms(now), &actor.party(), "close", Some(&conv.id), None)
}

/// R-D6: deletes the content of every attachment whose retention ended.
pub(crate) fn purge(tx: &Tx, now: DateTime<Utc>) -> Result<Vec<PurgedAttachment>> {
    let rows = tx.attachments_due_for_purge(ms(now))?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        tx.purge_attachment(r.attachment_seq, ms(now))?;
        audit::append(
            tx,
            ms(now),
            audit::SYSTEM,
            "purge",
            Some(&r.conversation_id),
            Some(&r.message_id),
        )?;
        out.push(PurgedAttachment {
            conversation: r.conversation_id,
            message: r.message_id,
            attachment: r.attachment_id,
            name: r.name,
        });
    }
    Ok(out)
}
