//! `pmsg_send_request`: a message to send, built with setters instead of
//! JSON, for `pmsg_conversation_send`, `pmsg_conversation_reply` and
//! `pmsg_group_send`.
//!
//! A setter checks only what C can get wrong (NULL, UTF-8, a value outside
//! an enum or a flag that is not 0 or 1) and reports it at once, naming
//! the argument; the rules (R-S2 and the rest) are the core's, at send
//! time. A setter that fails also marks its field bad, as the JSON reader
//! marks a value of the wrong type (`pmsg_core::Malformed`): a send then
//! reports that error at the field's place in R-S2's order. So a request
//! whose setter failed is never sent, even by a host that ignored the
//! setter's status, and the typed and JSON paths give the same verdicts.

use crate::boundary::{
    arg_bytes, arg_instant, arg_mut, arg_out, arg_ref, arg_str, boundary, boundary_void, invalid,
    FfiResult,
};
use crate::memory::free_box;
use crate::outcome::PmsgOutcome;
use crate::status::PmsgStatus;
use crate::store::{store_of, PmsgStore};
use pmsg_core::{
    Error, Field, GroupSendRequest, Interval, IntervalUnit, Malformed, NewAttachment, ReplyRequest,
    Response, SendRequest, Sender,
};
use std::ffi::c_char;
use std::ptr;

/// The `response` argument of `pmsg_send_request_set_response` (SPEC
/// section 4). It is passed as an `int32_t`, so that a value the host read
/// from its own configuration is checked: one that is none of these is
/// refused. 0 is none of them, so a zeroed variable is refused too.
#[repr(i32)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PmsgResponse {
    /// No reply possible: the conversation closes once sent (R-S4).
    PMSG_RESPONSE_CLOSED = 1,
    /// A reply may come (the default).
    PMSG_RESPONSE_ALLOWED = 2,
    /// A reply is required within `required_days` days (R-D2).
    PMSG_RESPONSE_REQUIRED = 3,
}

/// The `unit` argument of `pmsg_send_request_set_unread_notify`, passed as
/// an `int32_t` (0 is none of them).
#[repr(i32)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PmsgUnit {
    /// Calendar days in the clinic's zone (R-T3).
    PMSG_UNIT_DAYS = 1,
    /// Weeks of 7 calendar days (R-T3).
    PMSG_UNIT_WEEKS = 2,
}

/// Who or what a request names (`author`, `patient`, `by`,
/// `conversation`): not set, set, or refused by its setter.
#[derive(Debug, Clone, Default)]
enum Id {
    #[default]
    Unset,
    Set(String),
    Bad(Error),
}

impl Id {
    fn given(&self) -> bool {
        !matches!(self, Id::Unset)
    }

    /// The value a send needs: set (else `invalid_argument` naming the
    /// setter), or the setter's error.
    fn value(&self, field: &str) -> Result<String, Error> {
        match self {
            Id::Set(s) => Ok(s.clone()),
            Id::Bad(e) => Err(e.clone()),
            Id::Unset => Err(invalid(
                "request",
                format_args!("has no {field}: call pmsg_send_request_set_{field}"),
            )),
        }
    }
}

/// A message to send, built with the `pmsg_send_request_*` setters: the
/// first message of a new conversation (`pmsg_conversation_send`: author,
/// patient), a reply (`pmsg_conversation_reply`: by, conversation), or one
/// composition to many patients (`pmsg_group_send`: author, patients),
/// with the options of SPEC section 4. Create it with
/// `pmsg_send_request_new`, free it with `pmsg_send_request_free`.
///
/// A field not set takes the SPEC default, as a key left out of a JSON
/// request. Setting a field again replaces it (and clears a failed
/// setter's mark); `_add_` functions append. Sending reads the request and
/// leaves it as it was: it may be sent again, changed in between.
/// Setters change it, so one thread at a time may use it.
#[derive(Debug, Default)]
pub struct PmsgSendRequest {
    author: Id,
    patient: Id,
    by: Id,
    conversation: Id,
    /// `Some` once `pmsg_send_request_add_patient` was called.
    patients: Option<Vec<String>>,
    from: Option<Sender>,
    subject: Option<String>,
    body: Option<String>,
    attachments: Option<Vec<NewAttachment>>,
    unread_notify: Option<Interval>,
    response: Option<Response>,
    allow_reply_attachments: Option<bool>,
    mask_name: Option<bool>,
    fee_code: Option<String>,
    file_to_chart: Option<bool>,
    confidential: Option<bool>,
    /// The fields whose setter failed, with its error.
    malformed: Vec<Malformed>,
}

