"""uniffi's load-time checks: a generated module and a library from
different builds must be refused at import, never called with the wrong ABI.

At import, the generated module checks the library's uniffi contract
version, and pmsg/__init__.py runs the generated API checksum check (one
checksum per exported function; uniffi 0.32's Python template does not call
it itself). The tests copy the installed package, corrupt one expected
value in the copy, and import it in a fresh interpreter: the import must
fail with uniffi's message. The untouched copy must import."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pmsg


def copy_package(tmp_path: Path) -> Path:
    package = Path(pmsg.__file__).parent
    # No __pycache__: the edited source is what gets compiled.
    shutil.copytree(package, tmp_path / "pmsg", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "pmsg" / "_native" / "pmsg.py"


def import_copy(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-B", "-c", "import pmsg; print(pmsg.version())"],
                          cwd=root, env={"PYTHONPATH": str(root)}, capture_output=True, text=True)


def corrupt(module: Path, pattern: str) -> None:
    source = module.read_text(encoding="utf-8")
    regex = re.compile(pattern)
    match = regex.search(source)
    assert match, f"the generated module has {pattern!r}"
    wrong = int(match.group(2)) + 1
    module.write_text(regex.sub(rf"\g<1>{wrong}", source, count=1), encoding="utf-8")


def test_the_untouched_copy_imports(tmp_path: Path) -> None:
    copy_package(tmp_path)
    ok = import_copy(tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == pmsg.version()


@pytest.mark.parametrize("pattern, message", [
    (r"(lib\.uniffi_pmsg_uniffi_checksum_method_store_send\(\) != )(\d+)",
     "UniFFI API checksum mismatch"),
    (r"(bindings_contract_version = )(\d+)", "UniFFI contract version mismatch"),
])
def test_a_stale_module_is_refused_at_import(tmp_path: Path, pattern: str, message: str) -> None:
    corrupt(copy_package(tmp_path), pattern)
    stale = import_copy(tmp_path)
    assert stale.returncode != 0
    assert message in stale.stderr, stale.stderr
