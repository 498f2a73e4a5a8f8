//! The world both harnesses drive: the clinic configuration, a directory,
//! seeded randomness, request builders with a realistic spread of options,
//! and a content fingerprint for attachments.

use chrono::{DateTime, TimeZone, Utc};
use pmsg_core::{
    Account, AccountKind, Config, Connection, DirectoryUpdate, Interval, IntervalUnit,
    NewAttachment, Patient, ReplyRequest, Response, SendRequest, Sender, Staff, Workgroup,
    DEFAULT_MEDIA_TYPES,
};
use rand::seq::IndexedRandom;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The harness's random source: ChaCha8, so a seed gives the same stream
/// on every platform and every run.
pub type Rand = ChaCha8Rng;

/// A random source for stream `stream` of seed `seed` (SplitMix64 mixing,
/// so neighbouring streams are unrelated).
pub fn rng(seed: u64, stream: u64) -> Rand {
    Rand::seed_from_u64(mix(seed ^ mix(stream.wrapping_add(0x5EED))))
}

/// An operation drawn from `mix`, `(name, weight)` pairs, in proportion
/// to the weights.
pub fn pick<'a>(rng: &mut Rand, mix: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = mix.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    mix.iter()
        .find(|(_, w)| {
            if pick < *w {
                true
            } else {
                pick -= w;
                false
            }
        })
        .map_or(mix[0].0, |(name, _)| *name)
}

/// SplitMix64's finaliser.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a, 64 bits: the fingerprint of an attachment's content and the
/// hash that shards events between deliverers.
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes back from [`hex`]; `None` for anything else.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    text.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [_, _] => u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok(),
            _ => None,
        })
        .collect()
}

/// The clinic configuration: a zone with DST so deadlines cross changes.
pub fn config() -> Config {
    Config {
        time_zone: "America/Toronto".into(),
        ..Config::default()
    }
}

/// An instant from milliseconds since the epoch.
pub fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// The first instant of every run: Sunday 1 March 2026, 09:00 in Toronto.
pub fn epoch_ms() -> i64 {
    Utc.with_ymd_and_hms(2026, 3, 1, 14, 0, 0)
        .single()
        .unwrap_or_default()
        .timestamp_millis()
}

/// "Forever": later than any instant a run reaches, for `due_events`.
pub fn far_future() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2200, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// One staff member of a directory, with the `from` identities open to them.
#[derive(Debug, Clone)]
pub struct StaffMember {
    /// Staff id.
    pub id: String,
    /// Accepts direct messages.
    pub direct: bool,
    /// Workgroups the member belongs to.
    pub workgroups: Vec<String>,
}

impl StaffMember {
    /// `staff:ID`.
    pub fn party(&self) -> String {
        format!("staff:{}", self.id)
    }

    /// A `from` identity this member may send as (R-S1).
    pub fn pick_from(&self, rng: &mut Rand) -> Sender {
        if self.direct && (self.workgroups.is_empty() || rng.random_bool(0.4)) {
            Sender::Direct
        } else {
            Sender::Workgroup(self.workgroups.choose(rng).cloned().unwrap_or_default())
        }
    }
}

/// A directory plus what the harness needs to know about it.
#[derive(Debug, Clone)]
pub struct World {
    /// The upsert that creates it.
    pub update: DirectoryUpdate,
    /// Its staff.
    pub staff: Vec<StaffMember>,
    /// Each patient's EMR ID and one patient-side account (`account:ID`)
    /// that receives its messages and may reply.
    pub patients: Vec<(String, String)>,
}

impl World {
    /// The staff member with this id.
    pub fn staff(&self, id: &str) -> Option<&StaffMember> {
        self.staff.iter().find(|s| s.id == id)
    }

    /// The patient-side account of a patient.
    pub fn patient_account(&self, emr_id: &str) -> Option<&str> {
        self.patients
            .iter()
            .find(|(e, _)| e.eq_ignore_ascii_case(emr_id))
            .map(|(_, a)| a.as_str())
    }
}

fn account(id: &str, kind: AccountKind, name: &str) -> Account {
    Account {
        id: id.into(),
        kind,
        display_name: name.into(),
        registered: true,
    }
}

fn patient(
    emr: &str,
    first: &str,
    last: &str,
    dob: &str,
    dependent: bool,
    own: Option<&str>,
) -> Patient {
    Patient {
        emr_id: emr.into(),
        first_name: first.into(),
        last_name: last.into(),
        date_of_birth: dob.into(),
        dependent,
        account: own.map(str::to_string),
    }
}

fn connection(caregiver: &str, emr: &str) -> Connection {
    Connection {
        caregiver: caregiver.into(),
        patient: emr.into(),
        active: true,
    }
}

