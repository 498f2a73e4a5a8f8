//! Access (SPEC R-M0, R-A1): who may see a conversation, decided here from
//! plain rows, the same way for every storage backend.

use crate::error::Result;
use crate::store::{PatientRow, Tx};

/// R-M0 with workgroup membership as it is now: the staff member is a
/// staff-side party of the conversation (authored a message, or is or was
/// its direct `from`), or is now a member of a workgroup that has been a `from`.
pub(crate) fn is_staff_participant(tx: &Tx, conv: i64, staff: &str) -> Result<bool> {
    let parties = tx.conversation_parties(conv)?;
    if parties.iter().any(|p| is_party(p, "staff", staff)) {
        return Ok(true);
    }
    if !parties.iter().any(|p| p.starts_with("workgroup:")) {
        return Ok(false);
    }
    let groups = tx.workgroups_of(staff)?;
    Ok(parties
        .iter()
        .any(|p| groups.iter().any(|w| is_party(p, "workgroup", w))))
}

/// Whether `party` is `kind:id`.
fn is_party(party: &str, kind: &str, id: &str) -> bool {
    party
        .strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix(':'))
        == Some(id)
}

/// R-A1 for a patient-side account: a participant of the conversation
/// whose access is current.
pub(crate) fn account_has_access(
    tx: &Tx,
    conv: i64,
    patient_key: &str,
    account: &str,
) -> Result<bool> {
    Ok(tx.is_conversation_account(conv, account)? && patient_access(tx, patient_key, account)?)
}

/// The current part of R-A1 (§15): the patient's own account, or an
/// account with an active connection to the patient (on the caregiver
/// side, whatever its kind).
pub(crate) fn patient_access(tx: &Tx, patient_key: &str, account: &str) -> Result<bool> {
    let own = tx
        .patient(patient_key)?
        .is_some_and(|p| p.account_id.as_deref() == Some(account));
    Ok(own || tx.connection_active(patient_key, account)?)
}

/// As [`patient_access`], with the patient row already read.
pub(crate) fn patient_row_access(tx: &Tx, patient: &PatientRow, account: &str) -> Result<bool> {
    Ok(patient.account_id.as_deref() == Some(account)
        || tx.connection_active(&patient.key, account)?)
}
