#!/usr/bin/env python3
"""Run every test: install what the tests need, then lint (ruff, robocop), utest (pytest), atest (Robot, in parallel).

    python3 run_tests.py                 # everything; results in results/
    python3 run_tests.py --skip-install  # reuse what is installed
    python3 run_tests.py --only utest    # or: --only atest, --only lint
    python3 run_tests.py --include modbus  # Robot tag filter for atest

Robot's output.xml, log.html and report.html, pytest's JUnit XML, the keyword
documentation (keywords.html) and each test's mock traffic (journal/*.jsonl) all land in
one results folder.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def run(*command: str, check: bool = True) -> int:
    print("+", " ".join(command), flush=True)
    code = subprocess.call(command, cwd=ROOT)
    if check and code != 0:
        sys.exit(f"failed ({code}): {' '.join(command)}")
    return code


def install() -> None:
    run(sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", f"{ROOT}[test]")
    run(sys.executable, str(ROOT / "atest" / "clients" / "venvs.py"), "ensure")


# Each linter counts as one test: it passes when it reports nothing. Both read their
# configuration from pyproject.toml.
LINTERS = {
    "ruff": ("ruff", "check", "."),
    "robocop": ("robocop", "check", "atest"),
}


def lint() -> tuple[int, int]:
    passed = failed = 0
    for name, (module, *arguments) in LINTERS.items():
        if importlib.util.find_spec(module) is None:
            print(f"lint: {name} is not installed, skipped (pip install -e '.[test]')")
            continue
        if run(sys.executable, "-m", module, *arguments, check=False) == 0:
            passed += 1
        else:
            failed += 1
            print(f"lint: {name} failed")
    return passed, failed


def utest(results: Path) -> tuple[int, int]:
    report = results / "utest.xml"
    code = run(sys.executable, "-m", "pytest", "-q", "utest", f"--junitxml={report}", check=False)
    text = report.read_text() if report.exists() else ""
    total = sum(int(n) for n in re.findall(r'<testsuite [^>]*tests="(\d+)"', text))
    failed = sum(int(n) for n in re.findall(r'<testsuite [^>]*(?:failures|errors)="(\d+)"', text))
    if code not in (0, 1) or not total:
        failed = max(failed, 1)
    return total - failed, failed


def atest(results: Path, robot_args: list[str]) -> tuple[int, int]:
    processes = str(max(2, min(4, (os.cpu_count() or 2) * 2)))
    code = run(
        sys.executable, "-m", "pabot.pabot", "--no-pabotlib", "--processes", processes,
        "--outputdir", str(results), "--xunit", "atest.xml",
        "--exclude", "juju", *robot_args, "atest",
        check=False,
    )  # fmt: skip
    collect_journals(results)
    output = results / "output.xml"
    if not output.exists():
        return 0, max(code, 1)
    from robot.api import ExecutionResult

    stats = ExecutionResult(str(output)).statistics.total
    return stats.passed, stats.failed


def collect_journals(results: Path) -> None:
    """Each pabot process writes its tests' traffic under its own output folder; gather it in one."""
    target = results / "journal"
    for jsonl in sorted(results.glob("pabot_results/*/journal/*.jsonl")):
        target.mkdir(exist_ok=True)
        shutil.copy2(jsonl, target / jsonl.name)


def libdoc(results: Path) -> None:
    run(sys.executable, "-m", "robot.libdoc", "SungrowMockLibrary", str(results / "keywords.html"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-install", action="store_true", help="do not pip-install or build client venvs")
    parser.add_argument("--only", choices=("lint", "utest", "atest"), help="run one of the three stages")
    parser.add_argument("--results", default="results", help="results folder (default: results)")
    parser.add_argument("--include", action="append", default=[], help="Robot tag to include (repeatable)")
    args = parser.parse_args()

    results = (ROOT / args.results).resolve()
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir(parents=True)
    if not args.skip_install:
        install()
    counts = {}
    if args.only in (None, "lint"):
        counts["lint"] = lint()
    if args.only in (None, "utest"):
        counts["utest"] = utest(results)
    if args.only in (None, "atest"):
        robot_args = [a for tag in args.include for a in ("--include", tag)]
        counts["atest"] = atest(results, robot_args)
        libdoc(results)
    passed = sum(p for p, _ in counts.values())
    failed = sum(f for _, f in counts.values())
    for name, (p, f) in counts.items():
        print(f"{name}: {p} passed, {f} failed")
    print(f"results in {results}")
    print(f"total: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