/// The crash harness's clinic: four staff (one without direct messages),
/// two workgroups, and patients routed every way R-R2 allows: own account,
/// a minor with two caregivers, a dependent adult, an adult with a connected
/// family member.
pub fn crash_world() -> World {
    let staff = vec![
        StaffMember {
            id: "s-ng".into(),
            direct: true,
            workgroups: vec!["wg-nursing".into()],
        },
        StaffMember {
            id: "s-roy".into(),
            direct: true,
            workgroups: vec!["wg-nursing".into()],
        },
        StaffMember {
            id: "s-li".into(),
            direct: false,
            workgroups: vec!["wg-nursing".into(), "wg-lab".into()],
        },
        StaffMember {
            id: "s-ortiz".into(),
            direct: true,
            workgroups: vec!["wg-lab".into()],
        },
    ];
    let update = DirectoryUpdate {
        accounts: vec![
            account("a-100", AccountKind::Patient, "Léa Roy"),
            account("a-101", AccountKind::Patient, "Marc O'Brien"),
            account("a-104", AccountKind::Patient, "Anne Gagnon"),
            account("a-105", AccountKind::Patient, "Omar Haddad"),
            account("c-1", AccountKind::Caregiver, "Julie Côté"),
            account("c-2", AccountKind::Caregiver, "Denis Côté"),
            account("c-3", AccountKind::Caregiver, "Luc Tremblay"),
            account("c-4", AccountKind::Caregiver, "Yves Gagnon"),
        ],
        patients: vec![
            patient("E100", "Léa", "Roy", "1980-01-31", false, Some("a-100")),
            patient(
                "E101",
                "Marc",
                "O'Brien",
                "1975-06-12",
                false,
                Some("a-101"),
            ),
            patient("E102", "Zoé", "Côté", "2015-05-05", false, None),
            patient("E103", "Paul", "Tremblay", "1950-02-28", true, None),
            patient("E104", "Anne", "Gagnon", "1990-09-09", false, Some("a-104")),
            patient("E105", "Omar", "Haddad", "1988-03-03", false, Some("a-105")),
        ],
        connections: vec![
            connection("c-1", "E102"),
            connection("c-2", "E102"),
            connection("c-3", "E103"),
            connection("c-4", "E104"),
        ],
        staff: vec![
            Staff {
                id: "s-ng".into(),
                display_name: "Dr. Ana Ng".into(),
                accepts_direct: true,
            },
            Staff {
                id: "s-roy".into(),
                display_name: "Nurse Tom Roy".into(),
                accepts_direct: true,
            },
            Staff {
                id: "s-li".into(),
                display_name: "Wei Li".into(),
                accepts_direct: false,
            },
            Staff {
                id: "s-ortiz".into(),
                display_name: "Dr. Eva Ortiz".into(),
                accepts_direct: true,
            },
        ],
        workgroups: vec![
            Workgroup {
                id: "wg-nursing".into(),
                name: "Nursing".into(),
                members: vec!["s-ng".into(), "s-roy".into(), "s-li".into()],
            },
            Workgroup {
                id: "wg-lab".into(),
                name: "Lab".into(),
                members: vec!["s-li".into(), "s-ortiz".into()],
            },
        ],
    };
    let patients = [
        ("E100", "a-100"),
        ("E101", "a-101"),
        ("E102", "c-1"),
        ("E103", "c-3"),
        ("E104", "c-4"),
        ("E105", "a-105"),
    ]
    .iter()
    .map(|(e, a)| (e.to_string(), format!("account:{a}")))
    .collect();
    World {
        update,
        staff,
        patients,
    }
}

