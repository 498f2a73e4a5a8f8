//! Claims (SPEC R-D7, §15 "Claims (R-D7)"): several delivery workers share
//! one store. A claim hides a due event from every worker until its
//! `claimed_until`; once that instant is reached (R-T4) the event is
//! claimable again, so an event whose worker died is delivered later by
//! another (at-least-once). One claim call is one write transaction, so two
//! calls, from any threads or processes, never both receive an event within
//! one unexpired claim. Claims are not audited, and `due_events` ignores them.

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::events;
use crate::model::Event;
use crate::store::Tx;
use crate::{from_ms, ms};
use chrono::{DateTime, Duration, Utc};

/// Longest worker name, in Unicode scalar values (R-D7).
pub const MAX_WORKER_CHARS: usize = 200;
/// Longest lease, in seconds (R-D7).
pub const MAX_LEASE_SECONDS: i64 = 86_400;

/// The arguments of one claim call, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClaimArgs<'a> {
    worker: &'a str,
    limit: Option<u64>,
    lease: Duration,
}

impl<'a> ClaimArgs<'a> {
    /// R-D7: checked in the order worker, limit, lease_seconds; each
    /// failure is `invalid_argument`.
    pub fn check(worker: &'a str, limit: Option<i64>, lease_seconds: i64) -> Result<Self> {
        let chars = worker.chars().count();
        if chars == 0 || chars > MAX_WORKER_CHARS {
            return Err(Error::InvalidArgument(format!(
                "worker name has {chars} characters, must be 1..={MAX_WORKER_CHARS} (R-D7)"
            )));
        }
        if let Some(c) = worker.chars().find(|c| c.is_control()) {
            return Err(Error::InvalidArgument(format!(
                "worker name {worker:?} contains control character U+{:04X} (R-D7)",
                c as u32
            )));
        }
        let limit = events::check_limit(limit)?;
        if !(1..=MAX_LEASE_SECONDS).contains(&lease_seconds) {
            return Err(Error::InvalidArgument(format!(
                "lease_seconds {lease_seconds} must be 1..={MAX_LEASE_SECONDS} (R-D7)"
            )));
        }
        Ok(ClaimArgs {
            worker,
            limit,
            lease: Duration::seconds(lease_seconds),
        })
    }
}

/// R-D7: whether an event's latest claim still holds at `now`. A claim
/// has expired once its instant is reached (`claimed_until <= now`, R-T4).
pub(crate) fn under_claim(claimed_until: Option<i64>, now: DateTime<Utc>) -> bool {
    match claimed_until {
        Some(until) => from_ms(until) > now,
        None => false,
    }
}

/// R-D7: the events `due_events` would show at `now`, minus those under an
/// unexpired claim (any worker's, the caller's own included), cut to
/// `limit`; each is claimed for the worker until `now + lease` (elapsed
/// time on the UTC line, not R-T3 calendar days). Runs inside the caller's
/// write transaction, which makes the call atomic.
pub(crate) fn claim(
    tx: &Tx,
    s: &Settings,
    args: &ClaimArgs,
    now: DateTime<Utc>,
) -> Result<Vec<Event>> {
    let wanted = match args.limit {
        Some(0) => return Ok(Vec::new()),
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        None => usize::MAX,
    };
    let mut claimable = Vec::new();
    tx.scan_due_events(ms(now), |e| {
        if !under_claim(e.claimed_until, now) {
            claimable.push(e);
        }
        claimable.len() < wanted
    })?;
    let until = ms(now + args.lease);
    let mut out = Vec::with_capacity(claimable.len());
    for e in claimable {
        tx.set_event_claim(e.seq, args.worker, until)?;
        out.push(events::shown(e, s.zone, Some(until)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_checked_worker_then_limit_then_lease() {
        let code = |w: &str, l: Option<i64>, lease: i64| {
            ClaimArgs::check(w, l, lease)
                .map(|_| "ok")
                .unwrap_or_else(|e| e.code())
        };
        assert_eq!(code("w", None, 1), "ok");
        assert_eq!(code(" nuit · équipe 2 ", Some(0), 86_400), "ok");
        assert_eq!(code(&"é".repeat(200), None, 60), "ok");
        assert_eq!(code(&"é".repeat(201), None, 60), "invalid_argument");
        assert_eq!(code("", None, 60), "invalid_argument");
        assert_eq!(code("a\tb", None, 60), "invalid_argument");
        assert_eq!(code("w", Some(-1), 60), "invalid_argument");
        assert_eq!(code("w", None, 0), "invalid_argument");
        assert_eq!(code("w", None, 86_401), "invalid_argument");
        // Each message names what it refused: the first failing argument.
        let msg = ClaimArgs::check("", Some(-1), 0).unwrap_err().to_string();
        assert!(msg.contains("worker"), "{msg}");
        let msg = ClaimArgs::check("w", Some(-1), 0).unwrap_err().to_string();
        assert!(msg.contains("limit"), "{msg}");
    }

    #[test]
    fn a_claim_expires_when_its_instant_is_reached() {
        let t = |s| crate::deadline::parse_instant(s).unwrap();
        let until = ms(t("2026-03-02T09:06:00-05:00"));
        assert!(under_claim(Some(until), t("2026-03-02T09:05:59-05:00")));
        assert!(!under_claim(Some(until), t("2026-03-02T09:06:00-05:00")));
        assert!(!under_claim(None, t("2026-03-02T09:00:00-05:00")));
    }
}
