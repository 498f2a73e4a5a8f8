"""The Python conformance runner (tests/conformance/FORMAT.md).

Runs scenario files against the ``pmsg`` bindings and reports one
``PASS <file>`` / ``FAIL <file>: step <i> (<op>): <why>`` line per file and
``N passed, M failed`` last. An op or a key it does not know FAILS.

It follows the Rust runner (tests/conformance/rust/src/lib.rs) step for
step, so that both give the same verdicts: the same typed calls, the same
result keys, the same matching. Requests written in the scenario (config,
directory, send, reply) are read by the core's own JSON readers, through
``pmsg.config_from_json``, ``pmsg.directory_from_json``,
``Store.send_json``, ``Store.reply_json`` and ``Store.send_group_json``, so
that a malformed field is reported at its R-S2 place exactly as in Rust.
The scenario file's shorthands (``{"repeat", "times"}`` text and ``size``
attachments) are expanded by the runner, in a step's arguments and in its
``expect`` alike, before the library sees them.

Usable without pytest: ``python pmsg_conformance.py [PATH...]``.
"""

from __future__ import annotations

import base64
import datetime
import itertools
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pmsg

DEFAULT_SCENARIOS = Path(__file__).resolve().parents[3] / "tests" / "conformance" / "scenarios"

TOP_KEYS = ["name", "rules", "config", "directory", "steps", "description"]
RUNNER_KEYS = ("at", "op", "expect", "as", "message_as", "as_group",
               "conversations_as", "messages_as")
DIRECTORY_KEYS = ["accounts", "patients", "connections", "staff", "workgroups"]
STEP_KEYS = {
    "directory": DIRECTORY_KEYS,
    "search": ["query"],
    "send": [
        "author", "patient", "from", "subject", "body", "attachments",
        "unread_notify", "response", "allow_reply_attachments", "mask_name",
        "billable_fee_code", "file_to_chart", "confidential", "as", "message_as",
    ],
    "send_group": [
        "author", "patients", "from", "subject", "body", "attachments",
        "unread_notify", "response", "allow_reply_attachments", "mask_name",
        "billable_fee_code", "file_to_chart", "confidential", "as_group",
        "conversations_as", "messages_as",
    ],
    "group_report": ["by", "group"],
    "reply": [
        "by", "conversation", "body", "attachments", "message_as", "from",
        "unread_notify", "response", "allow_reply_attachments", "mask_name",
        "billable_fee_code", "file_to_chart", "confidential",
    ],
    "assign": ["by", "conversation", "to", "note"],
    "read": ["by", "conversation"],
    "view": ["by", "conversation"],
    "close": ["by", "conversation"],
    "download": ["by", "conversation", "attachment"],
    "due_events": ["limit"],
    "deliver": ["limit"],
    "ack": ["event_id"],
    "claim": ["worker", "lease_seconds", "limit", "ack"],
    "folder": ["by", "folder", "page_size"],
    "purge": [],
    "verify_audit": [],
    "billing_report": ["cycle"],
    "export_chart": ["by", "conversation", "format"],
    "audit_tail": ["count"],
}

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
U32_MAX = 2**32 - 1
# The longest text a {"repeat", "times"} value expands to, and the largest
# "size" attachment (the core's request::MAX_REPEAT_BYTES and its 64 x):
# anything larger is left as written, for the library to refuse.
MAX_REPEAT_BYTES = 1 << 20
MAX_SIZE_BYTES = 64 * MAX_REPEAT_BYTES


class StepFailed(Exception):
    """A step whose outcome is not the expected one."""


# ------------------------------------------------------------------ files


def scenario_files(paths: List[str]) -> List[Path]:
    """Files as given; a folder means every ``*.json`` in it, sorted by name."""
    out: List[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted((f for f in p.iterdir() if f.suffix == ".json"),
                              key=lambda f: f.name.encode("utf-8")))
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_int(literal: str) -> Any:
    # serde_json reads `-0` as the float -0.0, not as an integer.
    return -0.0 if literal == "-0" else int(literal)


def load_json(text: str) -> Any:
    """JSON as serde_json reads it (no NaN or Infinity; `-0` is a float)."""
    return json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int)


