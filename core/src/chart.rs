//! Chart document (SPEC R-C1…R-C3, "Send and Download"): the whole
//! conversation for the patient's chart, as plain text and as an HL7 FHIR
//! R4 `Bundle` (type `collection`) of `Communication` resources. Rendering
//! is a pure function of the loaded state: the same state gives the same
//! bytes.

use crate::confidential;
use crate::config::Settings;
use crate::deadline;
use crate::error::{Error, Result};
use crate::from_ms;
use crate::store::{ConvRow, Tx};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// Everything a chart document shows.
pub(crate) struct ChartDoc {
    conversation_id: String,
    subject: String,
    closed: bool,
    confidential: bool,
    emr_id: String,
    first_name: String,
    last_name: String,
    date_of_birth: String,
    masked_name: String,
    messages: Vec<ChartMessage>,
}

struct ChartMessage {
    id: String,
    staff_side: bool,
    sent_at: String,
    read_at: Option<String>,
    author_name: String,
    author_party: String,
    from_name: String,
    from_party: String,
    masked: bool,
    recipients: Vec<(String, String)>,
    body: String,
    attachments: Vec<ChartAttachment>,
    options: Vec<String>,
}

struct ChartAttachment {
    name: String,
    media_type: String,
    size: i64,
    purged_at: Option<String>,
}

/// Loads the conversation's chart state.
pub(crate) fn load(tx: &Tx, s: &Settings, conv: &ConvRow) -> Result<ChartDoc> {
    let patient = tx.patient(&conv.patient_key)?.ok_or_else(|| {
        Error::Internal(format!("patient of conversation {:?} vanished", conv.id))
    })?;
    let local = |ms: i64| deadline::format_local(from_ms(ms), s.zone);
    let mut names = crate::messaging::Names::new(tx);
    let attachments = tx.attachments_of_conversation(conv.seq)?;
    let mut messages = Vec::new();
    for m in tx.messages(conv.seq)? {
        let author_party = if m.staff_side {
            format!("staff:{}", m.author)
        } else {
            m.from_party.clone()
        };
        let recipients: Vec<String> = if m.staff_side {
            tx.deliveries(m.seq)?
                .iter()
                .map(|a| format!("account:{a}"))
                .collect()
        } else {
            m.to_party.iter().cloned().collect()
        };
        let mut options = Vec::new();
        if m.staff_side {
            options.push(
                match (m.response.as_deref(), m.required_days, m.response_due_at) {
                    (Some("required"), Some(days), Some(due)) => {
                        format!("Response: required within {days} days (due {})", local(due))
                    }
                    (Some("closed"), _, _) => "Response: closed (no reply possible)".to_string(),
                    _ => "Response: allowed".to_string(),
                },
            );
            options.push(format!(
                "Reply attachments: {}",
                if m.allow_reply_attachments {
                    "allowed"
                } else {
                    "not allowed"
                }
            ));
            if let (Some(n), Some(unit)) = (m.notify_count, &m.notify_unit) {
                options.push(format!("Unread reminder: after {n} {unit}"));
            }
            if let Some(code) = &m.fee_code {
                options.push(format!("Billing: fee code {code}"));
            }
        }
        messages.push(ChartMessage {
            id: m.id.clone(),
            staff_side: m.staff_side,
            sent_at: local(m.sent_at),
            read_at: m.read_at.map(local),
            author_name: names.of(&author_party)?,
            from_name: names.of(&m.from_party)?,
            author_party,
            from_party: m.from_party.clone(),
            masked: m.staff_side && m.mask_name,
            recipients: recipients
                .iter()
                .map(|p| Ok((names.of(p)?, p.clone())))
                .collect::<Result<_>>()?,
            body: m.body.clone(),
            attachments: attachments
                .iter()
                .filter(|a| a.message_seq == m.seq)
                .map(|a| ChartAttachment {
                    name: a.name.clone(),
                    media_type: a.media_type.clone(),
                    size: a.size,
                    purged_at: a.purged_at.map(local),
                })
                .collect(),
            options,
        });
    }
    Ok(ChartDoc {
        conversation_id: conv.id.clone(),
        subject: conv.subject.clone(),
        closed: conv.closed,
        confidential: conv.confidential,
        emr_id: patient.emr_id,
        first_name: patient.first_name,
        last_name: patient.last_name,
        date_of_birth: patient.date_of_birth,
        masked_name: s.masked_sender_name.clone(),
        messages,
    })
}

