"""The Python bindings used the way a host would: typed records in, typed
records out, one exception class per SPEC section 13 code."""

from __future__ import annotations

import datetime
import threading
import typing
from pathlib import Path

import pytest

import pmsg

NOW = datetime.datetime(2026, 3, 10, 14, 0, tzinfo=datetime.timezone.utc)
T0 = int(NOW.timestamp() * 1000)  # the API takes epoch milliseconds
DAY = 86_400_000


def clinic(store: pmsg.Store) -> None:
    store.upsert_directory(pmsg.DirectoryUpdate(
        accounts=[pmsg.Account(id="a-lea", kind=pmsg.AccountKind.PATIENT,
                               display_name="Léa Roy", registered=True)],
        patients=[pmsg.Patient(emr_id="E100", first_name="Léa", last_name="Roy",
                               date_of_birth="1980-01-31", account="a-lea")],
        staff=[pmsg.Staff(id="s-ng", display_name="Dr. Ana Ng", accepts_direct=True)],
        workgroups=[pmsg.Workgroup(id="wg-nurse", name="Nursing", members=["s-ng"])],
    ))


def toronto() -> pmsg.Config:
    config = pmsg.default_config()
    config.time_zone = "America/Toronto"
    return config


def test_send_read_reply_and_deliver() -> None:
    store = pmsg.Store.open_in_memory(toronto())
    clinic(store)
    [match] = store.search("roy", T0)
    assert match.deliver_to == ["account:a-lea"]

    sent = store.send(pmsg.SendRequest(
        author="s-ng", patient="E100",
        from_identity=pmsg.Sender.WORKGROUP(id="wg-nurse"),
        subject="Your results", body="All normal.",
        attachments=[pmsg.NewAttachment(name="results.pdf", media_type="application/pdf",
                                         content=b"%PDF-1.7 ...")],
        response=pmsg.Response.REQUIRED(days=3),
        allow_reply_attachments=True,
    ), T0)
    assert sent.status == pmsg.ConversationStatus.OPEN
    assert sent.delivered_to == ["account:a-lea"]

    # The host delivers the notices, then acknowledges them.
    events = store.due_events(T0)
    assert [e.kind for e in events] == [pmsg.EventKind.NEW_MESSAGE]
    assert events[0].due_at == "2026-03-10T10:00:00-04:00" and events[0].due_at_ms == T0
    for e in events:
        store.ack(e.id, T0)
    assert store.due_events(T0) == []

    view = store.view("account:a-lea", sent.conversation_id, T0 + 60_000)
    assert view.awaiting_response and not view.overdue
    assert view.response_due_at_ms == T0 + 3 * DAY
    assert view.messages[0].from_name == "Nursing"
    file = store.download("account:a-lea", sent.conversation_id, sent.attachments[0].id, T0)
    assert file.content == b"%PDF-1.7 ..."

    reply = store.reply(pmsg.ReplyRequest(by="account:a-lea", conversation=sent.conversation_id,
                                          body="Thank you!"), T0 + DAY)
    assert reply.delivered_to == ["workgroup:wg-nurse"]
    page = store.folder("staff:s-ng", pmsg.FolderKind.INBOX, T0 + DAY)
    assert [e.conversation for e in page.entries] == [sent.conversation_id]
    assert page.entries[0].unread and page.next_cursor is None

    chart = store.export_chart("staff:s-ng", sent.conversation_id, pmsg.ChartFormat.TEXT, T0 + DAY)
    assert "Thank you!" in chart
    assert store.verify_audit().ok


def test_errors_are_exception_classes_with_the_message() -> None:
    store = pmsg.Store.open_in_memory()
    clinic(store)
    request = pmsg.SendRequest(author="s-ng", patient="E999", from_identity=pmsg.Sender.DIRECT(),
                               subject="s", body="b", response=pmsg.Response.ALLOWED())
    with pytest.raises(pmsg.PmsgError.UnknownPatient, match="E999") as caught:
        store.send(request, T0)
    assert isinstance(caught.value, pmsg.PmsgError)
    with pytest.raises(pmsg.PmsgError.InvalidArgument, match="now_ms"):
        store.search("roy", 2**63 - 1)
    with pytest.raises(pmsg.PmsgError.InvalidConfig):
        bad = pmsg.default_config()
        bad.time_zone = "Mars/Olympus"
        pmsg.Store.open_in_memory(bad)
    with pytest.raises(pmsg.PmsgError):
        store.folder("account:nobody", pmsg.FolderKind.INBOX, T0)


def test_a_file_store_is_shared_by_threads_and_reopened(tmp_path: Path) -> None:
    path = str(tmp_path / "clinic.db")
    store = pmsg.Store.open(path, toronto())
    clinic(store)
    request = pmsg.SendRequest(author="s-ng", patient="E100", from_identity=pmsg.Sender.DIRECT(),
                               subject="Hello", body="Hi", response=pmsg.Response.ALLOWED())

    def send(i: int) -> None:
        store.send(request, T0 + i)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    del store
    again = pmsg.Store.open(path)
    assert len(again.folder("staff:s-ng", pmsg.FolderKind.SENT, T0 + 10).entries) == 8


