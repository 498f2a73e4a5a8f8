//! Requests written as JSON (the C ABI's and the bindings' `*_json`
//! functions, the CLI's files, the conformance runners): read into the
//! typed records.
//!
//! Two kinds of problem, two places (README, "Decisions where the SPEC is
//! silent"):
//!
//! - **The shape** is checked first, before any rule: the request is a JSON
//!   object; every key, in it and in its nested objects (an attachment,
//!   `unread_notify`, a `response` object), is one the reader knows; every
//!   key the object needs is there; the ids that name who and what
//!   (`author`, `patient`, `by`, `conversation`) are strings. A request of
//!   the wrong shape is refused by the reader itself with `invalid_argument`
//!   naming the key and the object: nothing is checked, sent or audited.
//!   A misspelled option (`"mask_nmae": true`) can so never pass for an
//!   absent one.
//! - **A value** of the wrong JSON type is not an early failure: it becomes
//!   a [`Malformed`] entry that the rules report at that field's place in
//!   the R-S2 order, so JSON and typed callers get the same first error.
//!   So does a missing key whose absence the SPEC gives a verdict at its
//!   place: `from` (§15), `subject`, `body`, a group's `patients` (R-G2).
//!
//! The scenario format's shorthands (`{"repeat", "times"}` text, attachments
//! written with `size`) are not requests: the conformance runners expand
//! them before calling the library (tests/conformance/FORMAT.md).

use crate::error::{Error, Result};
use crate::model::*;
use serde_json::{Map, Value};

/// The keys of a send request (the `send` op of the scenario format).
pub const SEND_KEYS: [&str; 13] = [
    "author",
    "patient",
    "from",
    "subject",
    "body",
    "attachments",
    "unread_notify",
    "response",
    "allow_reply_attachments",
    "mask_name",
    "billable_fee_code",
    "file_to_chart",
    "confidential",
];

/// The keys of a group send request (§16): those of a send, with
/// `patients` in place of `patient`.
pub const GROUP_SEND_KEYS: [&str; 13] = [
    "author",
    "patients",
    "from",
    "subject",
    "body",
    "attachments",
    "unread_notify",
    "response",
    "allow_reply_attachments",
    "mask_name",
    "billable_fee_code",
    "file_to_chart",
    "confidential",
];

/// The keys of a reply request (R-M2, R-M3). The staff options are read
/// for a patient-side reply too, which R-M2 then refuses at their place
/// (`invalid_options`); `confidential` is read to be refused (R-CF1).
pub const REPLY_KEYS: [&str; 12] = [
    "by",
    "conversation",
    "body",
    "attachments",
    "from",
    "unread_notify",
    "response",
    "allow_reply_attachments",
    "mask_name",
    "billable_fee_code",
    "file_to_chart",
    "confidential",
];

/// The keys of an attachment: `name`, `media_type` and exactly one of
/// `text` and `content_base64`.
pub const ATTACHMENT_KEYS: [&str; 4] = ["name", "media_type", "text", "content_base64"];

const INTERVAL_KEYS: [&str; 2] = ["count", "unit"];
const REQUIRED_DAYS_KEYS: [&str; 1] = ["required_days"];

/// The shape of one JSON object: `v` is an object, each of its keys is in
/// `known` and each of `required` is present; else `invalid_argument`
/// naming the key and `what` (the object: `send request`,
/// `attachments[1] of reply request`).
fn check_keys<'a>(
    v: &'a Value,
    what: &str,
    known: &[&str],
    required: &[&str],
) -> Result<&'a Map<String, Value>> {
    let obj = v.as_object().ok_or_else(|| {
        Error::InvalidArgument(format!("{what} {} is not a JSON object", short(v)))
    })?;
    if let Some(k) = obj.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(Error::InvalidArgument(format!(
            "unknown key {k:?} in {what} (known: {})",
            known.join(", ")
        )));
    }
    if let Some(k) = required.iter().find(|k| !obj.contains_key(**k)) {
        return Err(Error::InvalidArgument(format!(
            "missing key {k:?} in {what} (required: {})",
            required.join(", ")
        )));
    }
    Ok(obj)
}

