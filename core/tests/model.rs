//! Model-based test of the conversation core (SPEC §3, §5–§8, §15).
//!
//! proptest-state-machine drives random sequences of directory changes,
//! sends, replies, reads, closes, clock moves (in America/Toronto, starting
//! near a DST change) and event deliveries against a [`Store`] and against
//! the small reference model in `model/reference.rs`, written from the SPEC
//! alone. After every step it compares the outcome (success or the exact
//! error code), the due events, every conversation as each staff member
//! views it, and the `inbox` and `awaiting_response` folders of every staff
//! member and patient-side account.
//!
//! `PROPTEST_CASES` sets the number of cases (default here: 64).

#[path = "model/reference.rs"]
mod reference;

use chrono::{DateTime, Duration, Utc};
use pmsg_core::*;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};
use reference::{
    AccountId, EntryKey, EventKey, Folder, From, Link, Model, Notify, Options, Outcome, PatientId,
    Resp, StaffId, Step, ViewKey, Viewer,
};
use std::collections::HashMap;

// ---------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------

fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&Utc)
}

/// Start instants near the 2026 DST changes of America/Toronto
/// (8 March 02:00 → 03:00, 1 November 02:00 → 01:00).
fn start() -> impl Strategy<Value = DateTime<Utc>> {
    let spring = instant("2026-03-05T00:00:00-05:00");
    let fall = instant("2026-10-29T00:00:00-04:00");
    prop_oneof![
        // Friday 09:00 EST; "3 days" is Monday 09:00 EDT (R-T3's example).
        Just(instant("2026-03-06T09:00:00-05:00")),
        // "1 day" lands in the spring-forward gap (02:30 → 03:30).
        Just(instant("2026-03-07T02:30:00-05:00")),
        // "1 day" lands in the fall-back fold (01:30 → the earlier one).
        Just(instant("2026-10-31T01:30:00-04:00")),
        (0i64..4 * 1440).prop_map(move |m| spring + Duration::minutes(m)),
        (0i64..4 * 1440).prop_map(move |m| fall + Duration::minutes(m)),
    ]
}

fn staff() -> impl Strategy<Value = StaffId> {
    prop_oneof![
        3 => Just(StaffId::A),
        3 => Just(StaffId::B),
        1 => Just(StaffId::C),
    ]
}

fn from() -> impl Strategy<Value = From> {
    prop_oneof![Just(From::Workgroup), Just(From::Direct)]
}

fn options() -> impl Strategy<Value = Options> {
    let response = prop_oneof![
        4 => Just(Resp::Allowed),
        2 => (1u32..=3).prop_map(Resp::Required),
        1 => (4u32..=7).prop_map(Resp::Required),
        1 => Just(Resp::Closed),
    ];
    let notify = prop_oneof![
        3 => Just(None),
        2 => (1u32..=3).prop_map(|n| Some(Notify::Days(n))),
        1 => Just(Some(Notify::Weeks(1))),
    ];
    (response, notify).prop_map(|(response, notify)| Options { response, notify })
}

/// A patient-side account: mostly one that received the patient's
/// messages, sometimes any (to exercise R-A1 refusals).
fn account_for(p: PatientId) -> impl Strategy<Value = AccountId> {
    let natural = match p {
        PatientId::Adult => vec![AccountId::Adult, AccountId::Adult, AccountId::Cg2],
        PatientId::Minor => vec![AccountId::Cg1, AccountId::Cg2],
    };
    prop_oneof![
        3 => prop::sample::select(natural),
        1 => prop::sample::select(AccountId::ALL.to_vec()),
    ]
}

fn global_steps() -> BoxedStrategy<Step> {
    let send = (
        staff(),
        prop_oneof![Just(PatientId::Adult), Just(PatientId::Minor)],
        from(),
        options(),
    )
        .prop_map(|(author, patient, from, options)| Step::Send {
            author,
            patient,
            from,
            options,
        });
    let link = prop::sample::select(Link::ALL.to_vec());
    let registrable = prop_oneof![
        Just(AccountId::Cg1),
        Just(AccountId::Cg2),
        Just(AccountId::Adult)
    ];
    let advance = prop_oneof![
        2 => (1u32..=120).prop_map(|minutes| Step::Advance { minutes }),
        2 => (1u32..=48).prop_map(|h| Step::Advance { minutes: h * 60 }),
        1 => (1u32..=4).prop_map(|d| Step::Advance { minutes: d * 1440 }),
        3 => Just(Step::AdvanceToNextDue),
    ];
    prop_oneof![
        6 => send,
        3 => (link, any::<bool>()).prop_map(|(link, active)| Step::Connection { link, active }),
        2 => (registrable, any::<bool>())
            .prop_map(|(account, registered)| Step::Registered { account, registered }),
        6 => advance,
        3 => (0usize..=4).prop_map(|limit| Step::Deliver { limit }),
        1 => (1usize..=3).prop_map(|limit| Step::Fetch { limit }),
        1 => Just(Step::AckFetched),
        1 => Just(Step::AckUnknown),
    ]
    .boxed()
}

