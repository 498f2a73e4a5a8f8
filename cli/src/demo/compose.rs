//! Demo steps 1–5: the directory, search, two sends, and the two views of
//! a masked message.

use super::seed::{self, ADULT, ADULT_ACCOUNT, DOCTOR, MINOR, NURSE, NURSING};
use super::{expect, indented, short, Demo};
use crate::error::CliError;
use pmsg_core::{
    Interval, IntervalUnit, MessageView, NewAttachment, Response, SendRequest, Sender,
};
use std::io::Write;

/// What later steps need of the lab-results conversation.
pub struct LabMessage {
    /// Conversation id.
    pub conversation: String,
    /// The attachment's id.
    pub attachment: String,
}

/// Step 1: the host upserts its directory (§2).
pub fn load_directory(d: &mut Demo) -> Result<(), CliError> {
    d.step(1, "Load the clinic directory")?;
    let dir = seed::directory();
    for s in &dir.staff {
        let direct = if s.accepts_direct {
            "accepts"
        } else {
            "does not accept"
        };
        say!(
            d,
            "   staff      {} ({}): {direct} direct messages",
            s.display_name,
            s.id
        );
    }
    for w in &dir.workgroups {
        say!(
            d,
            "   workgroup  {} ({}): members {}",
            w.name,
            w.id,
            w.members.join(", ")
        );
    }
    for p in &dir.patients {
        let account = match &p.account {
            Some(a) => format!("own account {a}"),
            None => "no account of their own".into(),
        };
        say!(
            d,
            "   patient    {} {} (EMR ID {}), born {}, {account}",
            p.first_name,
            p.last_name,
            p.emr_id,
            p.date_of_birth
        );
    }
    for a in &dir.accounts {
        let registered = if a.registered {
            "registered"
        } else {
            "invited, NOT registered"
        };
        say!(
            d,
            "   account    {} ({}, {}): {registered}",
            a.display_name,
            a.id,
            a.kind.as_str()
        );
    }
    for c in &dir.connections {
        let state = if c.active { "active" } else { "revoked" };
        say!(
            d,
            "   connection caregiver {} -> patient {} ({state})",
            c.caregiver,
            c.patient
        );
    }
    d.store.upsert_directory(&dir)?;
    say!(
        d,
        "upsert_directory: ok ({} accounts, {} patients, {} connections, {} staff, {} workgroup)",
        dir.accounts.len(),
        dir.patients.len(),
        dir.connections.len(),
        dir.staff.len(),
        dir.workgroups.len()
    );
    Ok(())
}

/// Step 2: search by last name (accent-insensitive) and by EMR ID (R-R1).
pub fn search(d: &mut Demo) -> Result<(), CliError> {
    d.step(2, "Find the recipient: by last name and by EMR ID")?;
    let now = d.clock("Friday", "2026-03-06T08:25:00-05:00")?;
    for query in ["cote", "e1002"] {
        let matches = d.store.search(query, now)?;
        say!(d, "search {query:?}: {} match(es)", matches.len());
        for m in &matches {
            let target = if m.deliver_to.is_empty() {
                format!(
                    "cannot be delivered: {}",
                    m.unreachable_reason.as_deref().unwrap_or("no reason given")
                )
            } else {
                format!("would be delivered to {}", m.deliver_to.join(", "))
            };
            say!(
                d,
                "   {} {} (EMR ID {}, born {}) -> {target}",
                m.first_name,
                m.last_name,
                m.emr_id,
                m.date_of_birth
            );
        }
        expect(matches.len() == 1, || {
            format!("search {query:?} found {matches:?}")
        })?;
    }
    say!(
        d,
        "\"cote\" finds \"Côté\" (accents and case folded); \"e1002\" finds EMR ID E1002."
    );
    Ok(())
}

