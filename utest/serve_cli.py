"""``sungrow-mock serve`` in a child process, for the tests of the command line: its ready line,
waited for within a bound."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "SungrowMockLibrary"]
READY_TIMEOUT = 10.0


def serve(*args: str, env: dict | None = None) -> tuple[subprocess.Popen, dict]:
    """Start ``serve`` with ``args``; returns the process and its ready line; fails the test with
    its stderr when no ready line comes within :data:`READY_TIMEOUT` seconds."""
    process = subprocess.Popen([*CLI, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})  # fmt: skip
    readable, _, _ = select.select([process.stdout], [], [], READY_TIMEOUT)
    line = process.stdout.readline() if readable else ""
    if not line:
        process.kill()
        pytest.fail(f"no ready line: {process.communicate(timeout=READY_TIMEOUT)[1]}")
    return process, json.loads(line)