/// The concurrency harness's clinic: one staff member per worker thread
/// (`s-P-T`), one workgroup per process plus one for everybody, and 24
/// patients (every fourth a minor with a caregiver, every fourth a
/// dependent adult with one, the rest with their own account).
pub fn concurrency_world(processes: usize, threads: usize) -> World {
    let mut update = DirectoryUpdate::default();
    let mut staff = Vec::new();
    let all: Vec<String> = (0..processes)
        .flat_map(|p| (0..threads).map(move |t| format!("s-{p}-{t}")))
        .collect();
    for p in 0..processes {
        let members: Vec<String> = (0..threads).map(|t| format!("s-{p}-{t}")).collect();
        for id in &members {
            update.staff.push(Staff {
                id: id.clone(),
                display_name: format!("Staff {id}"),
                accepts_direct: true,
            });
            staff.push(StaffMember {
                id: id.clone(),
                direct: true,
                workgroups: vec![format!("wg-{p}"), "wg-all".into()],
            });
        }
        update.workgroups.push(Workgroup {
            id: format!("wg-{p}"),
            name: format!("Team {p}"),
            members,
        });
    }
    update.workgroups.push(Workgroup {
        id: "wg-all".into(),
        name: "Everyone".into(),
        members: all,
    });
    let mut patients = Vec::new();
    for i in 0..24 {
        let emr = format!("E2{i:02}");
        let who = match i % 4 {
            0 => {
                let c = format!("c-{emr}");
                update
                    .accounts
                    .push(account(&c, AccountKind::Caregiver, "Parent"));
                update.patients.push(patient(
                    &emr,
                    "Kid",
                    &format!("Minor{i}"),
                    "2016-04-01",
                    false,
                    None,
                ));
                update.connections.push(connection(&c, &emr));
                c
            }
            1 => {
                let c = format!("c-{emr}");
                update
                    .accounts
                    .push(account(&c, AccountKind::Caregiver, "Guardian"));
                update.patients.push(patient(
                    &emr,
                    "Ada",
                    &format!("Dependent{i}"),
                    "1944-07-07",
                    true,
                    None,
                ));
                update.connections.push(connection(&c, &emr));
                c
            }
            _ => {
                let a = format!("a-{emr}");
                update
                    .accounts
                    .push(account(&a, AccountKind::Patient, "Patient"));
                update.patients.push(patient(
                    &emr,
                    "Sam",
                    &format!("Adult{i}"),
                    "1979-11-30",
                    false,
                    Some(&a),
                ));
                a
            }
        };
        patients.push((emr, format!("account:{who}")));
    }
    World {
        update,
        staff,
        patients,
    }
}

/// Sizes of generated attachments.
#[derive(Debug, Clone, Copy)]
pub enum Sizes {
    /// Up to 2 KiB each, at most 3 files.
    Small,
    /// Mostly up to 4 KiB, sometimes 32–256 KiB, sometimes ten files: large
    /// transactions that a kill can land in the middle of.
    Mixed,
}

/// 0–10 attachments with random content.
pub fn attachments(rng: &mut Rand, sizes: Sizes) -> Vec<NewAttachment> {
    let count = match (sizes, rng.random_range(0..100)) {
        (_, 0..=49) => 0,
        (_, 50..=79) => 1,
        (Sizes::Mixed, 80..=94) | (Sizes::Small, 80..=99) => rng.random_range(2..=3),
        _ => 10,
    };
    (0..count)
        .map(|i| {
            let size = match sizes {
                Sizes::Small => rng.random_range(0..=2048),
                Sizes::Mixed if rng.random_bool(0.12) => rng.random_range(32 * 1024..=256 * 1024),
                Sizes::Mixed => rng.random_range(0..=4096),
            };
            let mut content = vec![0u8; size];
            rng.fill_bytes(&mut content);
            NewAttachment {
                name: format!("file-{i}.bin"),
                media_type: DEFAULT_MEDIA_TYPES
                    .choose(rng)
                    .copied()
                    .unwrap_or("text/plain")
                    .into(),
                content,
            }
        })
        .collect()
}

/// The options of one staff message, drawn with a realistic spread.
#[derive(Debug, Clone)]
pub struct StaffOptions {
    /// Response option.
    pub response: Response,
    /// Reply attachments allowed.
    pub allow_reply_attachments: bool,
    /// Unread reminder.
    pub unread_notify: Option<Interval>,
    /// Masked sender.
    pub mask_name: bool,
    /// Billing.
    pub fee_code: Option<String>,
    /// "Send and Download".
    pub file_to_chart: bool,
}

impl StaffOptions {
    /// Random options; `chart` allows `file_to_chart` (5%).
    pub fn random(rng: &mut Rand, chart: bool) -> StaffOptions {
        let response = match rng.random_range(0..100) {
            0..=59 => Response::Allowed,
            60..=87 => Response::Required {
                days: rng.random_range(1..=5),
            },
            _ => Response::Closed,
        };
        StaffOptions {
            allow_reply_attachments: response != Response::Closed && rng.random_bool(0.5),
            response,
            unread_notify: rng.random_bool(0.3).then(|| Interval {
                count: rng.random_range(1..=3),
                unit: IntervalUnit::Days,
            }),
            mask_name: rng.random_bool(0.2),
            fee_code: rng.random_bool(0.25).then(|| {
                ["A1", "B22", "MSG1"]
                    .choose(rng)
                    .copied()
                    .unwrap_or("A1")
                    .into()
            }),
            file_to_chart: chart && rng.random_bool(0.05),
        }
    }
}

