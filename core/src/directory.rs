//! The directory (SPEC §2, §15 "Directory upserts"): what the host tells
//! the core. One upsert is all-or-nothing and applies accounts, staff,
//! patients, connections, workgroups in that order; records replace whole.

use crate::deadline;
use crate::error::{Error, Result};
use crate::folding;
use crate::model::DirectoryUpdate;
use crate::store::{PatientRow, Tx};
use std::collections::BTreeSet;

fn non_empty(what: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{what} {value:?} is empty (§2)"
        )));
    }
    Ok(())
}

/// Applies one upsert inside the caller's transaction.
pub(crate) fn upsert(tx: &Tx, d: &DirectoryUpdate) -> Result<()> {
    for a in &d.accounts {
        non_empty("account id", &a.id)?;
        tx.upsert_account(&a.id, a.kind.as_str(), &a.display_name, a.registered)?;
    }
    for s in &d.staff {
        non_empty("staff id", &s.id)?;
        tx.upsert_staff(&s.id, &s.display_name, s.accepts_direct)?;
    }
    // Patients whose access rules may have changed (R-A1).
    let mut touched = BTreeSet::new();
    for p in &d.patients {
        non_empty("EMR ID", &p.emr_id)?;
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
        non_empty("workgroup id", &w.id)?;
        for m in &w.members {
            if tx.staff(m)?.is_none() {
                return Err(Error::UnknownStaff(m.clone()));
            }
        }
        tx.upsert_workgroup(&w.id, &w.name, &w.members)?;
    }
    // An account that lost access gets no more notices about it (§15).
    for key in &touched {
        tx.cancel_events_without_access(key)?;
    }
    Ok(())
}
