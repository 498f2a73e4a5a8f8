//! Confidential conversations (SPEC §18, R-CF1…R-CF5): a conversation that
//! reaches the patient's own account and no one acting for them.
//!
//! - R-CF1: the send option (read in `request`, checked right after `from`
//!   in `messaging::send` and `group::send`; a reply that gives it is
//!   refused in `messaging::staff_reply`).
//! - R-CF2: [`route`], every staff message of such a conversation.
//! - R-CF3: [`patient_side_sees`], used by `access` for single
//!   conversations, folders and directory changes.
//! - R-CF4: [`deliver_to`], each search result.
//! - R-CF5: [`CHART_TEXT_LINE`] and [`fhir_security`], in `chart`.

use crate::error::Result;
use crate::party;
use crate::routing::Route;
use crate::store::{PatientRow, Tx};
use serde_json::{json, Value};

/// R-CF5: the line the text chart document holds, on its own, before the
/// first message of a confidential conversation.
pub(crate) const CHART_TEXT_LINE: &str =
    "Confidential: yes (patient's own account only, no caregiver access)";

/// R-CF5: the `meta` every FHIR `Communication` of a confidential
/// conversation carries (HL7 v3 Confidentiality `R`, restricted).
pub(crate) fn fhir_security() -> Value {
    json!({
        "security": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
            "code": "R",
            "display": "restricted",
        }]
    })
}

/// R-CF2: a staff message of a confidential conversation goes to the
/// patient's own account only, and only when it is registered, whatever
/// R-R2 would do for a minor, a dependent or a connected patient.
pub(crate) fn route(tx: &Tx, patient: &PatientRow) -> Result<Route> {
    let Some(id) = patient.account_id.as_deref() else {
        return Ok(Route::Unreachable(
            "the conversation is confidential, so it goes to the patient's own account only, \
             and the patient has no portal account of their own (R-CF2)"
                .into(),
        ));
    };
    Ok(match tx.account(id)? {
        Some(a) if a.registered => Route::Deliver(vec![a.id]),
        _ => Route::Unreachable(format!(
            "the conversation is confidential, so it goes to the patient's own account only, \
             and that account {id:?} is not registered (R-CF2)"
        )),
    })
}

/// R-CF4: where a confidential message would be delivered now: the
/// patient's own account when it is registered, else nowhere.
pub(crate) fn deliver_to(tx: &Tx, patient: &PatientRow) -> Result<Vec<String>> {
    Ok(match route(tx, patient)? {
        Route::Deliver(accounts) => accounts.iter().map(|a| party::account(a)).collect(),
        Route::Unreachable(_) => Vec::new(),
    })
}

/// R-A1, R-CF3: whether a patient-side participant sees a conversation:
/// the patient's own account always; another account (the caregiver side,
/// §15) only with an active connection, and never a confidential
/// conversation, whatever its connection.
pub(crate) fn patient_side_sees(own_account: bool, connected: bool, confidential: bool) -> bool {
    own_account || (connected && !confidential)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caregivers_never_see_a_confidential_conversation() {
        assert!(patient_side_sees(true, false, true));
        assert!(patient_side_sees(true, false, false));
        assert!(patient_side_sees(false, true, false));
        assert!(!patient_side_sees(false, true, true));
        assert!(!patient_side_sees(false, false, false));
    }
}