impl PmsgSendRequest {
    /// Records the result of setting `field`: an earlier failure of the
    /// field is forgotten, a new one is kept; the result is returned.
    fn mark(&mut self, field: Field, result: FfiResult) -> FfiResult {
        self.malformed.retain(|m| m.field != field);
        self.add_mark(field, result)
    }

    /// As `mark`, for an `_add_` function: earlier failures stay.
    fn add_mark(&mut self, field: Field, result: FfiResult) -> FfiResult {
        if let Err(e) = &result {
            self.malformed.push(Malformed {
                field,
                error: e.clone(),
            });
        }
        result
    }

    /// `invalid_argument` when the request sets a field that `op` does not
    /// take (as a JSON request with a key its operation does not know).
    fn refuse_fields(&self, op: &str, fields: &[(&str, bool)]) -> FfiResult {
        match fields.iter().find(|(_, set)| *set) {
            Some((field, _)) => Err(invalid(
                "request",
                format_args!("sets `{field}`, which {op} does not take"),
            )),
            None => Ok(()),
        }
    }

    pub(crate) fn send_request(&self) -> Result<SendRequest, Error> {
        self.refuse_fields(
            "pmsg_conversation_send",
            &[
                ("by", self.by.given()),
                ("conversation", self.conversation.given()),
                ("patients", self.patients.is_some()),
            ],
        )?;
        Ok(SendRequest {
            author: self.author.value("author")?,
            patient: self.patient.value("patient")?,
            from: self.from.clone(),
            subject: self.subject.clone().unwrap_or_default(),
            body: self.body.clone().unwrap_or_default(),
            attachments: self.attachments.clone().unwrap_or_default(),
            unread_notify: self.unread_notify,
            response: self.response.unwrap_or_default(),
            allow_reply_attachments: self.allow_reply_attachments.unwrap_or(false),
            mask_name: self.mask_name.unwrap_or(false),
            billable_fee_code: self.fee_code.clone(),
            file_to_chart: self.file_to_chart.unwrap_or(false),
            confidential: self.confidential.unwrap_or(false),
            malformed: self.malformed.clone(),
        })
    }

    pub(crate) fn reply_request(&self) -> Result<ReplyRequest, Error> {
        self.refuse_fields(
            "pmsg_conversation_reply",
            &[
                ("author", self.author.given()),
                ("patient", self.patient.given()),
                ("patients", self.patients.is_some()),
                (
                    "subject",
                    self.subject.is_some() || self.marked(Field::Subject),
                ),
            ],
        )?;
        Ok(ReplyRequest {
            by: self.by.value("by")?,
            conversation: self.conversation.value("conversation")?,
            body: self.body.clone().unwrap_or_default(),
            attachments: self.attachments.clone().unwrap_or_default(),
            from: self.from.clone(),
            unread_notify: self.unread_notify,
            response: self.response,
            allow_reply_attachments: self.allow_reply_attachments,
            mask_name: self.mask_name,
            billable_fee_code: self.fee_code.clone(),
            file_to_chart: self.file_to_chart,
            // R-CF1: the core refuses a reply that gives it at all.
            confidential: self.confidential,
            malformed: self.malformed.clone(),
        })
    }

    pub(crate) fn group_request(&self) -> Result<GroupSendRequest, Error> {
        self.refuse_fields(
            "pmsg_group_send",
            &[
                ("patient", self.patient.given()),
                ("by", self.by.given()),
                ("conversation", self.conversation.given()),
            ],
        )?;
        Ok(GroupSendRequest {
            author: self.author.value("author")?,
            patients: self.patients.clone().unwrap_or_default(),
            from: self.from.clone(),
            subject: self.subject.clone().unwrap_or_default(),
            body: self.body.clone().unwrap_or_default(),
            attachments: self.attachments.clone().unwrap_or_default(),
            unread_notify: self.unread_notify,
            response: self.response.unwrap_or_default(),
            allow_reply_attachments: self.allow_reply_attachments.unwrap_or(false),
            mask_name: self.mask_name.unwrap_or(false),
            billable_fee_code: self.fee_code.clone(),
            file_to_chart: self.file_to_chart.unwrap_or(false),
            confidential: self.confidential.unwrap_or(false),
            malformed: self.malformed.clone(),
        })
    }