/// A staff message with the send defaults (§4).
fn message(author: &str, patient: &str, from: Sender, subject: &str, body: &str) -> SendRequest {
    SendRequest {
        author: author.into(),
        patient: patient.into(),
        from: Some(from),
        subject: subject.into(),
        body: body.into(),
        attachments: Vec::new(),
        unread_notify: None,
        response: Response::Allowed,
        allow_reply_attachments: false,
        mask_name: false,
        billable_fee_code: None,
        file_to_chart: false,
        confidential: false,
        malformed: Vec::new(),
    }
}

/// Step 3: a message to a minor goes to the registered caregiver (R-R2…R-R4).
pub fn send_to_minor(d: &mut Demo) -> Result<(), CliError> {
    d.step(3, "Send to a minor: routed to the caregiver")?;
    let now = d.clock("Friday", "2026-03-06T08:30:00-05:00")?;
    let request = SendRequest {
        unread_notify: Some(Interval {
            count: 1,
            unit: IntervalUnit::Days,
        }),
        billable_fee_code: Some(seed::VACCINE_FEE.into()),
        ..message(
            DOCTOR,
            MINOR,
            Sender::Direct,
            seed::VACCINE_SUBJECT,
            seed::VACCINE_BODY,
        )
    };
    say!(
        d,
        "Dr. Amara Okafor sends {:?} to patient {MINOR} (Noah, a minor), from: direct,",
        request.subject
    );
    say!(d, "unread_notify 1 day, fee code {}.", seed::VACCINE_FEE);
    let sent = d.store.send(&request, now)?;
    say!(
        d,
        "   conversation {}, message {}, status {}",
        short(&sent.conversation_id),
        short(&sent.message_id),
        sent.status.as_str()
    );
    say!(d, "   delivered_to: {}", sent.delivered_to.join(", "));
    expect(sent.delivered_to == ["account:a-marie"], || {
        format!("the minor's message went to {:?}", sent.delivered_to)
    })?;
    say!(
        d,
        "Noah is a minor, so the message goes to his caregiver Marie (a-marie)."
    );
    say!(
        d,
        "Luc (a-luc) is connected too, but invited and not registered: he receives nothing."
    );
    Ok(())
}