/// A first message from `author` to `patient`.
pub fn send_request(
    rng: &mut Rand,
    author: &StaffMember,
    patient: &str,
    opts: &StaffOptions,
    sizes: Sizes,
) -> SendRequest {
    SendRequest {
        author: author.id.clone(),
        patient: patient.into(),
        from: Some(author.pick_from(rng)),
        subject: format!("Follow-up {}", rng.random_range(1..10_000)),
        body: body(rng),
        attachments: attachments(rng, sizes),
        unread_notify: opts.unread_notify,
        response: opts.response,
        allow_reply_attachments: opts.allow_reply_attachments,
        mask_name: opts.mask_name,
        billable_fee_code: opts.fee_code.clone(),
        file_to_chart: opts.file_to_chart,
        confidential: false,
        malformed: vec![],
    }
}

/// A staff reply; `from` is always given, so it never inherits another
/// staff member's direct identity (§15).
pub fn staff_reply(
    rng: &mut Rand,
    by: &StaffMember,
    conversation: &str,
    opts: &StaffOptions,
    sizes: Sizes,
) -> ReplyRequest {
    ReplyRequest {
        by: by.party(),
        conversation: conversation.into(),
        body: body(rng),
        attachments: attachments(rng, sizes),
        from: Some(by.pick_from(rng)),
        unread_notify: opts.unread_notify,
        response: Some(opts.response),
        allow_reply_attachments: Some(opts.allow_reply_attachments),
        mask_name: Some(opts.mask_name),
        billable_fee_code: opts.fee_code.clone(),
        file_to_chart: Some(opts.file_to_chart),
        confidential: None,
        malformed: vec![],
    }
}

/// A patient-side reply; files only when the conversation allows them.
pub fn patient_reply(
    rng: &mut Rand,
    by: &str,
    conversation: &str,
    files_allowed: bool,
    sizes: Sizes,
) -> ReplyRequest {
    ReplyRequest {
        by: by.into(),
        conversation: conversation.into(),
        body: body(rng),
        attachments: if files_allowed {
            attachments(rng, sizes)
        } else {
            vec![]
        },
        ..ReplyRequest::default()
    }
}

/// The words message bodies are made of.
pub const BODY_WORDS: [&str; 7] = [
    "results",
    "dose",
    "appointment",
    "thank you",
    "call us",
    "normal",
    "follow-up",
];

fn body(rng: &mut Rand) -> String {
    let n = rng.random_range(1..=40);
    (0..n)
        .map(|_| *BODY_WORDS.choose(rng).unwrap_or(&"ok"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Health information a notice might leak: a subject, body words, a file
/// name, or a patient's, account's or staff member's name (R-D1).
pub fn phi_in(notice: &str, world: &World) -> Option<String> {
    let text = notice.to_lowercase();
    let names = world
        .update
        .patients
        .iter()
        .flat_map(|p| [p.first_name.clone(), p.last_name.clone(), p.emr_id.clone()])
        .chain(world.update.accounts.iter().map(|a| a.display_name.clone()))
        .chain(world.update.staff.iter().map(|s| s.display_name.clone()));
    std::iter::once("file-".to_string())
        .chain(BODY_WORDS.iter().map(|w| w.to_string()))
        .chain(names)
        .find(|w| text.contains(&w.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_seed_gives_one_request_and_streams_differ() {
        let world = crash_world();
        let make = |stream| {
            let mut r = rng(9, stream);
            let opts = StaffOptions::random(&mut r, true);
            send_request(&mut r, &world.staff[0], "E100", &opts, Sizes::Mixed)
        };
        assert_eq!(make(1), make(1));
        assert_ne!(make(1), make(2));
    }

    #[test]
    fn the_notice_check_catches_names_and_subjects_and_passes_pmsg_notices() {
        let w = crash_world();
        assert_eq!(
            phi_in("Your Follow-up 12 is ready", &w).as_deref(),
            Some("follow-up")
        );
        assert!(phi_in("Léa, log in", &w).is_some());
        assert!(phi_in("see file-0.bin", &w).is_some());
        for kind in [
            pmsg_core::EventKind::NewMessage,
            pmsg_core::EventKind::NewReply,
            pmsg_core::EventKind::ResponseOverdue,
            pmsg_core::EventKind::UnreadReminder,
        ] {
            assert_eq!(phi_in(pmsg_core::events::notice(kind), &w), None);
        }
    }

    #[test]
    fn hex_goes_both_ways() {
        assert_eq!(
            unhex(&hex(&[0, 1, 0xab, 0xff])),
            Some(vec![0, 1, 0xab, 0xff])
        );
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }

    #[test]
    fn every_patient_has_a_receiving_account() {
        for w in [crash_world(), concurrency_world(2, 3)] {
            for (emr, account) in &w.patients {
                assert!(account.starts_with("account:"), "{emr}");
                assert!(w
                    .update
                    .accounts
                    .iter()
                    .any(|a| format!("account:{}", a.id) == *account));
            }
        }
    }
}
