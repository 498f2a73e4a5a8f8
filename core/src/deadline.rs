//! Deadlines and clinic-local time (SPEC R-T1, R-T3, R-T4, R-R3; §15 "Shown
//! instants", "Instants"), and the range of instants pmsg accepts
//! ([`check_now`]).
//!
//! Pure functions of instants, dates and the clinic's IANA zone: nothing here
//! reads the clock (R-T1) or touches storage. One rule turns a local
//! wall-clock time into an instant ([`local_to_utc`]): a time in a
//! spring-forward gap moves forward by the gap's length, a time in a
//! fall-back fold takes the earlier of its two instants (R-T3).

use crate::error::{Error, Result};
use chrono::{
    DateTime, Datelike, Days, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset,
    TimeDelta, TimeZone, Utc,
};
use chrono_tz::{GapInfo, Tz};

/// The earliest instant pmsg accepts as `now` or as a text instant:
/// 1970-01-02T00:00:00Z, in milliseconds since the Unix epoch.
pub const EARLIEST_MS: i64 = 86_400_000;

/// The latest instant pmsg accepts as `now` or as a text instant:
/// 9999-12-29T23:59:59Z (its last millisecond, `.999`, is outside).
pub const LATEST_MS: i64 = 253_402_127_999_000;

/// The latest instant pmsg shows: 9999-12-31T09:59:59Z, the last second of
/// year 9999 in the easternmost zone (UTC+14:00). A deadline derived from
/// `now` may not fall after it ([`check_shown`]).
pub const LATEST_SHOWN_MS: i64 = 253_402_250_399_000;

/// [`EARLIEST_MS`] ..= [`LATEST_MS`], as the error messages write it.
pub const ACCEPTED_RANGE: &str = "1970-01-02T00:00:00Z ..= 9999-12-29T23:59:59Z";

/// R-T1: refuses (`invalid_argument`, naming the value and the range) a
/// `now` outside [`ACCEPTED_RANGE`], so that every shown instant, in every
/// IANA zone, is an RFC 3339 date-time with a four-digit year and an
/// offset, and a valid FHIR `instant`. The day of margin at each end keeps
/// the clinic-local date of `now` within 1970-01-01 ..= 9999-12-31 whatever
/// the zone's offset (all are within ±24 hours), and room at the top for a
/// claim's lease (at most a day, R-D7) in UTC+14:00. A host that passes
/// microseconds where milliseconds are due (year 58,000) is told at once.
pub fn check_now(now: DateTime<Utc>) -> Result<()> {
    let ms = now.timestamp_millis();
    if (EARLIEST_MS..=LATEST_MS).contains(&ms) {
        return Ok(());
    }
    Err(Error::InvalidArgument(format!(
        "now {} ({ms} ms since the Unix epoch) is outside the instants pmsg accepts, \
         {ACCEPTED_RANGE} (milliseconds since the epoch, UTC) (R-T1)",
        now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    )))
}

/// R-T1: whether a deadline derived from an accepted `now` (`now` + N
/// days) can still be shown in every zone: at most [`LATEST_SHOWN_MS`].
/// `Err` holds the reason, for the caller's error code.
pub fn check_shown(instant: DateTime<Utc>, what: &str) -> std::result::Result<(), String> {
    if instant.timestamp_millis() <= LATEST_SHOWN_MS {
        return Ok(());
    }
    Err(format!(
        "{what} would fall at {}, after 9999-12-31T09:59:59Z, the last instant \
         every zone shows in year 9999 (R-T1)",
        instant.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    ))
}

/// R-T3: "in N days" from `start`: add `days` calendar days to the clinic-local
/// date and keep the local wall-clock time, resolved by [`local_to_utc`]
/// (a gap shifts forward by its length, a fold takes the earlier instant).
/// "N weeks" is `add_days(start, zone, 7 * n)`.
///
/// Saturates at `DateTime::<Utc>::MAX_UTC` past the end of chrono's range
/// (hundreds of millennia; callers cap days at `max_deadline_days`).
pub fn add_days(start: DateTime<Utc>, zone: Tz, days: u32) -> DateTime<Utc> {
    let local = start.with_timezone(&zone).naive_local();
    match local.checked_add_days(Days::new(u64::from(days))) {
        Some(target) => local_to_utc(target, zone),
        None => DateTime::<Utc>::MAX_UTC,
    }
}

/// R-T3: the instant a clinic-local wall-clock time stands for.
///
/// - A time that exists once is that instant.
/// - A time in a fall-back fold (it exists twice) is the earlier instant.
/// - A time in a spring-forward gap (it never exists) is shifted forward by
///   the gap's length, the difference between the UTC offsets after and
///   before the gap: 02:30 in a one-hour gap is 03:30, and Pacific/Apia's
///   2011-12-30 09:00 (a 24-hour gap) is 2011-12-31 09:00. Equivalently, it
///   is read with the offset in force just before the gap, so local midnight
///   on a day whose clocks jump at midnight is the first instant of that day.
///
/// Local times so close to the ends of chrono's range that their instant is
/// not representable saturate at `MIN_UTC` / `MAX_UTC`.
pub fn local_to_utc(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            let offset_before_gap = GapInfo::new(&local, &zone)
                .and_then(|gap| gap.begin)
                .map(|(_, offset)| offset.fix());
            offset_before_gap
                .and_then(|offset| read_with_offset(local, offset))
                .unwrap_or_else(|| saturated(local))
        }
    }
}

