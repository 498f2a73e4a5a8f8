"""The conformance scenarios (tests/conformance/FORMAT.md), one test per
file, through the Python bindings (see pmsg_conformance.py)."""

from pathlib import Path

import pytest

import pmsg_conformance


def test_scenario(scenario_file: Path, request: pytest.FixtureRequest) -> None:
    why = pmsg_conformance.run_file(scenario_file)
    request.config.pmsg_results.append((str(scenario_file), why))  # type: ignore[attr-defined]
    assert why is None, why