    fn marked(&self, field: Field) -> bool {
        self.malformed.iter().any(|m| m.field == field)
    }
}

/// Runs a setter's body on the request.
fn setter(
    request: *mut PmsgSendRequest,
    body: impl FnOnce(&mut PmsgSendRequest) -> FfiResult,
) -> PmsgStatus {
    boundary(|| body(arg_mut(request, "request")?))
}

/// Sets an id field from a string argument.
fn set_id(
    request: *mut PmsgSendRequest,
    value: *const c_char,
    name: &str,
    field: fn(&mut PmsgSendRequest) -> &mut Id,
) -> PmsgStatus {
    setter(request, |r| {
        let read = arg_str(value, name).map(str::to_string);
        *field(r) = match &read {
            Ok(s) => Id::Set(s.clone()),
            Err(e) => Id::Bad(e.clone()),
        };
        read.map(|_| ())
    })
}

/// Sets a text field from a string argument, marking `field` on failure.
fn set_text(
    request: *mut PmsgSendRequest,
    value: *const c_char,
    name: &str,
    field: Field,
    slot: fn(&mut PmsgSendRequest) -> &mut Option<String>,
) -> PmsgStatus {
    setter(request, |r| {
        let read = arg_str(value, name).map(str::to_string);
        *slot(r) = read.as_ref().ok().cloned();
        r.mark(field, read.map(|_| ()))
    })
}

/// A flag argument: 0 or 1, else `invalid_options` (a JSON request's
/// non-boolean flag, §15).
fn flag_of(value: i32, name: &str) -> Result<bool, Error> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        v => Err(Error::InvalidOptions(format!(
            "argument `{name}` = {v} is not 0 (false) or 1 (true)"
        ))),
    }
}

/// Sets a flag field, marking `field` on failure.
fn set_flag(
    request: *mut PmsgSendRequest,
    value: i32,
    name: &str,
    field: Field,
    slot: fn(&mut PmsgSendRequest) -> &mut Option<bool>,
) -> PmsgStatus {
    setter(request, |r| {
        let read = flag_of(value, name);
        *slot(r) = read.as_ref().ok().copied();
        r.mark(field, read.map(|_| ()))
    })
}

/// Creates an empty request: every field unset (the SPEC defaults).
///
/// On success `*out` is a new request: free it with
/// `pmsg_send_request_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `out`).
#[no_mangle]
pub extern "C" fn pmsg_send_request_new(out: *mut *mut PmsgSendRequest) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        *out = Box::into_raw(Box::default());
        Ok(())
    })
}

/// Frees a request. `pmsg_send_request_free(NULL)` does nothing. Never
/// fails.
#[no_mangle]
pub extern "C" fn pmsg_send_request_free(request: *mut PmsgSendRequest) {
    boundary_void(|| free_box(request))
}

/// The author of a send or group send: a staff id (R-S2 checks it first,
/// `PMSG_UNKNOWN_STAFF`).
///
/// Every setter: the strings are copied; nothing to free. Errors:
/// `PMSG_INVALID_ARGUMENT` (NULL `request` or value, a string not UTF-8),
/// naming the argument; a send of a request whose setter failed reports
/// that error.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_author(
    request: *mut PmsgSendRequest,
    author: *const c_char,
) -> PmsgStatus {
    set_id(request, author, "author", |r| &mut r.author)
}

/// The patient of a send: an EMR ID (compared case-insensitively, §15).
/// Errors as `pmsg_send_request_set_author`.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_patient(
    request: *mut PmsgSendRequest,
    patient: *const c_char,
) -> PmsgStatus {
    set_id(request, patient, "patient", |r| &mut r.patient)
}

/// Appends a patient (an EMR ID) to the list of a group send (SPEC section
/// 16), in order; a repeat is dropped by the send (R-G2). A failure marks
/// the list bad: the group send then fails with it at the list's place.
/// Errors as `pmsg_send_request_set_author`.
#[no_mangle]
pub extern "C" fn pmsg_send_request_add_patient(
    request: *mut PmsgSendRequest,
    patient: *const c_char,
) -> PmsgStatus {
    setter(request, |r| {
        let read = arg_str(patient, "patient").map(str::to_string);
        let list = r.patients.get_or_insert_with(Vec::new);
        if let Ok(p) = &read {
            list.push(p.clone());
        }
        r.add_mark(Field::Patients, read.map(|_| ()))
    })
}

