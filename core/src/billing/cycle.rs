//! Billing cycles (SPEC R-B2; §15 "Billing cycle ids").
//!
//! A cycle is a run of clinic-local calendar days: a calendar month
//! (`2026-03`), half a month (`2026-03-1` is the 1st–15th, `2026-03-2` the
//! 16th–end) or an ISO week (`2026-W10`, with the ISO week-numbering year).
//! It covers the instants from local midnight of its first day up to local
//! midnight of the day after its last, each resolved by
//! [`local_to_utc`] (R-T3).

use crate::deadline::{local_date, local_to_utc};
use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

/// Config `billing_cycle` (R-B2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BillingCycle {
    /// Calendar month, `2026-03`.
    #[default]
    Monthly,
    /// 1st–15th `2026-03-1`, 16th–end `2026-03-2`.
    SemiMonthly,
    /// ISO week `2026-W10`.
    Weekly,
}

impl BillingCycle {
    /// Parse the config value: `monthly`, `semi_monthly` or `weekly`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "monthly" => Ok(Self::Monthly),
            "semi_monthly" => Ok(Self::SemiMonthly),
            "weekly" => Ok(Self::Weekly),
            _ => Err(Error::InvalidConfig(format!(
                "billing_cycle {s:?} is not monthly, semi_monthly or weekly (R-B2)"
            ))),
        }
    }

    /// The config value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Monthly => "monthly",
            Self::SemiMonthly => "semi_monthly",
            Self::Weekly => "weekly",
        }
    }

    /// The shape of this kind's ids, with an example, for error messages.
    fn id_shape(self) -> &'static str {
        match self {
            Self::Monthly => "YYYY-MM, e.g. 2026-03",
            Self::SemiMonthly => "YYYY-MM-1 or YYYY-MM-2, e.g. 2026-03-1",
            Self::Weekly => "YYYY-Www (ISO week), e.g. 2026-W10",
        }
    }
}

/// R-B2: the id of the cycle of kind `kind` that `instant` falls in, by its
/// clinic-local date: `2026-03`, `2026-03-1` / `2026-03-2`, or `2026-W10`
/// (ISO week-numbering year and two-digit week: 2027-01-01 is `2026-W53`,
/// 2025-12-29 is `2026-W01`). Every id of a year 0000–9999 is accepted by
/// [`cycle_bounds`], and its range holds `instant`.
pub fn cycle_id(instant: DateTime<Utc>, zone: Tz, kind: BillingCycle) -> String {
    let date = local_date(instant, zone);
    match kind {
        BillingCycle::Monthly => format!("{:04}-{:02}", date.year(), date.month()),
        BillingCycle::SemiMonthly => {
            let half = if date.day() <= 15 { 1 } else { 2 };
            format!("{:04}-{:02}-{half}", date.year(), date.month())
        }
        BillingCycle::Weekly => {
            let week = date.iso_week();
            format!("{:04}-W{:02}", week.year(), week.week())
        }
    }
}

/// R-B2: the half-open UTC range `[start, end)` of the cycle `id`: from local
/// midnight of its first day to local midnight of the day after its last
/// (a midnight in a spring-forward gap is the first instant of that day).
///
/// `id` must have the shape of `kind`'s ids, strictly: a four-digit year,
/// a two-digit month 01–12, a half `1` or `2`, a two-digit ISO week from 01
/// to the year's last (52 or 53). Anything else, including a well-formed id
/// of another kind, is `Error::InvalidArgument`.
pub fn cycle_bounds(
    id: &str,
    zone: Tz,
    kind: BillingCycle,
) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let refuse = |why: String| {
        Error::InvalidArgument(format!(
            "billing cycle id {id:?} is not a {} cycle id ({}){why} (R-B2)",
            kind.as_str(),
            kind.id_shape(),
        ))
    };
    let (id_kind, first, end) = parse_id(id).ok_or_else(|| refuse(String::new()))?;
    if id_kind != kind {
        return Err(refuse(format!(
            ": it is a {} id but billing_cycle is {}",
            id_kind.as_str(),
            kind.as_str()
        )));
    }
    let midnight = |day: NaiveDate| local_to_utc(day.and_time(NaiveTime::MIN), zone);
    Ok((midnight(first), midnight(end)))
}