/// A staff member for a step on a conversation: mostly one of its staff
/// participants (R-M0), sometimes anyone (to exercise R-A1 refusals).
fn staff_on(participants: Vec<StaffId>) -> impl Strategy<Value = StaffId> {
    prop_oneof![
        3 => prop::sample::select(participants),
        1 => staff(),
    ]
}

fn conversation_steps(
    conv: usize,
    patient: PatientId,
    participants: Vec<StaffId>,
) -> BoxedStrategy<Step> {
    let staff = move || staff_on(participants.clone());
    let staff_from = prop_oneof![
        2 => Just(None),
        1 => Just(Some(From::Direct)),
        1 => Just(Some(From::Workgroup)),
    ];
    prop_oneof![
        4 => account_for(patient).prop_map(move |by| Step::PatientReply { by, conv }),
        5 => (staff(), staff_from, options()).prop_map(move |(by, from, options)| {
            Step::StaffReply { by, conv, from, options }
        }),
        3 => account_for(patient).prop_map(move |by| Step::PatientRead { by, conv }),
        2 => staff().prop_map(move |by| Step::StaffRead { by, conv }),
        2 => staff().prop_map(move |by| Step::StaffClose { by, conv }),
        1 => account_for(patient).prop_map(move |by| Step::AccountClose { by, conv }),
    ]
    .boxed()
}

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        start().prop_map(Model::new).boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Step> {
        if state.convs.is_empty() {
            return global_steps();
        }
        // What generation needs of each conversation: its patient and its
        // staff participants (R-M0).
        let convs: Vec<(PatientId, Vec<StaffId>)> = state
            .convs
            .iter()
            .map(|c| {
                let staff = StaffId::ALL
                    .into_iter()
                    .filter(|&s| c.is_staff_participant(s));
                (c.patient, staff.collect())
            })
            .collect();
        let on_conversation = (0..convs.len()).prop_flat_map(move |conv| {
            let (patient, participants) = convs[conv].clone();
            conversation_steps(conv, patient, participants)
        });
        prop_oneof![
            21 => global_steps(),
            17 => on_conversation,
        ]
        .boxed()
    }

    fn preconditions(state: &Model, step: &Step) -> bool {
        // While shrinking, a step may outlive the send of its conversation.
        step.conv().is_none_or(|c| c < state.convs.len())
    }

    fn apply(state: Model, step: &Step) -> Model {
        state.apply(step)
    }
}

// ---------------------------------------------------------------------------
// The system under test
// ---------------------------------------------------------------------------

struct Sut {
    store: Store,
    /// Real conversation ids, by model index.
    convs: Vec<String>,
    /// Real message id → (model conversation, message index).
    msgs: HashMap<String, (usize, usize)>,
    /// Event ids fetched and not yet acknowledged.
    held: Vec<String>,
}

fn account_record(a: AccountId, registered: bool) -> Account {
    Account {
        id: a.id().into(),
        kind: match a {
            AccountId::Cg1 | AccountId::Cg2 => AccountKind::Caregiver,
            AccountId::Adult | AccountId::Teen => AccountKind::Patient,
        },
        display_name: format!("Account {}", a.id()),
        registered,
    }
}

fn connection(link: Link, active: bool) -> Connection {
    Connection {
        caregiver: link.caregiver().id().into(),
        patient: link.patient().emr_id().into(),
        active,
    }
}

/// The directory `reference.rs` describes.
fn directory(model: &Model) -> DirectoryUpdate {
    DirectoryUpdate {
        accounts: AccountId::ALL
            .iter()
            .map(|&a| account_record(a, model.is_registered(a)))
            .collect(),
        patients: vec![
            Patient {
                emr_id: PatientId::Adult.emr_id().into(),
                first_name: "Ada".into(),
                last_name: "Adult".into(),
                date_of_birth: "1980-05-01".into(),
                dependent: false,
                account: Some(AccountId::Adult.id().into()),
            },
            Patient {
                emr_id: PatientId::Minor.emr_id().into(),
                first_name: "Mia".into(),
                last_name: "Minor".into(),
                date_of_birth: "2015-05-01".into(),
                dependent: false,
                account: Some(AccountId::Teen.id().into()),
            },
        ],
        connections: vec![
            connection(Link::Cg1Minor, model.connected[0]),
            connection(Link::Cg2Minor, model.connected[1]),
            connection(Link::Cg2Adult, model.connected[2]),
        ],
        staff: StaffId::ALL
            .iter()
            .map(|&s| Staff {
                id: s.id().into(),
                display_name: format!("Staff {}", s.id()),
                accepts_direct: s.accepts_direct(),
            })
            .collect(),
        workgroups: vec![Workgroup {
            id: "wg".into(),
            name: "Nursing".into(),
            members: StaffId::ALL
                .iter()
                .filter(|s| s.in_workgroup())
                .map(|s| s.id().to_string())
                .collect(),
        }],
    }
}