def run_file(path: Path) -> Optional[str]:
    """Runs one scenario: ``None`` when it passes, else why it failed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return f"cannot read: {e}"
    try:
        scenario = load_json(text)
    except ValueError as e:
        return f"not JSON: {e}"
    try:
        runner = Runner(scenario)
    except StepFailed as e:
        return f"step 0 (setup): {e}"
    except Exception as e:  # a binding-level failure, not a verdict of the library
        return f"step 0 (setup): runner error: {e!r}"
    steps = scenario.get("steps")
    if not isinstance(steps, list):
        return 'step 0 (setup): no "steps" list'
    for i, step in enumerate(steps, start=1):
        op = step.get("op") if isinstance(step, dict) else None
        op = op if isinstance(op, str) else "?"
        try:
            runner.step(step)
        except StepFailed as e:
            return f"step {i} ({op}): {e}"
        except Exception as e:  # a binding-level failure, not a verdict of the library
            return f"step {i} ({op}): runner error: {e!r}"
    return None


def run_files(files: List[Path], out=sys.stdout) -> Tuple[int, int]:
    passed = failed = 0
    for f in files:
        why = run_file(f)
        if why is None:
            passed += 1
            print(f"PASS {f}", file=out)
        else:
            failed += 1
            print(f"FAIL {f}: {why}", file=out)
    print(f"{passed} passed, {failed} failed", file=out)
    return passed, failed


# ------------------------------------------------------------------ values


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def as_i64(v: Any) -> Optional[int]:
    """serde_json's ``as_i64``: an integer literal within i64, else None."""
    return v if _is_int(v) and I64_MIN <= v <= I64_MAX else None


def as_u32(v: Any) -> Optional[int]:
    return v if _is_int(v) and 0 <= v <= U32_MAX else None


def repeat_text(v: Dict[str, Any]) -> Optional[str]:
    """``{"repeat": "ab", "times": 3}`` -> ``"ababab"``; None when ``v`` is
    not that shorthand (or would expand past MAX_REPEAT_BYTES)."""
    if set(v) != {"repeat", "times"}:
        return None
    unit, times = v["repeat"], v["times"]
    if not isinstance(unit, str) or not _is_int(times) or times < 0:
        return None
    if len(unit.encode("utf-8")) * times > MAX_REPEAT_BYTES:
        return None
    return unit * times


def expand(v: Any) -> Any:
    """Every ``{"repeat", "times"}`` value, at any depth, as its text."""
    if isinstance(v, dict):
        text = repeat_text(v)
        if text is not None:
            return text
        return {k: expand(x) for k, x in v.items()}
    if isinstance(v, list):
        return [expand(x) for x in v]
    return v


_SIZE_PATTERN = bytes(range(251))


