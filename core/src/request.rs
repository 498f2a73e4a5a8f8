//! Requests written as JSON (the scenario format of `tests/conformance`,
//! the CLI's files): read into the typed records. A field of the wrong
//! JSON type is not an early failure: it becomes a [`Malformed`] entry that
//! the rules report at that field's place in the R-S2 order, so JSON and
//! typed callers get the same first error.

use crate::error::{Error, Result};
use crate::model::*;
use serde_json::Value;

fn malformed(out: &mut Vec<Malformed>, field: Field, error: Error) {
    out.push(Malformed { field, error });
}

/// A string field; `None` when absent or null.
fn opt_str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Reads a text value: a string, or `{"repeat": "ab", "times": 3}`.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) if o.len() == 2 => {
            let unit = o.get("repeat")?.as_str()?;
            let times = o.get("times")?.as_u64()?;
            Some(unit.repeat(usize::try_from(times).ok()?))
        }
        _ => None,
    }
}

/// Reads an attachment: `{"name", "media_type", "text"}` (the UTF-8 bytes)
/// or `{"name", "media_type", "size": N}` (byte i = i mod 251).
pub fn attachment(v: &Value) -> Result<NewAttachment> {
    let bad = || {
        Error::InvalidArgument(format!(
            "attachment {v} needs a name, a media_type and text or size"
        ))
    };
    let name = text(v.get("name").ok_or_else(bad)?).ok_or_else(bad)?;
    let media_type = text(v.get("media_type").ok_or_else(bad)?).ok_or_else(bad)?;
    let content = match (v.get("text"), v.get("size")) {
        (Some(t), None) => text(t).ok_or_else(bad)?.into_bytes(),
        (None, Some(n)) => {
            let n = n.as_u64().ok_or_else(bad)?;
            (0..n).map(|i| (i % 251) as u8).collect()
        }
        _ => return Err(bad()),
    };
    Ok(NewAttachment {
        name,
        media_type,
        content,
    })
}

fn attachments(v: &Value, out: &mut Vec<Malformed>) -> Vec<NewAttachment> {
    match v.get("attachments") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut files = Vec::new();
            for item in items {
                match attachment(item) {
                    Ok(f) => files.push(f),
                    Err(e) => {
                        malformed(out, Field::Attachments, e);
                        return Vec::new();
                    }
                }
            }
            files
        }
        Some(other) => {
            malformed(
                out,
                Field::Attachments,
                Error::InvalidArgument(format!("attachments {other} is not a list")),
            );
            Vec::new()
        }
    }
}

fn from(v: &Value, out: &mut Vec<Malformed>) -> Option<Sender> {
    match v.get("from") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "direct" => Some(Sender::Direct),
        Some(Value::String(s)) if s.starts_with("workgroup:") && s.len() > "workgroup:".len() => {
            Some(Sender::Workgroup(s["workgroup:".len()..].to_string()))
        }
        Some(other) => {
            malformed(
                out,
                Field::From,
                Error::InvalidArgument(format!(
                    "from {other} is not 'direct' or 'workgroup:ID' (R-S1)"
                )),
            );
            None
        }
    }
}

fn interval(v: &Value, out: &mut Vec<Malformed>) -> Option<Interval> {
    let raw = match v.get("unread_notify") {
        None | Some(Value::Null) => return None,
        Some(raw) => raw,
    };
    let count = raw.get("count").and_then(Value::as_i64);
    let unit = match raw.get("unit").and_then(Value::as_str) {
        Some("days") => Some(IntervalUnit::Days),
        Some("weeks") => Some(IntervalUnit::Weeks),
        _ => None,
    };
    let well_formed = raw.as_object().is_some_and(|o| o.len() == 2);
    match (count, unit, well_formed) {
        (Some(count), Some(unit), true) => Some(Interval { count, unit }),
        _ => {
            malformed(
                out,
                Field::UnreadNotify,
                Error::InvalidNotifyInterval(format!(
                    "{raw} is not {{\"count\": N, \"unit\": \"days\"|\"weeks\"}}"
                )),
            );
            None
        }
    }
}

fn response(v: &Value, out: &mut Vec<Malformed>) -> Option<Response> {
    match v.get("response") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "closed" => Some(Response::Closed),
        Some(Value::String(s)) if s == "allowed" => Some(Response::Allowed),
        Some(Value::Object(o)) if o.len() == 1 && o.contains_key("required_days") => {
            match o["required_days"].as_i64() {
                Some(days) => Some(Response::Required { days }),
                None => {
                    malformed(
                        out,
                        Field::Response,
                        Error::InvalidResponseDeadline(format!(
                            "required_days {} is not an integer",
                            o["required_days"]
                        )),
                    );
                    None
                }
            }
        }
        Some(other) => {
            malformed(
                out,
                Field::Response,
                Error::InvalidOptions(format!(
                    "response {other} is not 'closed', 'allowed' or {{\"required_days\": N}}"
                )),
            );
            None
        }
    }
}