/// Who replies (`pmsg_conversation_reply`): `"account:ID"` or `"staff:ID"`.
/// Errors as `pmsg_send_request_set_author`.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_by(
    request: *mut PmsgSendRequest,
    by: *const c_char,
) -> PmsgStatus {
    set_id(request, by, "by", |r| &mut r.by)
}

/// The conversation a reply is in (its id). Errors as
/// `pmsg_send_request_set_author`.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_conversation(
    request: *mut PmsgSendRequest,
    conversation: *const c_char,
) -> PmsgStatus {
    set_id(request, conversation, "conversation", |r| {
        &mut r.conversation
    })
}

/// `from` = the author in person (`direct`, R-S1). A send needs a `from`;
/// a staff reply without one keeps the conversation's (R-M3). Errors:
/// `PMSG_INVALID_ARGUMENT` (NULL `request`).
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_from_direct(request: *mut PmsgSendRequest) -> PmsgStatus {
    setter(request, |r| {
        r.from = Some(Sender::Direct);
        r.mark(Field::From, Ok(()))
    })
}

/// `from` = the workgroup `workgroup` (its id, not empty), which the author
/// must belong to (R-S1). Errors: `PMSG_INVALID_ARGUMENT` (NULL `request`
/// or `workgroup`, not UTF-8, empty), which a send then reports at the
/// `from` place of R-S2.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_from_workgroup(
    request: *mut PmsgSendRequest,
    workgroup: *const c_char,
) -> PmsgStatus {
    setter(request, |r| {
        let read = arg_str(workgroup, "workgroup").and_then(|w| {
            if w.is_empty() {
                Err(invalid(
                    "workgroup",
                    "is empty: give the workgroup's id (R-S1)",
                ))
            } else {
                Ok(Sender::Workgroup(w.to_string()))
            }
        });
        r.from = read.as_ref().ok().cloned();
        r.mark(Field::From, read.map(|_| ()))
    })
}

/// The subject of a send or group send (1-200 characters, one line; R-S2
/// checks it at send). Errors: `PMSG_INVALID_ARGUMENT` (NULL, not UTF-8),
/// which a send then reports at the subject's place.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_subject(
    request: *mut PmsgSendRequest,
    subject: *const c_char,
) -> PmsgStatus {
    set_text(request, subject, "subject", Field::Subject, |r| {
        &mut r.subject
    })
}

/// The body (1-20,000 characters; R-S2 checks it at send). Errors:
/// `PMSG_INVALID_ARGUMENT` (NULL, not UTF-8), which a send then reports at
/// the body's place.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_body(
    request: *mut PmsgSendRequest,
    body: *const c_char,
) -> PmsgStatus {
    set_text(request, body, "body", Field::Body, |r| &mut r.body)
}

/// Appends a file: its `name`, its `media_type` (e.g.
/// `"application/pdf"`) and `len` bytes at `bytes` (copied; `bytes` may be
/// NULL when `len` is 0). R-S2 checks the count, names, types and sizes at
/// send. Errors: `PMSG_INVALID_ARGUMENT` (NULL `request`, `name` or
/// `media_type`, a string not UTF-8, NULL `bytes` with `len` above 0),
/// which a send then reports at the attachments' place.
#[no_mangle]
pub extern "C" fn pmsg_send_request_add_attachment(
    request: *mut PmsgSendRequest,
    name: *const c_char,
    media_type: *const c_char,
    bytes: *const u8,
    len: usize,
) -> PmsgStatus {
    setter(request, |r| {
        let read = (|| {
            let name = arg_str(name, "name")?;
            let media_type = arg_str(media_type, "media_type")?;
            let content = arg_bytes(bytes, len, "bytes")?.to_vec();
            Ok(NewAttachment {
                name: name.to_string(),
                media_type: media_type.to_string(),
                content,
            })
        })();
        let files = r.attachments.get_or_insert_with(Vec::new);
        let read = read.map(|file| files.push(file));
        r.add_mark(Field::Attachments, read)
    })
}

