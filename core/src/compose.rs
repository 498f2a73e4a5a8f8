//! Composing (SPEC §4, R-S2): the field checks of a staff message or reply,
//! in the order R-S2 gives. Pure: the directory checks (author, `from`,
//! patient, routing) run before these, in `messaging`.

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::model::{Field, Interval, IntervalUnit, Malformed, NewAttachment, Response};

/// Longest subject, in Unicode scalar values (§4).
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Longest body, in Unicode scalar values (§4).
pub const MAX_BODY_CHARS: usize = 20_000;
/// Most attachments on one message (§4).
pub const MAX_ATTACHMENTS: usize = 10;

/// The options of a staff message once every check has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StaffOptions {
    pub unread_notify: Option<Interval>,
    pub response: Response,
    pub allow_reply_attachments: bool,
    pub mask_name: bool,
    pub fee_code: Option<String>,
    pub file_to_chart: bool,
}

/// The staff-side fields, as given, to be checked in R-S2 order.
pub(crate) struct StaffFields<'a> {
    pub subject: Option<&'a str>,
    pub body: &'a str,
    pub attachments: &'a [NewAttachment],
    pub unread_notify: Option<Interval>,
    pub response: Response,
    pub allow_reply_attachments: bool,
    pub mask_name: bool,
    pub fee_code: Option<&'a str>,
    pub file_to_chart: bool,
    pub malformed: &'a [Malformed],
}

/// The first malformed entry for `field`, as an error.
pub(crate) fn malformed_at(malformed: &[Malformed], field: Field) -> Result<()> {
    match malformed.iter().find(|m| m.field == field) {
        Some(m) => Err(m.error.clone()),
        None => Ok(()),
    }
}

/// R-S2: checks the fields of a staff message in the table's order.
pub(crate) fn check_staff_fields(f: &StaffFields, s: &Settings) -> Result<StaffOptions> {
    malformed_at(f.malformed, Field::Subject)?;
    if let Some(subject) = f.subject {
        check_subject(subject)?;
    }
    malformed_at(f.malformed, Field::Body)?;
    check_body(f.body)?;
    malformed_at(f.malformed, Field::Attachments)?;
    check_attachments(f.attachments, s)?;
    malformed_at(f.malformed, Field::UnreadNotify)?;
    if let Some(iv) = f.unread_notify {
        interval_days(iv, s)?;
    }
    malformed_at(f.malformed, Field::Response)?;
    if let Response::Required { days } = f.response {
        if days < 1 || days > i64::from(s.max_deadline_days) {
            return Err(Error::InvalidResponseDeadline(format!(
                "required within {days} days, must be 1..={}",
                s.max_deadline_days
            )));
        }
    }
    malformed_at(f.malformed, Field::AllowReplyAttachments)?;
    if f.allow_reply_attachments && f.response == Response::Closed {
        return Err(Error::InvalidOptions(
            "allow_reply_attachments needs response 'allowed' or 'required', not 'closed'".into(),
        ));
    }
    malformed_at(f.malformed, Field::MaskName)?;
    malformed_at(f.malformed, Field::BillableFeeCode)?;
    let fee_code = match f.fee_code {
        Some(code) => Some(check_fee_code(code, s)?),
        None => None,
    };
    malformed_at(f.malformed, Field::FileToChart)?;
    Ok(StaffOptions {
        unread_notify: f.unread_notify,
        response: f.response,
        allow_reply_attachments: f.allow_reply_attachments,
        mask_name: f.mask_name,
        fee_code,
        file_to_chart: f.file_to_chart,
    })
}

/// Line breaks a subject may not contain (R-S2).
fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// R-S2: 1–200 scalar values, a non-whitespace character, one line, no control character.
pub(crate) fn check_subject(subject: &str) -> Result<()> {
    let n = subject.chars().count();
    if n == 0 || n > MAX_SUBJECT_CHARS {
        return Err(Error::InvalidSubject(format!(
            "{} characters, must be 1..={MAX_SUBJECT_CHARS}",
            n
        )));
    }
    if subject.chars().all(char::is_whitespace) {
        return Err(Error::InvalidSubject(format!(
            "{subject:?} has no non-whitespace character"
        )));
    }
    if let Some(c) = subject.chars().find(|c| is_line_break(*c)) {
        return Err(Error::InvalidSubject(format!(
            "contains line break U+{:04X}, must be one line",
            c as u32
        )));
    }
    if let Some(c) = subject.chars().find(|c| c.is_control()) {
        return Err(Error::InvalidSubject(format!(
            "contains control character U+{:04X}",
            c as u32
        )));
    }
    Ok(())
}

/// R-S2: 1–20,000 scalar values, a non-whitespace character, LF/CR/TAB the only controls.
pub(crate) fn check_body(body: &str) -> Result<()> {
    let n = body.chars().count();
    if n == 0 || n > MAX_BODY_CHARS {
        return Err(Error::InvalidBody(format!(
            "{n} characters, must be 1..={MAX_BODY_CHARS}"
        )));
    }
    if body.chars().all(char::is_whitespace) {
        return Err(Error::InvalidBody("no non-whitespace character".into()));
    }
    if let Some(c) = body
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::InvalidBody(format!(
            "contains control character U+{:04X}",
            c as u32
        )));
    }
    Ok(())
}