/// A key that names who or what (`author`, `patient`, `by`,
/// `conversation`): present (see [`check_keys`]) and a string.
fn id_string(obj: &Map<String, Value>, key: &str, what: &str) -> Result<String> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        other => Err(Error::InvalidArgument(format!(
            "{key} {} in {what} is not a string",
            other.map_or("(missing)".to_string(), short)
        ))),
    }
}

/// The nested objects of a composition, checked as [`check_keys`]: each
/// attachment written as an object, an `unread_notify` object, a `response`
/// object. Values of another type are left for their place in R-S2.
fn check_nested(obj: &Map<String, Value>, what: &str) -> Result<()> {
    if let Some(Value::Array(items)) = obj.get("attachments") {
        for (i, item) in items.iter().enumerate() {
            if item.is_object() {
                attachment_shape(item, &format!("attachments[{i}] of {what}"))?;
            }
        }
    }
    if let Some(n @ Value::Object(_)) = obj.get("unread_notify") {
        check_keys(
            n,
            &format!("unread_notify of {what}"),
            &INTERVAL_KEYS,
            &INTERVAL_KEYS,
        )?;
    }
    if let Some(r @ Value::Object(_)) = obj.get("response") {
        check_keys(
            r,
            &format!("response of {what}"),
            &REQUIRED_DAYS_KEYS,
            &REQUIRED_DAYS_KEYS,
        )?;
    }
    Ok(())
}

fn malformed(out: &mut Vec<Malformed>, field: Field, error: Error) {
    out.push(Malformed { field, error });
}

/// Reads a text value: a JSON string. (The scenario format's
/// `{"repeat", "times"}` shorthand is the conformance runners' to expand:
/// here it is not text.)
pub fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// The shape of an attachment object: known keys, `name`, `media_type`
/// and exactly one of `text` and `content_base64`.
fn attachment_shape(v: &Value, what: &str) -> Result<()> {
    let obj = check_keys(v, what, &ATTACHMENT_KEYS, &["name", "media_type"])?;
    match (obj.contains_key("text"), obj.contains_key("content_base64")) {
        (true, false) | (false, true) => Ok(()),
        (false, false) => Err(Error::InvalidArgument(format!(
            "missing key \"text\" or \"content_base64\" in {what} (the content: give one)"
        ))),
        (true, true) => Err(Error::InvalidArgument(format!(
            "{what} gives both \"text\" and \"content_base64\"; give one"
        ))),
    }
}

/// Reads an attachment: `{"name", "media_type"}` and one of `"text"` (its
/// UTF-8 bytes) or `"content_base64"` (standard base64 of the bytes). A
/// wrong shape (see [`ATTACHMENT_KEYS`]), a value that is not a string and
/// content that is not base64 are `invalid_argument`.
pub fn attachment(v: &Value) -> Result<NewAttachment> {
    attachment_shape(v, "attachment")?;
    attachment_values(v)
}

/// The values of an attachment whose shape was checked.
fn attachment_values(v: &Value) -> Result<NewAttachment> {
    use base64::Engine;
    let string = |key: &str| -> Result<String> {
        v.get(key).and_then(text).ok_or_else(|| {
            Error::InvalidArgument(format!("{key} of attachment {} is not a string", short(v)))
        })
    };
    let name = string("name")?;
    let media_type = string("media_type")?;
    let content = match v.get("content_base64") {
        Some(_) => base64::engine::general_purpose::STANDARD
            .decode(string("content_base64")?)
            .map_err(|e| {
                Error::InvalidArgument(format!(
                    "content_base64 of attachment {name:?} is not base64: {e}"
                ))
            })?,
        None => string("text")?.into_bytes(),
    };
    Ok(NewAttachment {
        name,
        media_type,
        content,
    })
}

