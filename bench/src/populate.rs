//! The data generator: a realistic clinic network written through the
//! core's own write path. Deterministic from a seed: every decision comes
//! from [`Rng`] streams, never from ids (the core's UUIDv7 ids carry
//! random bits, so ids differ between runs while every count is the same).
//!
//! The network: patients (10% minors whose messages go to caregivers, a
//! third of them adolescents of 12–17, most with a portal account of their
//! own; a few connected family members and dependents, some unreachable),
//! staff in workgroups, one of which (`wg-01`) is `from` on 10% of all
//! conversations. Conversations arrive at a constant rate (a million a
//! year) and unfold as the clinic would: the patient side reads, replies,
//! staff read and reply again, some conversations are closed. About 3% of
//! them come from group sends (§16: 20–500 patients by a workgroup, lists
//! with a few unknown, unreachable and repeated entries), about 5% are
//! assigned once to a workgroup or a colleague with a note (§17), about 2%
//! are confidential (§18: to patients with a registered account of their
//! own, adolescents among them). Every
//! operation goes through [`Store::batch`], [`OPS_PER_BATCH`] per
//! transaction, with strictly increasing `now` instants. The host's
//! deliverer runs after each transaction and acknowledges what was due in
//! the next one, so events end up acknowledged, cancelled or pending (due
//! later, or in the last transaction's backlog) as in a live store. The
//! store is a snapshot at `end`: follow-ups planned after it never happen.

use crate::corpus;
use crate::rng::Rng;
use chrono::{DateTime, Days, Duration, TimeZone, Utc};
use pmsg_core::{
    Account, AccountKind, Config, Connection, DirectoryUpdate, GroupSendRequest, Interval,
    IntervalUnit, NewAttachment, Patient, ReplyRequest, Response, SendRequest, Sender, Staff,
    Store, Workgroup,
};
use serde_json::{json, Value};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Bumped whenever the generated data changes, so cached stores are rebuilt.
pub const GENERATOR_VERSION: u64 = 3;
/// The full-size network.
pub const FULL_CONVERSATIONS: u64 = 1_000_000;
/// Operations per [`Store::batch`] transaction.
pub const OPS_PER_BATCH: usize = 1_000;
/// Milliseconds between conversation starts: a million a year.
pub const ARRIVAL_GAP_MS: i64 = 31_536;
/// The first conversation's start.
pub const START: &str = "2025-01-06T08:00:00Z";
/// The workgroup that is `from` on 10% of the conversations.
pub const BIG_WORKGROUP: &str = "wg-01";
/// The staff member whose folders the harness reads: a member of
/// [`BIG_WORKGROUP`] only.
pub const FOLDER_USER: &str = "s-0001";

/// Share of conversations that come from group sends (§16).
pub const GROUP_SHARE: f64 = 0.03;
/// Fewest and most patients a group send reaches (the most is also capped
/// at a fortieth of the conversations, so a small network's groups are
/// smaller).
pub const GROUP_MIN: u64 = 20;
pub const GROUP_MAX: u64 = 500;
/// Chance that an open conversation is assigned once (§17): about 5% of
/// all conversations.
pub const ASSIGN_CHANCE: f64 = 0.055;
/// Chance that a single send is confidential (§18).
pub const CONFIDENTIAL_CHANCE: f64 = 0.02;
/// The streams of group conversations (`GROUP_STREAMS + index`), apart from
/// the arrival streams (`index`).
const GROUP_STREAMS: u64 = 1 << 62;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The network's size for `conversations`: 200k patients, 500 staff and
/// 40 workgroups at a million, proportionally fewer below (with floors).
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub patients: usize,
    pub staff: usize,
    pub workgroups: usize,
}

impl Scale {
    pub fn for_conversations(conversations: u64) -> Scale {
        Scale {
            patients: ((conversations / 5) as usize).max(100),
            staff: ((conversations / 2_000) as usize).clamp(20, 500),
            workgroups: ((conversations / 25_000) as usize).clamp(4, 40),
        }
    }
}

pub fn start_instant() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(START)
        .expect("START is RFC 3339")
        .with_timezone(&Utc)
}

