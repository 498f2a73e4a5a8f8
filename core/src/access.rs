//! Access (SPEC R-A1, R-M0, R-CF3): who is a participant of a conversation
//! and who may see it now. Storage only reads the rows (parties, deliveries,
//! connections, memberships); every decision is made here.

use crate::confidential;
use crate::error::Result;
use crate::store::{ConvRow, FolderRange, PatientRow, Tx};

/// R-M0, R-A1: a staff member is a staff participant when they authored a
/// message, have been its direct `from` or its assignee, or are now a
/// member of a workgroup that has been its `from` or its assignee.
pub(crate) fn staff_is_participant(tx: &Tx, conv: &ConvRow, staff: &str) -> Result<bool> {
    let me = format!("staff:{staff}");
    for party in tx.staff_parties(conv.seq)? {
        if party == me {
            return Ok(true);
        }
        if let Some(w) = party.strip_prefix("workgroup:") {
            if tx.is_member(w, staff)? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// R-A1, R-CF3: whether a patient-side account sees the conversation now.
/// It must be a patient-side participant (R-M0) and either the patient's
/// own account or (not in a confidential conversation) a caregiver with an
/// active connection (§15: any account that is not the patient's own is on
/// the caregiver side).
pub(crate) fn account_has_access(tx: &Tx, conv: &ConvRow, account: &str) -> Result<bool> {
    if !tx.is_patient_side_participant(conv.seq, account)? {
        return Ok(false);
    }
    let own = tx
        .patient(&conv.patient_key)?
        .is_some_and(|p| p.account_id.as_deref() == Some(account));
    let connected = !own && tx.connection_active(&conv.patient_key, account)?;
    Ok(confidential::patient_side_sees(
        own,
        connected,
        conv.confidential,
    ))
}

/// The same decision for every conversation of one patient, given the
/// patient row and the accounts with an active connection to it: whether
/// `account` keeps access to a conversation that it took part in.
pub(crate) fn patient_account_keeps_access(
    patient: &PatientRow,
    connected: &[String],
    account: &str,
    conversation_confidential: bool,
) -> bool {
    let own = patient.account_id.as_deref() == Some(account);
    let connected = connected.iter().any(|a| a == account);
    confidential::patient_side_sees(own, connected, conversation_confidential)
}

/// §7: the ranges a staff member's folder reads: their own party and, for
/// every folder but `sent` (authors only), the workgroups they are a
/// member of now (R-M0).
pub(crate) fn staff_folder_ranges(
    tx: &Tx,
    staff: &str,
    with_workgroups: bool,
) -> Result<Vec<FolderRange>> {
    let mut out = vec![FolderRange {
        key: format!("staff:{staff}"),
        patient: None,
        confidential: true,
    }];
    if with_workgroups {
        out.extend(tx.workgroups_of(staff)?.into_iter().map(|w| FolderRange {
            key: format!("workgroup:{w}"),
            patient: None,
            confidential: true,
        }));
    }
    Ok(out)
}

/// §7, R-A1, R-CF3: the ranges an account's folders read: its rows of the
/// conversations of every patient whose own account it is (confidential
/// ones included) and of every patient it has an active connection to
/// (confidential ones never).
pub(crate) fn account_folder_ranges(tx: &Tx, account: &str) -> Result<Vec<FolderRange>> {
    let own = tx.patients_of_account(account)?;
    let mut out: Vec<FolderRange> = own
        .iter()
        .map(|p| FolderRange {
            key: account.to_string(),
            patient: Some(p.clone()),
            confidential: confidential::patient_side_sees(true, false, true),
        })
        .collect();
    for p in tx.connected_patients(account)? {
        if !own.contains(&p) {
            out.push(FolderRange {
                key: account.to_string(),
                patient: Some(p),
                confidential: confidential::patient_side_sees(false, true, true),
            });
        }
    }
    Ok(out)
}
