"""Every keyword's documented example runs as written.

Every keyword must have an ``Example:`` table in its docstring; the
tables become one Robot test per keyword, run against a fresh SH10RT (noon, clock running).
``Run My Client`` and ``Start My Client`` in the examples stand for the client under test
(``example_client.py``). Add a component here once its examples are written to run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from SungrowMockLibrary import SungrowMockLibrary
from SungrowMockLibrary.keywords.doors import DoorKeywords
from SungrowMockLibrary.keywords.faults import FaultKeywords
from SungrowMockLibrary.keywords.journal import JournalKeywords
from SungrowMockLibrary.keywords.lifecycle import LifecycleKeywords
from SungrowMockLibrary.keywords.registers import RegisterKeywords
from SungrowMockLibrary.keywords.scopes import ScopeKeywords
from SungrowMockLibrary.keywords.simulation import SimulationKeywords

COMPONENTS = (
    LifecycleKeywords, ScopeKeywords, RegisterKeywords, DoorKeywords, SimulationKeywords, FaultKeywords, JournalKeywords
)
CLIENT = Path(__file__).with_name("example_client.py")
# Files the examples name as ${CURDIR}/... (the generated suite's own folder).
EXAMPLE_FILES = Path(__file__).with_name("examples")
SETUP = "Start Mock Sungrow    SH10RT    start_time=2026-06-21T12:00:00"


def _keywords() -> dict[str, str]:
    """Keyword name -> documentation, for the keywords of ``COMPONENTS``."""
    library = SungrowMockLibrary()
    found = {}
    for name in library.get_keyword_names():
        method = library.keywords[name]
        if isinstance(getattr(method, "__self__", None), COMPONENTS):
            found[" ".join(word.capitalize() for word in name.split("_"))] = library.get_keyword_documentation(name)
    return found


KEYWORDS = _keywords()


def example_rows(documentation: str) -> list[list[str]]:
    """The cells of each row of the table that follows ``Example:`` (or ``Examples:``)."""
    lines = documentation.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() in ("Example:", "Examples:")), None)
    if start is None:
        return []
    rows = []
    for line in lines[start + 1 :]:
        text = line.strip()
        if not text.startswith("|"):
            break
        cells = [cell.strip() for cell in text.strip("|").split("|")]
        rows.append([cell or "${EMPTY}" for cell in cells])
    return rows


def _suite() -> str:
    tests = []
    for name, documentation in KEYWORDS.items():
        rows = example_rows(documentation)
        tests.append(name + "\n" + "".join("    " + "    ".join(cells) + "\n" for cells in rows))
    return (
        "*** Settings ***\n"
        "Library    SungrowMockLibrary    assertion_timeout=3s\n"
        f"Library    {CLIENT}\n"
        f"Test Setup    {SETUP}\n\n"
        "*** Test Cases ***\n" + "\n".join(tests)
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, tuple[str, str]]:
    folder = tmp_path_factory.mktemp("examples")
    suite = folder / "keyword_examples.robot"
    suite.write_text(_suite())
    for example in EXAMPLE_FILES.iterdir():
        shutil.copy(example, folder / example.name)
    subprocess.run(
        [sys.executable, "-m", "robot", "--outputdir", str(folder), "--log", "NONE", "--report", "NONE",
         "--console", "none", str(suite)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    outcome = ExecutionResult(str(folder / "output.xml"))
    return {test.name: (test.status, test.message) for test in outcome.suite.all_tests}


def test_the_components_have_keywords():
    assert {"Inject Fault", "Get Register", "Get Mock Requests", "Start Mock Sungrow", "Open Mock Scope"} <= set(KEYWORDS)
    assert len(KEYWORDS) == len(SungrowMockLibrary().get_keyword_names()), "every keyword's example runs"


@pytest.mark.parametrize("name", sorted(KEYWORDS))
def test_every_keyword_has_an_example(name):
    assert example_rows(KEYWORDS[name]), f"{name} has no Example: table"
    assert any(name.lower() in " ".join(cells).lower() for cells in example_rows(KEYWORDS[name])), (
        f"{name}'s example does not use {name}"
    )


@pytest.mark.parametrize("name", sorted(KEYWORDS))
def test_the_example_passes(results, name):
    status, message = results[name]
    assert status == "PASS", f"{name}'s example fails: {message}"