/// A value for an error message, cut to a readable length.
fn short(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

fn attachments(v: &Map<String, Value>, out: &mut Vec<Malformed>) -> Vec<NewAttachment> {
    match v.get("attachments") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut files = Vec::new();
            for item in items {
                let read = if item.is_object() {
                    attachment_values(item)
                } else {
                    Err(Error::InvalidArgument(format!(
                        "attachment {} is not an object {{\"name\", \"media_type\", \"text\" | \"content_base64\"}}",
                        short(item)
                    )))
                };
                match read {
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
                Error::InvalidArgument(format!("attachments {} is not a list", short(other))),
            );
            Vec::new()
        }
    }
}

fn from(v: &Map<String, Value>, out: &mut Vec<Malformed>) -> Option<Sender> {
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
                    "from {} is not 'direct' or 'workgroup:ID' (R-S1)",
                    short(other)
                )),
            );
            None
        }
    }
}

/// `unread_notify`, whose object shape [`check_nested`] checked.
fn interval(v: &Map<String, Value>, out: &mut Vec<Malformed>) -> Option<Interval> {
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
    match (count, unit) {
        (Some(count), Some(unit)) => Some(Interval { count, unit }),
        _ => {
            malformed(
                out,
                Field::UnreadNotify,
                Error::InvalidNotifyInterval(format!(
                    "{} is not {{\"count\": N, \"unit\": \"days\"|\"weeks\"}}",
                    short(raw)
                )),
            );
            None
        }
    }
}

/// `response`, whose object shape [`check_nested`] checked.
fn response(v: &Map<String, Value>, out: &mut Vec<Malformed>) -> Option<Response> {
    match v.get("response") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "closed" => Some(Response::Closed),
        Some(Value::String(s)) if s == "allowed" => Some(Response::Allowed),
        Some(Value::Object(o)) => match o.get("required_days").and_then(Value::as_i64) {
            Some(days) => Some(Response::Required { days }),
            None => {
                malformed(
                    out,
                    Field::Response,
                    Error::InvalidResponseDeadline(format!(
                        "required_days {} is not an integer",
                        o.get("required_days")
                            .map_or("(missing)".to_string(), short)
                    )),
                );
                None
            }
        },
        Some(other) => {
            malformed(
                out,
                Field::Response,
                Error::InvalidOptions(format!(
                    "response {} is not 'closed', 'allowed' or {{\"required_days\": N}}",
                    short(other)
                )),
            );
            None
        }
    }
}

fn flag(v: &Map<String, Value>, key: &str, field: Field, out: &mut Vec<Malformed>) -> Option<bool> {
    match v.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            malformed(
                out,
                field,
                Error::InvalidOptions(format!("{key} {} is not true or false", short(other))),
            );
            None
        }
    }
}

/// R-CF1: `confidential` of a send: absent is false; anything but a
/// boolean (`null` included) is `invalid_options` at its place.
fn confidential(v: &Map<String, Value>, out: &mut Vec<Malformed>) -> bool {
    match v.get("confidential") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            malformed(
                out,
                Field::Confidential,
                Error::InvalidOptions(format!(
                    "confidential {} is not true or false (R-CF1)",
                    short(other)
                )),
            );
            false
        }
    }
}

fn fee_code(v: &Map<String, Value>, out: &mut Vec<Malformed>) -> Option<String> {
    match v.get("billable_fee_code") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            malformed(
                out,
                Field::BillableFeeCode,
                Error::InvalidFeeCode {
                    code: short(other),
                    why: "not a string".into(),
                },
            );
            None
        }
    }
}

/// A text field (`subject`, `body`): a missing or null one reads as empty
/// and is reported at its place with `missing`, naming the key and `what`.
fn text_field(
    v: &Map<String, Value>,
    key: &str,
    what: &str,
    field: Field,
    out: &mut Vec<Malformed>,
    err: fn(String) -> Error,
) -> String {
    match v.get(key) {
        None | Some(Value::Null) => {
            malformed(
                out,
                field,
                err(format!("missing key {key:?} in {what} (R-S2)")),
            );
            String::new()
        }
        Some(raw) => text(raw).unwrap_or_else(|| {
            malformed(
                out,
                field,
                err(format!("{key} {} is not a string", short(raw))),
            );
            String::new()
        }),
    }
}