/// R-C1: the plain-text (UTF-8) chart document.
pub(crate) fn render_text(d: &ChartDoc) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "Secure message conversation");
    let _ = writeln!(t, "Patient: {} {}", d.first_name, d.last_name);
    let _ = writeln!(t, "EMR ID: {}", d.emr_id);
    let _ = writeln!(t, "Date of birth: {}", d.date_of_birth);
    let _ = writeln!(t, "Subject: {}", d.subject);
    let _ = writeln!(t, "Conversation: {}", d.conversation_id);
    let _ = writeln!(t, "Status: {}", if d.closed { "closed" } else { "open" });
    if d.confidential {
        // R-CF5: on its own line, before the first message.
        let _ = writeln!(t, "{}", confidential::CHART_TEXT_LINE);
    }
    let total = d.messages.len();
    for (i, m) in d.messages.iter().enumerate() {
        let _ = writeln!(t);
        let side = if m.staff_side {
            "staff message"
        } else {
            "patient-side reply"
        };
        let _ = writeln!(t, "--- Message {} of {total} ({side}) ---", i + 1);
        let _ = writeln!(t, "Sent: {}", m.sent_at);
        let _ = writeln!(t, "Author: {} ({})", m.author_name, m.author_party);
        let _ = writeln!(t, "From: {} ({})", m.from_name, m.from_party);
        if m.masked {
            let _ = writeln!(t, "[masked: shown to the patient as {}]", d.masked_name);
        }
        let to: Vec<String> = m
            .recipients
            .iter()
            .map(|(n, p)| format!("{n} ({p})"))
            .collect();
        let _ = writeln!(t, "To: {}", to.join(", "));
        if let Some(r) = &m.read_at {
            let _ = writeln!(t, "Read: {r}");
        }
        for o in &m.options {
            let _ = writeln!(t, "{o}");
        }
        for a in &m.attachments {
            let state = match &a.purged_at {
                Some(p) => format!(", purged {p}"),
                None => String::new(),
            };
            let _ = writeln!(
                t,
                "Attachment: {} ({}, {} bytes{state})",
                a.name, a.media_type, a.size
            );
        }
        let _ = writeln!(t);
        let _ = writeln!(t, "{}", m.body);
    }
    t
}

/// A stable `urn:uuid:` for a resource that has no pmsg id of its own.
fn derived_uuid(seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// R-C1: the HL7 FHIR R4 `Bundle` (type `collection`) as UTF-8 JSON.
pub(crate) fn render_fhir(d: &ChartDoc) -> String {
    let patient_url = format!(
        "urn:uuid:{}",
        derived_uuid(&format!("pmsg patient {}", d.emr_id))
    );
    let mut entries = vec![json!({
        "fullUrl": patient_url,
        "resource": {
            "resourceType": "Patient",
            "identifier": [{ "system": "urn:pmsg:emr-id", "value": d.emr_id }],
            "name": [{ "family": d.last_name, "given": [d.first_name] }],
            "birthDate": d.date_of_birth,
        }
    })];
    let mut previous: Option<String> = None;
    for m in &d.messages {
        let url = format!("urn:uuid:{}", m.id);
        let mut payload = vec![json!({ "contentString": m.body })];
        for a in &m.attachments {
            let mut att = json!({ "contentType": a.media_type, "title": a.name, "size": a.size });
            if a.purged_at.is_some() {
                att["title"] = Value::String(format!("{} (content purged)", a.name));
            }
            payload.push(json!({ "contentAttachment": att }));
        }
        let mut notes = Vec::new();
        notes.push(json!({ "text": format!("From: {} ({})", m.from_name, m.from_party) }));
        if m.masked {
            notes.push(
                json!({ "text": format!("[masked: shown to the patient as {}]", d.masked_name) }),
            );
        }
        for o in &m.options {
            notes.push(json!({ "text": o }));
        }
        for a in &m.attachments {
            if let Some(p) = &a.purged_at {
                notes.push(json!({ "text": format!("Attachment {} purged {p}", a.name) }));
            }
        }
        let mut c = json!({
            "resourceType": "Communication",
            "identifier": [{ "system": "urn:pmsg:message-id", "value": m.id }],
            "status": "completed",
            "subject": { "reference": patient_url },
            "topic": { "text": d.subject },
            "sent": m.sent_at,
            "sender": { "display": format!("{} ({})", m.author_name, m.author_party) },
            "recipient": m.recipients.iter().map(|(n, p)| json!({ "display": format!("{n} ({p})") })).collect::<Vec<_>>(),
            "payload": payload,
            "note": notes,
        });
        if let Some(r) = &m.read_at {
            c["received"] = Value::String(r.clone());
        }
        if d.confidential {
            c["meta"] = confidential::fhir_security();
        }
        if let Some(prev) = &previous {
            c["inResponseTo"] = json!([{ "reference": prev }]);
        }
        entries.push(json!({ "fullUrl": url, "resource": c }));
        previous = Some(url);
    }
    let bundle = json!({
        "resourceType": "Bundle",
        "identifier": { "system": "urn:pmsg:conversation-id", "value": d.conversation_id },
        "type": "collection",
        "entry": entries,
    });
    serde_json::to_string_pretty(&bundle).unwrap_or_default()
}
