//! Group communications at scale (SPEC §16): `group_send_speedup`,
//! `group_send_rss_mib` and `group_report_ms`.
//!
//! One file store holds a directory of [`GROUP_PATIENTS`] adults, each with
//! a registered account of their own. On it, 1,000 single durable sends
//! (one transaction each, to the first 1,000 patients) give the per-patient
//! cost of sending one by one; a copy of the same store then gets one group
//! send to all [`GROUP_PATIENTS`], in a child process (this binary,
//! `group-child`) that reports the send's time and its peak RSS. The
//! speedup is the single sends' per-patient cost over the group send's.
//! `group_report_ms` is the median of the group's report, every patient
//! included, on the child's store afterwards.

use crate::figures::Setup;
use crate::report::{Report, Stats};
use crate::Res;
use pmsg_bench::populate;
use pmsg_core::{
    Account, AccountKind, Config, DirectoryUpdate, GroupSendRequest, Patient, Response,
    SendRequest, Sender, Staff, Store,
};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Patients of the group send (the 10,000).
pub const GROUP_PATIENTS: usize = 10_000;
/// Single sends timed for the comparison.
const SINGLE_SENDS: usize = 1_000;

fn emr(i: usize) -> String {
    format!("G{i:05}")
}

fn directory() -> DirectoryUpdate {
    let mut d = DirectoryUpdate {
        staff: vec![Staff {
            id: "s-flu".into(),
            display_name: "Dr. Flu".into(),
            accepts_direct: true,
        }],
        ..Default::default()
    };
    for i in 0..GROUP_PATIENTS {
        d.accounts.push(Account {
            id: format!("a-g{i:05}"),
            kind: AccountKind::Patient,
            display_name: format!("Patient {i}"),
            registered: true,
        });
        d.patients.push(Patient {
            emr_id: emr(i),
            first_name: "Pat".into(),
            last_name: format!("Group{i:05}"),
            date_of_birth: "1970-01-01".into(),
            dependent: false,
            account: Some(format!("a-g{i:05}")),
        });
    }
    d
}

const SUBJECT: &str = "Flu vaccination clinic on Saturday";
const BODY: &str = "Our flu vaccination clinic runs this Saturday from 9:00 to 15:00. \
    No appointment is needed; reply if you have questions.";

fn single(i: usize) -> SendRequest {
    SendRequest {
        author: "s-flu".into(),
        patient: emr(i),
        from: Some(Sender::Direct),
        subject: SUBJECT.into(),
        body: BODY.into(),
        attachments: Vec::new(),
        unread_notify: None,
        response: Response::Required { days: 7 },
        allow_reply_attachments: false,
        mask_name: false,
        billable_fee_code: Some("A001".into()),
        file_to_chart: false,
        confidential: false,
        malformed: Vec::new(),
    }
}

fn group() -> GroupSendRequest {
    GroupSendRequest {
        author: "s-flu".into(),
        patients: (0..GROUP_PATIENTS).map(emr).collect(),
        from: Some(Sender::Direct),
        subject: SUBJECT.into(),
        body: BODY.into(),
        attachments: Vec::new(),
        unread_notify: None,
        response: Response::Required { days: 7 },
        allow_reply_attachments: false,
        mask_name: false,
        billable_fee_code: Some("A001".into()),
        file_to_chart: false,
        confidential: false,
        malformed: Vec::new(),
    }
}

/// Measures the three group figures.
pub fn group_send(setup: &Setup, rep: &mut Report) -> Res<()> {
    let work = setup.dir.join("group-send");
    std::fs::create_dir_all(&work)?;
    let (singles, grouped) = (work.join("singles.sqlite"), work.join("group.sqlite"));
    populate::remove_store(&singles);
    populate::remove_store(&grouped);
    let at = populate::start_instant();
    for path in [&singles, &grouped] {
        let store = Store::open(&path.to_string_lossy(), &Config::default())?;
        store.upsert_directory(&directory())?;
    }

    let store = Store::open(&singles.to_string_lossy(), &Config::default())?;
    let began = Instant::now();
    for i in 0..SINGLE_SENDS {
        store.send(&single(i), at)?;
    }
    let single_ms = began.elapsed().as_secs_f64() * 1e3 / SINGLE_SENDS as f64;
    drop(store);

    let out = Command::new(std::env::current_exe()?)
        .args(["group-child", "--db"])
        .arg(&grouped)
        .args(["--now-ms", &at.timestamp_millis().to_string()])
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "group child failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    let r: Value = serde_json::from_slice(&out.stdout)?;
    let group_ms = r["send_ms"].as_f64().unwrap_or(f64::NAN);
    let sent = r["sent"].as_u64().unwrap_or_default();
    if sent != GROUP_PATIENTS as u64 {
        return Err(format!("the group send reached {sent} of {GROUP_PATIENTS} patients").into());
    }
    let per_patient = group_ms / GROUP_PATIENTS as f64;
    rep.info(
        "group_send_speedup",
        "single_send_ms_per_patient",
        format!("{single_ms:.3}"),
        "ms",
    );
    rep.info(
        "group_send_speedup",
        "group_send_ms_per_patient",
        format!("{per_patient:.4}"),
        "ms",
    );
    rep.info(
        "group_send_speedup",
        "group_send_total_ms",
        format!("{group_ms:.0}"),
        "ms",
    );
    rep.value("group_send_speedup", single_ms / per_patient);
    rep.value(
        "group_send_rss_mib",
        r["vm_hwm_kib"].as_f64().unwrap_or(f64::NAN) / 1024.0,
    );

    let store = Store::open(&grouped.to_string_lossy(), &Config::default())?;
    let group_id = r["group_id"].as_str().unwrap_or_default().to_string();
    let later = populate::instant(at.timestamp_millis() + 86_400_000);
    let mut samples = Vec::new();
    for i in 0..(setup.samples / 5).max(12) {
        let t = Instant::now();
        let report = store.group_report("staff:s-flu", &group_id, later)?;
        let elapsed = t.elapsed().as_secs_f64() * 1e3;
        if report.entries.len() != GROUP_PATIENTS {
            return Err("the group report lost patients".into());
        }
        if i >= 2 {
            samples.push(elapsed);
        }
    }
    let s = Stats::of(samples);
    rep.info(
        "group_report_ms",
        "group_report_p99_ms",
        format!("{:.1}", s.p99),
        "ms",
    );
    rep.info(
        "group_report_ms",
        "group_report_samples",
        s.samples,
        "count",
    );
    rep.value("group_report_ms", s.median);
    drop(store);
    populate::remove_store(&singles);
    populate::remove_store(&grouped);
    let _ = std::fs::remove_dir(&work);
    Ok(())
}

/// The child of [`group_send`]: one group send to every patient of the
/// store at `now_ms`; prints its time, outcome and peak RSS as JSON.
pub fn group_child(db: &Path, now_ms: i64) -> Res<()> {
    let store = Store::open(&db.to_string_lossy(), &Config::default())?;
    let request = group();
    let began = Instant::now();
    let outcome = store.send_group(&request, populate::instant(now_ms))?;
    let send_ms = began.elapsed().as_secs_f64() * 1e3;
    let sent = outcome
        .entries
        .iter()
        .filter(|e| e.conversation_id.is_some())
        .count();
    println!(
        "{}",
        json!({
            "group_id": outcome.group_id,
            "sent": sent,
            "send_ms": send_ms,
            "vm_hwm_kib": crate::figures::proc_status_kib("VmHWM"),
        })
    );
    Ok(())
}