/// Reminds the `from` identity when the message is still unread after
/// `count` `unit`s (R-D3): `unit` is `PMSG_UNIT_DAYS` or
/// `PMSG_UNIT_WEEKS`; `count` is checked at send (1 or more, at most
/// config `max_deadline_days` days in all). Errors: `PMSG_INVALID_ARGUMENT`
/// (NULL `request`), `PMSG_INVALID_NOTIFY_INTERVAL` (`unit` none of them),
/// which a send then reports at the interval's place.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_unread_notify(
    request: *mut PmsgSendRequest,
    count: i64,
    unit: i32,
) -> PmsgStatus {
    setter(request, |r| {
        let read = match unit {
            u if u == PmsgUnit::PMSG_UNIT_DAYS as i32 => Ok(IntervalUnit::Days),
            u if u == PmsgUnit::PMSG_UNIT_WEEKS as i32 => Ok(IntervalUnit::Weeks),
            u => Err(Error::InvalidNotifyInterval(format!(
                "argument `unit` = {u} is not PMSG_UNIT_DAYS (1) or PMSG_UNIT_WEEKS (2)"
            ))),
        };
        r.unread_notify = read.as_ref().ok().map(|&unit| Interval { count, unit });
        r.mark(Field::UnreadNotify, read.map(|_| ()))
    })
}

/// The response option (SPEC section 4): `response` is
/// `PMSG_RESPONSE_CLOSED`, `PMSG_RESPONSE_ALLOWED` (the default) or
/// `PMSG_RESPONSE_REQUIRED`, whose `required_days` (checked at send: 1 to
/// config `max_deadline_days`, R-D2) the others do not take (pass 0).
/// One setter with a `pmsg_response` value, not three, so that a value the
/// host read from its own data is checked as a JSON request's word is.
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `request`),
/// `PMSG_INVALID_OPTIONS` (`response` none of them, or `required_days`
/// not 0 without `PMSG_RESPONSE_REQUIRED`), which a send then reports at
/// the response's place.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_response(
    request: *mut PmsgSendRequest,
    response: i32,
    required_days: i64,
) -> PmsgStatus {
    use PmsgResponse::*;
    setter(request, |r| {
        let read = match response {
            v if v == PMSG_RESPONSE_REQUIRED as i32 => Ok(Response::Required {
                days: required_days,
            }),
            v if v == PMSG_RESPONSE_CLOSED as i32 || v == PMSG_RESPONSE_ALLOWED as i32 => {
                if required_days != 0 {
                    Err(Error::InvalidOptions(format!(
                        "argument `required_days` = {required_days} is for \
                         PMSG_RESPONSE_REQUIRED only: pass 0 with {}",
                        if v == PMSG_RESPONSE_CLOSED as i32 {
                            "PMSG_RESPONSE_CLOSED"
                        } else {
                            "PMSG_RESPONSE_ALLOWED"
                        }
                    )))
                } else if v == PMSG_RESPONSE_CLOSED as i32 {
                    Ok(Response::Closed)
                } else {
                    Ok(Response::Allowed)
                }
            }
            v => Err(Error::InvalidOptions(format!(
                "argument `response` = {v} is not PMSG_RESPONSE_CLOSED (1), \
                 PMSG_RESPONSE_ALLOWED (2) or PMSG_RESPONSE_REQUIRED (3)"
            ))),
        };
        r.response = read.as_ref().ok().copied();
        r.mark(Field::Response, read.map(|_| ()))
    })
}

/// Lets the patient attach files to a reply (1) or not (0, the default);
/// with a response allowed or required only (R-S2, at send). Errors:
/// `PMSG_INVALID_ARGUMENT` (NULL `request`), `PMSG_INVALID_OPTIONS` (a
/// value other than 0 or 1), which a send then reports at the flag's place.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_allow_reply_attachments(
    request: *mut PmsgSendRequest,
    allow_reply_attachments: i32,
) -> PmsgStatus {
    set_flag(
        request,
        allow_reply_attachments,
        "allow_reply_attachments",
        Field::AllowReplyAttachments,
        |r| &mut r.allow_reply_attachments,
    )
}

/// Shows the sender to the patient side as `Clinic Staff` (1) or not (0,
/// the default) (R-S5). Errors as
/// `pmsg_send_request_set_allow_reply_attachments`.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_mask_name(
    request: *mut PmsgSendRequest,
    mask_name: i32,
) -> PmsgStatus {
    set_flag(request, mask_name, "mask_name", Field::MaskName, |r| {
        &mut r.mask_name
    })
}