pub fn instant(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// One staff member as the generator plans them.
#[derive(Debug, Clone)]
pub struct StaffPlan {
    pub id: String,
    pub home: usize,
    pub second: Option<usize>,
    pub accepts_direct: bool,
}

/// The directory, as upserts of at most 1,000 records each (accounts,
/// staff, patients, connections, workgroups, in that order), and what the
/// conversation generator needs to know about it.
pub struct Directory {
    pub updates: Vec<DirectoryUpdate>,
    pub staff: Vec<StaffPlan>,
    pub workgroup_ids: Vec<String>,
    /// Staff indices of the members of [`BIG_WORKGROUP`].
    pub big_members: Vec<usize>,
    /// Staff indices of everyone else.
    pub others: Vec<usize>,
    /// EMR IDs of the patients a message can reach (R-R2, R-R4).
    pub reachable: Vec<String>,
    /// EMR IDs of the patients no message reaches (group lists hold some).
    pub unreachable: Vec<String>,
    /// EMR IDs of adolescents (12–17) with a registered account of their
    /// own: a confidential message reaches them, not their caregivers (R-CF2).
    pub adolescents_own: Vec<String>,
    /// EMR IDs of adults with a registered account of their own.
    pub adults_own: Vec<String>,
    /// Staff indices of each workgroup's members.
    pub members: Vec<Vec<usize>>,
    /// Staff indices of those who accept direct messages.
    pub direct: Vec<usize>,
    pub accounts: usize,
}

/// Portal accounts as they are created: `a-…` patients, `c-…` caregivers.
#[derive(Default)]
struct Accounts {
    list: Vec<Account>,
}

impl Accounts {
    fn add(&mut self, kind: AccountKind, display_name: String, registered: bool) -> String {
        let prefix = if kind == AccountKind::Patient {
            "a"
        } else {
            "c"
        };
        let id = format!("{prefix}-{:07}", self.list.len() + 1);
        self.list.push(Account {
            id: id.clone(),
            kind,
            display_name,
            registered,
        });
        id
    }

    fn caregiver(&mut self, rng: &mut Rng, family_name: &str, registered: bool) -> String {
        let name = format!("{} {family_name}", rng.pick(corpus::FIRST_NAMES));
        self.add(AccountKind::Caregiver, name, registered)
    }
}

fn date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn chunked<T: Clone>(items: &[T], f: impl Fn(Vec<T>) -> DirectoryUpdate) -> Vec<DirectoryUpdate> {
    items.chunks(1_000).map(|c| f(c.to_vec())).collect()
}

/// The clinic network's directory for `scale`, from `seed`.
pub fn directory(scale: &Scale, seed: u64) -> Directory {
    let mut rng = Rng::derive(seed, u64::MAX);
    let start = start_instant();
    let w = scale.workgroups;
    let big_n = (scale.staff / 20).max(3);

    let mut staff_plans = Vec::with_capacity(scale.staff);
    let mut staff = Vec::with_capacity(scale.staff);
    for j in 0..scale.staff {
        let home = if j < big_n {
            0
        } else {
            1 + (j - big_n) % (w - 1)
        };
        let second = if j >= big_n && rng.chance(0.3) {
            Some(1 + rng.below(w as u64 - 1) as usize).filter(|&x| x != home)
        } else {
            None
        };
        let accepts_direct = j == 0 || rng.chance(0.7);
        let id = format!("s-{:04}", j + 1);
        staff.push(Staff {
            id: id.clone(),
            display_name: format!(
                "{} {}, {}",
                rng.pick(corpus::FIRST_NAMES),
                rng.skewed(corpus::LAST_NAMES),
                rng.pick(corpus::STAFF_ROLES)
            ),
            accepts_direct,
        });
        staff_plans.push(StaffPlan {
            id,
            home,
            second,
            accepts_direct,
        });
    }
    let workgroup_ids: Vec<String> = (0..w).map(|k| format!("wg-{:02}", k + 1)).collect();
    let workgroups: Vec<Workgroup> = (0..w)
        .map(|k| {
            let base = corpus::WORKGROUP_NAMES[k % corpus::WORKGROUP_NAMES.len()];
            Workgroup {
                id: workgroup_ids[k].clone(),
                name: if k < corpus::WORKGROUP_NAMES.len() {
                    base.to_string()
                } else {
                    format!("{base} {}", k / corpus::WORKGROUP_NAMES.len() + 1)
                },
                members: staff_plans
                    .iter()
                    .filter(|s| s.home == k || s.second == Some(k))
                    .map(|s| s.id.clone())
                    .collect(),
            }
        })
        .collect();

    let mut accounts = Accounts::default();
    let mut patients = Vec::with_capacity(scale.patients);
    let mut connections = Vec::new();
    let mut reachable = Vec::new();
    let mut unreachable = Vec::new();
    let mut adolescents_own = Vec::new();
    let mut adults_own = Vec::new();
    let mut last_minor_caregivers: Vec<String> = Vec::new();
    for i in 0..scale.patients {
        let emr_id = format!("E{:07}", i + 1);
        let first = rng.pick(corpus::FIRST_NAMES).to_string();
        let last = corpus::last_name(&mut rng);
        let own_name = format!("{first} {last}");
        let mut connect = |caregiver: &str, active: bool| {
            connections.push(Connection {
                caregiver: caregiver.to_string(),
                patient: emr_id.clone(),
                active,
            })
        };
        let mut patient = Patient {
            emr_id: emr_id.clone(),
            first_name: first,
            last_name: last.clone(),
            date_of_birth: String::new(),
            dependent: false,
            account: None,
        };
        let is_reachable;
        let mut own_registered = false;
        if rng.chance(0.10) {
            // A minor (all year): messages go to caregivers. A third are
            // adolescents (12 to 17), most with a portal account of their
            // own, which only confidential messages reach (R-CF2).
            let adolescent = rng.chance(0.35);
            let age_days = if adolescent {
                rng.range(12 * 366, 16 * 365)
            } else {
                rng.range(366, 11 * 365)
            };
            patient.date_of_birth = date(start - Days::new(age_days as u64));
            if adolescent && rng.chance(0.7) {
                let registered = rng.chance(0.85);
                patient.account = Some(accounts.add(AccountKind::Patient, own_name, registered));
                if registered {
                    adolescents_own.push(emr_id.clone());
                }
            }
            if last_minor_caregivers.is_empty() || !rng.chance(0.3) {
                // Otherwise a sibling of the previous minor: the same caregivers.
                last_minor_caregivers = vec![accounts.caregiver(&mut rng, &last, true)];
                if rng.chance(0.4) {
                    let registered = rng.chance(0.8);
                    last_minor_caregivers.push(accounts.caregiver(&mut rng, &last, registered));
                }
            }
            for c in &last_minor_caregivers {
                connect(c, true);
            }
            is_reachable = true;
        } else {
            let age_days = rng.range(19 * 366, 90 * 365);
            patient.date_of_birth = date(start - Days::new(age_days as u64));
            let r = rng.f64();
            if r < 0.03 {
                // A connected family member: their caregiver receives (R-R2).
                patient.account = Some(accounts.add(AccountKind::Patient, own_name, true));
                connect(&accounts.caregiver(&mut rng, &last, true), true);
                is_reachable = true;
                own_registered = true;
            } else if r < 0.04 {
                patient.dependent = true;
                connect(&accounts.caregiver(&mut rng, &last, true), true);
                is_reachable = true;
            } else if r < 0.05 {
                // A dependent with no caregiver yet: unreachable.
                patient.dependent = true;
                is_reachable = false;
            } else if r < 0.06 {
                // A revoked caregiver: messages go to the patient again.
                patient.account = Some(accounts.add(AccountKind::Patient, own_name, true));
                connect(&accounts.caregiver(&mut rng, &last, true), false);
                is_reachable = true;
                own_registered = true;
            } else if r < 0.10 {
                is_reachable = false; // no portal account
            } else if r < 0.13 {
                // Invited, never registered: unreachable.
                patient.account = Some(accounts.add(AccountKind::Patient, own_name, false));
                is_reachable = false;
            } else {
                patient.account = Some(accounts.add(AccountKind::Patient, own_name, true));
                is_reachable = true;
                own_registered = true;
            }
        }
        if own_registered {
            adults_own.push(emr_id.clone());
        }
        if is_reachable {
            reachable.push(emr_id);
        } else {
            unreachable.push(emr_id);
        }
        patients.push(patient);
    }
    let accounts = accounts.list;

    let mut updates = chunked(&accounts, |accounts| DirectoryUpdate {
        accounts,
        ..Default::default()
    });
    updates.extend(chunked(&staff, |staff| DirectoryUpdate {
        staff,
        ..Default::default()
    }));
    updates.extend(chunked(&patients, |patients| DirectoryUpdate {
        patients,
        ..Default::default()
    }));
    updates.extend(chunked(&connections, |connections| DirectoryUpdate {
        connections,
        ..Default::default()
    }));
    updates.push(DirectoryUpdate {
        workgroups,
        ..Default::default()
    });
    let big_members = (0..big_n).collect();
    let others = (big_n..scale.staff).collect();
    let members = (0..w)
        .map(|k| {
            (0..scale.staff)
                .filter(|&j| staff_plans[j].home == k || staff_plans[j].second == Some(k))
                .collect()
        })
        .collect();
    let direct = (0..scale.staff)
        .filter(|&j| staff_plans[j].accepts_direct)
        .collect();
    Directory {
        updates,
        staff: staff_plans,
        workgroup_ids,
        big_members,
        others,
        reachable,
        unreachable,
        adolescents_own,
        adults_own,
        members,
        direct,
        accounts: accounts.len(),
    }
}

/// Writes the directory, ten upserts (≤ 10,000 records) per transaction.
pub fn write_directory(store: &Store, dir: &Directory) -> pmsg_core::Result<()> {
    for group in dir.updates.chunks(10) {
        store.batch(|b| group.iter().try_for_each(|u| b.upsert_directory(u)))?;
    }
    Ok(())
}

fn sentences(rng: &mut Rng, from: &[&str], lo: i64, hi: i64) -> String {
    let n = rng.range(lo, hi);
    (0..n)
        .map(|_| *rng.pick(from))
        .collect::<Vec<_>>()
        .join(" ")
}

fn small_file(rng: &mut Rng) -> NewAttachment {
    let (name, media_type) = *rng.pick(corpus::FILES);
    let size = rng.range(2_000, 40_000) as usize;
    let fill = rng.next_u64();
    NewAttachment {
        name: name.to_string(),
        media_type: media_type.to_string(),
        content: (0..size)
            .map(|i| (fill >> (i % 8 * 8)) as u8 ^ i as u8)
            .collect(),
    }
}

fn notify(rng: &mut Rng) -> Interval {
    if rng.chance(0.8) {
        Interval {
            count: rng.range(1, 3),
            unit: IntervalUnit::Days,
        }
    } else {
        Interval {
            count: 1,
            unit: IntervalUnit::Weeks,
        }
    }
}

/// The first message of a conversation, with the mix of options the issue
/// names: 30% required responses, 20% unread-notify, 5% billable, 2%
/// small attachments (plus 10% `closed` notices, 3% masked).
pub fn send_request(rng: &mut Rng, dir: &Directory) -> SendRequest {
    let patient = rng.pick(&dir.reachable).clone();
    let (author, from) = if rng.chance(0.10) {
        let s = &dir.staff[*rng.pick(&dir.big_members)];
        (s, Sender::Workgroup(BIG_WORKGROUP.to_string()))
    } else {
        let s = &dir.staff[*rng.pick(&dir.others)];
        let from = if s.accepts_direct && rng.chance(0.3) {
            Sender::Direct
        } else {
            let wg = match s.second {
                Some(x) if rng.chance(0.5) => x,
                _ => s.home,
            };
            Sender::Workgroup(dir.workgroup_ids[wg].clone())
        };
        (s, from)
    };
    let r = rng.f64();
    let response = if r < 0.10 {
        Response::Closed
    } else if r < 0.40 {
        Response::Required {
            days: rng.range(3, 14),
        }
    } else {
        Response::Allowed
    };
    let unread_notify = rng.chance(0.20).then(|| notify(rng));
    let billable_fee_code = rng
        .chance(0.05)
        .then(|| rng.pick(corpus::FEE_CODES).to_string());
    let attachments = if rng.chance(0.02) {
        vec![small_file(rng)]
    } else {
        Vec::new()
    };
    SendRequest {
        author: author.id.clone(),
        patient,
        from: Some(from),
        subject: rng.pick(corpus::SUBJECTS).to_string(),
        body: sentences(rng, corpus::STAFF_SENTENCES, 1, 6),
        attachments,
        unread_notify,
        response,
        allow_reply_attachments: response != Response::Closed && rng.chance(0.10),
        mask_name: rng.chance(0.03),
        billable_fee_code,
        file_to_chart: false,
        confidential: false,
        malformed: Vec::new(),
    }
}

/// Messages a conversation will have if nothing cuts it short: 1–6.
fn planned_messages(rng: &mut Rng) -> u8 {
    let r = rng.f64();
    match r {
        _ if r < 0.30 => 1,
        _ if r < 0.58 => 2,
        _ if r < 0.76 => 3,
        _ if r < 0.88 => 4,
        _ if r < 0.96 => 5,
        _ => 6,
    }
}

/// What a conversation does next.
#[derive(Debug, Clone, Copy)]
enum Step {
    PatientRead { then_reply: bool },
    PatientReply,
    StaffRead { then_reply: bool },
    StaffReply,
    Close,
}

struct Conv {
    id: String,
    rng: Rng,
    author: String,
    reader: String,
    remaining: u8,
    open: bool,
    allow_reply_attachments: bool,
    next: Step,
}

/// What the generator did, by kind of operation.
#[derive(Debug, Default, Clone)]
pub struct OpCounts {
    pub sends: u64,
    pub patient_replies: u64,
    pub staff_replies: u64,
    pub reads: u64,
    pub closes: u64,
    pub acks: u64,
    pub transactions: u64,
    /// Group sends (§16) and the conversations they started.
    pub group_sends: u64,
    pub group_conversations: u64,
    /// Assignments (§17).
    pub assignments: u64,
    /// Confidential single sends (§18).
    pub confidential_sends: u64,
}

/// An assignment planned for a conversation (§17): done at its instant, or
/// just before the conversation is closed, whichever comes first.
struct PlannedAssign {
    conversation: String,
    by: String,
    /// `workgroup:ID` or `staff:ID`.
    to: String,
    /// Who acts for the conversation afterwards: the colleague, or a
    /// member of the workgroup (R-AS2: replies default to the assignee).
    next_author: String,
    note: String,
}

/// The simulation: conversation starts at a constant rate, merged in time
/// order with each open conversation's next step.
struct Sim<'a> {
    dir: &'a Directory,
    seed: u64,
    total: u64,
    start_ms: i64,
    end_ms: i64,
    started: u64,
    arrival: Option<(i64, Rng)>,
    /// (instant, tie-break, conversation index, an assignment rather than
    /// the conversation's next step).
    queue: BinaryHeap<Reverse<(i64, u64, u64, bool)>>,
    convs: HashMap<u64, Conv>,
    assigns: HashMap<u64, PlannedAssign>,
    /// Chance that an arrival is a group send, and its largest size.
    group_chance: f64,
    group_max: u64,
    tiebreak: u64,
    now_ms: i64,
    ops: OpCounts,
}

