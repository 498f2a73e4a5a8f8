//! The Rust conformance runner (tests/conformance/FORMAT.md): runs scenario
//! files against `pmsg-core` and reports `PASS`/`FAIL` per file and a final
//! `N passed, M failed`. An op or a key it does not know FAILS.

use chrono::{DateTime, Utc};
use pmsg_core::{request, Config, Error, Store};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Expands paths (files, or folders meaning every `*.json` in them, sorted by name).
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("cannot read folder {}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
            out.extend(files);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(format!("no such file or folder: {}", p.display()));
        }
    }
    Ok(out)
}

/// Runs every file, printing one line per scenario and the total; returns
/// (passed, failed). With `fhir_out`, writes each scenario conversation's
/// FHIR chart document there (for the FHIR validator).
pub fn run_files(files: &[PathBuf], fhir_out: Option<&Path>) -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
    for f in files {
        match run_file(f, fhir_out) {
            Ok(()) => {
                passed += 1;
                println!("PASS {}", f.display());
            }
            Err(why) => {
                failed += 1;
                println!("FAIL {}: {why}", f.display());
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    (passed, failed)
}

/// Runs one scenario file; `Err` says which step failed and why.
pub fn run_file(path: &Path, fhir_out: Option<&Path>) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    run_scenario(&text, fhir_out.map(|dir| (dir, path)))
}

/// Runs one scenario given as JSON text (the fuzz target's entry point).
pub fn run_json(text: &str) -> Result<(), String> {
    run_scenario(text, None)
}

fn run_scenario(text: &str, fhir: Option<(&Path, &Path)>) -> Result<(), String> {
    let scenario: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let mut runner = Runner::setup(&scenario).map_err(|e| format!("step 0 (setup): {e}"))?;
    let steps = scenario
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("step 0 (setup): no \"steps\" list")?;
    for (i, step) in steps.iter().enumerate() {
        let op = step.get("op").and_then(Value::as_str).unwrap_or("?");
        runner
            .step(step)
            .map_err(|why| format!("step {} ({op}): {why}", i + 1))?;
    }
    if let Some((dir, path)) = fhir {
        runner.write_fhir(dir, path)?;
    }
    Ok(())
}

/// With `PMSG_TEST_DATABASE_URL` set (a `postgres://` URL), every
/// scenario runs on a fresh PostgreSQL schema of that database: the URL
/// with `pmsg_schema=` a new name (pmsg creates the schema). Without it,
/// every scenario runs on a fresh in-memory SQLite database.
fn scenario_database_url() -> Option<String> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let url = std::env::var("PMSG_TEST_DATABASE_URL").ok()?;
    if url.is_empty() {
        return None;
    }
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let schema = format!("pmsg_conf_{}_{stamp}_{n}", std::process::id());
    let sep = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{sep}pmsg_schema={schema}"))
}

const TOP_KEYS: &[&str] = &[
    "name",
    "rules",
    "config",
    "directory",
    "steps",
    "description",
];
const DIRECTORY_KEYS: &[&str] = &["accounts", "patients", "connections", "staff", "workgroups"];

struct Runner {
    store: Store,
    /// alias → real id, and back.
    conversations: HashMap<String, String>,
    messages: HashMap<String, String>,
    reverse: HashMap<String, String>,
    /// group alias → real id.
    groups: HashMap<String, String>,
    /// conversation id → attachments (name, id) in message order.
    attachments: HashMap<String, Vec<(String, String)>>,
    staff: Vec<String>,
}

fn check_keys(obj: &Value, allowed: &[&str], what: &str) -> Result<(), String> {
    let map = obj
        .as_object()
        .ok_or_else(|| format!("{what} is not an object"))?;
    for k in map.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(format!("unknown key {k:?} in {what}"));
        }
    }
    Ok(())
}

fn describe(e: &Error) -> String {
    format!("{} ({e})", e.code())
}

