"""The journal in Robot's output: each test's traffic as a table in log.html and as JSON lines.

Called by the library's listener at the end of each test, on Robot's main thread (messages from
the mocks' threads would be lost).
"""

from __future__ import annotations

import re
from pathlib import Path

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from ..journal import html_table, write_jsonl

JOURNAL_DIR = "journal"


def journal_path(test_longname: str, alias: str) -> Path | None:
    """``<output dir>/journal/<test>.<alias>.jsonl`` (None when Robot is not running)."""
    try:
        output_dir = BuiltIn().get_variable_value("${OUTPUT DIR}")
    except RobotNotRunningError:
        return None
    if not output_dir:
        return None
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{test_longname}.{alias}").strip("_")
    return Path(output_dir) / JOURNAL_DIR / f"{name[:200]}.jsonl"


def report(test_longname: str, alias: str, requests: list) -> None:
    """Log ``requests`` as a table and save them as JSON lines next to Robot's output."""
    if not requests:
        return
    logger.info(f"Traffic of mock {alias} ({len(requests)} requests):{html_table(requests)}", html=True)
    path = journal_path(test_longname, alias)
    if path is not None:
        write_jsonl(requests, path)