/// The fee code to bill (R-B1; checked at send: 1-10 of A-Z and 0-9 after
/// trimming and upper-casing, and in the configured list if there is one).
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL, not UTF-8), which a send then
/// reports at the fee code's place.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_fee_code(
    request: *mut PmsgSendRequest,
    fee_code: *const c_char,
) -> PmsgStatus {
    set_text(request, fee_code, "fee_code", Field::BillableFeeCode, |r| {
        &mut r.fee_code
    })
}

/// "Send and Download" (R-C2): also return the chart document in the
/// outcome (1), or not (0, the default); a group send refuses 1 (R-G1).
/// Errors as `pmsg_send_request_set_allow_reply_attachments`.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_file_to_chart(
    request: *mut PmsgSendRequest,
    file_to_chart: i32,
) -> PmsgStatus {
    set_flag(
        request,
        file_to_chart,
        "file_to_chart",
        Field::FileToChart,
        |r| &mut r.file_to_chart,
    )
}

/// A confidential conversation (1) or not (0, the default) (SPEC section
/// 18): it and every later staff message go to the patient's own
/// registered account only, and caregivers never see it (R-CF1 to R-CF3).
/// Only a conversation's first message gives it: a reply that sets it, to
/// either value, is refused at send (`PMSG_INVALID_OPTIONS`, R-CF1).
/// Errors as `pmsg_send_request_set_allow_reply_attachments`.
#[no_mangle]
pub extern "C" fn pmsg_send_request_set_confidential(
    request: *mut PmsgSendRequest,
    confidential: i32,
) -> PmsgStatus {
    set_flag(
        request,
        confidential,
        "confidential",
        Field::Confidential,
        |r| &mut r.confidential,
    )
}

/// Sends the first message of a new conversation at `now_ms`, as
/// `pmsg_send_json` does, from a request built with the setters: its
/// `author` and `patient` and the options set (a request that sets `by`,
/// `conversation` or patients of a group is refused, as is one without an
/// author or patient). The core checks every rule, in R-S2's order, and a
/// setter's failure at its field's place; verdicts are those of
/// `pmsg_send_json` for the same request written as JSON.
///
/// On success `*out` is a new outcome: free it with `pmsg_outcome_free`.
/// `request` is only read: free it (or send it again) afterwards.
/// Thread-safe for the store. Errors: `PMSG_INVALID_ARGUMENT` (a NULL
/// pointer, `now_ms` out of range, a field this call does not take, no
/// author or patient), then those of `pmsg_send_json`. A failed send
/// changes nothing and leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_conversation_send(
    store: *const PmsgStore,
    request: *const PmsgSendRequest,
    now_ms: i64,
    out: *mut *mut PmsgOutcome,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let request = arg_ref(request, "request")?.send_request()?;
        let now = arg_instant(now_ms, "now_ms")?;
        let outcome = store.send(&request, now)?;
        *out = Box::into_raw(Box::new(PmsgOutcome::new(outcome)));
        Ok(())
    })
}