/// Step 4: the full set of options, with "Send and Download".
pub fn send_lab_results(d: &mut Demo) -> Result<LabMessage, CliError> {
    d.step(4, "Send from the Nursing workgroup, with every option")?;
    let now = d.clock("Friday", "2026-03-06T09:00:00-05:00")?;
    say!(
        d,
        "Nurse Sam Reyes first tries to send in person (from: direct):"
    );
    let direct = message(
        NURSE,
        ADULT,
        Sender::Direct,
        seed::LAB_SUBJECT,
        seed::LAB_BODY,
    );
    match d.store.send(&direct, now) {
        Err(e) => say!(d, "   refused: {}: {e}", e.code()),
        Ok(_) => {
            return Err(CliError::demo(
                "a nurse who takes no direct messages sent one",
            ))
        }
    }
    let request = SendRequest {
        attachments: vec![NewAttachment {
            name: seed::LAB_FILE.into(),
            media_type: "application/pdf".into(),
            content: seed::LAB_PDF.to_vec(),
        }],
        unread_notify: Some(Interval {
            count: 2,
            unit: IntervalUnit::Days,
        }),
        response: Response::Required { days: 3 },
        mask_name: true,
        billable_fee_code: Some(seed::LAB_FEE.into()),
        file_to_chart: true,
        ..message(
            NURSE,
            ADULT,
            Sender::Workgroup(NURSING.into()),
            seed::LAB_SUBJECT,
            seed::LAB_BODY,
        )
    };
    say!(
        d,
        "So the message is sent from the Nursing workgroup instead:"
    );
    say!(d, "   to:             patient {ADULT} (Élise Côté)");
    say!(d, "   from:           workgroup:{NURSING}");
    say!(d, "   subject:        {}", request.subject);
    say!(
        d,
        "   attachment:     {} (application/pdf, {} bytes)",
        seed::LAB_FILE,
        seed::LAB_PDF.len()
    );
    say!(d, "   unread_notify:  2 days");
    say!(d, "   response:       required within 3 days");
    say!(d, "   mask_name:      yes");
    say!(d, "   fee code:       {}", seed::LAB_FEE);
    say!(d, "   file_to_chart:  yes (\"Send and Download\")");
    let sent = d.store.send(&request, now)?;
    say!(
        d,
        "   -> conversation {}, message {}, status {}",
        short(&sent.conversation_id),
        short(&sent.message_id),
        sent.status.as_str()
    );
    say!(d, "   -> delivered_to: {}", sent.delivered_to.join(", "));
    let attachment = sent
        .attachments
        .first()
        .ok_or_else(|| CliError::demo("the send returned no attachment"))?;
    say!(
        d,
        "   -> attachment {} ({})",
        attachment.name,
        short(&attachment.id)
    );

    let awaiting = d.store.folder(
        &format!("staff:{NURSE}"),
        "awaiting_response",
        None,
        None,
        now,
    )?;
    let due = awaiting
        .entries
        .first()
        .and_then(|e| e.response_due_at.clone())
        .unwrap_or_default();
    say!(d, "   -> reply required by {due}");
    expect(due == "2026-03-09T09:00:00-04:00", || {
        format!("the 3-day deadline is {due:?}, not Monday 09:00 EDT")
    })?;
    say!(
        d,
        "Friday 09:00 EST + 3 calendar days = Monday 09:00 EDT: the same wall-clock"
    );
    say!(
        d,
        "time although the clocks spring forward on Sunday 2026-03-08 (R-T3)."
    );

    let chart = sent
        .chart_text
        .ok_or_else(|| CliError::demo("Send and Download returned no chart document"))?;
    say!(d, "Chart document returned by Send and Download (text):");
    indented(d, &chart, usize::MAX)?;
    Ok(LabMessage {
        conversation: sent.conversation_id,
        attachment: attachment.id.clone(),
    })
}

/// Step 5: a masked message as the patient and as the clinic see it (R-S5).
pub fn compare_views(d: &mut Demo, lab: &LabMessage) -> Result<(), CliError> {
    d.step(
        5,
        "The patient's view and the staff view of a masked message",
    )?;
    let now = d.clock("Friday", "2026-03-06T09:00:00-05:00")?;
    let patient = d
        .store
        .view(&format!("account:{ADULT_ACCOUNT}"), &lab.conversation, now)?;
    let staff = d
        .store
        .view(&format!("staff:{NURSE}"), &lab.conversation, now)?;
    let first = |v: &pmsg_core::ConversationView| -> Result<MessageView, CliError> {
        v.messages
            .first()
            .cloned()
            .ok_or_else(|| CliError::demo("a view without messages"))
    };
    let (seen_by_patient, seen_by_staff) = (first(&patient)?, first(&staff)?);
    for (who, m) in [
        (
            format!("Élise (view as account:{ADULT_ACCOUNT})"),
            &seen_by_patient,
        ),
        (
            format!("the clinic (view as staff:{NURSE})"),
            &seen_by_staff,
        ),
    ] {
        say!(d, "What {who} sees:");
        say!(
            d,
            "   sender: {:?}, from: {:?}, masked: {}",
            m.sender,
            m.from,
            m.masked
        );
    }
    expect(
        seen_by_patient.sender == "Clinic Staff" && !seen_by_patient.masked,
        || format!("the patient saw {seen_by_patient:?}"),
    )?;
    expect(
        seen_by_staff.sender == "Nurse Sam Reyes" && seen_by_staff.masked,
        || format!("staff saw {seen_by_staff:?}"),
    )?;
    say!(
        d,
        "The patient side sees only \"Clinic Staff\"; staff see the real author, marked masked."
    );
    Ok(())
}