/// The options of a staff composition (a send, a group send).
fn composition(
    obj: &Map<String, Value>,
    what: &str,
    author: String,
    patient: String,
) -> SendRequest {
    let mut bad = Vec::new();
    let from = from(obj, &mut bad);
    if !obj.contains_key("from") || obj["from"].is_null() {
        malformed(
            &mut bad,
            Field::From,
            Error::InvalidArgument(format!(
                "missing key \"from\" in {what}: write 'direct' or 'workgroup:ID' (R-S1)"
            )),
        );
    }
    SendRequest {
        author,
        patient,
        from,
        subject: text_field(
            obj,
            "subject",
            what,
            Field::Subject,
            &mut bad,
            Error::InvalidSubject,
        ),
        body: text_field(obj, "body", what, Field::Body, &mut bad, Error::InvalidBody),
        attachments: attachments(obj, &mut bad),
        unread_notify: interval(obj, &mut bad),
        response: response(obj, &mut bad).unwrap_or_default(),
        allow_reply_attachments: flag(
            obj,
            "allow_reply_attachments",
            Field::AllowReplyAttachments,
            &mut bad,
        )
        .unwrap_or(false),
        mask_name: flag(obj, "mask_name", Field::MaskName, &mut bad).unwrap_or(false),
        billable_fee_code: fee_code(obj, &mut bad),
        file_to_chart: flag(obj, "file_to_chart", Field::FileToChart, &mut bad).unwrap_or(false),
        confidential: confidential(obj, &mut bad),
        malformed: bad,
    }
}

/// Reads a send request (the `send` op of the scenario format): the keys
/// of [`SEND_KEYS`], `author` and `patient` required. A request of the
/// wrong shape is `invalid_argument` (module docs).
pub fn send_request(v: &Value) -> Result<SendRequest> {
    const WHAT: &str = "send request";
    let obj = check_keys(v, WHAT, &SEND_KEYS, &["author", "patient"])?;
    let author = id_string(obj, "author", WHAT)?;
    let patient = id_string(obj, "patient", WHAT)?;
    check_nested(obj, WHAT)?;
    Ok(composition(obj, WHAT, author, patient))
}

/// Reads a group send request (the `send_group` op of the scenario
/// format): the keys of [`GROUP_SEND_KEYS`], `author` required. A
/// `patients` that is missing, not a list, or holds an entry that is not a
/// string is `invalid_argument` at its place in R-G2's order.
pub fn group_send_request(v: &Value) -> Result<GroupSendRequest> {
    const WHAT: &str = "group send request";
    let obj = check_keys(v, WHAT, &GROUP_SEND_KEYS, &["author"])?;
    let author = id_string(obj, "author", WHAT)?;
    check_nested(obj, WHAT)?;
    let single = composition(obj, WHAT, author, String::new());
    let mut bad = single.malformed;
    let patients = match obj.get("patients") {
        Some(Value::Array(items)) => match items.iter().find(|i| !i.is_string()) {
            Some(item) => {
                malformed(
                    &mut bad,
                    Field::Patients,
                    Error::InvalidArgument(format!(
                        "patients entry {} is not an EMR ID string (R-G2)",
                        short(item)
                    )),
                );
                Vec::new()
            }
            None => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
        },
        None => {
            malformed(
                &mut bad,
                Field::Patients,
                Error::InvalidArgument(format!(
                    "missing key \"patients\" in {WHAT}: a list of EMR IDs (R-G2)"
                )),
            );
            Vec::new()
        }
        Some(other) => {
            malformed(
                &mut bad,
                Field::Patients,
                Error::InvalidArgument(format!(
                    "patients {} is not a list of EMR IDs (R-G2)",
                    short(other)
                )),
            );
            Vec::new()
        }
    };
    Ok(GroupSendRequest {
        author: single.author,
        patients,
        from: single.from,
        subject: single.subject,
        body: single.body,
        attachments: single.attachments,
        unread_notify: single.unread_notify,
        response: single.response,
        allow_reply_attachments: single.allow_reply_attachments,
        mask_name: single.mask_name,
        billable_fee_code: single.billable_fee_code,
        file_to_chart: single.file_to_chart,
        confidential: single.confidential,
        malformed: bad,
    })
}