/// `local` read as a wall-clock time at a fixed UTC offset, if representable.
fn read_with_offset(local: NaiveDateTime, offset: FixedOffset) -> Option<DateTime<Utc>> {
    let utc = local.checked_sub_signed(TimeDelta::seconds(i64::from(offset.local_minus_utc())))?;
    Some(utc.and_utc())
}

/// The end of chrono's range nearest to a local time whose instant is out of it.
fn saturated(local: NaiveDateTime) -> DateTime<Utc> {
    if local.year() > 0 {
        DateTime::<Utc>::MAX_UTC
    } else {
        DateTime::<Utc>::MIN_UTC
    }
}

/// R-T4: an instant is due at `now` when `due_at <= now`.
pub fn is_due(due_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    due_at <= now
}

/// R-T1, §15 "Shown instants": `instant` as an RFC 3339 clinic-local time
/// with whole seconds (sub-seconds truncated) and a numeric offset, `+00:00`
/// for UTC (never `Z`): `2026-03-10T09:00:00-04:00`.
///
/// RFC 3339 offsets have whole minutes. The few historic local mean times
/// with seconds in their offset (Toronto before 1895 was −05:17:32) are
/// shown at the offset rounded to the minute, with the wall-clock time that
/// goes with it, so the text still names exactly `instant` (to the second).
pub fn format_local(instant: DateTime<Utc>, zone: Tz) -> String {
    let offset_seconds = instant
        .with_timezone(&zone)
        .offset()
        .fix()
        .local_minus_utc();
    let to_nearest_minute = (offset_seconds + 30).div_euclid(60) * 60;
    match FixedOffset::east_opt(to_nearest_minute) {
        Some(offset) => instant
            .with_timezone(&offset)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        None => instant.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
    }
}

/// R-T1, §15 "Instants": parse an instant written as an RFC 3339 date-time
/// with seconds and an offset: `2026-03-10T09:00:00-04:00`,
/// `2026-03-10T13:00:00Z`, optionally with a fraction of a second. The
/// separator is `T` and the UTC designator `Z` (either may be lower case, as
/// RFC 3339 allows); the offset only locates the instant.
///
/// Anything else (no seconds, no offset, a space for `T`, `+0000`, extra
/// text) is `Error::InvalidArgument`, and so is an instant outside
/// [`ACCEPTED_RANGE`] (as [`check_now`]).
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>> {
    let refuse = |why: &str| {
        Error::InvalidArgument(format!(
            "instant {text:?} is not an RFC 3339 date-time with seconds and an offset, \
             like 2026-03-10T09:00:00-04:00 ({why}) (R-T1)"
        ))
    };
    let instant = DateTime::parse_from_rfc3339(text).map_err(|e| refuse(&e.to_string()))?;
    // chrono also takes a space for the `T` of RFC 3339's
    // `full-date "T" full-time`; this parser does not.
    if !matches!(text.as_bytes().get(10), Some(b'T' | b't')) {
        return Err(refuse("the date and time must be joined by T"));
    }
    let instant = instant.with_timezone(&Utc);
    if !(EARLIEST_MS..=LATEST_MS).contains(&instant.timestamp_millis()) {
        return Err(Error::InvalidArgument(format!(
            "instant {text:?} is outside the instants pmsg accepts, {ACCEPTED_RANGE} (R-T1)"
        )));
    }
    Ok(instant)
}

/// The clinic-local calendar date of an instant.
pub fn local_date(instant: DateTime<Utc>, zone: Tz) -> NaiveDate {
    instant.with_timezone(&zone).date_naive()
}

/// Parse a calendar date written strictly as `YYYY-MM-DD` (four-digit year,
/// two-digit month and day, a date that exists: `2026-02-29` does not).
/// Anything else is `Error::InvalidArgument`.
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    let refuse = |why: &str| {
        Error::InvalidArgument(format!(
            "date {text:?} is not a YYYY-MM-DD calendar date like 2026-03-10 ({why})"
        ))
    };
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err(refuse("wrong shape"));
    }
    // chrono alone would also take `2026-3-5` or `+2026-03-05`.
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| refuse("no such day"))
}

/// R-R3: age in whole years on the date `on` (both clinic-local dates).
/// The birthday in a year is the same month and day, except that a
/// 29 February birthday falls on 1 March in non-leap years: born 2008-02-29,
/// a patient is 17 on 2026-02-28 and 18 on 2026-03-01. Negative when `on`
/// is before the date of birth.
pub fn age_on(date_of_birth: NaiveDate, on: NaiveDate) -> i32 {
    let years = on.year() - date_of_birth.year();
    if on < birthday_in(date_of_birth, on.year()) {
        years - 1
    } else {
        years
    }
}