def test_instants_out_of_range_are_refused_and_milliseconds_kept() -> None:
    with pytest.raises(pmsg.PmsgError.InvalidArgument):
        pmsg.parse_instant("1969-12-31T23:59:59.999Z")
    assert pmsg.parse_instant("2026-03-10T10:00:00.123-04:00") == T0 + 123


def test_type_hints_are_included() -> None:
    import importlib.resources
    assert importlib.resources.files("pmsg").joinpath("py.typed").is_file()
    hints = typing.get_type_hints(pmsg.Store.send, vars(pmsg._native.pmsg))
    assert hints["request"] is pmsg.SendRequest and hints["return"] is pmsg.SendOutcome
    assert typing.get_type_hints(pmsg.Store.due_events, vars(pmsg._native.pmsg))["now_ms"] is int


def test_group_send_report_assignment_and_claims() -> None:
    store = pmsg.Store.open_in_memory(toronto())
    clinic(store)
    store.upsert_directory(pmsg.DirectoryUpdate(
        accounts=[pmsg.Account(id="a-omar", kind=pmsg.AccountKind.PATIENT,
                               display_name="Omar Haddad", registered=True)],
        patients=[pmsg.Patient(emr_id="E300", first_name="Omar", last_name="Haddad",
                               date_of_birth="1975-09-09", account="a-omar")],
        staff=[pmsg.Staff(id="s-out", display_name="Carla Diaz", accepts_direct=True)],
        workgroups=[pmsg.Workgroup(id="wg-desk", name="Front Desk", members=["s-out"])],
    ))

    # One composition, a conversation per patient; an unknown EMR ID is skipped.
    group = store.send_group(pmsg.GroupSendRequest(
        author="s-ng", patients=["E100", "E999", "E300"],
        from_identity=pmsg.Sender.WORKGROUP(id="wg-nurse"),
        subject="Flu clinic", body="Flu shots this Saturday.",
        response=pmsg.Response.REQUIRED(days=3),
    ), T0)
    lea, unknown, omar = group.entries
    assert (lea.emr_id, lea.delivered_to, lea.skipped) == ("E100", ["account:a-lea"], None)
    assert lea.status == pmsg.ConversationStatus.OPEN and lea.conversation_id is not None
    assert unknown.skipped == "unknown_patient" and unknown.conversation_id is None
    assert unknown.status is None and unknown.delivered_to == []
    assert omar.delivered_to == ["account:a-omar"]

    store.read("account:a-lea", lea.conversation_id, T0 + 60_000)
    report = store.group_report("staff:s-ng", group.group_id, T0 + 4 * DAY)
    assert report.group_id == group.group_id
    assert [(e.emr_id, e.read, e.awaiting_response, e.overdue) for e in report.entries] == [
        ("E100", True, True, True), ("E999", False, False, False), ("E300", False, True, True)]
    with pytest.raises(pmsg.PmsgError.UnknownGroup):
        store.group_report("staff:s-ng", "no-such-group", T0)
    with pytest.raises(pmsg.PmsgError.NotAuthorized):
        store.group_report("staff:s-out", group.group_id, T0)

    # Assignment: the front desk takes Omar's conversation over.
    conv = omar.conversation_id
    store.assign("staff:s-ng", conv, "workgroup:wg-desk", "Call after 3 pm.", T0 + DAY)
    view = store.view("staff:s-out", conv, T0 + DAY)
    [a] = view.assignments
    assert (a.by, a.to, a.note, a.at_ms) == ("staff:s-ng", "workgroup:wg-desk", "Call after 3 pm.",
                                             T0 + DAY)
    assert not view.confidential
    assert store.view("account:a-omar", conv, T0 + DAY).assignments == []
    with pytest.raises(pmsg.PmsgError.UnknownWorkgroup):
        store.assign("staff:s-ng", conv, "workgroup:wg-ghost", None, T0 + DAY)

    # Two workers share the due events through claims.
    first = store.claim_due_events("worker-a", T0 + DAY, 1, 60)
    assert [e.kind for e in first] == [pmsg.EventKind.NEW_MESSAGE]
    assert first[0].claimed_until_ms == T0 + DAY + 60_000
    assert first[0].claimed_until == "2026-03-11T10:01:00-04:00"
    rest = store.claim_due_events("worker-b", T0 + DAY, None, 60)
    assert pmsg.EventKind.ASSIGNED in [e.kind for e in rest]
    assert {e.id for e in rest}.isdisjoint(e.id for e in first)
    assert store.claim_due_events("worker-a", T0 + DAY + 59_000, None, 60) == []
    peek = store.due_events(T0 + DAY)  # ignores claims, shows no claim fields
    assert len(peek) == 3 and all(e.claimed_until is None for e in peek)
    for e in first + rest:
        store.ack(e.id, T0 + DAY)
    assert store.claim_due_events("worker-a", T0 + DAY + 60_000, None, 60) == []
    with pytest.raises(pmsg.PmsgError.InvalidArgument):
        store.claim_due_events("", T0, None, 60)