impl Runner {
    fn setup(scenario: &Value) -> Result<Runner, String> {
        check_keys(scenario, TOP_KEYS, "the scenario")?;
        let config = match scenario.get("config") {
            Some(c) => Config::from_json(c).map_err(|e| describe(&e))?,
            None => Config::default(),
        };
        let store = match scenario_database_url() {
            Some(url) => Store::open(&url, &config),
            None => Store::open_in_memory(&config),
        }
        .map_err(|e| describe(&e))?;
        let mut r = Runner {
            store,
            conversations: HashMap::new(),
            messages: HashMap::new(),
            reverse: HashMap::new(),
            groups: HashMap::new(),
            attachments: HashMap::new(),
            staff: Vec::new(),
        };
        if let Some(d) = scenario.get("directory") {
            r.directory(d).map_err(|e| describe(&e))?;
        }
        Ok(r)
    }

    fn directory(&mut self, d: &Value) -> Result<(), Error> {
        let update = request::directory(d)?;
        self.store.upsert_directory(&update)?;
        for s in update.staff {
            if !self.staff.contains(&s.id) {
                self.staff.push(s.id);
            }
        }
        Ok(())
    }

    fn conv(&self, step: &Value) -> String {
        let alias = step
            .get("conversation")
            .and_then(Value::as_str)
            .unwrap_or_default();
        self.conversations
            .get(alias)
            .cloned()
            .unwrap_or_else(|| alias.to_string())
    }

    fn alias(&self, id: &str) -> Value {
        Value::String(
            self.reverse
                .get(id)
                .cloned()
                .unwrap_or_else(|| id.to_string()),
        )
    }

    fn step(&mut self, step: &Value) -> Result<(), String> {
        let step = &expand_sized_attachments(&expand_shorthands(step));
        let op = step
            .get("op")
            .and_then(Value::as_str)
            .ok_or("no \"op\"")?
            .to_string();
        let at = step.get("at").and_then(Value::as_str).ok_or("no \"at\"")?;
        let now = pmsg_core::deadline::parse_instant(at).map_err(|e| describe(&e))?;
        let expect = step.get("expect").cloned().unwrap_or(json!({}));
        let allowed: &[&str] = match op.as_str() {
            "directory" => &["accounts", "patients", "connections", "staff", "workgroups"],
            "search" => &["query"],
            // The library's own key lists (request.rs), plus the runner's aliases below.
            "send" => &request::SEND_KEYS,
            "send_group" => &request::GROUP_SEND_KEYS,
            "group_report" => &["by", "group"],
            "reply" => &request::REPLY_KEYS,
            "read" | "view" | "close" => &["by", "conversation"],
            "assign" => &["by", "conversation", "to", "note"],
            "download" => &["by", "conversation", "attachment"],
            "due_events" | "deliver" => &["limit"],
            "claim" => &["worker", "lease_seconds", "limit", "ack"],
            "ack" => &["event_id"],
            "folder" => &["by", "folder", "page_size"],
            "purge" | "verify_audit" => &[],
            "billing_report" => &["cycle"],
            "export_chart" => &["by", "conversation", "format"],
            "audit_tail" => &["count"],
            _ => return Err(format!("unknown op {op:?}")),
        };
        let mut keys: Vec<&str> = vec!["at", "op", "expect"];
        keys.extend_from_slice(allowed);
        // The aliases the scenario format adds to a request (FORMAT.md).
        keys.extend_from_slice(match op.as_str() {
            "send" => &["as", "message_as"][..],
            "send_group" => &["as_group", "conversations_as", "messages_as"],
            "reply" => &["message_as"],
            _ => &[],
        });
        check_keys(step, &keys, "the step")?;
        let outcome = self.perform(&op, step, now);
        match (expect.get("error"), outcome) {
            (Some(code), Err(e)) => {
                if code.as_str() == Some(e.code()) {
                    Ok(())
                } else {
                    Err(format!("expected error {code}, got error {}", describe(&e)))
                }
            }
            (Some(code), Ok(_)) => Err(format!("expected error {code}, got success")),
            (None, Err(e)) => Err(format!("expected success, got error {}", describe(&e))),
            (None, Ok(actual)) => {
                let mut exp = expect.as_object().cloned().unwrap_or_default();
                self.check_text(&mut exp, &actual)?;
                matches(&Value::Object(exp), &actual, "")
            }
        }
    }