fn flag(v: &Value, key: &str, field: Field, out: &mut Vec<Malformed>) -> Option<bool> {
    match v.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            malformed(
                out,
                field,
                Error::InvalidOptions(format!("{key} {other} is not true or false")),
            );
            None
        }
    }
}

fn fee_code(v: &Value, out: &mut Vec<Malformed>) -> Option<String> {
    match v.get("billable_fee_code") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            malformed(
                out,
                Field::BillableFeeCode,
                Error::InvalidFeeCode {
                    code: other.to_string(),
                    why: "not a string".into(),
                },
            );
            None
        }
    }
}

fn text_field(
    v: &Value,
    key: &str,
    field: Field,
    out: &mut Vec<Malformed>,
    err: fn(String) -> Error,
) -> String {
    match v.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(raw) => text(raw).unwrap_or_else(|| {
            malformed(out, field, err(format!("{key} {raw} is not a string")));
            String::new()
        }),
    }
}

/// Reads a send request (the `send` op of the scenario format).
pub fn send_request(v: &Value) -> SendRequest {
    let mut bad = Vec::new();
    let req = SendRequest {
        author: opt_str(v, "author").unwrap_or_default().to_string(),
        patient: opt_str(v, "patient").unwrap_or_default().to_string(),
        from: from(v, &mut bad),
        subject: text_field(
            v,
            "subject",
            Field::Subject,
            &mut bad,
            Error::InvalidSubject,
        ),
        body: text_field(v, "body", Field::Body, &mut bad, Error::InvalidBody),
        attachments: attachments(v, &mut bad),
        unread_notify: interval(v, &mut bad),
        response: response(v, &mut bad).unwrap_or_default(),
        allow_reply_attachments: flag(
            v,
            "allow_reply_attachments",
            Field::AllowReplyAttachments,
            &mut bad,
        )
        .unwrap_or(false),
        mask_name: flag(v, "mask_name", Field::MaskName, &mut bad).unwrap_or(false),
        billable_fee_code: fee_code(v, &mut bad),
        file_to_chart: flag(v, "file_to_chart", Field::FileToChart, &mut bad).unwrap_or(false),
        malformed: Vec::new(),
    };
    SendRequest {
        malformed: bad,
        ..req
    }
}

/// Reads a reply request (the `reply` op of the scenario format).
pub fn reply_request(v: &Value) -> ReplyRequest {
    let mut bad = Vec::new();
    let req = ReplyRequest {
        by: opt_str(v, "by").unwrap_or_default().to_string(),
        conversation: opt_str(v, "conversation").unwrap_or_default().to_string(),
        body: text_field(v, "body", Field::Body, &mut bad, Error::InvalidBody),
        attachments: attachments(v, &mut bad),
        from: from(v, &mut bad),
        unread_notify: interval(v, &mut bad),
        response: response(v, &mut bad),
        allow_reply_attachments: flag(
            v,
            "allow_reply_attachments",
            Field::AllowReplyAttachments,
            &mut bad,
        ),
        mask_name: flag(v, "mask_name", Field::MaskName, &mut bad),
        billable_fee_code: fee_code(v, &mut bad),
        file_to_chart: flag(v, "file_to_chart", Field::FileToChart, &mut bad),
        malformed: Vec::new(),
    };
    ReplyRequest {
        malformed: bad,
        ..req
    }
}

fn field<'a>(v: &'a Value, what: &str, key: &str) -> Result<&'a Value> {
    v.get(key)
        .ok_or_else(|| Error::InvalidArgument(format!("{what} {v} has no {key:?}")))
}

fn string(v: &Value, what: &str, key: &str) -> Result<String> {
    field(v, what, key)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Error::InvalidArgument(format!("{what} {key} in {v} is not a string")))
}

fn boolean(v: &Value, what: &str, key: &str) -> Result<bool> {
    field(v, what, key)?
        .as_bool()
        .ok_or_else(|| Error::InvalidArgument(format!("{what} {key} in {v} is not true or false")))
}

/// A record of the directory may hold only the keys its kind defines.
fn known_keys(v: &Value, what: &str, keys: &[&str]) -> Result<()> {
    let obj = v
        .as_object()
        .ok_or_else(|| Error::InvalidArgument(format!("{what} {v} is not an object (§2)")))?;
    match obj.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(k) => Err(Error::InvalidArgument(format!(
            "unknown key {k:?} in {what} {v} (§2)"
        ))),
        None => Ok(()),
    }
}

fn list<'a>(v: &'a Value, key: &str) -> Result<&'a [Value]> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(Error::InvalidArgument(format!(
            "directory {key} {other} is not a list"
        ))),
    }
}

