//! The directory (SPEC §2, §15 "Directory upserts"): what the host tells
//! the core. One upsert is all-or-nothing and applies accounts, staff,
//! patients, connections, workgroups in that order; records replace whole.

use crate::access;
use crate::deadline;
use crate::error::{Error, Result};
use crate::folding;
use crate::model::DirectoryUpdate;
use crate::store::{PatientRow, Tx};
use std::collections::BTreeSet;

/// An id: non-empty, with no control character (C hosts cannot carry NUL).
fn check_id(what: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{what} {value:?} is empty (§2)"
        )));
    }
    check_text(what, value)
}

/// A name or id: no control character (general category Cc).
fn check_text(what: &str, value: &str) -> Result<()> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => Err(Error::InvalidArgument(format!(
            "{what} {value:?} contains control character U+{:04X} (§2)",
            c as u32
        ))),
        None => Ok(()),
    }
}

/// Applies one upsert inside the caller's transaction.
pub(crate) fn upsert(tx: &Tx, d: &DirectoryUpdate) -> Result<()> {
    for a in &d.accounts {
        check_id("account id", &a.id)?;
        check_text("account display_name", &a.display_name)?;
        tx.upsert_account(&a.id, a.kind.as_str(), &a.display_name, a.registered)?;
    }
    for s in &d.staff {
        check_id("staff id", &s.id)?;
        check_text("staff display_name", &s.display_name)?;
        tx.upsert_staff(&s.id, &s.display_name, s.accepts_direct)?;
    }
    // Patients whose access rules may have changed (R-A1).
    let mut touched = BTreeSet::new();
    for p in &d.patients {
        check_id("EMR ID", &p.emr_id)?;
        check_text("first_name", &p.first_name)?;
        check_text("last_name", &p.last_name)?;
        deadline::parse_date(&p.date_of_birth).map_err(|_| {
            Error::InvalidArgument(format!(
                "date_of_birth {:?} of patient {:?} is not YYYY-MM-DD (§2)",
                p.date_of_birth, p.emr_id
            ))
        })?;
        if let Some(acc) = &p.account {
            if tx.account(acc)?.is_none() {
                return Err(Error::UnknownAccount(acc.clone()));
            }
        }
        let key = folding::case_fold(&p.emr_id);
        tx.upsert_patient(
            &PatientRow {
                key: key.clone(),
                emr_id: p.emr_id.clone(),
                first_name: p.first_name.clone(),
                last_name: p.last_name.clone(),
                date_of_birth: p.date_of_birth.clone(),
                dependent: p.dependent,
                account_id: p.account.clone(),
            },
            &folding::fold_name(&p.first_name),
            &folding::fold_name(&p.last_name),
        )?;
        touched.insert(key);
    }
    for c in &d.connections {
        if tx.account(&c.caregiver)?.is_none() {
            return Err(Error::UnknownAccount(c.caregiver.clone()));
        }
        let key = folding::case_fold(&c.patient);
        if tx.patient(&key)?.is_none() {
            return Err(Error::UnknownPatient {
                emr_id: c.patient.clone(),
            });
        }
        tx.upsert_connection(&key, &c.caregiver, c.active)?;
        touched.insert(key);
    }
    for w in &d.workgroups {
        check_id("workgroup id", &w.id)?;
        check_text("workgroup name", &w.name)?;
        for m in &w.members {
            if tx.staff(m)?.is_none() {
                return Err(Error::UnknownStaff(m.clone()));
            }
        }
        tx.upsert_workgroup(&w.id, &w.name, &w.members)?;
    }
    // An account that lost access gets no more notices about it (§15).
    for key in &touched {
        cancel_events_without_access(tx, key)?;
    }
    Ok(())
}

/// §15 "Directory upserts", R-CF3: cancels the pending events of the
/// patient's conversations addressed to an account that no longer has
/// access to them (a revoked caregiver; a replaced own account, which is
/// now on the caregiver side and never sees a confidential conversation).
fn cancel_events_without_access(tx: &Tx, patient_key: &str) -> Result<()> {
    let events = tx.pending_events_of_patient(patient_key)?;
    if events.is_empty() {
        return Ok(());
    }
    let Some(patient) = tx.patient(patient_key)? else {
        return Ok(());
    };
    let connected: Vec<String> = tx
        .active_caregivers(patient_key)?
        .into_iter()
        .map(|c| c.account_id)
        .collect();
    for e in events {
        if let Some(account) = e.recipient.strip_prefix("account:") {
            if !access::patient_account_keeps_access(&patient, &connected, account, e.confidential)
            {
                tx.cancel_event(e.seq)?;
            }
        }
    }
    Ok(())
}
