//! The crash child: opens the database, upserts the directory, then runs a
//! seeded, realistic mix of operations through `pmsg_core::Store` until it
//! is killed, reporting each one on stdout once it has returned success.

use crate::fixture::{self, Rand, Sizes, StaffMember, StaffOptions, World};
use crate::oplog::{self, Att, Op, Posted, PurgedAtt};
use chrono::{DateTime, Utc};
use pmsg_core::{ConversationStatus, Error, SendOutcome, Store};
use rand::seq::IndexedRandom;
use rand::Rng;
use std::collections::HashSet;
use std::io::Write;
use std::process::ExitCode;

/// Exit code of a child that met an unexpected error.
pub const FAILED: u8 = 3;

/// What the child knows about a conversation.
#[derive(Debug, Clone)]
struct Conv {
    id: String,
    /// A staff participant (an author).
    staff: String,
    /// A patient-side account with access (`account:ID`).
    account: String,
    open: bool,
    /// The last staff message allows reply attachments.
    reply_files: bool,
}

/// An attachment of a staff message, downloadable by the patient side.
#[derive(Debug, Clone)]
struct Downloadable {
    conv: String,
    account: String,
    att: Att,
}

/// The operations, with their weights in the mix.
const MIX: [(&str, u32); 10] = [
    ("send", 24),
    ("staff_reply", 12),
    ("patient_reply", 14),
    ("read", 10),
    ("download", 8),
    ("deliver", 14),
    ("purge", 6),
    ("close", 4),
    ("directory", 2),
    ("view", 6),
];

struct Child<'a, W: Write> {
    store: Store,
    world: World,
    rng: Rand,
    now: i64,
    convs: Vec<Conv>,
    downloadable: Vec<Downloadable>,
    purged: HashSet<String>,
    out: &'a mut W,
}

/// Runs the child until killed (or until `max_ops` operations).
pub fn run(db: &str, seed: u64, start_ms: i64, max_ops: u64) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let store = match Store::open(db, &fixture::config()) {
        Ok(s) => s,
        Err(e) => return fail(&mut out, "open", &e),
    };
    let mut child = Child {
        store,
        world: fixture::crash_world(),
        rng: fixture::rng(seed, 0),
        now: start_ms,
        convs: Vec::new(),
        downloadable: Vec::new(),
        purged: HashSet::new(),
        out: &mut out,
    };
    match child.run(max_ops) {
        Ok(()) => ExitCode::SUCCESS,
        Err((during, e)) => fail(child.out, during, &e),
    }
}

fn fail(out: &mut impl Write, during: &str, e: &Error) -> ExitCode {
    oplog::emit(
        out,
        &Op::Fail {
            during: during.into(),
            code: e.code().into(),
            message: e.to_string(),
        },
    );
    ExitCode::from(FAILED)
}