    /// `chart_contains`, `contains`, `not_contains`: substrings of a document.
    fn check_text(&self, exp: &mut Map<String, Value>, actual: &Value) -> Result<(), String> {
        let doc = actual
            .get("document")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for (key, want) in [
            ("chart_contains", true),
            ("contains", true),
            ("not_contains", false),
        ] {
            if let Some(list) = exp.remove(key) {
                if key == "chart_contains" && actual.get("document").is_none() {
                    return Err("chart_contains given but no chart document was returned".into());
                }
                for s in list
                    .as_array()
                    .ok_or_else(|| format!("{key} is not a list"))?
                {
                    let s = s
                        .as_str()
                        .ok_or_else(|| format!("{key} entry {s} is not a string"))?;
                    if doc.contains(s) != want {
                        return Err(format!(
                            "expected the document {} {s:?}; document:\n{doc}",
                            if want { "to contain" } else { "not to contain" }
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn perform(&mut self, op: &str, step: &Value, now: DateTime<Utc>) -> Result<Value, Error> {
        let s = |k: &str| {
            step.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        match op {
            "directory" => {
                let mut d = Map::new();
                for k in DIRECTORY_KEYS {
                    if let Some(v) = step.get(*k) {
                        d.insert(k.to_string(), v.clone());
                    }
                }
                self.directory(&Value::Object(d))?;
                Ok(json!({}))
            }
            "search" => {
                let matches = self.store.search(&s("query"), now)?;
                Ok(json!({"matches": matches.iter().map(|m| json!({
                    "emr_id": m.emr_id, "deliver_to": m.deliver_to,
                    "confidential_deliver_to": m.confidential_deliver_to,
                    "first_name": m.first_name, "last_name": m.last_name,
                })).collect::<Vec<_>>()}))
            }
            "send" => {
                let out = self
                    .store
                    .send(&request::send_request(&request_of(step))?, now)?;
                if let Some(a) = step.get("as").and_then(Value::as_str) {
                    self.conversations
                        .insert(a.to_string(), out.conversation_id.clone());
                    self.reverse
                        .insert(out.conversation_id.clone(), a.to_string());
                }
                self.record_message(step, &out);
                Ok(self.outcome(&out))
            }
            "send_group" => {
                let out = self
                    .store
                    .send_group(&request::group_send_request(&request_of(step))?, now)?;
                if let Some(a) = step.get("as_group").and_then(Value::as_str) {
                    self.groups.insert(a.to_string(), out.group_id.clone());
                }
                let aliases = |key: &str| -> Vec<String> {
                    step.get(key)
                        .and_then(Value::as_array)
                        .map(|l| {
                            l.iter()
                                .filter_map(|a| a.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let (conv_aliases, msg_aliases) =
                    (aliases("conversations_as"), aliases("messages_as"));
                for e in &out.entries {
                    if let Some(id) = &e.conversation_id {
                        self.attachments
                            .entry(id.clone())
                            .or_default()
                            .extend(e.attachments.iter().map(|a| (a.name.clone(), a.id.clone())));
                    }
                }
                let sent = out.entries.iter().filter(|e| e.skipped.is_none());
                for (i, e) in sent.enumerate() {
                    if let (Some(alias), Some(id)) = (conv_aliases.get(i), &e.conversation_id) {
                        self.conversations.insert(alias.clone(), id.clone());
                        self.reverse.insert(id.clone(), alias.clone());
                    }
                    if let (Some(alias), Some(id)) = (msg_aliases.get(i), &e.message_id) {
                        self.messages.insert(alias.clone(), id.clone());
                        self.reverse.insert(id.clone(), alias.clone());
                    }
                }
                Ok(
                    json!({"group": out.group_id, "outcome": out.entries.iter().map(|e| json!({
                    "emr_id": e.emr_id,
                    "conversation": e.conversation_id.as_deref().map(|c| self.alias(c)),
                    "message": e.message_id.as_deref().map(|m| self.alias(m)),
                    "skipped": e.skipped,
                    "delivered_to": e.delivered_to,
                    "status": e.status.map(|s| s.as_str()),
                })).collect::<Vec<_>>()}),
                )
            }
            "group_report" => {
                let group = match step.get("group") {
                    Some(Value::String(g)) => {
                        self.groups.get(g).cloned().unwrap_or_else(|| g.clone())
                    }
                    // Not a string: passed on as a literal id no group has.
                    other => other.unwrap_or(&Value::Null).to_string(),
                };
                let r = self.store.group_report(&s("by"), &group, now)?;
                Ok(json!({"entries": r.entries.iter().map(|e| json!({
                    "emr_id": e.emr_id,
                    "conversation": e.conversation.as_deref().map(|c| self.alias(c)),
                    "skipped": e.skipped,
                    "read": e.read,
                    "replied": e.replied,
                    "awaiting_response": e.awaiting_response,
                    "overdue": e.overdue,
                })).collect::<Vec<_>>()}))
            }
            "reply" => {
                let mut request = request_of(step);
                if step.get("conversation").is_some_and(Value::is_string) {
                    request["conversation"] = Value::String(self.conv(step));
                }
                let out = self.store.reply(&request::reply_request(&request)?, now)?;
                self.record_message(step, &out);
                Ok(self.outcome(&out))
            }
            "read" => {
                self.store.read(&s("by"), &self.conv(step), now)?;
                Ok(json!({}))
            }
            "close" => {
                self.store.close(&s("by"), &self.conv(step), now)?;
                Ok(json!({}))
            }
            "assign" => {
                let note = match step.get("note") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(n)) => Some(n.as_str()),
                    Some(other) => {
                        return Err(Error::InvalidArgument(format!(
                            "note {other} is not a string (R-AS1)"
                        )))
                    }
                };
                self.store
                    .assign(&s("by"), &self.conv(step), &s("to"), note, now)?;
                Ok(json!({}))
            }
            "view" => {
                let v = self.store.view(&s("by"), &self.conv(step), now)?;
                Ok(json!({
                    "status": v.status.as_str(),
                    "awaiting_response": v.awaiting_response,
                    "overdue": v.overdue,
                    "response_due_at": v.response_due_at,
                    "subject": v.subject,
                    "confidential": v.confidential,
                    "assignments": v.assignments.iter().map(|a| json!({
                        "by": a.by, "to": a.to, "note": a.note, "at": a.at,
                    })).collect::<Vec<_>>(),
                    "messages": v.messages.iter().map(|m| json!({
                        "sender": m.sender, "from": m.from, "body": m.body, "read": m.read,
                        "masked": m.masked, "message": self.alias(&m.id),
                        "attachments": m.attachments.iter().map(|a| json!({
                            "name": a.name, "purged": a.purged, "size": a.size,
                        })).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                }))
            }
            "download" => {
                let conv = self.conv(step);
                let name = s("attachment");
                let id = self
                    .attachments
                    .get(&conv)
                    .and_then(|list| list.iter().find(|(n, _)| *n == name))
                    .map(|(_, id)| id.clone())
                    .unwrap_or(name);
                let d = self.store.download(&s("by"), &conv, &id, now)?;
                Ok(json!({"size": d.content.len(), "name": d.name, "media_type": d.media_type}))
            }
            "due_events" | "deliver" => {
                let limit = integer(step, "limit", "R-D5")?;
                let events = self.store.due_events(now, limit)?;
                if op == "deliver" {
                    for e in &events {
                        self.store.ack(&e.id, now)?;
                    }
                }
                Ok(self.events(&events))
            }
            "claim" => {
                // Non-string or non-integer arguments are invalid_argument
                // (R-D7), as the library would find them.
                let worker = match step.get("worker") {
                    Some(Value::String(w)) => w.clone(),
                    other => {
                        return Err(Error::InvalidArgument(format!(
                            "worker {} is not a string (R-D7)",
                            other.unwrap_or(&Value::Null)
                        )))
                    }
                };
                let limit = integer(step, "limit", "R-D7")?;
                let lease = integer(step, "lease_seconds", "R-D7")?.ok_or_else(|| {
                    Error::InvalidArgument("lease_seconds is missing (R-D7)".into())
                })?;
                let events = self.store.claim_due_events(&worker, now, limit, lease)?;
                match step.get("ack") {
                    None | Some(Value::Bool(false)) => {}
                    Some(Value::Bool(true)) => {
                        for e in &events {
                            self.store.ack(&e.id, now)?;
                        }
                    }
                    Some(other) => {
                        return Err(Error::InvalidArgument(format!(
                            "ack {other} is not true or false"
                        )))
                    }
                }
                Ok(self.events(&events))
            }
            "ack" => {
                self.store.ack(&s("event_id"), now)?;
                Ok(json!({}))
            }
            "folder" => self.folder(step, now),
            "purge" => {
                let mut purged: Vec<(String, String)> = self
                    .store
                    .purge(now)?
                    .into_iter()
                    .map(|p| {
                        (
                            self.alias(&p.conversation)
                                .as_str()
                                .unwrap_or_default()
                                .to_string(),
                            p.name,
                        )
                    })
                    .collect();
                purged.sort();
                Ok(
                    json!({"purged": purged.iter().map(|(c, a)| json!({"conversation": c, "attachment": a})).collect::<Vec<_>>()}),
                )
            }
            "billing_report" => {
                let r = self.store.billing_report(&s("cycle"))?;
                Ok(json!({
                    "entries": r.entries.iter().map(|e| json!({
                        "fee_code": e.fee_code, "author": e.author, "patient": e.patient,
                        "conversation": self.alias(&e.conversation), "sent_at": e.sent_at,
                    })).collect::<Vec<_>>(),
                    "totals": r.totals.iter().map(|t| json!({
                        "author": t.author, "fee_code": t.fee_code, "count": t.count,
                    })).collect::<Vec<_>>(),
                }))
            }
            "export_chart" => {
                let doc = self
                    .store
                    .export_chart(&s("by"), &self.conv(step), &s("format"), now)?;
                Ok(json!({"document": doc}))
            }
            "audit_tail" => {
                let count = match step.get("count") {
                    Some(v) => v.as_i64().ok_or_else(|| {
                        Error::InvalidArgument(format!("count {v} is not an integer"))
                    })?,
                    None => return Err(Error::InvalidArgument("audit_tail needs a count".into())),
                };
                let entries = self.store.audit_tail(count)?;
                Ok(json!({"entries": entries.iter().map(|e| json!({
                    "actor": e.actor, "action": e.action,
                    "conversation": e.conversation.as_deref().map(|c| self.alias(c)),
                    "message": e.message.as_deref().map(|m| self.alias(m)),
                })).collect::<Vec<_>>()}))
            }
            "verify_audit" => {
                let v = self.store.verify_audit()?;
                Ok(json!({"ok": v.ok, "entries": v.entries, "first_broken": v.first_broken}))
            }
            _ => Err(Error::Internal(format!("op {op:?} not dispatched"))),
        }
    }

    fn events(&self, events: &[pmsg_core::Event]) -> Value {
        json!({"events": events.iter().map(|e| {
            let mut v = json!({
                "kind": e.kind.as_str(), "to": e.to, "conversation": self.alias(&e.conversation),
                "message": e.message.as_deref().map(|m| self.alias(m)), "due_at": e.due_at,
                "id": e.id,
            });
            if let Some(until) = &e.claimed_until {
                v["claimed_until"] = Value::String(until.clone());
            }
            v
        }).collect::<Vec<_>>()})
    }

    fn record_message(&mut self, step: &Value, out: &pmsg_core::SendOutcome) {
        if let Some(a) = step.get("message_as").and_then(Value::as_str) {
            self.messages.insert(a.to_string(), out.message_id.clone());
            self.reverse.insert(out.message_id.clone(), a.to_string());
        }
        let list = self
            .attachments
            .entry(out.conversation_id.clone())
            .or_default();
        list.extend(
            out.attachments
                .iter()
                .map(|a| (a.name.clone(), a.id.clone())),
        );
    }

    fn outcome(&self, out: &pmsg_core::SendOutcome) -> Value {
        let mut v = json!({
            "delivered_to": out.delivered_to,
            "status": out.status.as_str(),
            "conversation": self.alias(&out.conversation_id),
        });
        if let Some(doc) = &out.chart_text {
            v["document"] = Value::String(doc.clone());
        }
        v
    }

    fn folder(&self, step: &Value, now: DateTime<Utc>) -> Result<Value, Error> {
        let by = step.get("by").and_then(Value::as_str).unwrap_or_default();
        let folder = step
            .get("folder")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let page_size =
            match step.get("page_size") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(
                    || Error::InvalidArgument(format!("page_size {v} is not a positive integer")),
                )?),
            };
        let mut pages = Vec::new();
        let mut entries = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .store
                .folder(by, folder, cursor.as_deref(), page_size, now)?;
            let aliases: Vec<Value> = page
                .entries
                .iter()
                .map(|e| self.alias(&e.conversation))
                .collect();
            pages.push(Value::Array(aliases));
            entries.extend(page.entries.iter().map(|e| {
                json!({
                    "conversation": self.alias(&e.conversation), "unread": e.unread,
                    "awaiting_response": e.awaiting_response, "overdue": e.overdue,
                    "response_due_at": e.response_due_at, "subject": e.subject, "status": e.status.as_str(),
                })
            }));
            cursor = page.next_cursor;
            if page_size.is_none() || cursor.is_none() {
                break;
            }
        }
        let conversations: Vec<Value> = entries.iter().map(|e| e["conversation"].clone()).collect();
        Ok(json!({"conversations": conversations, "entries": entries, "pages": pages}))
    }

    /// Writes the FHIR chart of every named conversation, exported by the
    /// first staff member who may.
    fn write_fhir(&self, dir: &Path, scenario: &Path) -> Result<(), String> {
        let stem = scenario
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("scenario");
        let at: DateTime<Utc> = DateTime::from_timestamp(4_102_444_800, 0).unwrap_or_default();
        let aliases: BTreeMap<_, _> = self.conversations.iter().collect();
        for (alias, id) in aliases {
            let doc = self.staff.iter().find_map(|s| {
                self.store
                    .export_chart(&format!("staff:{s}"), id, "fhir", at)
                    .ok()
            });
            if let Some(doc) = doc {
                let file = dir.join(format!("{stem}__{alias}.json"));
                std::fs::write(&file, doc)
                    .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            }
        }
        Ok(())
    }
}

/// An optional integer argument (`null` or absent: none); anything else
/// that is not an integer literal is `invalid_argument`.
fn integer(step: &Value, key: &str, rule: &str) -> Result<Option<i64>, Error> {
    match step.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| Error::InvalidArgument(format!("{key} {v} is not an integer ({rule})"))),
    }
}

/// The longest text a `{"repeat", "times"}` shorthand may expand to: far
/// above every limit of SPEC §4, far below what could exhaust memory.
pub const MAX_REPEAT_BYTES: usize = 1 << 20;

/// The largest attachment a `"size": N` shorthand may expand to.
pub const MAX_SIZE_BYTES: u64 = 64 * MAX_REPEAT_BYTES as u64;

/// FORMAT.md: the scenario file's shorthands, expanded before a step runs,
/// in its arguments and in its `expect` alike: a `{"repeat": "ab", "times":
/// 3}` object anywhere is the string `"ababab"` (up to [`MAX_REPEAT_BYTES`]
/// once expanded; a larger one, or any other object, stays as written).
/// (Attachments written with `size` are expanded where they are sent: see
/// [`expand_sized_attachments`].) The library's readers never see either.
pub fn expand_shorthands(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            if let Some(text) = repeat(o) {
                return Value::String(text);
            }
            Value::Object(
                o.iter()
                    .map(|(k, x)| (k.clone(), expand_shorthands(x)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(expand_shorthands).collect()),
        other => other.clone(),
    }
}

/// `{"repeat": "ab", "times": 3}` (those two keys only) as its text.
fn repeat(o: &Map<String, Value>) -> Option<String> {
    if o.len() != 2 {
        return None;
    }
    let unit = o.get("repeat")?.as_str()?;
    let times = usize::try_from(o.get("times")?.as_u64()?).ok()?;
    match unit.len().checked_mul(times) {
        Some(n) if n <= MAX_REPEAT_BYTES => Some(unit.repeat(times)),
        _ => None,
    }
}

/// FORMAT.md: an attachment written with `"size": N` (N bytes, byte i =
/// i mod 251, N at most [`MAX_SIZE_BYTES`]) in a step's `attachments` is
/// sent as those bytes: `size` becomes `content_base64`, the other keys
/// stay as written (for the library to judge). A `size` the runner cannot
/// read is passed on as written, for the library to refuse.
pub fn expand_sized_attachments(step: &Value) -> Value {
    use base64::Engine;
    let mut out = step.clone();
    if let Some(Value::Array(files)) = out.get_mut("attachments") {
        for f in files.iter_mut() {
            let Some(file) = f.as_object_mut() else {
                continue;
            };
            let Some(n) = file
                .get("size")
                .and_then(Value::as_u64)
                .filter(|n| *n <= MAX_SIZE_BYTES)
            else {
                continue;
            };
            let bytes: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            file.remove("size");
            file.insert(
                "content_base64".into(),
                Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
            );
        }
    }
    out
}

/// The keys of a step that are the runner's (FORMAT.md), not the request's.
const RUNNER_KEYS: &[&str] = &[
    "at",
    "op",
    "expect",
    "as",
    "message_as",
    "as_group",
    "conversations_as",
    "messages_as",
];

/// A step's request for the library's JSON readers: the step without the
/// runner's keys.
fn request_of(step: &Value) -> Value {
    Value::Object(
        step.as_object()
            .map(|o| {
                o.iter()
                    .filter(|(k, _)| !RUNNER_KEYS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// FORMAT.md matching: objects by the expected keys, lists by length and
/// order, instants as instants, anything else by equality.
pub fn matches(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let here = format!("{path}.{k}");
                let av = a
                    .get(k)
                    .ok_or_else(|| format!("{here}: expected {ev}, but the result has no {k:?}"))?;
                matches(ev, av, &here)?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{}: expected {} items {}, got {} items {}",
                    or_root(path),
                    e.len(),
                    expected,
                    a.len(),
                    actual
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                matches(ev, av, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::String(e), Value::String(a)) if e != a => {
            match (
                DateTime::parse_from_rfc3339(e),
                DateTime::parse_from_rfc3339(a),
            ) {
                (Ok(x), Ok(y)) if x == y => Ok(()),
                _ => Err(format!(
                    "{}: expected {expected}, got {actual}",
                    or_root(path)
                )),
            }
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => Ok(()),
        _ if expected == actual => Ok(()),
        _ => Err(format!(
            "{}: expected {expected}, got {actual}",
            or_root(path)
        )),
    }
}

fn or_root(path: &str) -> &str {
    if path.is_empty() {
        "result"
    } else {
        path
    }
}
