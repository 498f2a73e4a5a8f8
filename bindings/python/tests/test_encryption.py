"""Encryption at rest through the Python binding (`Store.open_encrypted`).

The wheel under test is built with the cargo features in PMSG_FEATURES
(bindings/python/conformance.sh passes them to maturin): with `encryption`
the body of a message leaves no trace in the file or its WAL and a wrong key
fails at open; without it, `open_encrypted` fails saying so. Either way the
library must be the build PMSG_FEATURES names, so the test can fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import pmsg
from test_usage import T0, DAY, clinic

BODY = "UNMISTAKABLE-PY-BODY: your biopsy result is benign"
EXPECTED = "encryption" in os.environ.get("PMSG_FEATURES", "").replace(",", " ").split()


def test_the_library_is_the_build_pmsg_features_names() -> None:
    assert pmsg.has_encryption() == EXPECTED


def send(store: pmsg.Store) -> str:
    outcome = store.send(pmsg.SendRequest(
        author="s-ng", patient="E100", from_identity=pmsg.Sender.DIRECT(),
        subject="Biopsy", body=BODY, response=pmsg.Response.ALLOWED()), T0)
    return outcome.conversation_id


@pytest.mark.skipif(not EXPECTED, reason="PMSG_FEATURES has no `encryption`")
def test_an_encrypted_store_keeps_no_plaintext_and_refuses_a_wrong_key(tmp_path: Path) -> None:
    path = str(tmp_path / "enc.db")
    store = pmsg.Store.open_encrypted(path, "correct horse")
    clinic(store)
    conversation = send(store)
    for f in (path, path + "-wal"):
        data = Path(f).read_bytes() if Path(f).exists() else b""
        assert b"UNMISTAKABLE-PY-BODY" not in data, f
        assert "Dr. Ana Ng".encode() not in data, f
    del store
    with pytest.raises(pmsg.PmsgError.Storage, match="key is wrong"):
        pmsg.Store.open_encrypted(path, "wrong horse")
    with pytest.raises(pmsg.PmsgError.Storage, match="encrypted"):
        pmsg.Store.open(path)
    store = pmsg.Store.open_encrypted(path, "correct horse")
    view = store.view("account:a-lea", conversation, T0 + DAY)
    assert view.messages[0].body == BODY


@pytest.mark.skipif(EXPECTED, reason="PMSG_FEATURES has `encryption`")
def test_a_build_without_encryption_says_so(tmp_path: Path) -> None:
    path = tmp_path / "never.db"
    with pytest.raises(pmsg.PmsgError.Storage, match="feature `encryption`"):
        pmsg.Store.open_encrypted(str(path), "a key")
    assert not path.exists()


def test_an_empty_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(pmsg.PmsgError.InvalidArgument, match="key is empty"):
        pmsg.Store.open_encrypted(str(tmp_path / "x.db"), "")