/// Reads a directory upsert (`accounts`, `patients`, `connections`,
/// `staff`, `workgroups`); malformed records are `invalid_argument`.
pub fn directory(v: &Value) -> Result<DirectoryUpdate> {
    let mut d = DirectoryUpdate::default();
    known_keys(
        v,
        "directory",
        &["accounts", "patients", "connections", "staff", "workgroups"],
    )?;
    for a in list(v, "accounts")? {
        known_keys(a, "account", &["id", "kind", "display_name", "registered"])?;
        let kind = match string(a, "account", "kind")?.as_str() {
            "patient" => AccountKind::Patient,
            "caregiver" => AccountKind::Caregiver,
            k => {
                return Err(Error::InvalidArgument(format!(
                    "account kind {k:?} is not patient or caregiver (§2)"
                )))
            }
        };
        d.accounts.push(Account {
            id: string(a, "account", "id")?,
            kind,
            display_name: string(a, "account", "display_name")?,
            registered: boolean(a, "account", "registered")?,
        });
    }
    for p in list(v, "patients")? {
        known_keys(
            p,
            "patient",
            &[
                "emr_id",
                "first_name",
                "last_name",
                "date_of_birth",
                "dependent",
                "account",
            ],
        )?;
        let account = match p.get("account") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(Error::InvalidArgument(format!(
                    "patient account {other} is not a string"
                )))
            }
        };
        d.patients.push(Patient {
            emr_id: string(p, "patient", "emr_id")?,
            first_name: string(p, "patient", "first_name")?,
            last_name: string(p, "patient", "last_name")?,
            date_of_birth: string(p, "patient", "date_of_birth")?,
            dependent: match p.get("dependent") {
                None => false,
                Some(_) => boolean(p, "patient", "dependent")?,
            },
            account,
        });
    }
    for c in list(v, "connections")? {
        known_keys(c, "connection", &["caregiver", "patient", "active"])?;
        d.connections.push(Connection {
            caregiver: string(c, "connection", "caregiver")?,
            patient: string(c, "connection", "patient")?,
            active: boolean(c, "connection", "active")?,
        });
    }
    for s in list(v, "staff")? {
        known_keys(s, "staff", &["id", "display_name", "accepts_direct"])?;
        d.staff.push(Staff {
            id: string(s, "staff", "id")?,
            display_name: string(s, "staff", "display_name")?,
            accepts_direct: boolean(s, "staff", "accepts_direct")?,
        });
    }
    for w in list(v, "workgroups")? {
        known_keys(w, "workgroup", &["id", "name", "members"])?;
        let members = list(w, "members")?
            .iter()
            .map(|m| {
                m.as_str().map(str::to_string).ok_or_else(|| {
                    Error::InvalidArgument(format!("workgroup member {m} is not a string"))
                })
            })
            .collect::<Result<_>>()?;
        d.workgroups.push(Workgroup {
            id: string(w, "workgroup", "id")?,
            name: string(w, "workgroup", "name")?,
            members,
        });
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_become_malformed_fields_not_early_failures() {
        let r = send_request(
            &json!({"author": "s", "patient": "E1", "from": "direct", "subject": "x", "body": "y",
            "mask_name": "yes", "response": "maybe", "unread_notify": {"count": 1.5, "unit": "days"}}),
        );
        let fields: Vec<_> = r
            .malformed
            .iter()
            .map(|m| (m.field, m.error.code()))
            .collect();
        assert!(fields.contains(&(Field::MaskName, "invalid_options")));
        assert!(fields.contains(&(Field::Response, "invalid_options")));
        assert!(fields.contains(&(Field::UnreadNotify, "invalid_notify_interval")));
    }

    #[test]
    fn required_days_must_be_an_integer_literal() {
        let r = send_request(&json!({"response": {"required_days": 3.0}}));
        assert_eq!(r.malformed[0].error.code(), "invalid_response_deadline");
        let r = send_request(&json!({"response": {"required_days": "3"}}));
        assert_eq!(r.malformed[0].error.code(), "invalid_response_deadline");
    }

    #[test]
    fn directory_records_with_unknown_keys_are_refused() {
        let err = directory(
            &json!({"staff": [{"id": "s", "display_name": "S", "accepts_direct": true, "role": "x"}]}),
        );
        assert_eq!(err.unwrap_err().code(), "invalid_argument");
        assert!(directory(&json!({"nurses": []})).is_err());
    }

    #[test]
    fn repeat_text_and_sized_attachments() {
        assert_eq!(
            text(&json!({"repeat": "ab", "times": 3})).as_deref(),
            Some("ababab")
        );
        let a = attachment(&json!({"name": "x", "media_type": "text/plain", "size": 300})).unwrap();
        assert_eq!(a.content.len(), 300);
        assert_eq!(a.content[251], 0);
        assert_eq!(a.content[250], 250);
    }
}