/// Reads a reply request (the `reply` op of the scenario format): the
/// keys of [`REPLY_KEYS`], `by` and `conversation` required. A request of
/// the wrong shape is `invalid_argument` (module docs).
pub fn reply_request(v: &Value) -> Result<ReplyRequest> {
    const WHAT: &str = "reply request";
    let obj = check_keys(v, WHAT, &REPLY_KEYS, &["by", "conversation"])?;
    let by = id_string(obj, "by", WHAT)?;
    let conversation = id_string(obj, "conversation", WHAT)?;
    check_nested(obj, WHAT)?;
    let mut bad = Vec::new();
    let req = ReplyRequest {
        by,
        conversation,
        body: text_field(obj, "body", WHAT, Field::Body, &mut bad, Error::InvalidBody),
        attachments: attachments(obj, &mut bad),
        from: from(obj, &mut bad),
        unread_notify: interval(obj, &mut bad),
        response: response(obj, &mut bad),
        allow_reply_attachments: flag(
            obj,
            "allow_reply_attachments",
            Field::AllowReplyAttachments,
            &mut bad,
        ),
        mask_name: flag(obj, "mask_name", Field::MaskName, &mut bad),
        billable_fee_code: fee_code(obj, &mut bad),
        file_to_chart: flag(obj, "file_to_chart", Field::FileToChart, &mut bad),
        // R-CF1: a reply that gives the key at all, whatever its value, is
        // refused; `Some` records that it was given.
        confidential: obj
            .get("confidential")
            .map(|c| c.as_bool().unwrap_or(false)),
        malformed: Vec::new(),
    };
    Ok(ReplyRequest {
        malformed: bad,
        ..req
    })
}

fn string(v: &Value, what: &str, key: &str) -> Result<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            Error::InvalidArgument(format!("{key} in {what} {} is not a string", short(v)))
        })
}

fn boolean(v: &Value, what: &str, key: &str) -> Result<bool> {
    v.get(key).and_then(Value::as_bool).ok_or_else(|| {
        Error::InvalidArgument(format!("{key} in {what} {} is not true or false", short(v)))
    })
}

/// A record of the directory holds only the keys its kind defines, and
/// every key it needs (§2).
fn record(v: &Value, what: &str, known: &[&str], required: &[&str]) -> Result<()> {
    check_keys(v, &format!("{what} {} (§2)", short(v)), known, required).map(|_| ())
}

fn list<'a>(v: &'a Value, key: &str) -> Result<&'a [Value]> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(Error::InvalidArgument(format!(
            "directory {key} {} is not a list",
            short(other)
        ))),
    }
}