/// A cycle id of any kind: its kind, first day and the day after its last.
fn parse_id(id: &str) -> Option<(BillingCycle, NaiveDate, NaiveDate)> {
    let bytes = id.as_bytes();
    let year = i32::try_from(digits(bytes.get(0..4)?)?).ok()?;
    if bytes.get(4) != Some(&b'-') {
        return None;
    }
    if bytes.get(5) == Some(&b'W') && bytes.len() == 8 {
        let week = digits(&bytes[6..8])?;
        // None for week 00 and for weeks past the year's last (52 or 53).
        let monday = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)?;
        return Some((
            BillingCycle::Weekly,
            monday,
            monday.checked_add_days(Days::new(7))?,
        ));
    }
    let month = digits(bytes.get(5..7)?)?;
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next_month = first.checked_add_months(Months::new(1))?;
    let sixteenth = first.with_day(16)?;
    match &bytes[7..] {
        b"" => Some((BillingCycle::Monthly, first, next_month)),
        b"-1" => Some((BillingCycle::SemiMonthly, first, sixteenth)),
        b"-2" => Some((BillingCycle::SemiMonthly, sixteenth, next_month)),
        _ => None,
    }
}

/// The value of a run of ASCII digits (none other: no sign, no space).
fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    bytes.iter().try_fold(0_u32, |n, b| {
        n.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;
    use chrono_tz::{America, Australia, Europe, Pacific};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test instant")
            .with_timezone(&Utc)
    }

    fn bounds(id: &str, zone: Tz, kind: BillingCycle) -> (DateTime<Utc>, DateTime<Utc>) {
        cycle_bounds(id, zone, kind).expect("a valid cycle id")
    }

    const KINDS: [BillingCycle; 3] = [
        BillingCycle::Monthly,
        BillingCycle::SemiMonthly,
        BillingCycle::Weekly,
    ];

    #[test]
    fn config_values_round_trip() {
        for kind in KINDS {
            assert_eq!(BillingCycle::parse(kind.as_str()).ok(), Some(kind));
        }
        assert_eq!(BillingCycle::default(), BillingCycle::Monthly);
    }

    #[test]
    fn unknown_config_value_is_invalid_config() {
        for value in ["Monthly", "semi-monthly", "daily", ""] {
            match BillingCycle::parse(value) {
                Err(Error::InvalidConfig(message)) => {
                    assert!(message.contains(&format!("{value:?}")) && message.contains("R-B2"));
                }
                other => panic!("{value:?} gave {other:?}"),
            }
        }
    }

    // ---- ids ------------------------------------------------------------

    #[test]
    fn monthly_id_is_year_and_two_digit_month() {
        let t = utc("2026-03-10T13:00:00Z");
        assert_eq!(cycle_id(t, Tz::UTC, BillingCycle::Monthly), "2026-03");
        assert_eq!(
            cycle_id(utc("2026-12-31T12:00:00Z"), Tz::UTC, BillingCycle::Monthly),
            "2026-12"
        );
    }

    #[test]
    fn semi_monthly_halves_split_between_the_15th_and_16th() {
        let kind = BillingCycle::SemiMonthly;
        assert_eq!(
            cycle_id(utc("2026-03-01T00:00:00Z"), Tz::UTC, kind),
            "2026-03-1"
        );
        assert_eq!(
            cycle_id(utc("2026-03-15T23:59:59Z"), Tz::UTC, kind),
            "2026-03-1"
        );
        assert_eq!(
            cycle_id(utc("2026-03-16T00:00:00Z"), Tz::UTC, kind),
            "2026-03-2"
        );
        assert_eq!(
            cycle_id(utc("2026-03-31T23:59:59Z"), Tz::UTC, kind),
            "2026-03-2"
        );
    }

    #[test]
    fn weekly_id_is_iso_year_and_two_digit_week() {
        let kind = BillingCycle::Weekly;
        assert_eq!(
            cycle_id(utc("2026-03-02T00:00:00Z"), Tz::UTC, kind),
            "2026-W10"
        );
        assert_eq!(
            cycle_id(utc("2026-03-08T23:59:59Z"), Tz::UTC, kind),
            "2026-W10"
        );
        assert_eq!(
            cycle_id(utc("2026-01-05T12:00:00Z"), Tz::UTC, kind),
            "2026-W02"
        );
    }

    #[test]
    fn first_of_january_2027_is_in_week_53_of_2026() {
        let t = utc("2027-01-01T12:00:00Z");
        assert_eq!(cycle_id(t, Tz::UTC, BillingCycle::Weekly), "2026-W53");
        assert_eq!(cycle_id(t, Tz::UTC, BillingCycle::Monthly), "2027-01");
    }

    #[test]
    fn twenty_ninth_of_december_2025_is_in_week_1_of_2026() {
        let t = utc("2025-12-29T12:00:00Z");
        assert_eq!(cycle_id(t, Tz::UTC, BillingCycle::Weekly), "2026-W01");
        assert_eq!(cycle_id(t, Tz::UTC, BillingCycle::Monthly), "2025-12");
    }

    #[test]
    fn ids_use_the_clinic_local_date() {
        let zone = America::Toronto;
        let before = utc("2026-03-31T23:30:00-04:00");
        let after = utc("2026-04-01T00:30:00-04:00");
        assert_eq!(cycle_id(before, zone, BillingCycle::Monthly), "2026-03");
        assert_eq!(cycle_id(after, zone, BillingCycle::Monthly), "2026-04");
        assert_eq!(
            cycle_id(before, zone, BillingCycle::SemiMonthly),
            "2026-03-2"
        );
        assert_eq!(
            cycle_id(after, zone, BillingCycle::SemiMonthly),
            "2026-04-1"
        );
        // Same instants in UTC are both on 1 April.
        assert_eq!(cycle_id(before, Tz::UTC, BillingCycle::Monthly), "2026-04");
        // Sunday 23:30 in Toronto is Monday in UTC: a different ISO week.
        let sunday = utc("2026-03-08T23:30:00-04:00");
        assert_eq!(cycle_id(sunday, zone, BillingCycle::Weekly), "2026-W10");
        assert_eq!(cycle_id(sunday, Tz::UTC, BillingCycle::Weekly), "2026-W11");
    }

    // ---- bounds ---------------------------------------------------------

    #[test]
    fn monthly_bounds_run_from_local_midnight_to_local_midnight() {
        let (start, end) = bounds("2026-03", America::Toronto, BillingCycle::Monthly);
        assert_eq!(start, utc("2026-03-01T00:00:00-05:00"));
        assert_eq!(end, utc("2026-04-01T00:00:00-04:00"));
        let (start, end) = bounds("2026-12", Tz::UTC, BillingCycle::Monthly);
        assert_eq!(start, utc("2026-12-01T00:00:00Z"));
        assert_eq!(end, utc("2027-01-01T00:00:00Z"));
    }

    #[test]
    fn semi_monthly_bounds_split_at_the_16th() {
        let kind = BillingCycle::SemiMonthly;
        let (start, end) = bounds("2026-03-1", Tz::UTC, kind);
        assert_eq!(start, utc("2026-03-01T00:00:00Z"));
        assert_eq!(end, utc("2026-03-16T00:00:00Z"));
        let (start, end) = bounds("2026-03-2", Tz::UTC, kind);
        assert_eq!(start, utc("2026-03-16T00:00:00Z"));
        assert_eq!(end, utc("2026-04-01T00:00:00Z"));
    }

    #[test]
    fn second_half_of_february_ends_with_the_month() {
        let kind = BillingCycle::SemiMonthly;
        assert_eq!(
            bounds("2026-02-2", Tz::UTC, kind).1,
            utc("2026-03-01T00:00:00Z")
        );
        assert_eq!(
            bounds("2028-02-2", Tz::UTC, kind).1,
            utc("2028-03-01T00:00:00Z")
        );
        let leap_day = utc("2028-02-29T12:00:00Z");
        assert_eq!(cycle_id(leap_day, Tz::UTC, kind), "2028-02-2");
        assert_eq!(
            cycle_id(utc("2026-02-28T23:59:59Z"), Tz::UTC, kind),
            "2026-02-2"
        );
        assert_eq!(
            cycle_id(utc("2026-03-01T00:00:00Z"), Tz::UTC, kind),
            "2026-03-1"
        );
    }

    #[test]
    fn weekly_bounds_run_monday_to_monday() {
        let (start, end) = bounds("2026-W10", Europe::London, BillingCycle::Weekly);
        assert_eq!(start, utc("2026-03-02T00:00:00Z"));
        assert_eq!(end, utc("2026-03-09T00:00:00Z"));
        let (start, end) = bounds("2026-W01", Tz::UTC, BillingCycle::Weekly);
        assert_eq!(start, utc("2025-12-29T00:00:00Z"));
        assert_eq!(end, utc("2026-01-05T00:00:00Z"));
    }

    #[test]
    fn week_53_exists_in_2026() {
        let (start, end) = bounds("2026-W53", Tz::UTC, BillingCycle::Weekly);
        assert_eq!(start, utc("2026-12-28T00:00:00Z"));
        assert_eq!(end, utc("2027-01-04T00:00:00Z"));
        assert_eq!(bounds("2027-W01", Tz::UTC, BillingCycle::Weekly).0, end);
    }

    #[test]
    fn week_53_does_not_exist_in_2025() {
        assert_refused("2025-W53", BillingCycle::Weekly);
        assert!(cycle_bounds("2025-W52", Tz::UTC, BillingCycle::Weekly).is_ok());
        assert_refused("2026-W54", BillingCycle::Weekly);
    }

    #[test]
    fn week_containing_a_spring_gap_is_an_hour_short() {
        let (start, end) = bounds("2026-W10", America::Toronto, BillingCycle::Weekly);
        assert_eq!(start, utc("2026-03-02T00:00:00-05:00"));
        assert_eq!(end, utc("2026-03-09T00:00:00-04:00"));
        assert_eq!(end - start, TimeDelta::hours(7 * 24 - 1));
    }

    #[test]
    fn cycle_whose_first_midnight_is_skipped_starts_at_the_first_instant_of_the_day() {
        // São Paulo moved 2011-10-16 00:00 to 01:00 (−03:00 → −02:00).
        let sao_paulo: Tz = "America/Sao_Paulo".parse().expect("zone");
        let kind = BillingCycle::SemiMonthly;
        let (start, _) = bounds("2011-10-2", sao_paulo, kind);
        assert_eq!(start, utc("2011-10-16T01:00:00-02:00"));
        assert_eq!(bounds("2011-10-1", sao_paulo, kind).1, start);
        assert_eq!(cycle_id(start, sao_paulo, kind), "2011-10-2");
        let just_before = start - TimeDelta::nanoseconds(1);
        assert_eq!(cycle_id(just_before, sao_paulo, kind), "2011-10-1");
        // Damascus moved 2005-04-01 00:00 to 01:00 (+02:00 → +03:00).
        let damascus: Tz = "Asia/Damascus".parse().expect("zone");
        let (start, _) = bounds("2005-04", damascus, BillingCycle::Monthly);
        assert_eq!(start, utc("2005-04-01T01:00:00+03:00"));
    }

    // ---- ids lie within their bounds ---------------------------------------

    #[test]
    fn every_instant_lies_within_the_bounds_of_its_cycle() {
        let zones = [
            Tz::UTC,
            America::Toronto,
            America::Santiago,
            Australia::Sydney,
            Australia::Lord_Howe,
            Europe::London,
            Pacific::Apia,
            Pacific::Kiritimati,
            "Asia/Kathmandu".parse().expect("zone"),
        ];
        // Every 97 minutes through two years, from late 2025 to late 2027.
        let step = TimeDelta::minutes(97);
        for zone in zones {
            for kind in KINDS {
                let mut t = utc("2025-12-01T00:00:00Z");
                while t < utc("2027-12-31T00:00:00Z") {
                    let id = cycle_id(t, zone, kind);
                    let (start, end) = bounds(&id, zone, kind);
                    assert!(
                        start <= t && t < end,
                        "{zone} {id}: {t} not in [{start}, {end})"
                    );
                    assert_eq!(cycle_id(start, zone, kind), id, "{zone} start of {id}");
                    let last = end - TimeDelta::nanoseconds(1);
                    assert_eq!(cycle_id(last, zone, kind), id, "{zone} end of {id}");
                    let next = cycle_id(end, zone, kind);
                    assert_eq!(bounds(&next, zone, kind).0, end, "{zone} {id} → {next}");
                    t += step;
                }
            }
        }
    }

    #[test]
    fn apia_2011_cycles_around_the_skipped_day_are_contiguous() {
        let zone = Pacific::Apia;
        let week = bounds("2011-W52", zone, BillingCycle::Weekly);
        assert_eq!(week.0, utc("2011-12-26T00:00:00-10:00"));
        assert_eq!(week.1, utc("2012-01-02T00:00:00+14:00"));
        assert_eq!(week.1 - week.0, TimeDelta::days(6));
        let half = bounds("2011-12-2", zone, BillingCycle::SemiMonthly);
        assert_eq!(half.1, utc("2012-01-01T00:00:00+14:00"));
    }

    // ---- refusals ----------------------------------------------------------

    #[test]
    fn malformed_ids_are_refused() {
        let monthly = [
            "",
            "2026",
            "2026-3",
            "2026-003",
            "26-03",
            "02026-03",
            "2026-00",
            "2026-13",
            "2026/03",
            "2026-03-",
            " 2026-03",
            "2026-03 ",
            "+202-03",
            "-026-03",
            "２０２６-03",
            "2026-0a",
        ];
        for id in monthly {
            assert_refused(id, BillingCycle::Monthly);
        }
        let semi_monthly = [
            "2026-03-0",
            "2026-03-3",
            "2026-03-01",
            "2026-03-12",
            "2026-03-",
            "2026-13-1",
            "2026-03_1",
            "2026-03-1 ",
        ];
        for id in semi_monthly {
            assert_refused(id, BillingCycle::SemiMonthly);
        }
        let weekly = [
            "2026-W00",
            "2026-W1",
            "2026-W010",
            "2026-w10",
            "2026W10",
            "2026-W-1",
            "2026-W+1",
            "2026-Wab",
            "2026-W54",
            "2025-W53",
            "2026-W99",
            "2026-W10-1",
        ];
        for id in weekly {
            assert_refused(id, BillingCycle::Weekly);
        }
    }

    #[test]
    fn ids_of_another_kind_are_refused() {
        assert_refused("2026-W10", BillingCycle::Monthly);
        assert_refused("2026-03-1", BillingCycle::Monthly);
        assert_refused("2026-03", BillingCycle::SemiMonthly);
        assert_refused("2026-W10", BillingCycle::SemiMonthly);
        assert_refused("2026-03", BillingCycle::Weekly);
        assert_refused("2026-03-2", BillingCycle::Weekly);
        let message = cycle_bounds("2026-W10", Tz::UTC, BillingCycle::Monthly)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("weekly id but billing_cycle is monthly"),
            "{message}"
        );
    }

    #[test]
    fn four_digit_years_from_0000_to_9999_are_accepted() {
        assert!(cycle_bounds("0000-01", Tz::UTC, BillingCycle::Monthly).is_ok());
        let (_, end) = bounds("9999-12-2", Tz::UTC, BillingCycle::SemiMonthly);
        assert_eq!(end, utc("9999-12-31T00:00:00Z") + TimeDelta::days(1));
        assert!(cycle_bounds("9999-W52", Tz::UTC, BillingCycle::Weekly).is_ok());
    }

    fn assert_refused(id: &str, kind: BillingCycle) {
        match cycle_bounds(id, America::Toronto, kind) {
            Err(Error::InvalidArgument(message)) => {
                assert!(message.contains(&format!("{id:?}")), "{message}");
                assert!(message.contains(kind.id_shape()), "{message}");
                assert!(message.contains("R-B2"), "{message}");
            }
            other => panic!("{id:?} as {kind:?} gave {other:?}"),
        }
    }
}
