//! Routing (SPEC R-R2…R-R5): who receives a message to a patient, decided
//! at the send instant from the directory as it is then.

use crate::config::Settings;
use crate::deadline;
use crate::error::Result;
use crate::store::{PatientRow, Tx};
use chrono::{DateTime, Utc};

/// Where a message to a patient goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// These account ids, ordered by id (R-R1 "lists of recipients").
    Deliver(Vec<String>),
    /// Nobody registered can receive; the reason, for the error message.
    Unreachable(String),
}

/// R-R3: a minor is below `age_of_majority` on the clinic-local date of `now`.
pub(crate) fn is_minor(date_of_birth: &str, now: DateTime<Utc>, s: &Settings) -> Result<bool> {
    let dob = deadline::parse_date(date_of_birth)?;
    let today = deadline::local_date(now, s.zone);
    Ok(deadline::age_on(dob, today) < s.age_of_majority as i32)
}

/// R-R2, R-R4: caregivers (registered accounts with an active connection)
/// when the patient is a minor, dependent, or connected to a registered
/// caregiver; otherwise the patient's own registered account.
pub(crate) fn route(
    tx: &Tx,
    s: &Settings,
    patient: &PatientRow,
    now: DateTime<Utc>,
) -> Result<Route> {
    let own = patient.account_id.as_deref();
    let caregivers: Vec<String> = tx
        .active_caregivers(&patient.key)?
        .into_iter()
        .filter(|c| c.registered && Some(c.account_id.as_str()) != own)
        .map(|c| c.account_id)
        .collect();
    let minor = is_minor(&patient.date_of_birth, now, s)?;
    if minor || patient.dependent || !caregivers.is_empty() {
        if caregivers.is_empty() {
            let who = if minor { "a minor" } else { "a dependent" };
            return Ok(Route::Unreachable(format!(
                "the patient is {who} and has no registered caregiver with an active connection"
            )));
        }
        return Ok(Route::Deliver(caregivers));
    }
    match own {
        None => Ok(Route::Unreachable(
            "the patient has no portal account".into(),
        )),
        Some(id) => match tx.account(id)? {
            Some(a) if a.registered => Ok(Route::Deliver(vec![a.id])),
            _ => Ok(Route::Unreachable(format!(
                "the patient's account {id:?} is not registered"
            ))),
        },
    }
}
