"""Code run in a fresh interpreter, for tests of what importing or starting leaves out: anything
this test process already imported would hide it."""

import subprocess
import sys
import textwrap


def run_fresh(code: str) -> str:
    """Run ``code`` (dedented) with ``python -c``; its standard output, stripped. Fails the test
    with the child's standard error if it fails."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