/// The day someone born on `date_of_birth` has their birthday in `year`
/// (R-R3: 29 February → 1 March in non-leap years).
fn birthday_in(date_of_birth: NaiveDate, year: i32) -> NaiveDate {
    let (month, day) = (date_of_birth.month(), date_of_birth.day());
    NaiveDate::from_ymd_opt(year, month, day)
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(date_of_birth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;
    use chrono_tz::{America, Australia, Europe, Pacific};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test instant")
            .with_timezone(&Utc)
    }

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").expect("test local time")
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    /// `add_days` from a local start, shown in local time.
    fn add_local(zone: Tz, start: &str, days: u32) -> String {
        format_local(add_days(local_to_utc(local(start), zone), zone, days), zone)
    }

    // ---- R-T3: America/Toronto ------------------------------------------

    #[test]
    fn three_days_across_spring_forward_keeps_nine_oclock() {
        // The SPEC's example: Friday 09:00 EST + 3 days = Monday 09:00 EDT.
        let start = utc("2026-03-06T09:00:00-05:00");
        let due = add_days(start, America::Toronto, 3);
        assert_eq!(due, utc("2026-03-09T13:00:00Z"));
        assert_eq!(
            format_local(due, America::Toronto),
            "2026-03-09T09:00:00-04:00"
        );
    }

    #[test]
    fn spring_forward_gap_shifts_forward_by_one_hour_in_toronto() {
        // 2026-03-08 02:00 EST → 03:00 EDT; 02:30 does not exist.
        assert_eq!(
            add_local(America::Toronto, "2026-03-07T02:30:00", 1),
            "2026-03-08T03:30:00-04:00"
        );
        assert_eq!(
            local_to_utc(local("2026-03-08T02:30:00"), America::Toronto),
            utc("2026-03-08T07:30:00Z")
        );
    }

    #[test]
    fn gap_start_moves_to_the_first_instant_after_the_gap() {
        assert_eq!(
            local_to_utc(local("2026-03-08T02:00:00"), America::Toronto),
            utc("2026-03-08T03:00:00-04:00")
        );
        assert_eq!(
            local_to_utc(local("2026-03-08T02:59:59"), America::Toronto),
            utc("2026-03-08T03:59:59-04:00")
        );
    }

    #[test]
    fn times_just_outside_the_gap_are_unchanged() {
        assert_eq!(
            local_to_utc(local("2026-03-08T01:59:59"), America::Toronto),
            utc("2026-03-08T01:59:59-05:00")
        );
        assert_eq!(
            local_to_utc(local("2026-03-08T03:00:00"), America::Toronto),
            utc("2026-03-08T03:00:00-04:00")
        );
    }

    #[test]
    fn fall_back_fold_takes_the_earlier_instant() {
        // 2026-11-01 02:00 EDT → 01:00 EST; 01:30 happens twice.
        let due = local_to_utc(local("2026-11-01T01:30:00"), America::Toronto);
        assert_eq!(due, utc("2026-11-01T01:30:00-04:00"));
        assert_eq!(
            add_local(America::Toronto, "2026-10-31T01:30:00", 1),
            "2026-11-01T01:30:00-04:00"
        );
    }

    #[test]
    fn start_in_the_second_pass_of_a_fold_keeps_its_wall_clock() {
        // 01:30 EST (the later 01:30) + 1 day is 01:30 EST the next day.
        let start = utc("2026-11-01T01:30:00-05:00");
        assert_eq!(
            format_local(add_days(start, America::Toronto, 1), America::Toronto),
            "2026-11-02T01:30:00-05:00"
        );
    }

    #[test]
    fn three_days_across_fall_back_keeps_nine_oclock() {
        let start = utc("2026-10-30T09:00:00-04:00");
        let due = add_days(start, America::Toronto, 3);
        assert_eq!(due, utc("2026-11-02T09:00:00-05:00"));
        // 73 hours, not 72: the local day of the change has 25.
        assert_eq!((due - start).num_hours(), 73);
    }

    #[test]
    fn zero_days_resolves_a_fold_start_to_its_earlier_instant() {
        // R-T3 applied literally: the wall clock is kept and re-resolved.
        let first_pass = utc("2026-11-01T05:30:00Z"); // 01:30 EDT
        let second_pass = utc("2026-11-01T06:30:00Z"); // 01:30 EST
        assert_eq!(add_days(first_pass, America::Toronto, 0), first_pass);
        assert_eq!(add_days(second_pass, America::Toronto, 0), first_pass);
    }

    #[test]
    fn sub_seconds_are_kept() {
        let start = utc("2026-03-06T09:00:00.250-05:00");
        assert_eq!(
            add_days(start, America::Toronto, 3),
            utc("2026-03-09T09:00:00.250-04:00")
        );
    }

    // ---- R-T3: Europe/London -------------------------------------------

    #[test]
    fn london_spring_gap_from_one_to_two_shifts_forward() {
        // 2026-03-29 01:00 GMT → 02:00 BST.
        assert_eq!(
            add_local(Europe::London, "2026-03-28T01:30:00", 1),
            "2026-03-29T02:30:00+01:00"
        );
        assert_eq!(
            local_to_utc(local("2026-03-29T01:00:00"), Europe::London),
            utc("2026-03-29T01:00:00Z")
        );
    }

    #[test]
    fn london_autumn_fold_takes_the_bst_instant() {
        // 2026-10-25 02:00 BST → 01:00 GMT; 01:30 happens twice.
        assert_eq!(
            local_to_utc(local("2026-10-25T01:30:00"), Europe::London),
            utc("2026-10-25T00:30:00Z")
        );
        assert_eq!(
            add_local(Europe::London, "2026-10-24T01:30:00", 1),
            "2026-10-25T01:30:00+01:00"
        );
    }

    #[test]
    fn london_week_across_the_change_keeps_wall_clock() {
        assert_eq!(
            add_local(Europe::London, "2026-03-25T09:00:00", 7),
            "2026-04-01T09:00:00+01:00"
        );
        assert_eq!(
            add_local(Europe::London, "2026-10-20T17:45:00", 7),
            "2026-10-27T17:45:00+00:00"
        );
    }

    // ---- R-T3: Australia/Sydney (southern hemisphere) -------------------

    #[test]
    fn sydney_april_fold_takes_the_daylight_instant() {
        // DST ends 2026-04-05 03:00 AEDT → 02:00 AEST; 02:30 happens twice.
        assert_eq!(
            local_to_utc(local("2026-04-05T02:30:00"), Australia::Sydney),
            utc("2026-04-05T02:30:00+11:00")
        );
        assert_eq!(
            add_local(Australia::Sydney, "2026-04-04T02:30:00", 1),
            "2026-04-05T02:30:00+11:00"
        );
    }

    #[test]
    fn sydney_october_gap_shifts_forward() {
        // DST starts 2026-10-04 02:00 AEST → 03:00 AEDT.
        assert_eq!(
            add_local(Australia::Sydney, "2026-10-03T02:15:00", 1),
            "2026-10-04T03:15:00+11:00"
        );
    }

    #[test]
    fn sydney_deadline_across_the_april_change_keeps_wall_clock() {
        assert_eq!(
            add_local(Australia::Sydney, "2026-04-03T09:00:00", 3),
            "2026-04-06T09:00:00+10:00"
        );
    }

    // ---- R-T3: gaps that are not one hour -------------------------------

    #[test]
    fn apia_skipped_day_shifts_by_the_whole_24_hour_gap() {
        // Samoa went from 2011-12-29 24:00 (−10:00) to 2011-12-31 00:00 (+14:00).
        assert_eq!(
            add_local(Pacific::Apia, "2011-12-29T09:00:00", 1),
            "2011-12-31T09:00:00+14:00"
        );
        assert_eq!(
            add_local(Pacific::Apia, "2011-12-29T09:00:00", 2),
            "2011-12-31T09:00:00+14:00"
        );
        assert_eq!(
            add_local(Pacific::Apia, "2011-12-28T23:59:59", 2),
            "2011-12-31T23:59:59+14:00"
        );
    }

    #[test]
    fn apia_skipped_midnight_is_the_first_instant_after_the_gap() {
        assert_eq!(
            local_to_utc(local("2011-12-30T00:00:00"), Pacific::Apia),
            utc("2011-12-31T00:00:00+14:00")
        );
    }

    #[test]
    fn lord_howe_half_hour_gap_shifts_by_thirty_minutes() {
        // 2026-10-04 02:00 (+10:30) → 02:30 (+11:00).
        assert_eq!(
            local_to_utc(local("2026-10-04T02:10:00"), Australia::Lord_Howe),
            utc("2026-10-04T02:40:00+11:00")
        );
    }

    #[test]
    fn lord_howe_half_hour_fold_takes_the_earlier_instant() {
        // 2026-04-05 02:00 (+11:00) → 01:30 (+10:30).
        assert_eq!(
            local_to_utc(local("2026-04-05T01:45:00"), Australia::Lord_Howe),
            utc("2026-04-05T01:45:00+11:00")
        );
    }

    #[test]
    fn midnight_in_a_midnight_gap_is_the_first_instant_of_the_day() {
        // Chile's DST starts at 24:00 local: 2026-09-06 00:00 → 01:00.
        let start = local_to_utc(local("2026-09-06T00:00:00"), America::Santiago);
        assert_eq!(start, utc("2026-09-06T01:00:00-03:00"));
        assert_eq!(
            local_date(start - TimeDelta::seconds(1), America::Santiago),
            date("2026-09-05")
        );
        // Lebanon (2010): 2010-03-28 00:00 → 01:00.
        let beirut: Tz = "Asia/Beirut".parse().expect("zone");
        assert_eq!(
            local_to_utc(local("2010-03-28T00:00:00"), beirut),
            utc("2010-03-28T01:00:00+03:00")
        );
    }

    #[test]
    fn midnight_in_a_midnight_fold_is_the_first_instant_of_the_day() {
        // Chile's DST ends 2026-04-05 00:00 (−03:00) → 2026-04-04 23:00 (−04:00),
        // so the last hour of 4 April repeats and 5 April midnight is single.
        assert_eq!(
            local_to_utc(local("2026-04-04T23:30:00"), America::Santiago),
            utc("2026-04-04T23:30:00-03:00")
        );
        assert_eq!(
            local_to_utc(local("2026-04-05T00:00:00"), America::Santiago),
            utc("2026-04-05T00:00:00-04:00")
        );
    }

    #[test]
    fn every_gap_resolves_past_its_transition_with_the_offset_from_before() {
        // For every zone and every gap in 2000–2040, a time inside the gap is
        // read with the offset before it (= shifted forward by its length).
        let from = utc("2000-01-01T00:00:00Z");
        let until = utc("2040-01-01T00:00:00Z");
        let step = TimeDelta::hours(12);
        let mut gaps = 0;
        for zone in chrono_tz::TZ_VARIANTS {
            let offset_at = |t: DateTime<Utc>| t.with_timezone(&zone).offset().fix();
            let mut t = from;
            while t < until {
                let next = t + step;
                let (before, after) = (offset_at(t), offset_at(next));
                if after.local_minus_utc() > before.local_minus_utc() {
                    // Find the transition to the second.
                    let (mut lo, mut hi) = (t, next);
                    while hi - lo > TimeDelta::seconds(1) {
                        let mid = lo + (hi - lo) / 2;
                        if offset_at(mid) == before {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    let gap = after.local_minus_utc() - before.local_minus_utc();
                    let inside = hi.with_timezone(&before).naive_local()
                        + TimeDelta::seconds(i64::from(gap / 2));
                    let want =
                        inside.and_utc() - TimeDelta::seconds(before.local_minus_utc().into());
                    assert_eq!(local_to_utc(inside, zone), want, "{zone} gap at {hi}");
                    gaps += 1;
                }
                t = next;
            }
        }
        assert!(gaps > 1000, "only {gaps} gaps found");
    }

    // ---- R-T3: UTC and calendar arithmetic --------------------------------

    #[test]
    fn utc_days_are_24_hours() {
        let start = utc("2026-03-06T09:00:00Z");
        for days in [0, 1, 3, 30, 365] {
            assert_eq!(
                add_days(start, Tz::UTC, days),
                start + TimeDelta::days(i64::from(days))
            );
        }
    }

    #[test]
    fn n_weeks_is_seven_n_days() {
        let start = utc("2026-03-06T09:00:00-05:00");
        assert_eq!(
            format_local(add_days(start, America::Toronto, 7 * 2), America::Toronto),
            "2026-03-20T09:00:00-04:00"
        );
        for weeks in 1..=52 {
            let due = add_days(start, America::Toronto, 7 * weeks);
            let shown = due.with_timezone(&America::Toronto);
            assert_eq!(shown.weekday(), chrono::Weekday::Fri);
            assert_eq!(
                shown.time(),
                NaiveTime::from_hms_opt(9, 0, 0).expect("time")
            );
        }
    }

    #[test]
    fn adding_days_crosses_month_ends() {
        assert_eq!(
            add_local(America::Toronto, "2026-01-31T10:00:00", 1),
            "2026-02-01T10:00:00-05:00"
        );
        assert_eq!(
            add_local(America::Toronto, "2026-02-28T10:00:00", 1),
            "2026-03-01T10:00:00-05:00"
        );
        assert_eq!(
            add_local(America::Toronto, "2026-04-30T10:00:00", 1),
            "2026-05-01T10:00:00-04:00"
        );
        assert_eq!(
            add_local(America::Toronto, "2026-12-31T23:59:59", 1),
            "2027-01-01T23:59:59-05:00"
        );
    }

    #[test]
    fn leap_years_have_a_29th_of_february() {
        assert_eq!(
            add_local(Tz::UTC, "2028-02-28T12:00:00", 1),
            "2028-02-29T12:00:00+00:00"
        );
        assert_eq!(
            add_local(Tz::UTC, "2028-02-28T12:00:00", 2),
            "2028-03-01T12:00:00+00:00"
        );
        assert_eq!(
            add_local(Tz::UTC, "2100-02-28T12:00:00", 1),
            "2100-03-01T12:00:00+00:00"
        );
        assert_eq!(
            add_local(Tz::UTC, "2000-02-28T12:00:00", 1),
            "2000-02-29T12:00:00+00:00"
        );
    }

    #[test]
    fn three_hundred_sixty_five_days_is_a_year_except_across_a_29th_of_february() {
        assert_eq!(
            add_local(America::Toronto, "2026-03-06T09:00:00", 365),
            "2027-03-06T09:00:00-05:00"
        );
        assert_eq!(
            add_local(America::Toronto, "2027-03-06T09:00:00", 365),
            "2028-03-05T09:00:00-05:00"
        );
        assert_eq!(
            add_local(America::Toronto, "2026-07-01T09:00:00", 365),
            "2027-07-01T09:00:00-04:00"
        );
    }

    #[test]
    fn days_past_the_calendar_range_saturate() {
        let start = utc("2026-03-06T09:00:00Z");
        assert_eq!(
            add_days(start, America::Toronto, u32::MAX),
            DateTime::<Utc>::MAX_UTC
        );
    }

    #[test]
    fn local_times_at_the_ends_of_the_range_saturate_instead_of_panicking() {
        assert_eq!(
            local_to_utc(NaiveDateTime::MAX, America::Toronto),
            DateTime::<Utc>::MAX_UTC
        );
        assert_eq!(
            local_to_utc(NaiveDateTime::MIN, Australia::Sydney),
            DateTime::<Utc>::MIN_UTC
        );
    }

    // ---- R-T4 -------------------------------------------------------------

    #[test]
    fn due_at_now_is_due_and_a_nanosecond_early_is_not() {
        let due = utc("2026-03-09T13:00:00Z");
        assert!(is_due(due, due));
        assert!(is_due(due, due + TimeDelta::nanoseconds(1)));
        assert!(!is_due(due, due - TimeDelta::nanoseconds(1)));
    }

    // ---- R-T1: shown instants ---------------------------------------------

    #[test]
    fn utc_is_shown_as_plus_zero_never_z() {
        assert_eq!(
            format_local(utc("2026-03-10T13:00:00Z"), Tz::UTC),
            "2026-03-10T13:00:00+00:00"
        );
        assert_eq!(
            format_local(utc("2026-01-10T13:00:00Z"), Europe::London),
            "2026-01-10T13:00:00+00:00"
        );
    }

    #[test]
    fn negative_offsets_are_shown_with_the_clinic_wall_clock() {
        assert_eq!(
            format_local(utc("2026-03-10T13:00:00Z"), America::Toronto),
            "2026-03-10T09:00:00-04:00"
        );
        assert_eq!(
            format_local(utc("2026-01-10T13:00:00Z"), America::Toronto),
            "2026-01-10T08:00:00-05:00"
        );
    }

    #[test]
    fn half_hour_and_positive_offsets_are_shown() {
        let kolkata: Tz = "Asia/Kolkata".parse().expect("zone");
        assert_eq!(
            format_local(utc("2026-03-10T13:00:00Z"), kolkata),
            "2026-03-10T18:30:00+05:30"
        );
        let st_johns: Tz = "America/St_Johns".parse().expect("zone");
        assert_eq!(
            format_local(utc("2026-01-10T13:00:00Z"), st_johns),
            "2026-01-10T09:30:00-03:30"
        );
    }

    #[test]
    fn shown_instants_truncate_sub_seconds() {
        assert_eq!(
            format_local(utc("2026-03-10T13:00:59.999Z"), America::Toronto),
            "2026-03-10T09:00:59-04:00"
        );
    }

    #[test]
    fn shown_instants_parse_back_to_the_same_second() {
        let zones = [
            Tz::UTC,
            America::Toronto,
            Australia::Lord_Howe,
            Pacific::Apia,
            Europe::London,
        ];
        for zone in zones {
            for text in ["2011-12-30T10:00:00Z", "2026-11-01T05:30:00Z"] {
                let instant = utc(text);
                let shown = format_local(instant, zone);
                assert_eq!(parse_instant(&shown).ok(), Some(instant), "{zone} {shown}");
            }
            // 1800 is local mean time: Toronto −05:17:32, shown as −05:18
            // (outside the instants pmsg accepts, but still RFC 3339).
            let instant = utc("1800-07-01T12:00:00Z");
            let shown = format_local(instant, zone);
            assert_eq!(utc(&shown), instant, "{zone} {shown}");
        }
    }

    // ---- R-T1: the instants pmsg accepts -----------------------------------

    /// Every IANA zone chrono-tz knows.
    fn every_zone() -> impl Iterator<Item = Tz> {
        chrono_tz::TZ_VARIANTS.iter().copied()
    }

    /// RFC 3339 with a four-digit year, whole seconds and a numeric offset,
    /// and a FHIR R4 `instant` (year 0001-9999, offset at most ±14:00).
    fn is_rfc3339_and_fhir_instant(text: &str) -> bool {
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        let offset_ok = match (text.get(19..20), text.get(20..22), text.get(23..25)) {
            (Some("+" | "-"), Some(h), Some(m)) => {
                let (h, m): (u32, u32) = (h.parse().unwrap_or(99), m.parse().unwrap_or(99));
                h < 14 && m < 60 || (h, m) == (14, 0)
            }
            _ => false,
        };
        b.len() == 25
            && digits(0..4)
            && &text[0..4] != "0000"
            && b[4] == b'-'
            && b[10] == b'T'
            && b[22] == b':'
            && offset_ok
            && DateTime::parse_from_rfc3339(text).is_ok()
    }

    #[test]
    fn every_accepted_instant_shows_as_a_four_digit_year_in_every_zone() {
        let earliest = DateTime::from_timestamp_millis(EARLIEST_MS).unwrap();
        let latest = DateTime::from_timestamp_millis(LATEST_MS).unwrap();
        let latest_shown = DateTime::from_timestamp_millis(LATEST_SHOWN_MS).unwrap();
        // The latest `now` plus the longest claim lease (R-D7) is still shown.
        let leased = latest + TimeDelta::seconds(86_400);
        assert!(leased <= latest_shown);
        for zone in every_zone() {
            for t in [earliest, latest, leased, latest_shown] {
                let shown = format_local(t, zone);
                assert!(is_rfc3339_and_fhir_instant(&shown), "{zone}: {shown}");
                assert_eq!(utc(&shown), t, "{zone}: {shown}");
            }
            // Local dates stay within years 1970 ..= 9999.
            assert!(local_date(earliest, zone) >= date("1970-01-01"));
            assert!(local_date(latest, zone) <= date("9999-12-31"));
        }
        // One second later, the easternmost zone is in year 10000.
        let past = latest_shown + TimeDelta::seconds(1);
        assert!(!is_rfc3339_and_fhir_instant(&format_local(
            past,
            Pacific::Kiritimati
        )));
    }

    #[test]
    fn now_outside_the_accepted_range_is_refused_naming_it_and_the_range() {
        let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap();
        for ms in [EARLIEST_MS, LATEST_MS, 1_773_151_200_000] {
            assert!(check_now(at(ms)).is_ok(), "{ms}");
        }
        // Microseconds passed as milliseconds (year 58157), the edges,
        // the epoch and before it.
        for ms in [1_773_151_200_000_000, EARLIEST_MS - 1, LATEST_MS + 1, 0, -1] {
            match check_now(at(ms)) {
                Err(Error::InvalidArgument(m)) => {
                    assert!(
                        m.contains(&format!("({ms} ms since the Unix epoch)")),
                        "{m}"
                    );
                    assert!(m.contains(ACCEPTED_RANGE), "{m}");
                }
                other => panic!("{ms}: {other:?}"),
            }
        }
    }

    #[test]
    fn text_instants_outside_the_accepted_range_are_refused() {
        assert_eq!(
            parse_instant("1970-01-02T00:00:00Z").map(|t| t.timestamp_millis()),
            Ok(EARLIEST_MS)
        );
        assert_eq!(
            parse_instant("9999-12-29T23:59:59Z").map(|t| t.timestamp_millis()),
            Ok(LATEST_MS)
        );
        for text in [
            "1970-01-01T23:59:59Z",
            "1969-07-20T20:17:40Z",
            "0001-01-01T00:00:00Z",
            "9999-12-29T23:59:59.001Z",
            "9999-12-30T00:00:00Z",
            "9999-12-31T23:59:59-14:00",
        ] {
            match parse_instant(text) {
                Err(Error::InvalidArgument(m)) => {
                    assert!(m.contains(&format!("{text:?}")), "{m}");
                    assert!(m.contains(ACCEPTED_RANGE), "{m}");
                }
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn deadlines_after_the_last_shown_instant_are_refused() {
        let latest = DateTime::from_timestamp_millis(LATEST_MS).unwrap();
        assert!(check_shown(add_days(latest, Tz::UTC, 1), "due").is_ok());
        let m = check_shown(add_days(latest, Tz::UTC, 2), "the response deadline").unwrap_err();
        assert!(
            m.contains("the response deadline would fall at 9999-12-31T23:59:59Z"),
            "{m}"
        );
    }

    // ---- R-T1, §15 "Instants": parsing -------------------------------------

    #[test]
    fn instants_parse_with_z_or_a_numeric_offset() {
        let want = utc("2026-03-10T13:00:00Z");
        for text in [
            "2026-03-10T13:00:00Z",
            "2026-03-10T09:00:00-04:00",
            "2026-03-10T18:30:00+05:30",
            "2026-03-10t13:00:00z",
            "2026-03-10T13:00:00+00:00",
            "2026-03-10T13:00:00-00:00",
        ] {
            assert_eq!(parse_instant(text).ok(), Some(want), "{text}");
        }
        assert_eq!(
            parse_instant("2026-03-10T13:00:00.5Z").ok(),
            Some(want + TimeDelta::milliseconds(500))
        );
    }

    #[test]
    fn the_offset_only_locates_the_instant() {
        // Same instant written in two offsets; local-time rules use the zone.
        let a = parse_instant("2026-03-10T09:00:00-04:00").expect("parses");
        let b = parse_instant("2026-03-10T22:00:00+09:00").expect("parses");
        assert_eq!(a, b);
    }

    #[test]
    fn instant_without_seconds_is_refused() {
        assert_refused("2026-03-10T09:00-04:00");
        assert_refused("2026-03-10T09:00Z");
    }

    #[test]
    fn instant_without_offset_is_refused() {
        assert_refused("2026-03-10T09:00:00");
        assert_refused("2026-03-10T09:00:00.000");
    }

    #[test]
    fn instant_that_is_not_rfc_3339_is_refused() {
        for text in [
            "",
            "now",
            "garbage",
            "2026-03-10",
            "2026-03-10 09:00:00Z",
            "2026-03-10T09:00:00+0000",
            "2026-03-10T09:00:00+00",
            "2026-3-10T09:00:00Z",
            "2026-03-10T9:00:00Z",
            "2026-03-10T09:00:00Z ",
            " 2026-03-10T09:00:00Z",
            "2026-02-30T09:00:00Z",
            "2026-03-10T24:00:00Z",
            "+2026-03-10T09:00:00Z",
            "1773133200",
            "2026-03-10T09:00:00Zé",
            "2026-03-10é09:00:00Z",
        ] {
            assert_refused(text);
        }
    }

    fn assert_refused(text: &str) {
        match parse_instant(text) {
            Err(Error::InvalidArgument(message)) => {
                assert!(message.contains(&format!("{text:?}")), "{message}");
                assert!(message.contains("RFC 3339"), "{message}");
                assert!(message.contains("R-T1"), "{message}");
            }
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    // ---- local dates ------------------------------------------------------

    #[test]
    fn local_date_is_the_clinic_calendar_day() {
        let late_evening = utc("2026-03-11T03:30:00Z");
        assert_eq!(
            local_date(late_evening, America::Toronto),
            date("2026-03-10")
        );
        assert_eq!(local_date(late_evening, Tz::UTC), date("2026-03-11"));
        assert_eq!(
            local_date(late_evening, Australia::Sydney),
            date("2026-03-11")
        );
    }

    #[test]
    fn dates_parse_only_as_yyyy_mm_dd() {
        assert_eq!(parse_date("2026-03-10").ok(), Some(date("2026-03-10")));
        assert_eq!(parse_date("2028-02-29").ok(), Some(date("2028-02-29")));
        assert_eq!(parse_date("0001-01-01").ok(), Some(date("0001-01-01")));
        for text in [
            "",
            "2026-3-10",
            "2026-03-1",
            "+2026-03-10",
            " 2026-03-10",
            "2026-03-10 ",
            "2026/03/10",
            "20260310",
            "26-03-10",
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-03-00",
            "2026-03-10T00:00:00Z",
            "２０２６-03-10",
        ] {
            match parse_date(text) {
                Err(Error::InvalidArgument(message)) => {
                    assert!(message.contains(&format!("{text:?}")), "{message}");
                    assert!(message.contains("YYYY-MM-DD"), "{message}");
                }
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }

    // ---- R-R3: age ----------------------------------------------------------

    #[test]
    fn age_turns_on_the_birthday_not_the_day_before() {
        let born = date("2008-06-15");
        assert_eq!(age_on(born, date("2026-06-14")), 17);
        assert_eq!(age_on(born, date("2026-06-15")), 18);
        assert_eq!(age_on(born, date("2026-12-31")), 18);
        assert_eq!(age_on(born, date("2027-01-01")), 18);
    }

    #[test]
    fn leap_day_birthday_falls_on_first_of_march_in_non_leap_years() {
        let born = date("2008-02-29");
        assert_eq!(age_on(born, date("2026-02-28")), 17);
        assert_eq!(age_on(born, date("2026-03-01")), 18);
    }

    #[test]
    fn leap_day_birthday_is_the_29th_in_leap_years() {
        let born = date("2008-02-29");
        assert_eq!(age_on(born, date("2028-02-28")), 19);
        assert_eq!(age_on(born, date("2028-02-29")), 20);
        assert_eq!(age_on(born, date("2012-02-29")), 4);
    }

    #[test]
    fn age_on_the_day_of_birth_is_zero() {
        let born = date("2026-03-10");
        assert_eq!(age_on(born, born), 0);
        assert_eq!(age_on(born, date("2027-03-09")), 0);
        assert_eq!(age_on(born, date("2027-03-10")), 1);
    }

    #[test]
    fn age_before_birth_is_negative() {
        assert_eq!(age_on(date("2026-03-10"), date("2026-03-09")), -1);
        assert_eq!(age_on(date("2026-03-10"), date("2025-03-10")), -1);
    }

    #[test]
    fn new_years_eve_birthday_counts_the_whole_year() {
        let born = date("2007-12-31");
        assert_eq!(age_on(born, date("2025-12-30")), 17);
        assert_eq!(age_on(born, date("2025-12-31")), 18);
    }
}