fn sender(f: From) -> Sender {
    match f {
        From::Direct => Sender::Direct,
        From::Workgroup => Sender::Workgroup("wg".into()),
    }
}

fn response(r: Resp) -> Response {
    match r {
        Resp::Allowed => Response::Allowed,
        Resp::Closed => Response::Closed,
        Resp::Required(days) => Response::Required {
            days: i64::from(days),
        },
    }
}

fn interval(n: Notify) -> Interval {
    match n {
        Notify::Days(n) => Interval {
            count: i64::from(n),
            unit: IntervalUnit::Days,
        },
        Notify::Weeks(n) => Interval {
            count: i64::from(n),
            unit: IntervalUnit::Weeks,
        },
    }
}

fn code<T>(r: Result<T>) -> std::result::Result<T, &'static str> {
    r.map_err(|e| e.code())
}

impl Sut {
    fn conv_index(&self, id: &str) -> usize {
        self.convs
            .iter()
            .position(|c| c == id)
            .unwrap_or_else(|| panic!("the store names a conversation the test never made: {id}"))
    }

    fn event_key(&self, e: &Event) -> EventKey {
        EventKey {
            kind: e.kind,
            to: e.to.clone(),
            conv: self.conv_index(&e.conversation),
            msg: e.message.as_ref().map(|m| {
                self.msgs
                    .get(m)
                    .unwrap_or_else(|| panic!("unknown message id {m} in {e:?}"))
                    .1
            }),
            due: instant(&e.due_at),
        }
    }

    fn remember(&mut self, out: &SendOutcome, conv: usize, msg: usize) {
        self.msgs.insert(out.message_id.clone(), (conv, msg));
    }

    /// Applies one step to the store; returns its outcome.
    fn run(&mut self, model: &Model, step: &Step) -> Outcome {
        let now = model.now;
        match *step {
            Step::Connection { link, active } => {
                code(self.store.upsert_directory(&DirectoryUpdate {
                    connections: vec![connection(link, active)],
                    ..Default::default()
                }))
            }
            Step::Registered {
                account,
                registered,
            } => code(self.store.upsert_directory(&DirectoryUpdate {
                accounts: vec![account_record(account, registered)],
                ..Default::default()
            })),
            Step::Send {
                author,
                patient,
                from,
                options,
            } => {
                let req = SendRequest {
                    author: author.id().into(),
                    patient: patient.emr_id().into(),
                    from: Some(sender(from)),
                    subject: "Subject".into(),
                    body: "Body".into(),
                    attachments: vec![],
                    unread_notify: options.notify.map(interval),
                    response: response(options.response),
                    allow_reply_attachments: false,
                    mask_name: false,
                    billable_fee_code: None,
                    file_to_chart: false,
                    confidential: false,
                    malformed: vec![],
                };
                let out = code(self.store.send(&req, now))?;
                self.convs.push(out.conversation_id.clone());
                self.remember(&out, self.convs.len() - 1, 0);
                Ok(())
            }
            Step::PatientReply { by, conv } => {
                let req = ReplyRequest {
                    by: by.party(),
                    conversation: self.convs[conv].clone(),
                    body: "Patient reply".into(),
                    ..Default::default()
                };
                let out = code(self.store.reply(&req, now))?;
                self.remember(&out, conv, model.convs[conv].msgs.len() - 1);
                Ok(())
            }
            Step::StaffReply {
                by,
                conv,
                from,
                options,
            } => {
                let req = ReplyRequest {
                    by: by.party(),
                    conversation: self.convs[conv].clone(),
                    body: "Staff reply".into(),
                    from: from.map(sender),
                    unread_notify: options.notify.map(interval),
                    response: Some(response(options.response)),
                    ..Default::default()
                };
                let out = code(self.store.reply(&req, now))?;
                self.remember(&out, conv, model.convs[conv].msgs.len() - 1);
                Ok(())
            }
            Step::PatientRead { by, conv } => {
                code(self.store.read(&by.party(), &self.convs[conv], now))
            }
            Step::StaffRead { by, conv } => {
                code(self.store.read(&by.party(), &self.convs[conv], now))
            }
            Step::StaffClose { by, conv } => {
                code(self.store.close(&by.party(), &self.convs[conv], now))
            }
            Step::AccountClose { by, conv } => {
                code(self.store.close(&by.party(), &self.convs[conv], now))
            }
            Step::Advance { .. } | Step::AdvanceToNextDue => Ok(()),
            Step::Deliver { limit } | Step::Fetch { limit } => {
                let events = self
                    .store
                    .due_events(now, Some(limit as i64))
                    .expect("due_events");
                let got: Vec<EventKey> = events.iter().map(|e| self.event_key(e)).collect();
                let want: Vec<EventKey> = model.batch.iter().map(|&i| model.event_key(i)).collect();
                assert_eq!(got, want, "due_events(now, Some({limit})) at {now}");
                for e in events {
                    if matches!(step, Step::Deliver { .. }) {
                        code(self.store.ack(&e.id, now))?;
                    } else if !self.held.contains(&e.id) {
                        self.held.push(e.id);
                    }
                }
                Ok(())
            }
            Step::AckFetched => {
                for id in std::mem::take(&mut self.held) {
                    code(self.store.ack(&id, now))?;
                }
                Ok(())
            }
            Step::AckUnknown => code(self.store.ack("no-such-event", now)),
        }
    }

