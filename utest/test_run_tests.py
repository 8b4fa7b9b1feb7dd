"""The test command's closing list: what failed or skipped, and why, where a CI log's tail shows it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import run_tests

SUITE = """*** Test Cases ***
Passes
    No Operation
Fails
    Fail    the base could not be made: mmdebstrap ... failed (1)
Skips
    Skip    a fixture of this test, never run as a project test: its message must reach the closing list
"""

JUNIT = """<testsuites><testsuite name="pytest" tests="2" failures="1">
<testcase classname="utest.test_x" name="test_ok"/>
<testcase classname="utest.test_x" name="test_bad"><failure message="assert 1 == 2">trace</failure></testcase>
</testsuite></testsuites>"""


def test_every_failed_or_skipped_test_is_listed_with_its_message(tmp_path: Path) -> None:
    (tmp_path / "suite.robot").write_text(SUITE)
    subprocess.run([sys.executable, "-m", "robot", "--output", str(tmp_path / "output.xml"), "--log", "NONE",
                    "--report", "NONE", str(tmp_path / "suite.robot")], capture_output=True, check=False)  # fmt: skip
    (tmp_path / "utest.xml").write_text(JUNIT)
    lines = run_tests.not_passed(tmp_path)
    assert lines == [
        "FAILURE utest.test_x::test_bad: assert 1 == 2",
        "FAIL Suite.Fails: the base could not be made: mmdebstrap ... failed (1)",
        "SKIP Suite.Skips: a fixture of this test, never run as a project test: its message must reach the closing list",
    ]


def test_a_long_message_is_cut_so_the_list_stays_readable(tmp_path: Path) -> None:
    (tmp_path / "utest.xml").write_text(JUNIT.replace("assert 1 == 2", "x" * 5000))
    assert [len(line) for line in run_tests.not_passed(tmp_path)] == [run_tests.MESSAGE_CHARACTERS]


def test_tests_that_share_a_message_share_a_line(tmp_path: Path) -> None:
    shared = JUNIT.replace('<testcase classname="utest.test_x" name="test_ok"/>',
                           '<testcase classname="utest.test_x" name="test_too"><failure message="assert 1 == 2"/></testcase>')  # fmt: skip
    (tmp_path / "utest.xml").write_text(shared)
    assert run_tests.not_passed(tmp_path) == ["FAILURE utest.test_x::test_too (and 1 more): assert 1 == 2"]