/// Reads a directory upsert (`accounts`, `patients`, `connections`,
/// `staff`, `workgroups`, each optional); malformed records are
/// `invalid_argument`: an unknown key, a missing key (a patient's
/// `dependent` and `account` and a workgroup's `members` may be left out:
/// not dependent, no account of their own, no members), a value of the
/// wrong type.
pub fn directory(v: &Value) -> Result<DirectoryUpdate> {
    let mut d = DirectoryUpdate::default();
    check_keys(
        v,
        "directory",
        &["accounts", "patients", "connections", "staff", "workgroups"],
        &[],
    )?;
    for a in list(v, "accounts")? {
        const KEYS: [&str; 4] = ["id", "kind", "display_name", "registered"];
        record(a, "account", &KEYS, &KEYS)?;
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
        record(
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
            &["emr_id", "first_name", "last_name", "date_of_birth"],
        )?;
        let account = match p.get("account") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(Error::InvalidArgument(format!(
                    "patient account {} is not a string",
                    short(other)
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
        const KEYS: [&str; 3] = ["caregiver", "patient", "active"];
        record(c, "connection", &KEYS, &KEYS)?;
        d.connections.push(Connection {
            caregiver: string(c, "connection", "caregiver")?,
            patient: string(c, "connection", "patient")?,
            active: boolean(c, "connection", "active")?,
        });
    }
    for s in list(v, "staff")? {
        const KEYS: [&str; 3] = ["id", "display_name", "accepts_direct"];
        record(s, "staff", &KEYS, &KEYS)?;
        d.staff.push(Staff {
            id: string(s, "staff", "id")?,
            display_name: string(s, "staff", "display_name")?,
            accepts_direct: boolean(s, "staff", "accepts_direct")?,
        });
    }
    for w in list(v, "workgroups")? {
        record(w, "workgroup", &["id", "name", "members"], &["id", "name"])?;
        let members = list(w, "members")?
            .iter()
            .map(|m| {
                m.as_str().map(str::to_string).ok_or_else(|| {
                    Error::InvalidArgument(format!("workgroup member {} is not a string", short(m)))
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

    fn base() -> Value {
        json!({"author": "s", "patient": "E1", "from": "direct", "subject": "x", "body": "y"})
    }

    fn with(mut v: Value, key: &str, value: Value) -> Value {
        v[key] = value;
        v
    }

    fn refused(r: Result<impl std::fmt::Debug>) -> String {
        let e = r.unwrap_err();
        assert_eq!(e.code(), "invalid_argument", "{e}");
        e.to_string()
    }

    #[test]
    fn wrong_types_become_malformed_fields_not_early_failures() {
        let r = send_request(&json!({"author": "s", "patient": "E1", "from": "direct",
            "subject": "x", "body": "y", "mask_name": "yes", "response": "maybe",
            "unread_notify": {"count": 1.5, "unit": "days"}}))
        .unwrap();
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
        for days in [json!(3.0), json!("3")] {
            let r = send_request(&with(base(), "response", json!({"required_days": days})));
            assert_eq!(
                r.unwrap().malformed[0].error.code(),
                "invalid_response_deadline"
            );
        }
    }

    #[test]
    fn an_unknown_key_is_refused_naming_it_and_the_request() {
        // A misspelled option never passes for an absent one.
        let m = refused(send_request(&with(base(), "mask_nmae", json!(true))));
        assert!(
            m.contains(r#"unknown key "mask_nmae" in send request (known: author, patient, from"#),
            "{m}"
        );
        let m = refused(send_request(&with(base(), "confidental", json!(true))));
        assert!(m.contains(r#""confidental""#), "{m}");
        let reply = json!({"by": "account:a", "conversation": "c", "body": "b", "maks_name": true});
        let m = refused(reply_request(&reply));
        assert!(
            m.contains(r#"unknown key "maks_name" in reply request"#),
            "{m}"
        );
        // A group send knows `patients`, not `patient`.
        let mut group = with(base(), "patients", json!(["E1"]));
        let m = refused(group_send_request(&group));
        assert!(
            m.contains(r#"unknown key "patient" in group send request"#),
            "{m}"
        );
        group.as_object_mut().unwrap().remove("patient");
        assert!(group_send_request(&group).unwrap().malformed.is_empty());
        // Not an object at all.
        refused(send_request(&json!(["author", "s"])));
    }

    #[test]
    fn a_misspelled_nested_key_is_refused_naming_its_object() {
        let att = json!([{"name": "a.pdf", "media_type": "application/pdf", "text": "a"},
            {"name": "b.pdf", "media_typ": "application/pdf", "text": "b"}]);
        let m = refused(send_request(&with(base(), "attachments", att)));
        assert!(
            m.contains(r#"unknown key "media_typ" in attachments[1] of send request"#),
            "{m}"
        );
        let iv = json!({"count": 2, "unit": "days", "units": "weeks"});
        let m = refused(send_request(&with(base(), "unread_notify", iv)));
        assert!(
            m.contains(
                r#"unknown key "units" in unread_notify of send request (known: count, unit)"#
            ),
            "{m}"
        );
        let reply = json!({"by": "staff:s", "conversation": "c", "body": "b",
            "response": {"required_day": 3}});
        let m = refused(reply_request(&reply));
        assert!(
            m.contains(r#"unknown key "required_day" in response of reply request"#),
            "{m}"
        );
    }

    #[test]
    fn a_missing_required_key_is_refused_naming_it_and_the_object() {
        let mut no_patient = base();
        no_patient.as_object_mut().unwrap().remove("patient");
        let m = refused(send_request(&no_patient));
        assert!(
            m.contains(r#"missing key "patient" in send request (required: author, patient)"#),
            "{m}"
        );
        let m = refused(send_request(&with(base(), "author", json!(null))));
        assert!(
            m.contains("author null in send request is not a string"),
            "{m}"
        );
        let m = refused(reply_request(&json!({"by": "staff:s", "body": "b"})));
        assert!(
            m.contains(r#"missing key "conversation" in reply request"#),
            "{m}"
        );
        let m = refused(group_send_request(&json!({"patients": ["E1"]})));
        assert!(
            m.contains(r#"missing key "author" in group send request"#),
            "{m}"
        );
        for (file, missing) in [
            (json!({"name": "a", "text": "a"}), r#""media_type""#),
            (
                json!({"media_type": "text/plain", "text": "a"}),
                r#""name""#,
            ),
            (
                json!({"name": "a", "media_type": "text/plain"}),
                r#""text" or "content_base64""#,
            ),
        ] {
            let m = refused(send_request(&with(base(), "attachments", json!([file]))));
            assert!(
                m.contains(&format!("missing key {missing}"))
                    && m.contains("in attachments[0] of send request"),
                "{m}"
            );
        }
        let m = refused(send_request(&with(
            base(),
            "unread_notify",
            json!({"count": 2}),
        )));
        assert!(m.contains(r#"missing key "unit" in unread_notify"#), "{m}");
        let m = refused(send_request(&with(base(), "response", json!({}))));
        assert!(
            m.contains(r#"missing key "required_days" in response"#),
            "{m}"
        );
    }

    #[test]
    fn keys_whose_absence_the_spec_places_are_reported_at_their_place() {
        // §15: a missing `from` is invalid_argument at its place (after the
        // author); a missing subject or body fails as that field (R-S2).
        let mut v = base();
        let o = v.as_object_mut().unwrap();
        for k in ["from", "subject", "body"] {
            o.remove(k);
        }
        let r = send_request(&v).unwrap();
        let at: Vec<_> = r
            .malformed
            .iter()
            .map(|m| (m.field, m.error.code()))
            .collect();
        assert_eq!(
            at,
            [
                (Field::From, "invalid_argument"),
                (Field::Subject, "invalid_subject"),
                (Field::Body, "invalid_body"),
            ]
        );
        assert!(r.malformed[0]
            .error
            .to_string()
            .contains(r#"missing key "from" in send request"#));
        let g = group_send_request(&json!({"author": "s", "from": "direct", "subject": "x",
            "body": "y"}))
        .unwrap();
        assert_eq!(g.malformed[0].field, Field::Patients);
        assert!(g.malformed[0]
            .error
            .to_string()
            .contains(r#"missing key "patients""#));
        let reply = reply_request(&json!({"by": "account:a", "conversation": "c"})).unwrap();
        assert_eq!(reply.malformed[0].field, Field::Body);
        assert_eq!(reply.malformed[0].error.code(), "invalid_body");
    }

    #[test]
    fn a_duplicated_key_is_refused_before_the_reader_sees_the_request() {
        let text = r#"{"author": "s", "patient": "E1", "from": "direct", "subject": "x",
            "body": "negative", "patient": "E2"}"#;
        let err = crate::strict_json::parse(text, "send request")
            .and_then(|v| send_request(&v))
            .unwrap_err();
        assert_eq!(err.code(), "invalid_argument");
        assert!(
            err.to_string().contains(r#""patient" appears twice"#),
            "{err}"
        );
        let nested = r#"{"by": "staff:s", "conversation": "c", "body": "b",
            "unread_notify": {"count": 1, "unit": "days", "count": 9}}"#;
        let err = crate::strict_json::parse(nested, "reply request")
            .and_then(|v| reply_request(&v))
            .unwrap_err();
        assert!(err.to_string().contains("object unread_notify"), "{err}");
        // The same text without the repeat reads.
        let ok = crate::strict_json::parse(
            r#"{"author": "s", "patient": "E2", "from": "direct", "subject": "x", "body": "b"}"#,
            "send request",
        )
        .and_then(|v| send_request(&v))
        .unwrap();
        assert_eq!(ok.patient, "E2");
    }

    #[test]
    fn the_scenario_shorthands_are_not_requests() {
        // FORMAT.md: the runners expand them; the library never does.
        assert_eq!(text(&json!({"repeat": "ab", "times": 3})), None);
        let r = send_request(&with(base(), "body", json!({"repeat": "ab", "times": 3}))).unwrap();
        assert_eq!(r.malformed[0].field, Field::Body);
        assert_eq!(r.malformed[0].error.code(), "invalid_body");
        let sized = json!({"name": "x", "media_type": "text/plain", "size": 300});
        let m = refused(attachment(&sized));
        assert!(m.contains(r#"unknown key "size" in attachment"#), "{m}");
        let m = refused(send_request(&with(base(), "attachments", json!([sized]))));
        assert!(m.contains(r#"unknown key "size" in attachments[0]"#), "{m}");
    }

    #[test]
    fn directory_records_with_unknown_or_missing_keys_are_refused() {
        let err = directory(
            &json!({"staff": [{"id": "s", "display_name": "S", "accepts_direct": true, "role": "x"}]}),
        );
        assert!(refused(err).contains(r#"unknown key "role" in staff"#));
        assert!(directory(&json!({"nurses": []})).is_err());
        let m = refused(directory(
            &json!({"staff": [{"id": "s", "display_name": "S"}]}),
        ));
        assert!(
            m.contains(r#"missing key "accepts_direct" in staff"#),
            "{m}"
        );
        let m = refused(directory(&json!({"accounts": [
            {"id": "a", "kind": "patient", "display_name": "A"}]})));
        assert!(m.contains(r#"missing key "registered" in account"#), "{m}");
        let m = refused(directory(&json!({"patients": [
            {"emr_id": "E1", "first_name": "A", "last_name": "B"}]})));
        assert!(
            m.contains(r#"missing key "date_of_birth" in patient"#),
            "{m}"
        );
        let m = refused(directory(&json!({"connections": [
            {"caregiver": "a", "patient": "E1"}]})));
        assert!(m.contains(r#"missing key "active" in connection"#), "{m}");
        let m = refused(directory(
            &json!({"workgroups": [{"id": "w", "members": []}]}),
        ));
        assert!(m.contains(r#"missing key "name" in workgroup"#), "{m}");
        // The documented defaults: dependent, account, members.
        let d = directory(&json!({
            "patients": [{"emr_id": "E1", "first_name": "A", "last_name": "B",
                          "date_of_birth": "1980-01-01"}],
            "workgroups": [{"id": "w", "name": "W"}]}))
        .unwrap();
        assert!(!d.patients[0].dependent && d.patients[0].account.is_none());
        assert!(d.workgroups[0].members.is_empty());
    }

    #[test]
    fn attachments_carry_base64_content() {
        let pdf = json!({"name": "x.pdf", "media_type": "application/pdf", "content_base64": "JVBERi0xLjQ="});
        assert_eq!(attachment(&pdf).unwrap().content, b"%PDF-1.4");
        let bad =
            json!({"name": "x.pdf", "media_type": "application/pdf", "content_base64": "%%%"});
        assert_eq!(attachment(&bad).unwrap_err().code(), "invalid_argument");
        let both =
            json!({"name": "x", "media_type": "text/plain", "text": "a", "content_base64": ""});
        assert!(refused(attachment(&both)).contains("both"));
        let extra = json!({"name": "x", "media_type": "text/plain", "text": "a", "colour": 1});
        assert_eq!(attachment(&extra).unwrap_err().code(), "invalid_argument");
        // A value of the wrong type is reported at the attachments' place.
        let r = send_request(&with(
            base(),
            "attachments",
            json!([{"name": 5, "media_type": "text/plain", "text": "a"}, "x.pdf"]),
        ))
        .unwrap();
        assert_eq!(r.malformed[0].field, Field::Attachments);
        assert_eq!(r.malformed[0].error.code(), "invalid_argument");
    }
}