enum Op {
    Start(u64, i64, Rng),
    Follow(u64, i64),
    Assign(u64, i64),
}

/// Whether an arrival with `left` conversations still to start is a group
/// send, and then of how many patients: log-uniform in
/// [`GROUP_MIN`], `max` (at most `left`).
fn group_size(rng: &mut Rng, left: u64, chance: f64, max: u64) -> Option<u64> {
    if left < GROUP_MIN || !rng.chance(chance) {
        return None;
    }
    let hi = max.min(left);
    let (lo, hif) = (GROUP_MIN as f64, hi as f64);
    let size = (lo * (hif / lo).powf(rng.f64())).round() as u64;
    Some(size.clamp(GROUP_MIN, hi))
}

/// The chance that an arrival is a group send, so that [`GROUP_SHARE`] of
/// `total` conversations come from groups, and the largest group.
fn group_plan(total: u64) -> (f64, u64) {
    let max = (total / 40).clamp(GROUP_MIN, GROUP_MAX);
    let mean = log_uniform_mean(GROUP_MIN as f64, max as f64);
    (
        GROUP_SHARE / (mean * (1.0 - GROUP_SHARE) + GROUP_SHARE),
        max,
    )
}

/// The mean of a log-uniform draw in [lo, hi].
fn log_uniform_mean(lo: f64, hi: f64) -> f64 {
    if hi <= lo {
        lo
    } else {
        (hi - lo) / (hi / lo).ln()
    }
}