/// Replies in a conversation at `now_ms`, as `pmsg_reply_json` does, from
/// a request built with the setters: its `by` and `conversation`, its body
/// and attachments and, for staff only, the options set (a request that
/// sets an author, a patient, patients of a group or a subject is refused,
/// as is one without `by` or conversation). Setting `confidential` at all
/// is refused by the core (R-CF1). Verdicts are those of `pmsg_reply_json`.
///
/// On success `*out` is a new outcome: free it with `pmsg_outcome_free`.
/// Thread-safe for the store. Errors: `PMSG_INVALID_ARGUMENT` (a NULL
/// pointer, `now_ms` out of range, a field this call does not take, no
/// `by` or conversation), then those of `pmsg_reply_json`. A failed reply
/// changes nothing (except the audit entry of a refusal) and leaves `*out`
/// NULL.
#[no_mangle]
pub extern "C" fn pmsg_conversation_reply(
    store: *const PmsgStore,
    request: *const PmsgSendRequest,
    now_ms: i64,
    out: *mut *mut PmsgOutcome,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let request = arg_ref(request, "request")?.reply_request()?;
        let now = arg_instant(now_ms, "now_ms")?;
        let outcome = store.reply(&request, now)?;
        *out = Box::into_raw(Box::new(PmsgOutcome::new(outcome)));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new() -> *mut PmsgSendRequest {
        let mut r = ptr::null_mut();
        assert_eq!(pmsg_send_request_new(&mut r), PmsgStatus::PMSG_OK);
        r
    }

    fn ok(status: PmsgStatus) {
        assert_eq!(status, PmsgStatus::PMSG_OK);
    }

    #[test]
    fn every_setter_fills_its_field_of_the_cores_request() {
        let r = new();
        ok(pmsg_send_request_set_author(r, c"s-dr".as_ptr()));
        ok(pmsg_send_request_set_patient(r, c"E100".as_ptr()));
        ok(pmsg_send_request_set_from_workgroup(r, c"w-front".as_ptr()));
        ok(pmsg_send_request_set_subject(r, c"S".as_ptr()));
        ok(pmsg_send_request_set_body(r, c"B".as_ptr()));
        ok(pmsg_send_request_add_attachment(
            r,
            c"a.pdf".as_ptr(),
            c"application/pdf".as_ptr(),
            b"%PDF".as_ptr(),
            4,
        ));
        ok(pmsg_send_request_set_unread_notify(
            r,
            2,
            PmsgUnit::PMSG_UNIT_WEEKS as i32,
        ));
        ok(pmsg_send_request_set_response(
            r,
            PmsgResponse::PMSG_RESPONSE_REQUIRED as i32,
            5,
        ));
        ok(pmsg_send_request_set_allow_reply_attachments(r, 1));
        ok(pmsg_send_request_set_mask_name(r, 1));
        ok(pmsg_send_request_set_fee_code(r, c"K1".as_ptr()));
        ok(pmsg_send_request_set_file_to_chart(r, 1));
        ok(pmsg_send_request_set_confidential(r, 1));
        // SAFETY: `r` came from pmsg_send_request_new.
        let req = unsafe { &*r }.send_request().unwrap();
        assert_eq!(
            req,
            SendRequest {
                author: "s-dr".into(),
                patient: "E100".into(),
                from: Some(Sender::Workgroup("w-front".into())),
                subject: "S".into(),
                body: "B".into(),
                attachments: vec![NewAttachment {
                    name: "a.pdf".into(),
                    media_type: "application/pdf".into(),
                    content: b"%PDF".to_vec(),
                }],
                unread_notify: Some(Interval {
                    count: 2,
                    unit: IntervalUnit::Weeks,
                }),
                response: Response::Required { days: 5 },
                allow_reply_attachments: true,
                mask_name: true,
                billable_fee_code: Some("K1".into()),
                file_to_chart: true,
                confidential: true,
                malformed: vec![],
            }
        );
        pmsg_send_request_free(r);
    }

    #[test]
    fn unset_fields_are_the_defaults_and_a_reply_keeps_them_unset() {
        let r = new();
        ok(pmsg_send_request_set_by(r, c"account:a".as_ptr()));
        ok(pmsg_send_request_set_conversation(r, c"c1".as_ptr()));
        // SAFETY: `r` came from pmsg_send_request_new.
        let req = unsafe { &*r }.reply_request().unwrap();
        assert_eq!(
            req,
            ReplyRequest {
                by: "account:a".into(),
                conversation: "c1".into(),
                ..ReplyRequest::default()
            }
        );
        pmsg_send_request_free(r);
    }

    #[test]
    fn a_failed_setter_marks_its_field_until_it_is_set_again() {
        let r = new();
        assert_eq!(
            pmsg_send_request_set_mask_name(r, 3),
            PmsgStatus::PMSG_INVALID_OPTIONS
        );
        assert_eq!(
            pmsg_send_request_add_attachment(r, ptr::null(), c"x".as_ptr(), ptr::null(), 0),
            PmsgStatus::PMSG_INVALID_ARGUMENT
        );
        // SAFETY: `r` came from pmsg_send_request_new.
        let fields = |r: *mut PmsgSendRequest| -> Vec<Field> {
            unsafe { &*r }.malformed.iter().map(|m| m.field).collect()
        };
        assert_eq!(fields(r), vec![Field::MaskName, Field::Attachments]);
        ok(pmsg_send_request_set_mask_name(r, 0));
        assert_eq!(fields(r), vec![Field::Attachments]);
        pmsg_send_request_free(r);
    }
}
