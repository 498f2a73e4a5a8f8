"""pytest wiring of the conformance runner (pmsg_conformance.py).

``--scenarios PATH`` (repeatable; files or folders; default: the project's
tests/conformance/scenarios) chooses the scenario files of
test_conformance.py. After pytest's own summary, the FORMAT.md report is
printed: one ``PASS <file>`` / ``FAIL <file>: step <i> (<op>): <why>`` line
per file, and ``N passed, M failed`` last, alone on its line.
"""

from __future__ import annotations

import sys
import pytest

import pmsg_conformance


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--scenarios", action="append", default=[], metavar="PATH",
                     help="scenario file or folder (repeatable); default: the project's scenarios")


def pytest_configure(config: pytest.Config) -> None:
    # (file, why it failed or None), in run order: test_conformance.py appends.
    config.pmsg_results = []  # type: ignore[attr-defined]
    paths = config.getoption("--scenarios") or [str(pmsg_conformance.DEFAULT_SCENARIOS)]
    try:
        config.scenario_files = pmsg_conformance.scenario_files(paths)  # type: ignore[attr-defined]
    except FileNotFoundError as e:
        raise pytest.UsageError(str(e)) from e


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "scenario_file" in metafunc.fixturenames:
        files = metafunc.config.scenario_files  # type: ignore[attr-defined]
        metafunc.parametrize("scenario_file", files, ids=[f.name for f in files])


def pytest_unconfigure(config: pytest.Config) -> None:
    results = getattr(config, "pmsg_results", [])
    files = getattr(config, "scenario_files", None)
    # Report when scenarios ran, or when there were none to run (as Rust does).
    if not results and files != []:
        return
    passed = sum(1 for _, why in results if why is None)
    for f, why in results:
        print(f"PASS {f}" if why is None else f"FAIL {f}: {why}")
    print(f"{passed} passed, {len(results) - passed} failed")
    sys.stdout.flush()
