//! Demo steps 11–13: a group communication (§16), an assignment (§17) and
//! a confidential conversation with an adolescent (§18).

use super::follow_up::no_health_information;
use super::seed::{self, DOCTOR, MINOR, NURSE, NURSING};
use super::{expect, short, Demo};
use crate::error::CliError;
use pmsg_core::{EventKind, GroupSendRequest, ReplyRequest, Response, SendRequest, Sender};
use std::io::Write;

/// What the assignment step needs of the group send.
pub struct FluGroup {
    /// Ben's conversation (he replies, and it is then assigned).
    pub ben_conversation: String,
}

/// Step 11: one flu-clinic notice to many patients; one is not reachable,
/// one EMR ID is unknown, one is listed twice (R-G1…R-G5).
pub fn group_send(d: &mut Demo) -> Result<FluGroup, CliError> {
    d.step(11, "A group communication: the flu clinic notice")?;
    let now = d.clock("Monday", "2026-03-16T11:00:00-04:00")?;
    let more = seed::flu_clinic_directory();
    d.store.upsert_directory(&more)?;
    say!(
        d,
        "upsert_directory: {} more patients for the flu clinic ({} accounts, {} connection)",
        more.patients.len(),
        more.accounts.len(),
        more.connections.len()
    );
    let patients: Vec<String> = seed::FLU_LIST.iter().map(|s| s.to_string()).collect();
    say!(d, "send_group from Nursing to {}", patients.join(", "));
    let request = GroupSendRequest {
        author: NURSE.into(),
        patients,
        from: Some(Sender::Workgroup(NURSING.into())),
        subject: seed::FLU_SUBJECT.into(),
        body: seed::FLU_BODY.into(),
        attachments: Vec::new(),
        unread_notify: None,
        response: Response::Allowed,
        allow_reply_attachments: false,
        mask_name: false,
        billable_fee_code: None,
        file_to_chart: false,
        confidential: false,
        malformed: Vec::new(),
    };
    let outcome = d.store.send_group(&request, now)?;
    say!(
        d,
        "group {}: one conversation per patient, one transaction",
        short(&outcome.group_id)
    );
    for e in &outcome.entries {
        match (&e.conversation_id, &e.skipped) {
            (Some(c), None) => say!(
                d,
                "   {:<6} sent: conversation {}, delivered to {}",
                e.emr_id,
                short(c),
                e.delivered_to.join(", ")
            ),
            _ => say!(
                d,
                "   {:<6} skipped: {}",
                e.emr_id,
                e.skipped.as_deref().unwrap_or("?")
            ),
        }
    }
    let skipped: Vec<(&str, &str)> = outcome
        .entries
        .iter()
        .filter_map(|e| e.skipped.as_deref().map(|s| (e.emr_id.as_str(), s)))
        .collect();
    expect(
        outcome.entries.len() == seed::FLU_LIST.len() - 1
            && skipped
                == [
                    (seed::FLU_UNREGISTERED, "recipient_not_reachable"),
                    (seed::FLU_UNKNOWN, "unknown_patient"),
                ],
        || format!("group outcome: {outcome:?}"),
    )?;
    say!(
        d,
        "The repeated {} was sent to once; the unknown and the unreachable patient were skipped, the others sent.",
        seed::FLU_REPEAT
    );
    let minor = outcome.entries.iter().find(|e| e.emr_id == MINOR);
    expect(
        minor.is_some_and(|e| e.delivered_to == ["account:a-marie"]),
        || format!("the minor's flu notice: {minor:?}"),
    )?;
    let ben = outcome
        .entries
        .iter()
        .find(|e| e.emr_id == seed::FLU_BEN)
        .and_then(|e| e.conversation_id.clone())
        .ok_or_else(|| CliError::demo("Ben's conversation is missing"))?;

    let now = d.clock("Monday", "2026-03-16T12:00:00-04:00")?;
    let events = d.deliver(now)?;
    no_health_information(d, &events)?;
    let now = d.clock("Monday", "2026-03-16T13:00:00-04:00")?;
    d.store.read("account:a-amelie", &amelie(&outcome)?, now)?;
    say!(d, "Amélie reads the notice.");
    d.store.reply(
        &ReplyRequest {
            by: "account:a-ben".into(),
            conversation: ben.clone(),
            body: seed::BEN_REPLY.into(),
            ..Default::default()
        },
        now,
    )?;
    say!(d, "Ben replies: \"{}\"", seed::BEN_REPLY);
    let report = d
        .store
        .group_report(&format!("staff:{DOCTOR}"), &outcome.group_id, now)?;
    say!(d, "group_report by Dr. Okafor (a Nursing member; audited):");
    for e in &report.entries {
        match &e.skipped {
            Some(code) => say!(d, "   {:<6} skipped ({code})", e.emr_id),
            None => say!(
                d,
                "   {:<6} read {:<5} replied {:<5} awaiting {:<5} overdue {}",
                e.emr_id,
                e.read,
                e.replied,
                e.awaiting_response,
                e.overdue
            ),
        }
    }
    let flags = |id: &str| report.entries.iter().find(|e| e.emr_id == id);
    expect(
        flags(seed::FLU_AMELIE).is_some_and(|e| e.read && !e.replied)
            && flags(seed::FLU_BEN).is_some_and(|e| e.read && e.replied),
        || format!("group report: {report:?}"),
    )?;
    Ok(FluGroup {
        ben_conversation: ben,
    })
}

