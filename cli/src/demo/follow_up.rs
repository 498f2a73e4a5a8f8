//! Demo steps 6–10: the clock moves on (notices, reminder, overdue alert),
//! the patient replies, then billing, the chart, purge and the audit.

use super::compose::LabMessage;
use super::seed::{self, ADULT_ACCOUNT, NURSE};
use super::{expect, indented, short, Demo};
use crate::error::CliError;
use chrono::{DateTime, Utc};
use pmsg_core::{Event, EventKind, FolderPage, ReplyRequest};
use std::io::Write;

/// Kinds and recipients of delivered events, for the demo's checks.
fn kinds(events: &[Event]) -> Vec<(EventKind, &str)> {
    events.iter().map(|e| (e.kind, e.to.as_str())).collect()
}

/// Step 6: due events at several instants of the simulated clock (R-D1…R-D5).
pub fn deliver_over_time(d: &mut Demo, lab: &LabMessage) -> Result<(), CliError> {
    d.step(6, "The clock moves on: due events and their notices")?;
    let mut notices = Vec::new();

    let now = d.clock("Friday", "2026-03-06T09:00:00-05:00")?;
    say!(d, "At the send instant itself, the new_message notices are already due (R-T4: due_at <= now):");
    let events = d.deliver(now)?;
    expect(
        kinds(&events)
            == [
                (EventKind::NewMessage, "account:a-marie"),
                (EventKind::NewMessage, "account:a-elise"),
            ],
        || format!("at the send instant: {events:?}"),
    )?;
    notices.extend(events);

    let now = d.clock("Saturday", "2026-03-07T10:00:00-05:00")?;
    d.store
        .read(&format!("account:{ADULT_ACCOUNT}"), &lab.conversation, now)?;
    say!(
        d,
        "Élise logs in and reads the lab message (read). That cancels the Nursing"
    );
    say!(
        d,
        "unread reminder due Sunday 09:00. Nobody has read Noah's message, though:"
    );
    let events = d.deliver(now)?;
    expect(
        kinds(&events) == [(EventKind::UnreadReminder, "staff:s-okafor")],
        || format!("on Saturday: {events:?}"),
    )?;
    notices.extend(events);

    let now = d.clock("Sunday", "2026-03-08T09:00:00-04:00")?;
    say!(
        d,
        "The day before the deadline (clocks sprang forward at 02:00):"
    );
    expect(d.deliver(now)?.is_empty(), || "events due on Sunday".into())?;

    let now = d.clock("Monday", "2026-03-09T08:59:59-04:00")?;
    say!(d, "One second before the deadline:");
    expect(d.deliver(now)?.is_empty(), || {
        "events due before the deadline".into()
    })?;

    let now = d.clock("Monday", "2026-03-09T09:00:00-04:00")?;
    say!(
        d,
        "Exactly at the due instant, no reply has come: the overdue alert."
    );
    let events = d.deliver(now)?;
    expect(
        kinds(&events) == [(EventKind::ResponseOverdue, "account:a-elise")],
        || format!("at the deadline: {events:?}"),
    )?;
    notices.extend(events);

    no_health_information(d, &notices)
}

/// R-D1: no notice names the subject, body, people or files.
pub(super) fn no_health_information(d: &mut Demo, notices: &[Event]) -> Result<(), CliError> {
    let forbidden = seed::health_information();
    let leaks: Vec<(&str, &str)> = notices
        .iter()
        .flat_map(|e| {
            forbidden
                .iter()
                .filter(|word| e.notice.to_lowercase().contains(&word.to_lowercase()))
                .map(move |word| (e.id.as_str(), *word))
        })
        .collect();
    expect(leaks.is_empty(), || format!("notices reveal {leaks:?}"))?;
    say!(
        d,
        "Checked: {} notice(s), and none contains a subject, body word, name, fee code or file name.",
        notices.len()
    );
    Ok(())
}

