//! Billing (SPEC R-B1…R-B3): one entry per billable staff message, reported
//! per cycle in clinic local time, with totals and an RFC 4180 CSV form.

pub mod cycle;

use crate::config::Settings;
use crate::deadline;
use crate::error::{Error, Result};
use crate::model::{BillingEntry, BillingReport, BillingTotal};
use crate::store::Tx;
use crate::{from_ms, ms};
use std::collections::BTreeMap;

/// R-B3: the cycle's entries in sent order and totals per (author, fee code).
pub(crate) fn report(tx: &Tx, s: &Settings, cycle_id: &str) -> Result<BillingReport> {
    let (start, end) = cycle::cycle_bounds(cycle_id, s.zone, s.billing_cycle)?;
    let rows = tx.billing_entries(ms(start), ms(end))?;
    let mut totals: BTreeMap<(String, String), u64> = BTreeMap::new();
    let entries = rows
        .into_iter()
        .map(|r| {
            *totals
                .entry((r.author.clone(), r.fee_code.clone()))
                .or_default() += 1;
            BillingEntry {
                fee_code: r.fee_code,
                author: r.author,
                patient: r.emr_id,
                conversation: r.conversation_id,
                message: r.message_id,
                sent_at: deadline::format_local(from_ms(r.sent_at), s.zone),
            }
        })
        .collect();
    Ok(BillingReport {
        cycle: cycle_id.to_string(),
        entries,
        totals: totals
            .into_iter()
            .map(|((author, fee_code), count)| BillingTotal {
                author,
                fee_code,
                count,
            })
            .collect(),
    })
}

/// R-B3: the report's entries as RFC 4180 CSV (CRLF line ends, a header row).
pub fn to_csv(report: &BillingReport) -> Result<String> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    w.write_record([
        "cycle",
        "sent_at",
        "fee_code",
        "author",
        "patient",
        "conversation",
        "message",
    ])
    .map_err(csv_err)?;
    for e in &report.entries {
        w.write_record([
            &report.cycle,
            &e.sent_at,
            &e.fee_code,
            &e.author,
            &e.patient,
            &e.conversation,
            &e.message,
        ])
        .map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(format!("CSV is not UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_fields_per_rfc_4180() {
        let r = BillingReport {
            cycle: "2026-03".into(),
            entries: vec![BillingEntry {
                fee_code: "K083".into(),
                author: "s,\"ng\"".into(),
                patient: "E100".into(),
                conversation: "c".into(),
                message: "m".into(),
                sent_at: "2026-03-02T09:00:00-05:00".into(),
            }],
            totals: vec![],
        };
        let text = to_csv(&r).unwrap();
        assert_eq!(
            text,
            "cycle,sent_at,fee_code,author,patient,conversation,message\r\n\
             2026-03,2026-03-02T09:00:00-05:00,K083,\"s,\"\"ng\"\"\",E100,c,m\r\n"
        );
    }
}