/// R-S2, §15: the count first, then each file: name, media type, size.
pub(crate) fn check_attachments(files: &[NewAttachment], s: &Settings) -> Result<()> {
    if files.len() > MAX_ATTACHMENTS {
        return Err(Error::TooManyAttachments {
            count: files.len(),
            max: MAX_ATTACHMENTS,
        });
    }
    for (i, f) in files.iter().enumerate() {
        if f.name.trim().is_empty() || f.name.chars().any(char::is_control) {
            return Err(Error::InvalidArgument(format!(
                "attachment {} needs a non-empty name without control characters, not {:?} (R-S2)",
                i + 1,
                f.name
            )));
        }
        let essence = media_type_essence(&f.media_type);
        if !s.allowed_media_types.contains(&essence) {
            return Err(Error::AttachmentTypeNotAllowed {
                name: f.name.clone(),
                media_type: f.media_type.clone(),
            });
        }
        let size = f.content.len() as u64;
        if size > s.max_attachment_bytes {
            return Err(Error::AttachmentTooLarge {
                name: f.name.clone(),
                size,
                max: s.max_attachment_bytes,
            });
        }
    }
    Ok(())
}

/// A media type compared case-insensitively, ignoring parameters (R-S2).
pub fn media_type_essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// R-S2: N days or N weeks, N ≥ 1, total ≤ `max_deadline_days`. Returns the days.
pub(crate) fn interval_days(iv: Interval, s: &Settings) -> Result<u32> {
    let per = match iv.unit {
        IntervalUnit::Days => 1,
        IntervalUnit::Weeks => 7,
    };
    let days = iv.count.checked_mul(per);
    match days {
        Some(d) if iv.count >= 1 && d <= i64::from(s.max_deadline_days) => Ok(d as u32),
        _ => Err(Error::InvalidNotifyInterval(format!(
            "{} {}, must be at least 1 and at most {} days in total",
            iv.count,
            match iv.unit {
                IntervalUnit::Days => "days",
                IntervalUnit::Weeks => "weeks",
            },
            s.max_deadline_days
        ))),
    }
}

/// Fee codes: trim ASCII whitespace, upper-case ASCII, then 1–10 of A–Z, 0–9.
pub fn normalize_fee_code(code: &str) -> Option<String> {
    let c = code
        .trim_matches(|ch: char| ch.is_ascii_whitespace())
        .to_ascii_uppercase();
    let ok = (1..=10).contains(&c.len())
        && c.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    ok.then_some(c)
}

/// R-S2: a well-formed fee code, one of the configured list when there is one.
pub(crate) fn check_fee_code(code: &str, s: &Settings) -> Result<String> {
    let c = normalize_fee_code(code).ok_or_else(|| Error::InvalidFeeCode {
        code: code.to_string(),
        why: "must be 1-10 of A-Z and 0-9 after trimming".into(),
    })?;
    if !s.fee_codes.is_empty() && !s.fee_codes.contains(&c) {
        return Err(Error::InvalidFeeCode {
            code: code.to_string(),
            why: "not in the configured fee_codes".into(),
        });
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn settings() -> Settings {
        Config::default().resolve().unwrap()
    }

    #[test]
    fn subject_rejects_every_line_break_and_control() {
        for s in [
            "a\nb",
            "a\rb",
            "a\u{85}b",
            "a\u{2028}b",
            "a\u{2029}b",
            "a\u{7}b",
            "a\tb",
        ] {
            assert_eq!(
                check_subject(s).unwrap_err().code(),
                "invalid_subject",
                "{s:?}"
            );
        }
        assert!(
            check_subject("a\u{200B}b").is_ok(),
            "Cf format characters are text (§15)"
        );
    }

    #[test]
    fn subject_counts_scalar_values_not_bytes() {
        assert!(check_subject(&"é".repeat(200)).is_ok());
        assert!(check_subject(&"é".repeat(201)).is_err());
        assert!(
            check_subject("\u{3000}\u{A0}").is_err(),
            "Unicode White_Space only"
        );
    }

    #[test]
    fn body_allows_lf_cr_tab_only() {
        assert!(check_body("a\r\n\tb").is_ok());
        assert_eq!(check_body("a\u{0}b").unwrap_err().code(), "invalid_body");
        assert_eq!(check_body(" \n\t").unwrap_err().code(), "invalid_body");
    }

    #[test]
    fn fee_codes_trim_ascii_whitespace_and_upper_case() {
        assert_eq!(normalize_fee_code(" k083 ").as_deref(), Some("K083"));
        assert_eq!(normalize_fee_code("\tA1\r\n").as_deref(), Some("A1"));
        assert_eq!(normalize_fee_code("K0-83"), None);
        assert_eq!(normalize_fee_code("   "), None);
        assert_eq!(
            normalize_fee_code("\u{A0}K083"),
            None,
            "only ASCII whitespace is trimmed"
        );
        assert_eq!(normalize_fee_code("ABCDEFGHIJK"), None);
    }

    #[test]
    fn media_types_ignore_case_and_parameters() {
        assert_eq!(
            media_type_essence("Text/Plain; charset=utf-8"),
            "text/plain"
        );
    }

    #[test]
    fn notify_interval_bounds() {
        let s = settings();
        let iv = |count, unit| Interval { count, unit };
        assert_eq!(interval_days(iv(52, IntervalUnit::Weeks), &s).unwrap(), 364);
        assert!(interval_days(iv(53, IntervalUnit::Weeks), &s).is_err());
        assert!(interval_days(iv(0, IntervalUnit::Days), &s).is_err());
        assert!(interval_days(iv(i64::MAX, IntervalUnit::Weeks), &s).is_err());
    }
}
