//! The reference model: a small, independent, in-memory reading of SPEC
//! §3 (routing), §5 (reading, replying, closing), §6 (deadlines and
//! notices), §7 (folders), §8 (access) and the §15 settled details that
//! touch them. It never calls pmsg-core, except `deadline::add_days` for the
//! R-T3 arithmetic (which has its own exhaustive tests).
//!
//! The directory is fixed except for what the test changes:
//!
//! | party            | what it is                                              |
//! |------------------|---------------------------------------------------------|
//! | `staff:s-a`      | member of `wg`, accepts direct messages                 |
//! | `staff:s-b`      | member of `wg`, does NOT accept direct messages         |
//! | `staff:s-c`      | not a member of `wg`, accepts direct messages           |
//! | `workgroup:wg`   | members `s-a`, `s-b`                                    |
//! | `E-ADULT`        | adult, not dependent, own account `a-adult`             |
//! | `E-MINOR`        | minor, own account `a-teen`, caregivers `c-1`, `c-2`    |
//!
//! The test toggles the connections `c-1` ↔ `E-MINOR`, `c-2` ↔ `E-MINOR`
//! (both start active) and `c-2` ↔ `E-ADULT` (a connected family member,
//! R-R2; starts revoked), and the `registered` flag of `a-adult`, `c-1` and
//! `c-2`.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use pmsg_core::EventKind;
use std::collections::BTreeSet;

/// The clinic's zone: it has DST, and the test starts near a change.
pub const ZONE: Tz = chrono_tz::America::Toronto;

/// An error code (SPEC §13), or success.
pub type Outcome = Result<(), &'static str>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum StaffId {
    A,
    B,
    C,
}

impl StaffId {
    pub const ALL: [StaffId; 3] = [StaffId::A, StaffId::B, StaffId::C];

    pub fn id(self) -> &'static str {
        match self {
            StaffId::A => "s-a",
            StaffId::B => "s-b",
            StaffId::C => "s-c",
        }
    }

    pub fn party(self) -> String {
        format!("staff:{}", self.id())
    }

    pub fn in_workgroup(self) -> bool {
        matches!(self, StaffId::A | StaffId::B)
    }

    pub fn accepts_direct(self) -> bool {
        matches!(self, StaffId::A | StaffId::C)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccountId {
    /// `a-adult`: the adult patient's own account.
    Adult,
    /// `c-1`: a caregiver of the minor.
    Cg1,
    /// `c-2`: a caregiver of the minor.
    Cg2,
    /// `a-teen`: the minor's own account (never a recipient: R-R2).
    Teen,
}

impl AccountId {
    pub const ALL: [AccountId; 4] = [
        AccountId::Adult,
        AccountId::Cg1,
        AccountId::Cg2,
        AccountId::Teen,
    ];

    pub fn id(self) -> &'static str {
        match self {
            AccountId::Adult => "a-adult",
            AccountId::Cg1 => "c-1",
            AccountId::Cg2 => "c-2",
            AccountId::Teen => "a-teen",
        }
    }

    pub fn party(self) -> String {
        format!("account:{}", self.id())
    }

    /// Index into `Model::registered`.
    fn ix(self) -> usize {
        self as usize
    }
}

/// A caregiver connection the test can revoke and restore (§2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// `c-1` ↔ `E-MINOR`.
    Cg1Minor,
    /// `c-2` ↔ `E-MINOR`.
    Cg2Minor,
    /// `c-2` ↔ `E-ADULT`.
    Cg2Adult,
}

impl Link {
    pub const ALL: [Link; 3] = [Link::Cg1Minor, Link::Cg2Minor, Link::Cg2Adult];

    pub fn caregiver(self) -> AccountId {
        match self {
            Link::Cg1Minor => AccountId::Cg1,
            Link::Cg2Minor | Link::Cg2Adult => AccountId::Cg2,
        }
    }

    pub fn patient(self) -> PatientId {
        match self {
            Link::Cg1Minor | Link::Cg2Minor => PatientId::Minor,
            Link::Cg2Adult => PatientId::Adult,
        }
    }

