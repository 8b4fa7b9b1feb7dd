"""The README's examples run as written."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    blocks = re.findall(rf"```{language}\n(.*?)```", README, re.S)
    assert blocks, f"no {language} example in the README"
    return blocks


@pytest.mark.parametrize("index", range(len(re.findall(r"```robotframework\n", README))))
def test_robot_examples_pass(tmp_path, index):
    suite = tmp_path / "readme_example.robot"
    suite.write_text(_blocks("robotframework")[index])
    result = subprocess.run(
        [sys.executable, "-m", "robot", "--outputdir", str(tmp_path), "--output", "NONE", "--log", "NONE",
         "--report", "NONE", str(suite)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 test, 1 passed, 0 failed" in result.stdout


@pytest.mark.parametrize("index", range(len(re.findall(r"```python\n", README))))
def test_pytest_examples_pass(tmp_path, index):
    block = _blocks("python")[index]
    (tmp_path / "test_readme_example.py").write_text(block)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{block.count(chr(10) + 'def test_')} passed" in result.stdout


def test_setup_commands_are_the_ones_ci_runs():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "python3 run_tests.py" in README and "python3 run_tests.py" in ci
    assert "sungrow-mock serve" in README