type Step = Result<(), (&'static str, Error)>;

fn during<T>(op: &'static str, r: pmsg_core::Result<T>) -> Result<T, (&'static str, Error)> {
    r.map_err(|e| (op, e))
}

impl<W: Write> Child<'_, W> {
    fn run(&mut self, max_ops: u64) -> Step {
        self.directory()?;
        self.discover()?;
        for _ in 0..max_ops {
            // Steps of 10 minutes to 6 hours: retention (7 days) and
            // deadlines expire within a few children on the same file.
            self.now += self.rng.random_range(10 * 60_000..=6 * 3_600_000);
            let op = fixture::pick(&mut self.rng, &MIX);
            match op {
                "staff_reply" => self.staff_reply()?,
                "patient_reply" => self.patient_reply()?,
                "read" => self.read()?,
                "download" => self.download()?,
                "deliver" => self.deliver()?,
                "purge" => self.purge()?,
                "close" => self.close()?,
                "directory" => self.directory()?,
                "view" => self.view()?,
                _ => self.send()?,
            }
        }
        Ok(())
    }

    fn t(&self) -> DateTime<Utc> {
        fixture::at(self.now)
    }

    fn emit(&mut self, op: Op) -> Step {
        if oplog::emit(self.out, &op) {
            Ok(())
        } else {
            // The parent is gone: nothing more to report to.
            std::process::exit(0)
        }
    }

    fn directory(&mut self) -> Step {
        during("directory", self.store.upsert_directory(&self.world.update))?;
        self.emit(Op::Directory { now: self.now })
    }

    /// Learns the open conversations earlier children left in the file,
    /// from each staff member's `sent` folder (not audited, changes nothing).
    fn discover(&mut self) -> Step {
        let mut seen = HashSet::new();
        for s in self.world.staff.clone() {
            let mut cursor = None;
            loop {
                let page = during(
                    "discover",
                    self.store
                        .folder(&s.party(), "sent", cursor.as_deref(), Some(1000), self.t()),
                )?;
                for e in page.entries {
                    if seen.insert(e.conversation.clone()) {
                        let account = self
                            .world
                            .patient_account(&e.patient_emr_id)
                            .unwrap_or_default();
                        self.convs.push(Conv {
                            id: e.conversation,
                            staff: s.id.clone(),
                            account: account.to_string(),
                            open: true,
                            reply_files: false,
                        });
                    }
                }
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
        }
        Ok(())
    }

    fn pick_open(&mut self) -> Option<usize> {
        let open: Vec<usize> = (0..self.convs.len())
            .filter(|i| self.convs[*i].open)
            .collect();
        open.choose(&mut self.rng).copied()
    }

    fn posted(
        &mut self,
        out: &SendOutcome,
        by: String,
        account: Option<&str>,
        atts: &[Vec<u8>],
    ) -> Posted {
        let atts: Vec<Att> = out
            .attachments
            .iter()
            .zip(atts)
            .map(|(a, content)| Att {
                id: a.id.clone(),
                size: content.len() as u64,
                fnv: format!("{:016x}", fixture::fnv64(content)),
                probe: (content.len() >= 32).then(|| fixture::hex(&content[..32])),
            })
            .collect();
        if let Some(account) = account {
            for a in &atts {
                self.downloadable.push(Downloadable {
                    conv: out.conversation_id.clone(),
                    account: account.to_string(),
                    att: a.clone(),
                });
            }
        }
        Posted {
            now: self.now,
            conv: out.conversation_id.clone(),
            msg: out.message_id.clone(),
            by,
            atts,
            closed: out.status == ConversationStatus::Closed,
        }
    }

    fn send(&mut self) -> Step {
        let author: StaffMember = self
            .world
            .staff
            .choose(&mut self.rng)
            .cloned()
            .unwrap_or_else(|| self.world.staff[0].clone());
        let (emr, _) = self
            .world
            .patients
            .choose(&mut self.rng)
            .cloned()
            .unwrap_or_default();
        let opts = StaffOptions::random(&mut self.rng, true);
        let req = fixture::send_request(&mut self.rng, &author, &emr, &opts, Sizes::Mixed);
        let out = during("send", self.store.send(&req, self.t()))?;
        let account = out.delivered_to.first().cloned().unwrap_or_default();
        self.convs.push(Conv {
            id: out.conversation_id.clone(),
            staff: author.id.clone(),
            account: account.clone(),
            open: out.status == ConversationStatus::Open,
            reply_files: opts.allow_reply_attachments,
        });
        let contents: Vec<Vec<u8>> = req.attachments.iter().map(|a| a.content.clone()).collect();
        let p = self.posted(&out, author.party(), Some(&account), &contents);
        self.emit(Op::Send(p))
    }

    fn staff_reply(&mut self) -> Step {
        let Some(i) = self.pick_open() else {
            return self.send();
        };
        let c = self.convs[i].clone();
        let by = self
            .world
            .staff(&c.staff)
            .cloned()
            .unwrap_or_else(|| self.world.staff[0].clone());
        let opts = StaffOptions::random(&mut self.rng, true);
        let req = fixture::staff_reply(&mut self.rng, &by, &c.id, &opts, Sizes::Mixed);
        let out = during("staff_reply", self.store.reply(&req, self.t()))?;
        self.convs[i].open = out.status == ConversationStatus::Open;
        self.convs[i].reply_files = opts.allow_reply_attachments;
        let contents: Vec<Vec<u8>> = req.attachments.iter().map(|a| a.content.clone()).collect();
        let p = self.posted(&out, by.party(), Some(&c.account), &contents);
        self.emit(Op::StaffReply(p))
    }

    fn patient_reply(&mut self) -> Step {
        let Some(i) = self.pick_open() else {
            return self.send();
        };
        let c = self.convs[i].clone();
        let files = c.reply_files && self.rng.random_bool(0.5);
        let req = fixture::patient_reply(&mut self.rng, &c.account, &c.id, files, Sizes::Mixed);
        let out = during("patient_reply", self.store.reply(&req, self.t()))?;
        let contents: Vec<Vec<u8>> = req.attachments.iter().map(|a| a.content.clone()).collect();
        let p = self.posted(&out, c.account.clone(), None, &contents);
        self.emit(Op::PatientReply(p))
    }

    fn read(&mut self) -> Step {
        let Some(c) = self.convs.choose(&mut self.rng).cloned() else {
            return self.send();
        };
        let by = if self.rng.random_bool(0.5) {
            c.account.clone()
        } else {
            format!("staff:{}", c.staff)
        };
        during("read", self.store.read(&by, &c.id, self.t()))?;
        self.emit(Op::Read {
            now: self.now,
            conv: c.id,
            by,
        })
    }

    /// A view changes nothing but the audit; it is exercised, not reported.
    fn view(&mut self) -> Step {
        let Some(c) = self.convs.choose(&mut self.rng).cloned() else {
            return self.send();
        };
        let v = during("view", self.store.view(&c.account, &c.id, self.t()))?;
        if v.id != c.id {
            return Err((
                "view",
                Error::Internal(format!("asked for {} and got {}", c.id, v.id)),
            ));
        }
        Ok(())
    }

    fn download(&mut self) -> Step {
        self.downloadable
            .retain(|d| !self.purged.contains(&d.att.id));
        let Some(d) = self.downloadable.choose(&mut self.rng).cloned() else {
            return self.send();
        };
        let got = during(
            "download",
            self.store
                .download(&d.account, &d.conv, &d.att.id, self.t()),
        )?;
        let fnv = format!("{:016x}", fixture::fnv64(&got.content));
        if fnv != d.att.fnv || got.content.len() as u64 != d.att.size {
            return Err((
                "download",
                Error::Internal(format!(
                    "attachment {} came back with other bytes",
                    d.att.id
                )),
            ));
        }
        self.emit(Op::Download {
            now: self.now,
            conv: d.conv,
            by: d.account,
            att: d.att.id,
        })
    }

    /// Delivers up to 20 due events, acknowledging (and reporting) each.
    fn deliver(&mut self) -> Step {
        let limit = self.rng.random_range(1..=20);
        let events = during("due_events", self.store.due_events(self.t(), Some(limit)))?;
        for e in events {
            if let Some(leak) = fixture::phi_in(&e.notice, &self.world) {
                return Err((
                    "due_events",
                    Error::Internal(format!(
                        "notice of event {} names {leak:?}: {:?}",
                        e.id, e.notice
                    )),
                ));
            }
            during("ack", self.store.ack(&e.id, self.t()))?;
            self.emit(Op::Ack {
                now: self.now,
                event: e.id,
                conv: e.conversation,
                kind: e.kind.as_str().into(),
            })?;
        }
        Ok(())
    }

    fn purge(&mut self) -> Step {
        let purged = during("purge", self.store.purge(self.t()))?;
        let atts: Vec<PurgedAtt> = purged
            .into_iter()
            .map(|p| PurgedAtt {
                conv: p.conversation,
                att: p.attachment,
            })
            .collect();
        self.purged.extend(atts.iter().map(|p| p.att.clone()));
        self.emit(Op::Purge {
            now: self.now,
            atts,
        })
    }

    fn close(&mut self) -> Step {
        let Some(i) = self.pick_open() else {
            return self.send();
        };
        let c = self.convs[i].clone();
        let by = format!("staff:{}", c.staff);
        during("close", self.store.close(&by, &c.id, self.t()))?;
        self.convs[i].open = false;
        self.emit(Op::Close {
            now: self.now,
            conv: c.id,
            by,
        })
    }
}