/// Prints a folder page, one line per conversation.
fn show_folder(d: &mut Demo, title: &str, page: &FolderPage) -> Result<(), CliError> {
    say!(d, "{title}: {} conversation(s)", page.entries.len());
    for e in &page.entries {
        say!(
            d,
            "   {} {:?} with {} ({}): unread {}, awaiting_response {}, overdue {}, due {}",
            short(&e.conversation),
            e.subject,
            e.patient_name,
            e.patient_emr_id,
            e.unread,
            e.awaiting_response,
            e.overdue,
            e.response_due_at.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

/// Step 7: the patient downloads and replies; the requirement ends (R-M2, R-D2).
pub fn download_and_reply(d: &mut Demo, lab: &LabMessage) -> Result<(), CliError> {
    d.step(7, "The patient downloads the attachment and replies")?;
    let staff = format!("staff:{NURSE}");
    let patient = format!("account:{ADULT_ACCOUNT}");
    let now = d.clock("Monday", "2026-03-09T10:00:00-04:00")?;
    let before = d
        .store
        .folder(&staff, "awaiting_response", None, None, now)?;
    show_folder(d, "Nurse Reyes's Awaiting Response folder", &before)?;

    let file = d
        .store
        .download(&patient, &lab.conversation, &lab.attachment, now)?;
    say!(
        d,
        "Élise downloads {} ({}, {} bytes, starts {:?}).",
        file.name,
        file.media_type,
        file.content.len(),
        String::from_utf8_lossy(&file.content[..file.content.len().min(8)])
    );
    say!(
        d,
        "This first download starts the 7-day retention of the file (R-D6)."
    );

    let now = d.clock("Monday", "2026-03-09T10:15:00-04:00")?;
    let reply = ReplyRequest {
        by: patient.clone(),
        conversation: lab.conversation.clone(),
        body: seed::REPLY_BODY.into(),
        ..ReplyRequest::default()
    };
    let sent = d.store.reply(&reply, now)?;
    say!(d, "Élise replies: {:?}", reply.body);
    say!(
        d,
        "   -> message {}, delivered_to {}",
        short(&sent.message_id),
        sent.delivered_to.join(", ")
    );
    let after = d
        .store
        .folder(&staff, "awaiting_response", None, None, now)?;
    show_folder(d, "Awaiting Response after the reply", &after)?;
    expect(
        before.entries.len() == 1 && after.entries.is_empty(),
        || "the reply did not empty the Awaiting Response folder".into(),
    )?;
    let inbox = d.store.folder(&staff, "inbox", None, None, now)?;
    show_folder(d, "Nurse Reyes's inbox", &inbox)?;
    say!(
        d,
        "The reply's notice goes to the workgroup the message came from:"
    );
    let events = d.deliver(now)?;
    expect(
        kinds(&events) == [(EventKind::NewReply, "workgroup:wg-nursing")],
        || format!("after the reply: {events:?}"),
    )?;
    no_health_information(d, &events)
}

/// Step 8: the month's billing (R-B1…R-B3).
pub fn billing(d: &mut Demo) -> Result<(), CliError> {
    d.step(8, "The billing report for the cycle")?;
    let report = d.store.billing_report("2026-03")?;
    say!(
        d,
        "billing_report(\"{}\"): {} entries",
        report.cycle,
        report.entries.len()
    );
    for e in &report.entries {
        say!(
            d,
            "   {}  {}  by {}  patient {}  conversation {}",
            e.sent_at,
            e.fee_code,
            e.author,
            e.patient,
            short(&e.conversation)
        );
    }
    say!(d, "Totals per author and fee code:");
    let mut total = 0;
    for t in &report.totals {
        say!(d, "   {} {}: {}", t.author, t.fee_code, t.count);
        total += t.count;
    }
    say!(d, "Billing total: {total} billable messages");
    expect(total == 2, || format!("billing total {total}, expected 2"))?;
    let csv = d.store.billing_report_csv(&report.cycle)?;
    say!(d, "As CSV (RFC 4180):");
    indented(d, &csv, usize::MAX)
}

/// Step 9: the chart document after the reply (R-C1…R-C3).
pub fn chart(d: &mut Demo, lab: &LabMessage) -> Result<(), CliError> {
    d.step(9, "The chart document (export_chart)")?;
    let now = d.clock("Monday", "2026-03-09T10:30:00-04:00")?;
    let staff = format!("staff:{NURSE}");
    let text = d
        .store
        .export_chart(&staff, &lab.conversation, "text", now)?;
    say!(d, "Text:");
    indented(d, &text, usize::MAX)?;
    let fhir = d
        .store
        .export_chart(&staff, &lab.conversation, "fhir", now)?;
    let bundle: serde_json::Value = serde_json::from_str(&fhir)
        .map_err(|e| CliError::demo(format!("the FHIR document is not JSON: {e}")))?;
    let resources: Vec<&str> = bundle["entry"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e["resource"]["resourceType"].as_str())
                .collect()
        })
        .unwrap_or_default();
    say!(
        d,
        "FHIR: resourceType {}, type {}, entries: {}",
        bundle["resourceType"].as_str().unwrap_or("?"),
        bundle["type"].as_str().unwrap_or("?"),
        resources.join(", ")
    );
    say!(d, "First lines of the FHIR JSON:");
    indented(d, &fhir, 24)
}

/// Step 10: retention ends, the file is purged; the audit chain holds (R-D6, R-AU1).
pub fn purge_and_audit(d: &mut Demo, lab: &LabMessage) -> Result<(), CliError> {
    d.step(10, "Purge after the retention period, and the audit trail")?;
    let now = d.clock("Monday", "2026-03-16T09:59:59-04:00")?;
    let purged = d.store.purge(now)?;
    say!(
        d,
        "One second before 7 days after the first download: purge removes {}.",
        purged.len()
    );
    expect(purged.is_empty(), || {
        format!("purged too early: {purged:?}")
    })?;

    let now = d.clock("Monday", "2026-03-16T10:00:00-04:00")?;
    let purged = d.store.purge(now)?;
    for p in &purged {
        say!(
            d,
            "   purged {} (attachment {}, conversation {})",
            p.name,
            short(&p.attachment),
            short(&p.conversation)
        );
    }
    expect(purged.len() == 1, || {
        format!("purge at the retention end: {purged:?}")
    })?;
    show_attachment(d, lab, now)?;
    let patient = format!("account:{ADULT_ACCOUNT}");
    match d
        .store
        .download(&patient, &lab.conversation, &lab.attachment, now)
    {
        Err(e) => say!(d, "Élise tries to download it again: {}: {e}", e.code()),
        Ok(_) => return Err(CliError::demo("a purged attachment was downloaded")),
    }
    audit(d)
}

/// The purged attachment as staff now see it.
fn show_attachment(d: &mut Demo, lab: &LabMessage, now: DateTime<Utc>) -> Result<(), CliError> {
    let view = d
        .store
        .view(&format!("staff:{NURSE}"), &lab.conversation, now)?;
    let att = view
        .messages
        .iter()
        .flat_map(|m| &m.attachments)
        .find(|a| a.id == lab.attachment)
        .ok_or_else(|| CliError::demo("the attachment left the view"))?;
    say!(
        d,
        "The view keeps its metadata: {} ({}, {} bytes), purged: {}, purged_at {}",
        att.name,
        att.media_type,
        att.size,
        att.purged,
        att.purged_at.as_deref().unwrap_or("-")
    );
    expect(att.purged, || {
        "the view does not show the attachment purged".into()
    })
}

/// R-AU1: verify the chain and show its tail.
pub fn audit(d: &mut Demo) -> Result<(), CliError> {
    let check = d.store.verify_audit()?;
    say!(
        d,
        "verify_audit: ok {}, {} entries verified",
        check.ok,
        check.entries
    );
    expect(check.ok, || format!("the audit chain is broken: {check:?}"))?;
    say!(d, "The last audit entries (hash-chained):");
    for e in d.store.audit_tail(8)? {
        say!(
            d,
            "   #{:<3} {}  {:<16} {:<8} conversation {}  hash {}",
            e.seq,
            e.at,
            e.actor,
            e.action,
            e.conversation
                .as_deref()
                .map(short)
                .unwrap_or_else(|| "-".into()),
            &e.hash[..e.hash.len().min(12)]
        );
    }
    Ok(())
}