/// Amélie's conversation of the group.
fn amelie(outcome: &pmsg_core::GroupSendOutcome) -> Result<String, CliError> {
    outcome
        .entries
        .iter()
        .find(|e| e.emr_id == seed::FLU_AMELIE)
        .and_then(|e| e.conversation_id.clone())
        .ok_or_else(|| CliError::demo("Amélie's conversation is missing"))
}

/// Step 12: Nursing hands Ben's question to the physician, with a staff
/// note the patient never sees (R-AS1…R-AS4).
pub fn assign(d: &mut Demo, flu: &FluGroup) -> Result<(), CliError> {
    d.step(12, "Assign: Nursing hands Ben's question to Dr. Okafor")?;
    let now = d.clock("Monday", "2026-03-16T14:00:00-04:00")?;
    let nurse = format!("staff:{NURSE}");
    let doctor = format!("staff:{DOCTOR}");
    d.store.assign(
        &nurse,
        &flu.ben_conversation,
        &doctor,
        Some(seed::ASSIGN_NOTE),
        now,
    )?;
    say!(
        d,
        "assign by {nurse} to {doctor}, note: \"{}\"",
        seed::ASSIGN_NOTE
    );
    let events = d.deliver(now)?;
    no_health_information(d, &events)?;
    expect(
        events
            .iter()
            .any(|e| e.kind == EventKind::Assigned && e.to == doctor && e.message.is_none()),
        || format!("no `assigned` event for the physician: {events:?}"),
    )?;
    let staff_view = d.store.view(&doctor, &flu.ben_conversation, now)?;
    for a in &staff_view.assignments {
        say!(
            d,
            "   staff view: assigned by {} to {} at {}, note {:?}",
            a.by,
            a.to,
            a.at,
            a.note.as_deref().unwrap_or("")
        );
    }
    let patient_view = d.store.view("account:a-ben", &flu.ben_conversation, now)?;
    say!(
        d,
        "   Ben's view: {} assignment(s); the note never reaches the patient side",
        patient_view.assignments.len()
    );
    expect(
        staff_view.assignments.len() == 1 && patient_view.assignments.is_empty(),
        || "assignments are shown to staff only".into(),
    )?;
    let now = d.clock("Monday", "2026-03-16T15:00:00-04:00")?;
    let out = d.store.reply(
        &ReplyRequest {
            by: "account:a-ben".into(),
            conversation: flu.ben_conversation.clone(),
            body: seed::BEN_SECOND_REPLY.into(),
            ..Default::default()
        },
        now,
    )?;
    say!(
        d,
        "Ben writes again; his reply now goes to {}",
        out.delivered_to.join(", ")
    );
    expect(out.delivered_to == [doctor.clone()], || {
        format!(
            "the reply after the assignment went to {:?}",
            out.delivered_to
        )
    })?;
    let events = d.deliver(now)?;
    no_health_information(d, &events)
}

/// Step 13: a confidential message to a 16-year-old with an account of her
/// own; her parent's connection is active, yet the parent sees nothing
/// (R-CF1…R-CF5).
pub fn confidential(d: &mut Demo) -> Result<(), CliError> {
    d.step(13, "A confidential message to an adolescent")?;
    let now = d.clock("Monday", "2026-03-16T16:00:00-04:00")?;
    let teen = seed::TEEN;
    for m in d.store.search(teen, now)? {
        say!(
            d,
            "search {teen}: {} {}: a message goes to {}; a confidential one to {}",
            m.first_name,
            m.last_name,
            m.deliver_to.join(", "),
            m.confidential_deliver_to.join(", ")
        );
    }
    let sent = d.store.send(
        &SendRequest {
            author: DOCTOR.into(),
            patient: teen.into(),
            from: Some(Sender::Direct),
            subject: seed::TEEN_SUBJECT.into(),
            body: seed::TEEN_BODY.into(),
            attachments: Vec::new(),
            unread_notify: None,
            response: Response::Allowed,
            allow_reply_attachments: false,
            mask_name: false,
            billable_fee_code: None,
            file_to_chart: false,
            confidential: true,
            malformed: Vec::new(),
        },
        now,
    )?;
    say!(
        d,
        "send (confidential) by Dr. Okafor: delivered to {}",
        sent.delivered_to.join(", ")
    );
    expect(sent.delivered_to == ["account:a-maya"], || {
        format!("a confidential message went to {:?}", sent.delivered_to)
    })?;
    let events = d.deliver(now)?;
    no_health_information(d, &events)?;
    let parent = "account:a-priya";
    let inbox = d.store.folder(parent, "inbox", None, None, now)?;
    say!(
        d,
        "The parent's inbox: {} conversation(s), though the connection is active",
        inbox.entries.len()
    );
    expect(inbox.entries.is_empty(), || {
        "a confidential conversation reached the parent's inbox".into()
    })?;
    match d.store.view(parent, &sent.conversation_id, now) {
        Err(e) => say!(d, "The parent opens it by id: {}: {e}", e.code()),
        Ok(_) => return Err(CliError::demo("the parent saw a confidential conversation")),
    }
    let view = d.store.view("account:a-maya", &sent.conversation_id, now)?;
    say!(d, "Maya's own view: confidential {}", view.confidential);
    let chart = d.store.export_chart(
        &format!("staff:{DOCTOR}"),
        &sent.conversation_id,
        "text",
        now,
    )?;
    let line = chart
        .lines()
        .find(|l| l.starts_with("Confidential:"))
        .unwrap_or("(no confidentiality line)");
    say!(d, "The chart document says: {line}");
    expect(chart.contains("Confidential: yes"), || {
        "the chart does not mark the conversation confidential".into()
    })
}