    fn view_key(&self, v: &ConversationView) -> ViewKey {
        ViewKey {
            closed: v.status == ConversationStatus::Closed,
            awaiting: v.awaiting_response,
            overdue: v.overdue,
            due: v.response_due_at.as_deref().map(instant),
            messages: v
                .messages
                .iter()
                .map(|m| (m.side == "staff", m.read, m.recipients.clone()))
                .collect(),
        }
    }

    fn folder(&self, viewer: Viewer, folder: Folder, now: DateTime<Utc>) -> Vec<EntryKey> {
        let by = match viewer {
            Viewer::Staff(s) => s.party(),
            Viewer::Account(a) => a.party(),
        };
        let name = match folder {
            Folder::Inbox => "inbox",
            Folder::Awaiting => "awaiting_response",
        };
        let page = self
            .store
            .folder(&by, name, None, Some(500), now)
            .unwrap_or_else(|e| panic!("folder {name} of {by}: {e}"));
        assert_eq!(page.next_cursor, None);
        page.entries
            .iter()
            .map(|e| EntryKey {
                conv: self.conv_index(&e.conversation),
                unread: e.unread,
                awaiting: e.awaiting_response,
                overdue: e.overdue,
            })
            .collect()
    }

    /// Everything observable the model predicts, after every step.
    fn compare(&self, model: &Model) {
        let now = model.now;
        assert_eq!(self.convs.len(), model.convs.len(), "conversation count");

        let got: Vec<EventKey> = self
            .store
            .due_events(now, None)
            .expect("due_events")
            .iter()
            .map(|e| self.event_key(e))
            .collect();
        let want: Vec<EventKey> = model
            .due()
            .into_iter()
            .map(|i| model.event_key(i))
            .collect();
        assert_eq!(got, want, "due_events(now, None) at {now}");

        for (i, id) in self.convs.iter().enumerate() {
            for s in StaffId::ALL {
                let got = code(self.store.view(&s.party(), id, now)).map(|v| self.view_key(&v));
                assert_eq!(
                    got,
                    model.staff_view(s, i),
                    "view of conversation {i} by {} at {now}",
                    s.party()
                );
            }
        }

        let viewers = StaffId::ALL
            .into_iter()
            .map(Viewer::Staff)
            .chain(AccountId::ALL.into_iter().map(Viewer::Account));
        for viewer in viewers {
            for folder in [Folder::Inbox, Folder::Awaiting] {
                assert_eq!(
                    self.folder(viewer, folder, now),
                    model.folder(viewer, folder),
                    "folder {folder:?} of {viewer:?} at {now}"
                );
            }
        }
    }
}

struct ModelTest;

impl StateMachineTest for ModelTest {
    type SystemUnderTest = Sut;
    type Reference = Reference;

    fn init_test(model: &Model) -> Sut {
        let config = Config {
            time_zone: "America/Toronto".into(),
            ..Config::default()
        };
        let store = Store::open_in_memory(&config).expect("open");
        store
            .upsert_directory(&directory(model))
            .expect("directory");
        Sut {
            store,
            convs: Vec::new(),
            msgs: HashMap::new(),
            held: Vec::new(),
        }
    }

    fn apply(mut sut: Sut, model: &Model, step: Step) -> Sut {
        let got = sut.run(model, &step);
        assert_eq!(got, model.outcome, "outcome of {step:?} at {}", model.now);
        sut
    }

    fn check_invariants(sut: &Sut, model: &Model) {
        sut.compare(model);
    }
}

/// 64 cases unless `PROPTEST_CASES` says otherwise; no regression file
/// (the failing sequence is printed).
fn config() -> ProptestConfig {
    let mut config = ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    config
}

prop_state_machine! {
    #![proptest_config(config())]

    #[test]
    fn the_store_behaves_like_the_reference_model(sequential 1..=40 => ModelTest);
}