def expand_attachments(step: Dict[str, Any]) -> Dict[str, Any]:
    """A step whose ``attachments`` written ``{"name", "media_type",
    "size": N}`` carry their N bytes (byte i = i mod 251) as
    ``content_base64``; other attachments are left as written."""
    files = step.get("attachments")
    if not isinstance(files, list):
        return step
    out = []
    for f in files:
        if (isinstance(f, dict) and set(f) == {"name", "media_type", "size"}
                and _is_int(f["size"]) and 0 <= f["size"] <= MAX_SIZE_BYTES):
            n = f["size"]
            content = (_SIZE_PATTERN * (n // 251 + 1))[:n]
            f = {"name": f["name"], "media_type": f["media_type"],
                 "content_base64": base64.b64encode(content).decode("ascii")}
        out.append(f)
    return {**step, "attachments": out}


def _str(step: Dict[str, Any], key: str) -> str:
    v = step.get(key)
    return v if isinstance(v, str) else ""


def code_of(e: pmsg.PmsgError) -> str:
    """``PmsgError.UnknownPatient`` -> ``unknown_patient``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(e).__name__).lower()


def describe(e: pmsg.PmsgError) -> str:
    return f"{code_of(e)} ({e})"


def to_json(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def enum_name(v: Any) -> str:
    """``EventKind.NEW_MESSAGE`` -> ``new_message``."""
    return v.name.lower()


_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)


def instant(text: str) -> Optional[Tuple[int, int]]:
    """An RFC 3339 date-time (as chrono's ``parse_from_rfc3339`` reads it)
    as (seconds since the epoch, nanoseconds); None for anything else."""
    m = _RFC3339.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or ""
    if m.group(8):
        offset = 0
    else:
        oh, om = int(m.group(10)), int(m.group(11))
        if oh > 23 or om > 59:
            return None
        offset = (oh * 60 + om) * 60 * (1 if m.group(9) == "+" else -1)
    leap = s == 60
    try:
        t = datetime.datetime(y, mo, d, h, mi, 59 if leap else s, tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    secs = int((t - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)).total_seconds())
    nanos = int((frac + "000000000")[:9])
    if leap:
        nanos += 1_000_000_000
    return secs - offset, nanos


def matches(expected: Any, actual: Any, path: str = "") -> None:
    """FORMAT.md matching: objects by the expected keys, lists by length
    and order, instants as instants, anything else by equality."""
    where = path or "result"
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k, ev in expected.items():
            here = f"{path}.{k}"
            if k not in actual:
                raise StepFailed(f"{here}: expected {to_json(ev)}, but the result has no {to_json(k)}")
            matches(ev, actual[k], here)
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            raise StepFailed(
                f"{where}: expected {len(expected)} items {to_json(expected)}, "
                f"got {len(actual)} items {to_json(actual)}")
        for i, (ev, av) in enumerate(zip(expected, actual)):
            matches(ev, av, f"{path}[{i}]")
        return
    if isinstance(expected, str) and isinstance(actual, str):
        if expected == actual:
            return
        x, y = instant(expected), instant(actual)
        if x is not None and x == y:
            return
    elif _is_number(expected) and _is_number(actual):
        try:
            if float(expected) == float(actual):
                return
        except OverflowError:
            if expected == actual:
                return
    elif type(expected) is type(actual) and expected == actual:
        return
    raise StepFailed(f"{where}: expected {to_json(expected)}, got {to_json(actual)}")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# ------------------------------------------------------------------ runner


def _check_keys(obj: Any, allowed: List[str], what: str) -> None:
    if not isinstance(obj, dict):
        raise StepFailed(f"{what} is not an object")
    for k in obj:
        if k not in allowed:
            raise StepFailed(f"unknown key {to_json(k)} in {what}")


_SCHEMA_NUMBERS = itertools.count()


def open_store(config: "pmsg.Config") -> "pmsg.Store":
    """The store of one scenario. With ``PMSG_TEST_DATABASE_URL`` set (a
    postgres:// URL; scripts/with-postgres sets it), a fresh PostgreSQL
    schema of that database: the URL with ``pmsg_schema=`` a name that no
    other scenario, process or run uses (pid, counter, clock; pmsg creates
    the schema). Otherwise a private in-memory store."""
    url = os.environ.get("PMSG_TEST_DATABASE_URL", "")
    if not url:
        return pmsg.Store.open_in_memory(config)
    schema = f"pmsg_py_{os.getpid()}_{next(_SCHEMA_NUMBERS)}_{time.time_ns()}"
    return pmsg.Store.open(f"{url}{'&' if '?' in url else '?'}pmsg_schema={schema}", config)


class Runner:
    """One scenario's store and its aliases (conversation and message
    aliases to real ids and back, attachment names to ids)."""

    def __init__(self, scenario: Any) -> None:
        _check_keys(scenario, TOP_KEYS, "the scenario")
        scenario = {k: expand(v) for k, v in scenario.items() if k != "steps"}
        try:
            config = (pmsg.config_from_json(to_json(scenario["config"]))
                      if "config" in scenario else pmsg.default_config())
            self.store = open_store(config)
        except pmsg.PmsgError as e:
            raise StepFailed(describe(e)) from e
        self.conversations: Dict[str, str] = {}
        self.messages: Dict[str, str] = {}
        self.reverse: Dict[str, str] = {}
        self.groups: Dict[str, str] = {}
        self.attachments: Dict[str, List[Tuple[str, str]]] = {}
        self.staff: List[str] = []
        if "directory" in scenario:
            try:
                self.directory(scenario["directory"])
            except pmsg.PmsgError as e:
                raise StepFailed(describe(e)) from e

    def directory(self, d: Any) -> None:
        update = pmsg.directory_from_json(to_json(d))
        self.store.upsert_directory(update)
        for s in update.staff:
            if s.id not in self.staff:
                self.staff.append(s.id)

    def conv(self, step: Dict[str, Any]) -> str:
        alias = _str(step, "conversation")
        return self.conversations.get(alias, alias)

    def alias(self, id_: str) -> str:
        return self.reverse.get(id_, id_)

    def opt_alias(self, id_: Optional[str]) -> Optional[str]:
        return None if id_ is None else self.alias(id_)

    def step(self, step: Any) -> None:
        if not isinstance(step, dict) or not isinstance(step.get("op"), str):
            raise StepFailed('no "op"')
        op = step["op"]
        at = step.get("at")
        if not isinstance(at, str):
            raise StepFailed('no "at"')
        try:
            now_ms = pmsg.parse_instant(at)
        except pmsg.PmsgError as e:
            raise StepFailed(describe(e)) from e
        if op not in STEP_KEYS:
            raise StepFailed(f"unknown op {to_json(op)}")
        _check_keys(step, ["at", "op", "expect"] + STEP_KEYS[op], "the step")
        step = expand_attachments(expand(step))
        expect = step.get("expect", {})
        try:
            actual, error = self.perform(op, step, now_ms), None
        except pmsg.PmsgError as e:
            actual, error = None, e
        want = expect.get("error") if isinstance(expect, dict) and "error" in expect else _NO_ERROR
        if want is not _NO_ERROR:
            if error is None:
                raise StepFailed(f"expected error {to_json(want)}, got success")
            if want != code_of(error):
                raise StepFailed(f"expected error {to_json(want)}, got error {describe(error)}")
            return
        if error is not None:
            raise StepFailed(f"expected success, got error {describe(error)}")
        exp = dict(expect) if isinstance(expect, dict) else {}
        self.check_text(exp, actual)
        matches(exp, actual)

    @staticmethod
    def check_text(exp: Dict[str, Any], actual: Dict[str, Any]) -> None:
        """``chart_contains``, ``contains``, ``not_contains``: substrings of a document."""
        doc = actual.get("document")
        doc = doc if isinstance(doc, str) else ""
        for key, want in (("chart_contains", True), ("contains", True), ("not_contains", False)):
            if key not in exp:
                continue
            wanted = exp.pop(key)
            if key == "chart_contains" and "document" not in actual:
                raise StepFailed("chart_contains given but no chart document was returned")
            if not isinstance(wanted, list):
                raise StepFailed(f"{key} is not a list")
            for s in wanted:
                if not isinstance(s, str):
                    raise StepFailed(f"{key} entry {to_json(s)} is not a string")
                if (s in doc) != want:
                    raise StepFailed(
                        f"expected the document {'to contain' if want else 'not to contain'} "
                        f"{to_json(s)}; document:\n{doc}")

    @staticmethod
    def request_of(step: Dict[str, Any]) -> Dict[str, Any]:
        """The library's request: the step without the runner's own keys
        (the library refuses keys it does not know)."""
        return {k: v for k, v in step.items() if k not in RUNNER_KEYS}

    def perform(self, op: str, step: Dict[str, Any], now_ms: int) -> Dict[str, Any]:
        store = self.store
        if op == "directory":
            self.directory({k: step[k] for k in DIRECTORY_KEYS if k in step})
            return {}
        if op == "search":
            return {"matches": [
                {"emr_id": m.emr_id, "deliver_to": m.deliver_to,
                 "confidential_deliver_to": m.confidential_deliver_to,
                 "first_name": m.first_name, "last_name": m.last_name}
                for m in store.search(_str(step, "query"), now_ms)]}
        if op == "send":
            out = store.send_json(to_json(self.request_of(step)), now_ms)
            if isinstance(step.get("as"), str):
                self.conversations[step["as"]] = out.conversation_id
                self.reverse[out.conversation_id] = step["as"]
            self.record_message(step, out)
            return self.outcome(out)
        if op == "send_group":
            group = store.send_group_json(to_json(self.request_of(step)), now_ms)
            self.bind_group(step, group)
            return {"outcome": [{
                "emr_id": e.emr_id, "conversation": self.opt_alias(e.conversation_id),
                "skipped": e.skipped, "delivered_to": e.delivered_to,
                "status": None if e.status is None else enum_name(e.status),
                "message": self.opt_alias(e.message_id),
            } for e in group.entries], "group": group.group_id}
        if op == "group_report":
            group = step.get("group")
            # A name no step bound, or a value that is not a string (as its
            # JSON text), is passed on as a literal id.
            group = self.groups.get(group, group) if isinstance(group, str) else to_json(group)
            r = store.group_report(_str(step, "by"), group, now_ms)
            return {"entries": [{
                "emr_id": e.emr_id, "conversation": self.opt_alias(e.conversation),
                "skipped": e.skipped, "read": e.read, "replied": e.replied,
                "awaiting_response": e.awaiting_response, "overdue": e.overdue,
            } for e in r.entries]}
        if op == "assign":
            note = step.get("note")
            if note is not None and not isinstance(note, str):
                raise pmsg.PmsgError.InvalidArgument(
                    f"note {to_json(note)} is not a string (R-AS1)")
            store.assign(_str(step, "by"), self.conv(step), _str(step, "to"), note, now_ms)
            return {}
        if op == "reply":
            request = self.request_of(step)
            request["conversation"] = self.conv(step)
            out = store.reply_json(to_json(request), now_ms)
            self.record_message(step, out)
            return self.outcome(out)
        if op == "read":
            store.read(_str(step, "by"), self.conv(step), now_ms)
            return {}
        if op == "close":
            store.close_conversation(_str(step, "by"), self.conv(step), now_ms)
            return {}
        if op == "view":
            v = store.view(_str(step, "by"), self.conv(step), now_ms)
            return {
                "status": enum_name(v.status),
                "awaiting_response": v.awaiting_response,
                "overdue": v.overdue,
                "response_due_at": v.response_due_at,
                "subject": v.subject,
                "confidential": v.confidential,
                "assignments": [{"by": a.by, "to": a.to, "note": a.note, "at": a.at}
                                for a in v.assignments],
                "messages": [{
                    "sender": m.sender, "from": m.from_name, "body": m.body, "read": m.read,
                    "masked": m.masked, "message": self.alias(m.id),
                    "attachments": [{"name": a.name, "purged": a.purged, "size": a.size}
                                    for a in m.attachments],
                } for m in v.messages],
            }
        if op == "download":
            conv = self.conv(step)
            name = _str(step, "attachment")
            id_ = next((i for (n, i) in self.attachments.get(conv, []) if n == name), name)
            d = store.download(_str(step, "by"), conv, id_, now_ms)
            return {"size": len(d.content), "name": d.name, "media_type": d.media_type}
        if op in ("due_events", "deliver"):
            events = store.due_events(now_ms, limit_of(step))
            if op == "deliver":
                for e in events:
                    store.ack(e.id, now_ms)
            return {"events": [self.event(e) for e in events]}
        if op == "claim":
            worker = step.get("worker")
            if not isinstance(worker, str):
                raise pmsg.PmsgError.InvalidArgument(
                    f"worker {to_json(worker)} is not a string (R-D7)")
            limit = limit_of(step)
            lease = as_i64(step.get("lease_seconds"))
            if lease is None:
                raise pmsg.PmsgError.InvalidArgument(
                    f"lease_seconds {to_json(step.get('lease_seconds'))} is not an integer (R-D7)")
            ack = step.get("ack")
            if ack is not None and not isinstance(ack, bool):
                raise pmsg.PmsgError.InvalidArgument(f"ack {to_json(ack)} is not true or false")
            events = store.claim_due_events(worker, now_ms, limit, lease)
            if ack:
                for e in events:
                    store.ack(e.id, now_ms)
            return {"events": [self.event(e) for e in events]}
        if op == "ack":
            store.ack(_str(step, "event_id"), now_ms)
            return {}
        if op == "folder":
            return self.folder(step, now_ms)
        if op == "purge":
            purged = sorted(
                ((self.alias(p.conversation), p.name) for p in store.purge(now_ms)),
                key=lambda t: (t[0].encode("utf-8"), t[1].encode("utf-8")))
            return {"purged": [{"conversation": c, "attachment": a} for c, a in purged]}
        if op == "billing_report":
            r = store.billing_report(_str(step, "cycle"))
            return {
                "entries": [{"fee_code": e.fee_code, "author": e.author, "patient": e.patient,
                             "conversation": self.alias(e.conversation), "sent_at": e.sent_at}
                            for e in r.entries],
                "totals": [{"author": t.author, "fee_code": t.fee_code, "count": t.count}
                           for t in r.totals],
            }
        if op == "export_chart":
            doc = store.export_chart_by_name(
                _str(step, "by"), self.conv(step), _str(step, "format"), now_ms)
            return {"document": doc}
        if op == "audit_tail":
            if "count" not in step:
                raise pmsg.PmsgError.InvalidArgument("audit_tail needs a count")
            count = as_i64(step["count"])
            if count is None:
                raise pmsg.PmsgError.InvalidArgument(
                    f"count {to_json(step['count'])} is not an integer")
            return {"entries": [{
                "actor": e.actor, "action": e.action,
                "conversation": None if e.conversation is None else self.alias(e.conversation),
                "message": None if e.message is None else self.alias(e.message),
            } for e in store.audit_tail(count)]}
        if op == "verify_audit":
            v = store.verify_audit()
            return {"ok": v.ok, "entries": v.entries, "first_broken": v.first_broken}
        raise pmsg.PmsgError.Internal(f"op {to_json(op)} not dispatched")

    def event(self, e: pmsg.Event) -> Dict[str, Any]:
        """An event; ``claimed_until`` only when it has one (a claim's)."""
        v = {
            "kind": enum_name(e.kind), "to": e.to, "conversation": self.alias(e.conversation),
            "message": self.opt_alias(e.message), "due_at": e.due_at, "id": e.id,
        }
        if e.claimed_until is not None:
            v["claimed_until"] = e.claimed_until
        return v

    def bind_group(self, step: Dict[str, Any], group: pmsg.GroupSendOutcome) -> None:
        """``as_group``; the i-th alias of ``conversations_as`` and of
        ``messages_as`` for the i-th sent patient (extra aliases stay
        unbound); each sent conversation's attachments, for ``download``."""
        if isinstance(step.get("as_group"), str):
            self.groups[step["as_group"]] = group.group_id
        for e in group.entries:
            if e.conversation_id is not None:
                self.attachments.setdefault(e.conversation_id, []).extend(
                    (a.name, a.id) for a in e.attachments)
        sent = [e for e in group.entries if e.skipped is None]
        for key, table, ids in (
                ("conversations_as", self.conversations, [e.conversation_id for e in sent]),
                ("messages_as", self.messages, [e.message_id for e in sent])):
            aliases = step.get(key)
            if not isinstance(aliases, list):
                continue
            for alias, id_ in zip([a for a in aliases if isinstance(a, str)], ids):
                if id_ is not None:
                    table[alias] = id_
                    self.reverse[id_] = alias

    def record_message(self, step: Dict[str, Any], out: pmsg.SendOutcome) -> None:
        if isinstance(step.get("message_as"), str):
            self.messages[step["message_as"]] = out.message_id
            self.reverse[out.message_id] = step["message_as"]
        self.attachments.setdefault(out.conversation_id, []).extend(
            (a.name, a.id) for a in out.attachments)

    def outcome(self, out: pmsg.SendOutcome) -> Dict[str, Any]:
        v: Dict[str, Any] = {
            "delivered_to": out.delivered_to,
            "status": enum_name(out.status),
            "conversation": self.alias(out.conversation_id),
        }
        if out.chart_text is not None:
            v["document"] = out.chart_text
        return v

    def folder(self, step: Dict[str, Any], now_ms: int) -> Dict[str, Any]:
        by, folder = _str(step, "by"), _str(step, "folder")
        page_size = None
        if step.get("page_size") is not None:
            page_size = as_u32(step["page_size"])
            if page_size is None:
                raise pmsg.PmsgError.InvalidArgument(
                    f"page_size {to_json(step['page_size'])} is not a positive integer")
        pages: List[List[str]] = []
        entries: List[Dict[str, Any]] = []
        cursor = None
        while True:
            page = self.store.folder_by_name(by, folder, now_ms, cursor, page_size)
            pages.append([self.alias(e.conversation) for e in page.entries])
            entries.extend({
                "conversation": self.alias(e.conversation), "unread": e.unread,
                "awaiting_response": e.awaiting_response, "overdue": e.overdue,
                "response_due_at": e.response_due_at, "subject": e.subject,
                "status": enum_name(e.status),
            } for e in page.entries)
            cursor = page.next_cursor
            if page_size is None or cursor is None:
                break
        return {"conversations": [e["conversation"] for e in entries],
                "entries": entries, "pages": pages}


_NO_ERROR = object()


def limit_of(step: Dict[str, Any]) -> Optional[int]:
    """A step's optional ``limit`` (R-D5): none, or an integer literal."""
    if step.get("limit") is None:
        return None
    limit = as_i64(step["limit"])
    if limit is None:
        raise pmsg.PmsgError.InvalidArgument(
            f"limit {to_json(step['limit'])} is not an integer (R-D5)")
    return limit


def main(argv: List[str]) -> int:
    paths = argv or [str(DEFAULT_SCENARIOS)]
    try:
        files = scenario_files(paths)
    except FileNotFoundError as e:
        print(e, file=sys.stderr)
        return 2
    _, failed = run_files(files)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