    /// Index into `Model::connected`.
    fn ix(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatientId {
    Adult,
    Minor,
}

impl PatientId {
    pub fn emr_id(self) -> &'static str {
        match self {
            PatientId::Adult => "E-ADULT",
            PatientId::Minor => "E-MINOR",
        }
    }

    /// The patient's own portal account.
    fn own_account(self) -> AccountId {
        match self {
            PatientId::Adult => AccountId::Adult,
            PatientId::Minor => AccountId::Teen,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum From {
    Direct,
    Workgroup,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resp {
    Allowed,
    Closed,
    Required(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notify {
    Days(u32),
    Weeks(u32),
}

impl Notify {
    /// R-T3: "N weeks" is 7·N days.
    pub fn days(self) -> u32 {
        match self {
            Notify::Days(n) => n,
            Notify::Weeks(n) => 7 * n,
        }
    }
}

/// The options of a staff message that the model follows (§4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub response: Resp,
    pub notify: Option<Notify>,
}

/// One transition. Conversations are named by creation index.
#[derive(Clone, Debug)]
pub enum Step {
    /// Upsert a connection, active or revoked.
    Connection {
        link: Link,
        active: bool,
    },
    /// Upsert an account with `registered` changed.
    Registered {
        account: AccountId,
        registered: bool,
    },
    Send {
        author: StaffId,
        patient: PatientId,
        from: From,
        options: Options,
    },
    PatientReply {
        by: AccountId,
        conv: usize,
    },
    StaffReply {
        by: StaffId,
        conv: usize,
        from: Option<From>,
        options: Options,
    },
    PatientRead {
        by: AccountId,
        conv: usize,
    },
    StaffRead {
        by: StaffId,
        conv: usize,
    },
    StaffClose {
        by: StaffId,
        conv: usize,
    },
    /// §15: an account asking for a staff-only operation is refused.
    AccountClose {
        by: AccountId,
        conv: usize,
    },
    Advance {
        minutes: u32,
    },
    /// Moves the clock exactly onto the next instant something falls due
    /// (an event or a requirement), to hit the R-T4 `<=` boundary.
    AdvanceToNextDue,
    /// `due_events(now, limit)`, then ack exactly those (R-D5).
    Deliver {
        limit: usize,
    },
    /// `due_events(now, limit)`, remembered but not acknowledged yet.
    Fetch {
        limit: usize,
    },
    /// Acknowledge everything fetched (some may be cancelled by now).
    AckFetched,
    /// `ack` of an id that names no event.
    AckUnknown,
}

impl Step {
    /// The conversation a step names, if any.
    pub fn conv(&self) -> Option<usize> {
        match self {
            Step::PatientReply { conv, .. }
            | Step::StaffReply { conv, .. }
            | Step::PatientRead { conv, .. }
            | Step::StaffRead { conv, .. }
            | Step::StaffClose { conv, .. }
            | Step::AccountClose { conv, .. } => Some(*conv),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Msg {
    pub staff_side: bool,
    pub at: DateTime<Utc>,
    /// Read by the side it is addressed to (R-M1: per side, first read wins).
    pub read: bool,
    /// Staff message: the accounts it was delivered to (R-R5, fixed at
    /// send, ordered by account id). Patient message: the `from` it went to.
    pub to: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Conv {
    pub patient: PatientId,
    pub created: DateTime<Utc>,
    pub closed: bool,
    /// The current `from` party; patient replies go there (R-M2).
    pub from: String,
    /// Authors of its messages (R-M0).
    pub authors: BTreeSet<StaffId>,
    /// Every `from` party it has had (R-M0).
    pub froms: BTreeSet<String>,
    pub msgs: Vec<Msg>,
    /// The outstanding requirement: requiring message and due instant (R-D2).
    pub requirement: Option<(usize, DateTime<Utc>)>,
}

impl Conv {
    /// R-M0: staff participants: authors, `from` staff, and the current
    /// members of any workgroup that has been its `from`.
    pub fn is_staff_participant(&self, s: StaffId) -> bool {
        self.authors.contains(&s)
            || self.froms.contains(&s.party())
            || (s.in_workgroup() && self.froms.contains("workgroup:wg"))
    }

    /// R-M0: patient-side participants: the accounts any message was
    /// delivered to.
    fn delivered_to(&self, a: AccountId) -> bool {
        let p = a.party();
        self.msgs.iter().any(|m| m.staff_side && m.to.contains(&p))
    }

    fn last_activity(&self) -> DateTime<Utc> {
        // §15: the greatest message instant.
        self.msgs.iter().map(|m| m.at).max().unwrap_or(self.created)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvState {
    Pending,
    Acked,
    Cancelled,
}

#[derive(Clone, Debug)]
pub struct Ev {
    pub kind: EventKind,
    pub to: String,
    pub conv: usize,
    pub msg: usize,
    pub due: DateTime<Utc>,
    pub state: EvState,
}

/// What the test compares for one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventKey {
    pub kind: EventKind,
    pub to: String,
    pub conv: usize,
    pub msg: Option<usize>,
    pub due: DateTime<Utc>,
}

/// What the test compares of a staff `view`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewKey {
    pub closed: bool,
    pub awaiting: bool,
    pub overdue: bool,
    pub due: Option<DateTime<Utc>>,
    /// Per message: staff side?, read?, recipients.
    pub messages: Vec<(bool, bool, Vec<String>)>,
}

/// What the test compares of a folder entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryKey {
    pub conv: usize,
    pub unread: bool,
    pub awaiting: bool,
    pub overdue: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    Staff(StaffId),
    Account(AccountId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Folder {
    Inbox,
    Awaiting,
}

#[derive(Clone, Debug)]
pub struct Model {
    pub now: DateTime<Utc>,
    /// `registered` of a-adult, c-1, c-2, a-teen.
    pub registered: [bool; 4],
    /// Which of the `Link`s are active.
    pub connected: [bool; 3],
    pub convs: Vec<Conv>,
    /// Every event ever scheduled; the index is the creation order.
    pub events: Vec<Ev>,
    /// Events fetched and not yet acknowledged by `AckFetched`.
    pub held: Vec<usize>,
    /// The expected outcome of the last step.
    pub outcome: Outcome,
    /// The events the last `Deliver`/`Fetch` must return.
    pub batch: Vec<usize>,
}

impl Model {
    pub fn new(start: DateTime<Utc>) -> Model {
        Model {
            now: start,
            registered: [true; 4],
            connected: [true, true, false],
            convs: Vec::new(),
            events: Vec::new(),
            held: Vec::new(),
            outcome: Ok(()),
            batch: Vec::new(),
        }
    }

    pub fn is_registered(&self, a: AccountId) -> bool {
        self.registered[a.ix()]
    }

    /// R-R2, R-R4: who a staff message to `p` is delivered to now.
    fn route(&self, p: PatientId) -> Result<Vec<AccountId>, &'static str> {
        // The caregivers: every registered account with an active
        // connection to the patient.
        let caregivers: Vec<AccountId> = AccountId::ALL
            .into_iter()
            .filter(|&a| self.connection_active(a, p) && self.is_registered(a))
            .collect();
        // A minor, or a patient with a connected family member: the
        // caregivers; otherwise the patient's own (registered) account.
        let to: Vec<AccountId> = if p == PatientId::Minor || !caregivers.is_empty() {
            caregivers
        } else {
            Some(p.own_account())
                .filter(|&a| self.is_registered(a))
                .into_iter()
                .collect()
        };
        if to.is_empty() {
            Err("recipient_not_reachable")
        } else {
            // R-R1: lists of recipients are ordered by account id.
            let mut to = to;
            to.sort_by_key(|a| a.id());
            Ok(to)
        }
    }

    fn connection_active(&self, a: AccountId, p: PatientId) -> bool {
        Link::ALL
            .into_iter()
            .any(|l| l.caregiver() == a && l.patient() == p && self.connected[l.ix()])
    }

    /// R-A1 (and §15): an account sees a conversation while it is a
    /// patient-side participant and, unless it is the patient's own
    /// account, its connection to the patient is active.
    pub fn account_has_access(&self, a: AccountId, conv: usize) -> bool {
        let c = &self.convs[conv];
        c.delivered_to(a) && (a == c.patient.own_account() || self.connection_active(a, c.patient))
    }

    fn staff_has_access(&self, s: StaffId, conv: usize) -> bool {
        self.convs[conv].is_staff_participant(s)
    }

    /// R-S1: the party a `from` choice stands for.
    fn resolve_from(author: StaffId, from: From) -> Result<String, &'static str> {
        match from {
            From::Workgroup if author.in_workgroup() => Ok("workgroup:wg".into()),
            From::Workgroup => Err("not_workgroup_member"),
            From::Direct if author.accepts_direct() => Ok(author.party()),
            From::Direct => Err("direct_not_accepted"),
        }
    }

    /// Schedules the events one operation creates: creation order within
    /// one operation is by recipient party (R-D5), stable otherwise.
    fn schedule(&mut self, mut new: Vec<Ev>) {
        new.sort_by(|a, b| a.to.cmp(&b.to));
        self.events.extend(new);
    }

    /// Cancels the pending events of `conv` that `pred` selects (R-D5).
    fn cancel(&mut self, conv: usize, pred: impl Fn(&Ev) -> bool) {
        for e in &mut self.events {
            if e.conv == conv && e.state == EvState::Pending && pred(e) {
                e.state = EvState::Cancelled;
            }
        }
    }

    /// R-D2, R-D5: the outstanding requirement ends; its pending alert is
    /// cancelled.
    fn end_requirement(&mut self, conv: usize) {
        self.convs[conv].requirement = None;
        self.cancel(conv, |e| e.kind == EventKind::ResponseOverdue);
    }

    /// R-M1: a patient-side read marks every staff message read (the
    /// patient side is one reader); R-D3/R-D5: a reminder whose due instant
    /// is strictly after the read is recalled, one already due is not.
    fn patient_side_reads(&mut self, conv: usize) {
        let now = self.now;
        for m in &mut self.convs[conv].msgs {
            if m.staff_side {
                m.read = true;
            }
        }
        self.cancel(conv, |e| e.kind == EventKind::UnreadReminder && e.due > now);
    }

    /// R-M1: a staff-side read marks every patient message read.
    fn staff_side_reads(&mut self, conv: usize) {
        for m in &mut self.convs[conv].msgs {
            if !m.staff_side {
                m.read = true;
            }
        }
    }

    /// A staff message (first message or reply) and all it implies:
    /// R-D1 new_message, R-D2 requirement, R-S4 closed, R-D3 reminder.
    fn post_staff_message(
        &mut self,
        conv: usize,
        author: StaffId,
        from: String,
        to: Vec<AccountId>,
        options: Options,
        is_reply: bool,
    ) {
        let now = self.now;
        if is_reply {
            // R-M1: replying counts as reading.
            self.staff_side_reads(conv);
        }
        let c = &mut self.convs[conv];
        let msg = c.msgs.len();
        c.msgs.push(Msg {
            staff_side: true,
            at: now,
            read: false,
            to: to.iter().map(|a| a.party()).collect(),
        });
        c.authors.insert(author);
        c.froms.insert(from.clone());
        c.from = from.clone();
        let ev = |kind, to: String, due| Ev {
            kind,
            to,
            conv,
            msg,
            due,
            state: EvState::Pending,
        };
        // R-D1: new_message to every recipient account, due at once.
        let mut new: Vec<Ev> = to
            .iter()
            .map(|a| ev(EventKind::NewMessage, a.party(), now))
            .collect();
        match options.response {
            Resp::Required(days) => {
                // R-D2: replaces the outstanding requirement (its pending
                // alert is cancelled); the alert goes to every recipient.
                self.end_requirement(conv);
                let due = pmsg_core::deadline::add_days(now, ZONE, days);
                self.convs[conv].requirement = Some((msg, due));
                new.extend(
                    to.iter()
                        .map(|a| ev(EventKind::ResponseOverdue, a.party(), due)),
                );
            }
            Resp::Closed => {
                // R-S4: closes the conversation; closing ends the requirement.
                self.end_requirement(conv);
                self.convs[conv].closed = true;
            }
            // R-D2: merely allowing a response leaves the requirement.
            Resp::Allowed => {}
        }
        if let Some(n) = options.notify {
            // R-D3: reminder to the `from` identity at send + interval.
            let due = pmsg_core::deadline::add_days(now, ZONE, n.days());
            new.push(ev(EventKind::UnreadReminder, from, due));
        }
        self.schedule(new);
    }

    /// R-D5: pending events due at `now`, by due instant then creation order.
    pub fn due(&self) -> Vec<usize> {
        let mut due: Vec<usize> = (0..self.events.len())
            .filter(|&i| {
                let e = &self.events[i];
                e.state == EvState::Pending && e.due <= self.now
            })
            .collect();
        due.sort_by_key(|&i| (self.events[i].due, i));
        due
    }

    pub fn event_key(&self, i: usize) -> EventKey {
        let e = &self.events[i];
        EventKey {
            kind: e.kind,
            to: e.to.clone(),
            conv: e.conv,
            msg: Some(e.msg),
            due: e.due,
        }
    }

    /// §15 "Awaiting and overdue": (awaiting, overdue, due) of a conversation.
    fn requirement(&self, conv: usize) -> (bool, bool, Option<DateTime<Utc>>) {
        match self.convs[conv].requirement {
            Some((_, due)) => (true, due <= self.now, Some(due)),
            None => (false, false, None),
        }
    }

    /// A staff participant's `view`; anyone else is refused (R-A1).
    pub fn staff_view(&self, s: StaffId, conv: usize) -> Result<ViewKey, &'static str> {
        if !self.staff_has_access(s, conv) {
            return Err("not_authorized");
        }
        let c = &self.convs[conv];
        let (awaiting, overdue, due) = self.requirement(conv);
        Ok(ViewKey {
            closed: c.closed,
            awaiting,
            overdue,
            due,
            messages: c
                .msgs
                .iter()
                .map(|m| (m.staff_side, m.read, m.to.clone()))
                .collect(),
        })
    }

    /// §7 folders, newest activity first; ties: the newer conversation first.
    pub fn folder(&self, viewer: Viewer, folder: Folder) -> Vec<EntryKey> {
        let mut convs: Vec<usize> = (0..self.convs.len())
            .filter(|&i| {
                let c = &self.convs[i];
                match (viewer, folder) {
                    // Open, a staff participant, holds a patient-side message.
                    (Viewer::Staff(s), Folder::Inbox) => {
                        !c.closed
                            && c.is_staff_participant(s)
                            && c.msgs.iter().any(|m| !m.staff_side)
                    }
                    // Open, a staff participant, an outstanding requirement.
                    (Viewer::Staff(s), Folder::Awaiting) => {
                        !c.closed && c.is_staff_participant(s) && c.requirement.is_some()
                    }
                    // Every conversation, open or closed, it can access.
                    (Viewer::Account(a), Folder::Inbox) => self.account_has_access(a, i),
                    // Those with an outstanding requirement whose requiring
                    // message was delivered to it.
                    (Viewer::Account(a), Folder::Awaiting) => {
                        self.account_has_access(a, i)
                            && c.requirement
                                .is_some_and(|(m, _)| c.msgs[m].to.contains(&a.party()))
                    }
                }
            })
            .collect();
        convs.sort_by_key(|&i| {
            let c = &self.convs[i];
            std::cmp::Reverse((c.last_activity(), c.created, i))
        });
        convs
            .into_iter()
            .map(|i| {
                let c = &self.convs[i];
                // §15 "Unread": a message addressed to the viewer's side is
                // unread by that side.
                let addressed_to_staff = matches!(viewer, Viewer::Account(_));
                let unread = c
                    .msgs
                    .iter()
                    .any(|m| m.staff_side == addressed_to_staff && !m.read);
                let (awaiting, overdue, _) = self.requirement(i);
                EntryKey {
                    conv: i,
                    unread,
                    awaiting,
                    overdue,
                }
            })
            .collect()
    }

    /// The next instant strictly after `now` at which something falls due.
    fn next_due(&self) -> Option<DateTime<Utc>> {
        let events = self
            .events
            .iter()
            .filter(|e| e.state == EvState::Pending)
            .map(|e| e.due);
        let reqs = self
            .convs
            .iter()
            .filter_map(|c| c.requirement.map(|(_, d)| d));
        events.chain(reqs).filter(|&d| d > self.now).min()
    }

    pub fn apply(mut self, step: &Step) -> Model {
        self.batch.clear();
        self.outcome = self.step(step);
        self
    }

    fn step(&mut self, step: &Step) -> Outcome {
        match *step {
            Step::Connection { link, active } => {
                if self.connected[link.ix()] && !active {
                    // §15 "Directory upserts": a revoked caregiver loses
                    // access to the patient's conversations (R-A1), and its
                    // pending events of them are cancelled.
                    let party = link.caregiver().party();
                    for conv in 0..self.convs.len() {
                        if self.convs[conv].patient == link.patient() {
                            self.cancel(conv, |e| e.to == party);
                        }
                    }
                }
                self.connected[link.ix()] = active;
                Ok(())
            }
            Step::Registered {
                account,
                registered,
            } => {
                // R-R4: registration decides who receives later messages; it
                // is not part of access (R-A1), so nothing is cancelled.
                self.registered[account.ix()] = registered;
                Ok(())
            }
            Step::Send {
                author,
                patient,
                from,
                options,
            } => {
                // R-S2 order: author, `from` (R-S1), patient and routing.
                let from = Self::resolve_from(author, from)?;
                let to = self.route(patient)?;
                self.convs.push(Conv {
                    patient,
                    created: self.now,
                    closed: false,
                    from: from.clone(),
                    authors: BTreeSet::new(),
                    froms: BTreeSet::new(),
                    msgs: Vec::new(),
                    requirement: None,
                });
                let conv = self.convs.len() - 1;
                self.post_staff_message(conv, author, from, to, options, false);
                Ok(())
            }
            Step::PatientReply { by, conv } => {
                // R-M2 order: access, closed, body (always valid here).
                if !self.account_has_access(by, conv) {
                    return Err("not_authorized");
                }
                if self.convs[conv].closed {
                    return Err("conversation_closed");
                }
                let now = self.now;
                let c = &mut self.convs[conv];
                let to = c.from.clone();
                let msg = c.msgs.len();
                c.msgs.push(Msg {
                    staff_side: false,
                    at: now,
                    read: false,
                    to: vec![to.clone()],
                });
                // R-M1: replying counts as reading.
                self.patient_side_reads(conv);
                // R-D2: a patient-side reply ends the requirement.
                self.end_requirement(conv);
                // R-D1: new_reply to the current `from`, due at once.
                self.schedule(vec![Ev {
                    kind: EventKind::NewReply,
                    to,
                    conv,
                    msg,
                    due: now,
                    state: EvState::Pending,
                }]);
                Ok(())
            }
            Step::StaffReply {
                by,
                conv,
                from,
                options,
            } => {
                // R-M3 order: access, closed, then R-S2 from `from` on.
                if !self.staff_has_access(by, conv) {
                    return Err("not_authorized");
                }
                let c = &self.convs[conv];
                if c.closed {
                    return Err("conversation_closed");
                }
                let from = match from {
                    Some(f) => Self::resolve_from(by, f)?,
                    // §15: a defaulted `from` is the current one, re-checked
                    // under R-S1; another staff member's direct identity is
                    // `invalid_options`.
                    None if c.from == "workgroup:wg" => Self::resolve_from(by, From::Workgroup)?,
                    None if c.from == by.party() => Self::resolve_from(by, From::Direct)?,
                    None => return Err("invalid_options"),
                };
                let to = self.route(c.patient)?;
                self.post_staff_message(conv, by, from, to, options, true);
                Ok(())
            }
            Step::PatientRead { by, conv } => {
                if !self.account_has_access(by, conv) {
                    return Err("not_authorized");
                }
                self.patient_side_reads(conv);
                Ok(())
            }
            Step::StaffRead { by, conv } => {
                if !self.staff_has_access(by, conv) {
                    return Err("not_authorized");
                }
                self.staff_side_reads(conv);
                Ok(())
            }
            Step::StaffClose { by, conv } => {
                // R-M4: a staff participant closes an open conversation.
                if !self.staff_has_access(by, conv) {
                    return Err("not_authorized");
                }
                if self.convs[conv].closed {
                    return Err("conversation_closed");
                }
                self.convs[conv].closed = true;
                self.end_requirement(conv);
                Ok(())
            }
            // §15: close is staff-only; an account is refused.
            Step::AccountClose { .. } => Err("not_authorized"),
            Step::Advance { minutes } => {
                self.now += Duration::minutes(i64::from(minutes));
                Ok(())
            }
            Step::AdvanceToNextDue => {
                self.now = self.next_due().unwrap_or(self.now + Duration::minutes(1));
                Ok(())
            }
            Step::Deliver { limit } => {
                self.batch = self.due().into_iter().take(limit).collect();
                for &i in &self.batch {
                    self.events[i].state = EvState::Acked;
                }
                Ok(())
            }
            Step::Fetch { limit } => {
                self.batch = self.due().into_iter().take(limit).collect();
                for &i in &self.batch {
                    if !self.held.contains(&i) {
                        self.held.push(i);
                    }
                }
                Ok(())
            }
            Step::AckFetched => {
                // R-D5: ack is idempotent; acking a cancelled event succeeds
                // and leaves it cancelled.
                for i in std::mem::take(&mut self.held) {
                    if self.events[i].state == EvState::Pending {
                        self.events[i].state = EvState::Acked;
                    }
                }
                Ok(())
            }
            Step::AckUnknown => Err("unknown_event"),
        }
    }
}