impl<'a> Sim<'a> {
    fn new(dir: &'a Directory, seed: u64, total: u64) -> Sim<'a> {
        let start_ms = start_instant().timestamp_millis();
        let (group_chance, group_max) = group_plan(total);
        let mut sim = Sim {
            dir,
            seed,
            total,
            start_ms,
            end_ms: start_ms + total as i64 * ARRIVAL_GAP_MS,
            started: 0,
            arrival: None,
            queue: BinaryHeap::new(),
            convs: HashMap::new(),
            assigns: HashMap::new(),
            group_chance,
            group_max,
            tiebreak: 0,
            now_ms: start_ms - 1,
            ops: OpCounts::default(),
        };
        sim.plan_arrival();
        sim
    }

    fn plan_arrival(&mut self) {
        self.arrival = (self.started < self.total).then(|| {
            let i = self.started;
            let mut rng = Rng::derive(self.seed, i);
            let t =
                self.start_ms + i as i64 * ARRIVAL_GAP_MS + rng.below(ARRIVAL_GAP_MS as u64) as i64;
            (t, rng)
        });
    }

    fn next_op(&mut self) -> Option<Op> {
        let follow = self
            .queue
            .peek()
            .map(|Reverse((t, _, _, _))| *t)
            .filter(|t| *t <= self.end_ms);
        match (&self.arrival, follow) {
            (Some((ta, _)), f) if f.is_none_or(|tf| *ta <= tf) => {
                let (t, rng) = self.arrival.take()?;
                let i = self.started;
                self.started += 1;
                self.plan_arrival();
                Some(Op::Start(i, t, rng))
            }
            (_, Some(_)) => {
                let Reverse((t, _, i, assign)) = self.queue.pop()?;
                Some(if assign {
                    Op::Assign(i, t)
                } else {
                    Op::Follow(i, t)
                })
            }
            _ => None,
        }
    }

    fn tick(&mut self, t: i64) -> DateTime<Utc> {
        self.now_ms = t.max(self.now_ms + 1);
        instant(self.now_ms)
    }

    fn schedule(&mut self, i: u64, conv: Conv, at: i64) {
        self.tiebreak += 1;
        self.queue.push(Reverse((at, self.tiebreak, i, false)));
        self.convs.insert(i, conv);
    }

    /// §17: about 5% of conversations are handed on once, some hours
    /// after they start, to a workgroup (60%) or a colleague who takes
    /// direct messages, with a note. Only open conversations.
    fn plan_assign(&mut self, i: u64, c: &mut Conv, t: i64) {
        if !c.open || !c.rng.chance(ASSIGN_CHANCE) {
            return;
        }
        let dir = self.dir;
        let (to, next_author) = if c.rng.chance(0.6) {
            let k = c.rng.below(dir.workgroup_ids.len() as u64) as usize;
            let member = &dir.staff[*c.rng.pick(&dir.members[k])];
            (
                format!("workgroup:{}", dir.workgroup_ids[k]),
                format!("staff:{}", member.id),
            )
        } else {
            let s = &dir.staff[*c.rng.pick(&dir.direct)];
            (format!("staff:{}", s.id), format!("staff:{}", s.id))
        };
        let planned = PlannedAssign {
            conversation: c.id.clone(),
            by: c.author.clone(),
            to,
            next_author,
            note: c.rng.pick(corpus::ASSIGN_NOTES).to_string(),
        };
        let at = t + c.rng.exp_ms(6.0 * HOUR as f64, 3 * DAY);
        self.tiebreak += 1;
        self.queue.push(Reverse((at, self.tiebreak, i, true)));
        self.assigns.insert(i, planned);
    }

    /// Does conversation `i`'s planned assignment, if it has one left.
    fn assign_now(
        &mut self,
        b: &pmsg_core::Batch,
        i: u64,
        now: DateTime<Utc>,
    ) -> pmsg_core::Result<()> {
        let Some(a) = self.assigns.remove(&i) else {
            return Ok(());
        };
        b.assign(&a.by, &a.conversation, &a.to, Some(&a.note), now)?;
        self.ops.assignments += 1;
        if let Some(c) = self.convs.get_mut(&i) {
            c.author = a.next_author;
        }
        Ok(())
    }

    /// §16: a group send by a workgroup to `size` reachable patients,
    /// its list holding a few unknown and unreachable EMR IDs and, now
    /// and then, one repeated in lower case; each sent patient's
    /// conversation then unfolds as any other, conversations `i`, `i + 1`, …
    fn group_send(
        &mut self,
        b: &pmsg_core::Batch,
        i: u64,
        size: u64,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> pmsg_core::Result<usize> {
        let dir = self.dir;
        let k = rng.below(dir.workgroup_ids.len() as u64) as usize;
        let author = dir.staff[*rng.pick(&dir.members[k])].id.clone();
        let mut chosen = HashSet::with_capacity(size as usize);
        let mut patients = Vec::with_capacity(size as usize + 8);
        while (patients.len() as u64) < size {
            let p = rng.below(dir.reachable.len() as u64) as usize;
            if chosen.insert(p) {
                patients.push(dir.reachable[p].clone());
            }
        }
        let mut extras: Vec<String> = (0..rng.below(3))
            .map(|_| format!("E{:07}", 9_000_000 + rng.below(999_999)))
            .collect();
        if !dir.unreachable.is_empty() {
            for _ in 0..rng.below(size / 25 + 2) {
                extras.push(rng.pick(&dir.unreachable).clone());
            }
        }
        if rng.chance(0.2) {
            extras.push(rng.pick(&patients).to_lowercase());
        }
        for e in extras {
            let at = rng.below(patients.len() as u64 + 1) as usize;
            patients.insert(at, e);
        }
        let r = rng.f64();
        let response = if r < 0.4 {
            Response::Closed
        } else if r < 0.55 {
            Response::Required {
                days: rng.range(7, 14),
            }
        } else {
            Response::Allowed
        };
        let req = GroupSendRequest {
            author: author.clone(),
            patients,
            from: Some(Sender::Workgroup(dir.workgroup_ids[k].clone())),
            subject: rng.pick(corpus::GROUP_SUBJECTS).to_string(),
            body: sentences(rng, corpus::GROUP_SENTENCES, 2, 4),
            attachments: if rng.chance(0.05) {
                vec![small_file(rng)]
            } else {
                Vec::new()
            },
            unread_notify: None,
            response,
            allow_reply_attachments: false,
            mask_name: false,
            billable_fee_code: None,
            file_to_chart: false,
            confidential: false,
            malformed: Vec::new(),
        };
        let out = b.send_group(&req, now)?;
        self.ops.group_sends += 1;
        let sent = out.entries.iter().filter_map(|e| {
            e.conversation_id
                .as_ref()
                .map(|id| (id.clone(), e.delivered_to.clone()))
        });
        let mut n = 0;
        for (j, (id, delivered_to)) in sent.enumerate() {
            let index = i + j as u64;
            let mut rng = Rng::derive(self.seed, GROUP_STREAMS + index);
            // Most patients only read a group's message.
            let remaining = match response {
                Response::Closed => 0,
                _ if rng.chance(0.8) => 0,
                _ => rng.range(1, 2) as u8,
            };
            let mut conv = Conv {
                id,
                reader: rng.pick(&delivered_to).clone(),
                rng,
                author: format!("staff:{author}"),
                remaining,
                open: response != Response::Closed,
                allow_reply_attachments: false,
                next: Step::Close,
            };
            self.plan_assign(index, &mut conv, self.now_ms);
            self.patient_turn(index, conv, self.now_ms);
            n += 1;
        }
        self.ops.group_conversations += n;
        Ok(n as usize)
    }

    /// After a staff message at `t`: the patient side's turn.
    fn patient_turn(&mut self, i: u64, mut c: Conv, t: i64) {
        let read_at = t + c.rng.exp_ms(8.0 * HOUR as f64, 6 * DAY);
        if c.remaining > 0 {
            c.next = Step::PatientRead { then_reply: true };
            self.schedule(i, c, read_at);
        } else if c.rng.chance(0.8) {
            c.next = Step::PatientRead { then_reply: false };
            self.schedule(i, c, read_at);
        } else {
            self.maybe_close(i, c, t, 0.3, 2 * DAY);
        }
    }

    fn maybe_close(&mut self, i: u64, mut c: Conv, t: i64, p: f64, mean: i64) {
        if c.open && c.rng.chance(p) {
            c.next = Step::Close;
            let at = t + c.rng.exp_ms(mean as f64, 10 * DAY);
            self.schedule(i, c, at);
        }
    }

    /// Applies one operation; returns how many conversation operations it
    /// made (a group send makes one per conversation).
    fn apply(&mut self, b: &pmsg_core::Batch, op: Op) -> pmsg_core::Result<usize> {
        match op {
            Op::Start(i, t, mut rng) => {
                let now = self.tick(t);
                if let Some(size) =
                    group_size(&mut rng, self.total - i, self.group_chance, self.group_max)
                {
                    let n = self.group_send(b, i, size, &mut rng, now)?;
                    // The group's conversations are i … i + n - 1.
                    self.started = i + n as u64;
                    self.plan_arrival();
                    return Ok(n);
                }
                let mut req = send_request(&mut rng, self.dir);
                if rng.chance(CONFIDENTIAL_CHANCE) {
                    // §18: to a patient's own registered account only; half
                    // of them adolescents whose caregivers get the others.
                    let dir = self.dir;
                    let pool = if !dir.adolescents_own.is_empty() && rng.chance(0.5) {
                        &dir.adolescents_own
                    } else {
                        &dir.adults_own
                    };
                    req.patient = rng.pick(pool).clone();
                    req.confidential = true;
                    self.ops.confidential_sends += 1;
                }
                let out = b.send(&req, now)?;
                self.ops.sends += 1;
                let remaining = if req.response == Response::Closed {
                    0
                } else {
                    planned_messages(&mut rng) - 1
                };
                let reader = rng.pick(&out.delivered_to).clone();
                let mut conv = Conv {
                    id: out.conversation_id,
                    rng,
                    author: format!("staff:{}", req.author),
                    reader,
                    remaining,
                    open: req.response != Response::Closed,
                    allow_reply_attachments: req.allow_reply_attachments,
                    next: Step::Close,
                };
                self.plan_assign(i, &mut conv, self.now_ms);
                self.patient_turn(i, conv, self.now_ms);
            }
            Op::Assign(i, t) => {
                if self.assigns.contains_key(&i) {
                    let now = self.tick(t);
                    self.assign_now(b, i, now)?;
                }
            }
            Op::Follow(i, t) => {
                let Some(mut c) = self.convs.remove(&i) else {
                    return Ok(1);
                };
                let now = self.tick(t);
                let t = self.now_ms;
                match c.next {
                    Step::PatientRead { then_reply } => {
                        b.read(&c.reader, &c.id, now)?;
                        self.ops.reads += 1;
                        if then_reply {
                            c.next = Step::PatientReply;
                            let at = t + c.rng.range(2 * MINUTE, 45 * MINUTE);
                            self.schedule(i, c, at);
                        } else {
                            self.maybe_close(i, c, t, 0.3, DAY);
                        }
                    }
                    Step::PatientReply => {
                        let attachments = if c.allow_reply_attachments && c.rng.chance(0.2) {
                            vec![small_file(&mut c.rng)]
                        } else {
                            Vec::new()
                        };
                        b.reply(
                            &ReplyRequest {
                                by: c.reader.clone(),
                                conversation: c.id.clone(),
                                body: sentences(&mut c.rng, corpus::PATIENT_SENTENCES, 1, 4),
                                attachments,
                                ..Default::default()
                            },
                            now,
                        )?;
                        self.ops.patient_replies += 1;
                        c.remaining -= 1;
                        let then_reply = c.remaining > 0;
                        let at = t + c.rng.exp_ms(3.0 * HOUR as f64, 3 * DAY);
                        if c.rng.chance(0.95) {
                            c.next = Step::StaffRead { then_reply };
                            self.schedule(i, c, at);
                        } else if then_reply {
                            c.next = Step::StaffReply;
                            self.schedule(i, c, at);
                        }
                    }
                    Step::StaffRead { then_reply } => {
                        b.read(&c.author, &c.id, now)?;
                        self.ops.reads += 1;
                        if then_reply {
                            c.next = Step::StaffReply;
                            let at = t + c.rng.range(5 * MINUTE, 90 * MINUTE);
                            self.schedule(i, c, at);
                        } else {
                            self.maybe_close(i, c, t, 0.4, HOUR);
                        }
                    }
                    Step::StaffReply => {
                        let rng = &mut c.rng;
                        let response = if rng.chance(0.15) {
                            Response::Required {
                                days: rng.range(3, 14),
                            }
                        } else {
                            Response::Allowed
                        };
                        let req = ReplyRequest {
                            by: c.author.clone(),
                            conversation: c.id.clone(),
                            body: sentences(rng, corpus::STAFF_SENTENCES, 1, 5),
                            attachments: if rng.chance(0.01) {
                                vec![small_file(rng)]
                            } else {
                                Vec::new()
                            },
                            unread_notify: rng.chance(0.10).then(|| notify(rng)),
                            response: Some(response),
                            allow_reply_attachments: Some(rng.chance(0.10)),
                            mask_name: Some(rng.chance(0.02)),
                            billable_fee_code: rng
                                .chance(0.05)
                                .then(|| rng.pick(corpus::FEE_CODES).to_string()),
                            ..Default::default()
                        };
                        b.reply(&req, now)?;
                        self.ops.staff_replies += 1;
                        c.allow_reply_attachments = req.allow_reply_attachments == Some(true);
                        c.remaining -= 1;
                        self.patient_turn(i, c, t);
                    }
                    Step::Close => {
                        // A planned assignment comes first: R-AS1 refuses
                        // a closed conversation.
                        self.convs.insert(i, c);
                        self.assign_now(b, i, now)?;
                        let c = self.convs.remove(&i).expect("just inserted");
                        b.close(&c.author, &c.id, now)?;
                        self.ops.closes += 1;
                    }
                }
            }
        }
        Ok(1)
    }
}

/// A progress bar on stderr: redrawn in place on a terminal, one line per
/// 10% otherwise.
pub struct Progress {
    enabled: bool,
    tty: bool,
    total: u64,
    began: Instant,
    last_decile: u64,
    label: String,
}

impl Progress {
    pub fn new(label: &str, total: u64, requested: bool) -> Progress {
        let tty = std::io::stderr().is_terminal();
        Progress {
            enabled: tty || requested,
            tty,
            total: total.max(1),
            began: Instant::now(),
            last_decile: 0,
            label: label.to_string(),
        }
    }

    pub fn update(&mut self, done: u64) {
        if !self.enabled {
            return;
        }
        let frac = done as f64 / self.total as f64;
        let decile = (frac * 10.0) as u64;
        if !self.tty && decile == self.last_decile && done < self.total {
            return;
        }
        self.last_decile = decile;
        let secs = self.began.elapsed().as_secs_f64();
        let rate = done as f64 / secs.max(1e-9);
        let eta = if rate > 0.0 {
            (self.total - done.min(self.total)) as f64 / rate
        } else {
            0.0
        };
        let width = 30;
        let filled = ((frac * width as f64) as usize).min(width);
        let bar = format!("{}{}", "#".repeat(filled), ".".repeat(width - filled));
        let line = format!(
            "{} [{bar}] {:>3.0}% {done}/{} conversations, {rate:.0}/s, {secs:.0}s elapsed, ETA {eta:.0}s",
            self.label,
            frac * 100.0,
            self.total
        );
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r{line}\x1b[K");
        } else {
            let _ = writeln!(err, "{line}");
        }
    }

    pub fn finish(&mut self) {
        if self.enabled && self.tty {
            let _ = writeln!(std::io::stderr());
        }
    }
}

/// Removes a store file and its WAL and shared-memory files.
pub fn remove_store(path: &Path) {
    // A PostgreSQL store (a URL with pmsg_schema=): drop its schema.
    if let Some(url) = crate::pgstore::url_of(path) {
        let _ = crate::pgstore::drop_store(url);
        return;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// The manifest written beside a populated store (`FILE.manifest.json`).
pub fn manifest_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".manifest.json");
    PathBuf::from(p)
}

/// Fills a new store at `db` with `conversations` conversations from `seed`
/// and returns its manifest (also written to [`manifest_path`]). `db` may
/// be a PostgreSQL URL: with `pmsg_schema=` ([`crate::pgstore`]) the schema
/// is replaced and the manifest kept on it; without, the store must be empty
/// (the CLI checks), no manifest is kept and its `counts` are null.
pub fn populate(
    db: &Path,
    conversations: u64,
    seed: u64,
    progress: bool,
) -> Result<Value, Box<dyn std::error::Error>> {
    let began = Instant::now();
    // A PostgreSQL store (a postgres:// URL): no files to remove or write
    // beside it, and no SQLite file to count rows in.
    let url = db
        .to_str()
        .is_some_and(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"));
    if !url {
        remove_store(db);
        let _ = std::fs::remove_file(manifest_path(db));
    } else if crate::pgstore::url_of(db).is_some() {
        remove_store(db);
    }
    let scale = Scale::for_conversations(conversations);
    let dir = directory(&scale, seed);
    let store = Store::open(&db.to_string_lossy(), &Config::default())?;
    write_directory(&store, &dir)?;

    let mut sim = Sim::new(&dir, seed, conversations);
    let mut bar = Progress::new(
        &format!("populate {}", db.display()),
        conversations,
        progress,
    );
    let mut acks: Vec<String> = Vec::new();
    loop {
        let ack_now = sim.tick(sim.now_ms);
        let more = store.batch(|b| {
            for id in &acks {
                b.ack(id, ack_now)?;
            }
            sim.ops.acks += acks.len() as u64;
            let mut n = acks.len();
            while n < OPS_PER_BATCH {
                match sim.next_op() {
                    Some(op) => n += sim.apply(b, op)?,
                    None => return Ok(false),
                }
            }
            Ok(true)
        })?;
        sim.ops.transactions += 1;
        bar.update(sim.started);
        if !more {
            break;
        }
        // The host's deliverer: what is due now is acknowledged next.
        acks = store
            .due_events(instant(sim.now_ms), None)?
            .into_iter()
            .map(|e| e.id)
            .collect();
    }
    bar.finish();
    let end_ms = sim.end_ms.max(sim.now_ms);
    let ops = sim.ops.clone();
    drop(store); // the last connection checkpoints the WAL away
    let made = ops.sends + ops.group_conversations;
    let counts = match crate::pgstore::url_of(db) {
        Some(url) => crate::pgstore::count(url)?,
        None if url => Value::Null,
        None => count(db)?,
    };
    if made != conversations || (!counts.is_null() && counts["conversations"] != conversations) {
        return Err(format!(
            "the generator made {made} conversations ({} stored), not {conversations}",
            counts["conversations"]
        )
        .into());
    }
    let manifest = json!({
        "generator": GENERATOR_VERSION,
        "conversations": conversations,
        "seed": seed,
        "scale": {
            "patients": scale.patients,
            "reachable_patients": dir.reachable.len(),
            "accounts": dir.accounts,
            "staff": scale.staff,
            "workgroups": scale.workgroups,
            "big_workgroup_members": dir.big_members.len(),
            "adolescents_own_account": dir.adolescents_own.len(),
            "adults_own_account": dir.adults_own.len(),
        },
        "start": start_instant().to_rfc3339(),
        "start_ms": start_instant().timestamp_millis(),
        "end_ms": end_ms,
        "end": instant(end_ms).to_rfc3339(),
        "big_workgroup": BIG_WORKGROUP,
        "folder_user": FOLDER_USER,
        "operations": {
            "sends": ops.sends,
            "patient_replies": ops.patient_replies,
            "staff_replies": ops.staff_replies,
            "reads": ops.reads,
            "closes": ops.closes,
            "acks": ops.acks,
            "transactions": ops.transactions,
            "group_sends": ops.group_sends,
            "group_conversations": ops.group_conversations,
            "assignments": ops.assignments,
            "confidential_sends": ops.confidential_sends,
        },
        "counts": counts,
        "populate_seconds": (began.elapsed().as_secs_f64() * 10.0).round() / 10.0,
    });
    match crate::pgstore::url_of(db) {
        Some(url) => crate::pgstore::set_manifest(url, &manifest)?,
        None if url => {}
        None => std::fs::write(
            manifest_path(db),
            serde_json::to_string_pretty(&manifest)? + "\n",
        )?,
    }
    Ok(manifest)
}

/// Row counts of a store, read straight from the file (read-only).
pub fn count(db: &Path) -> rusqlite::Result<Value> {
    let conn = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
    Ok(json!({
        "conversations": one("SELECT count(*) FROM conversation")?,
        "conversations_closed": one("SELECT count(*) FROM conversation WHERE status = 'closed'")?,
        "conversations_awaiting": one("SELECT count(*) FROM conversation WHERE req_message IS NOT NULL")?,
        "conversations_big_workgroup": conn.query_row(
            "SELECT count(*) FROM conversation_party WHERE party = 'workgroup:' || ?1",
            [BIG_WORKGROUP],
            |r| r.get::<_, i64>(0),
        )?,
        "messages": one("SELECT count(*) FROM message")?,
        "messages_patient": one("SELECT count(*) FROM message WHERE side = 'patient'")?,
        "messages_max_per_conversation": one(
            "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM message GROUP BY conversation_seq)"
        )?,
        "attachments": one("SELECT count(*) FROM attachment")?,
        "events": one("SELECT count(*) FROM event")?,
        "events_pending": one("SELECT count(*) FROM event WHERE state = 'pending'")?,
        "events_acked": one("SELECT count(*) FROM event WHERE state = 'acked'")?,
        "events_cancelled": one("SELECT count(*) FROM event WHERE state = 'cancelled'")?,
        "billing_entries": one("SELECT count(*) FROM billing_entry")?,
        "audit_entries": one("SELECT count(*) FROM audit")?,
        "patients": one("SELECT count(*) FROM patient")?,
        "accounts": one("SELECT count(*) FROM account")?,
        "connections": one("SELECT count(*) FROM connection")?,
        "staff": one("SELECT count(*) FROM staff")?,
        "workgroups": one("SELECT count(*) FROM workgroup")?,
        "groups": one("SELECT count(*) FROM group_send")?,
        "group_entries": one("SELECT count(*) FROM group_entry")?,
        "group_entries_skipped": one("SELECT count(*) FROM group_entry WHERE skipped IS NOT NULL")?,
        "conversations_from_groups": one(
            "SELECT count(*) FROM group_entry WHERE conversation_seq IS NOT NULL"
        )?,
        "assignments": one("SELECT count(*) FROM assignment")?,
        "conversations_assigned": one("SELECT count(DISTINCT conversation_seq) FROM assignment")?,
        "conversations_confidential": one("SELECT count(*) FROM conversation WHERE confidential = 1")?,
        "conversations_confidential_minors": conn.query_row(
            "SELECT count(*) FROM conversation c JOIN patient p ON p.emr_key = c.patient_key \
             WHERE c.confidential = 1 AND p.date_of_birth > ?1",
            [date(start_instant() - Days::new(18 * 365 + 4))], // under 18 at the start
            |r| r.get::<_, i64>(0),
        )?,
    }))
}

/// The manifest of a store built by this generator version for these
/// parameters, if `db` holds one.
pub fn cached(db: &Path, conversations: u64, seed: u64) -> Option<Value> {
    let text = std::fs::read_to_string(manifest_path(db)).ok()?;
    let m: Value = serde_json::from_str(&text).ok()?;
    let fits = m["generator"] == GENERATOR_VERSION
        && m["conversations"] == conversations
        && m["seed"] == seed
        && db.exists();
    fits.then_some(m)
}

/// Shown instants: a day later than `ms`, and so on.
pub fn plus_days(ms: i64, days: i64) -> i64 {
    ms + Duration::days(days).num_milliseconds()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_size_network_matches_the_issue() {
        let s = Scale::for_conversations(FULL_CONVERSATIONS);
        assert_eq!((s.patients, s.staff, s.workgroups), (200_000, 500, 40));
        let small = Scale::for_conversations(1_000);
        assert!(small.patients >= 100 && small.staff >= 20 && small.workgroups >= 4);
    }

    #[test]
    fn one_seed_gives_one_directory() {
        let s = Scale::for_conversations(5_000);
        let a = directory(&s, 3);
        let b = directory(&s, 3);
        assert_eq!(a.updates, b.updates);
        assert_eq!(a.reachable, b.reachable);
        assert_ne!(a.updates, directory(&s, 4).updates);
    }

    #[test]
    fn about_a_tenth_of_patients_are_minors_and_most_are_reachable() {
        let s = Scale::for_conversations(50_000);
        let d = directory(&s, 1);
        let reachable = d.reachable.len() as f64 / s.patients as f64;
        assert!((0.88..0.97).contains(&reachable), "{reachable}");
        let caregivers: usize = d
            .updates
            .iter()
            .flat_map(|u| &u.accounts)
            .filter(|a| a.kind == AccountKind::Caregiver)
            .count();
        assert!(caregivers as f64 > 0.1 * s.patients as f64, "{caregivers}");
    }

    #[test]
    fn the_commonest_surname_is_about_one_patient_in_a_hundred() {
        let d = directory(&Scale::for_conversations(100_000), 1);
        let patients: Vec<&Patient> = d.updates.iter().flat_map(|u| &u.patients).collect();
        let smiths = patients.iter().filter(|p| p.last_name == "Smith").count();
        let share = smiths as f64 / patients.len() as f64;
        assert!(
            (0.005..0.025).contains(&share),
            "Smith is {share:.3} of patients"
        );
    }

    #[test]
    fn about_three_percent_of_conversations_come_from_groups_of_20_to_500() {
        // A few large groups make small networks vary more around 3%.
        for (total, seed, lo, hi) in [
            (1_000_000u64, 1u64, 0.02, 0.04),
            (100_000, 2, 0.015, 0.05),
            (20_000, 3, 0.005, 0.1),
        ] {
            let (chance, max) = group_plan(total);
            let (mut i, mut from_groups, mut groups) = (0u64, 0u64, 0u64);
            while i < total {
                let mut rng = Rng::derive(seed, i);
                match group_size(&mut rng, total - i, chance, max) {
                    Some(n) => {
                        assert!((GROUP_MIN..=GROUP_MAX.min(total - i)).contains(&n));
                        groups += 1;
                        from_groups += n;
                        i += n;
                    }
                    None => i += 1,
                }
            }
            let share = from_groups as f64 / total as f64;
            assert!(
                (lo..hi).contains(&share),
                "{total}: {share} in {groups} groups"
            );
        }
    }

    #[test]
    fn confidential_and_assignment_targets_exist() {
        let d = directory(&Scale::for_conversations(50_000), 1);
        // Adolescents with an account of their own: a few percent of patients.
        let teens = d.adolescents_own.len() as f64 / 10_000.0;
        assert!((0.01..0.04).contains(&teens), "{teens}");
        assert!(d.adults_own.len() > 5 * d.adolescents_own.len());
        assert!(!d.unreachable.is_empty() && !d.direct.is_empty());
        assert!(d.members.iter().all(|m| !m.is_empty()));
        let patients: HashMap<&str, &Patient> = d
            .updates
            .iter()
            .flat_map(|u| &u.patients)
            .map(|p| (p.emr_id.as_str(), p))
            .collect();
        let registered: HashSet<&str> = d
            .updates
            .iter()
            .flat_map(|u| &u.accounts)
            .filter(|a| a.registered && a.kind == AccountKind::Patient)
            .map(|a| a.id.as_str())
            .collect();
        for emr in d.adolescents_own.iter().chain(&d.adults_own) {
            let account = patients[emr.as_str()].account.as_deref().unwrap();
            assert!(registered.contains(account), "{emr}");
        }
        for emr in &d.adolescents_own {
            let born = &patients[emr.as_str()].date_of_birth;
            assert!(
                born.as_str() > "2008-01-06" && born.as_str() < "2013-01-06",
                "{born}"
            );
        }
    }

    #[test]
    fn the_folder_user_belongs_to_the_big_workgroup_only() {
        let d = directory(&Scale::for_conversations(20_000), 1);
        let user = &d.staff[0];
        assert_eq!(user.id, FOLDER_USER);
        assert_eq!((user.home, user.second), (0, None));
        assert!(d.big_members.contains(&0));
    }
}
