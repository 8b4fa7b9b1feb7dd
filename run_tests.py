#!/usr/bin/env python3
"""Run every test: install what the tests need, then lint (ruff, robocop), utest (pytest), atest (Robot, in parallel).

    python3 run_tests.py                 # everything; results in results/
    python3 run_tests.py --skip-install  # reuse what is installed
    python3 run_tests.py --only utest    # or: --only atest, --only lint
    python3 run_tests.py --include modbus  # Robot tag filter for atest
    python3 run_tests.py --exclude image   # leave out a tag (image: build and run the container image)
    python3 run_tests.py --only rf-oldest  # the remote tests on the oldest Robot Framework allowed

The remote tests (utest/test_remote.py, atest/remote) run twice: with the newest Robot
Framework and in .venvs/rf-oldest with the oldest one pyproject.toml allows.
Robot's output.xml, log.html and report.html, pytest's JUnit XML, the keyword
documentation (keywords.html) and each test's mock traffic (journal/*.jsonl) all land in
one results folder.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent
# What runs again on the oldest Robot Framework the package allows: the control endpoint is the
# one face that speaks Robot's remote API from outside a Robot run.
OLDEST_UTEST = ("utest/test_remote.py",)
OLDEST_ATEST = ("atest/remote",)


def run(*command: str, check: bool = True) -> int:
    print("+", " ".join(command), flush=True)
    code = subprocess.call(command, cwd=ROOT)
    if check and code != 0:
        sys.exit(f"failed ({code}): {' '.join(command)}")
    return code


def install() -> None:
    run(sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", f"{ROOT}[test]")
    clients = [sys.executable, str(ROOT / "atest" / "clients" / "venvs.py"), "ensure"]
    print("+", " ".join(clients), flush=True)
    building = subprocess.Popen(clients, cwd=ROOT)  # the client venvs build while the oldest Robot's does
    try:
        install_image_tools()
        ensure_oldest_robot()
    finally:
        building.wait()
    if building.returncode != 0:
        sys.exit(f"failed ({building.returncode}): {' '.join(clients)}")


def install_image_tools() -> None:
    """Debian's packages that build and run the container image (atest/image), when this runs as root on Debian.

    Elsewhere the image suite skips, naming what is missing.
    """
    sys.path.insert(0, str(ROOT / "atest" / "resources"))
    from container_image import TOOLS  # the commands the suite needs and the packages that hold them

    missing = sorted({package for tool, package in TOOLS.items() if shutil.which(tool) is None})
    if not missing or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return
    apt = ("apt-get", "install", "--yes", "--quiet", "--no-install-recommends", *missing)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("+", " ".join(apt), flush=True)
    if subprocess.call(apt, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL) != 0:  # stale package lists
        run("apt-get", "update", "--quiet")
        print("+", " ".join(apt), flush=True)
        if subprocess.call(apt, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL) != 0:
            sys.exit(f"failed: {' '.join(apt)}")


# Each linter counts as one test: it passes when it reports nothing. Both read their
# configuration from pyproject.toml.
LINTERS = {
    "ruff": ("ruff", "check", "."),
    "robocop": ("robocop", "check", "atest"),
}


def lint() -> tuple[int, int]:
    passed = failed = 0
    for name, (module, *arguments) in LINTERS.items():
        if importlib.util.find_spec(module) is None:  # a linter that cannot run has not passed
            failed += 1
            print(f"lint: {name} is not installed (pip install -e '.[test]')")
            continue
        if run(sys.executable, "-m", module, *arguments, check=False) == 0:
            passed += 1
        else:
            failed += 1
            print(f"lint: {name} failed")
    return passed, failed


def oldest_robot() -> str:
    """The lowest Robot Framework version pyproject.toml allows (its ``robotframework>=X``)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        bound = re.fullmatch(r"robotframework\s*>=\s*([\w.]+)\s*(?:,.*)?", requirement)
        if bound:
            return bound[1]
    sys.exit("pyproject.toml sets no lower bound for robotframework (robotframework>=X)")


def oldest_robot_venv() -> tuple[Path, Path, Path, str]:
    """The rf-oldest venv beside the client venvs: its path, its python, its stamp file and the
    stamp it must carry (pyproject.toml's hash: the venv is rebuilt when that changes)."""
    sys.path.insert(0, str(ROOT / "atest" / "clients"))
    import venvs  # where venvs live (SUNGROW_MOCK_VENVS) and how they are stamped

    venv = venvs.venv_path("rf-oldest")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = f"{digest} python{sys.version_info.major}.{sys.version_info.minor} {ROOT}\n"
    return venv, venvs.venv_python("rf-oldest"), venv / venvs.STAMP_NAME, stamp


def ensure_oldest_robot() -> None:
    """Build the rf-oldest venv: the oldest Robot Framework allowed, and the package (editable)."""
    venv, python, stamp_file, stamp = oldest_robot_venv()
    if python.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    run(sys.executable, "-m", "venv", "--clear", str(venv))
    run(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
        f"robotframework=={oldest_robot()}", "-e", f"{ROOT}[test]")  # fmt: skip
    stamp_file.write_text(stamp)


def utest(results: Path, python: str = sys.executable, paths=("utest",), name: str = "utest") -> tuple[int, int]:
    report = results / f"{name}.xml"
    code = run(python, "-m", "pytest", "-q", *paths, f"--junitxml={report}", check=False)
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
    if stats.skipped:
        print(f"atest: {stats.skipped} skipped (see {results / 'report.html'} for why)", flush=True)
    return stats.passed, stats.failed


def rf_oldest(results: Path, robot_args: list[str]) -> tuple[int, int]:
    """The remote tests again, in the rf-oldest venv."""
    venv, python, stamp_file, stamp = oldest_robot_venv()
    version = oldest_robot()
    if not python.exists():
        print(f"no venv with Robot Framework {version} at {venv}: run once without --skip-install", flush=True)
        return 0, 1
    if not stamp_file.exists() or stamp_file.read_text() != stamp:
        print(f"warning: {venv} is older than pyproject.toml; run without --skip-install to rebuild it", flush=True)
    passed, failed = utest(results, str(python), OLDEST_UTEST, "utest-rf-oldest")
    outdir = results / "rf-oldest"
    run(str(python), "-m", "robot", "--outputdir", str(outdir), "--name", f"Remote On Robot Framework {version}",
        "--runemptysuite", *robot_args, *OLDEST_ATEST, check=False)  # fmt: skip
    output = outdir / "output.xml"
    if not output.exists():
        return passed, failed + 1
    from robot.api import ExecutionResult

    stats = ExecutionResult(str(output)).statistics.total
    return passed + stats.passed, failed + stats.failed


def collect_journals(results: Path) -> None:
    """Each pabot process writes its tests' traffic under its own output folder; gather it in one."""
    target = results / "journal"
    for jsonl in sorted(results.glob("pabot_results/*/journal/*.jsonl")):
        target.mkdir(exist_ok=True)
        shutil.copy2(jsonl, target / jsonl.name)


MESSAGE_CHARACTERS = 1500  # per test: the tail of a CI log shows why, the reports show the rest
LISTED_TESTS = 20


def not_passed(results: Path) -> list[str]:
    """A line per failed or skipped test with its message (tests that share a message share a
    line, as a suite setup's failure does): the end of a CI log says why."""
    found: dict[tuple[str, str], list[str]] = {}  # (status, message) -> the tests, in order
    for report in sorted(results.glob("utest*.xml")):
        for case in ElementTree.parse(report).iter("testcase"):
            for outcome in case:
                if outcome.tag in ("failure", "error", "skipped"):
                    why = outcome.get("message") or (outcome.text or "")
                    found.setdefault((outcome.tag.upper(), why), []).append(f"{case.get('classname')}::{case.get('name')}")
    outputs = [results / "output.xml", results / "rf-oldest" / "output.xml"]
    if any(o.exists() for o in outputs):
        from robot.api import ExecutionResult, ResultVisitor

        class Collect(ResultVisitor):
            def visit_test(self, test) -> None:
                if test.status != "PASS":
                    found.setdefault((test.status, test.message), []).append(test.longname)

        for output in (o for o in outputs if o.exists()):
            ExecutionResult(str(output)).visit(Collect())
    lines = []
    for (status, why), tests in found.items():
        more = f" (and {len(tests) - 1} more)" if len(tests) > 1 else ""
        lines.append(f"{status} {tests[0]}{more}: {why}"[:MESSAGE_CHARACTERS])
    return lines


def libdoc(results: Path) -> None:
    run(sys.executable, "-m", "robot.libdoc", "SungrowMockLibrary", str(results / "keywords.html"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-install", action="store_true", help="do not pip-install or build venvs")
    parser.add_argument("--only", choices=("lint", "utest", "atest", "rf-oldest"), help="run one of the stages")
    parser.add_argument("--results", default="results", help="results folder (default: results)")
    parser.add_argument("--include", action="append", default=[], help="Robot tag to include (repeatable)")
    parser.add_argument("--exclude", action="append", default=[], help="Robot tag to leave out (repeatable)")
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
    robot_args = [a for tag in args.include for a in ("--include", tag)]
    robot_args += [a for tag in args.exclude for a in ("--exclude", tag)]
    if args.only in (None, "atest"):
        counts["atest"] = atest(results, robot_args)
        libdoc(results)
    if args.only in (None, "rf-oldest"):
        counts["rf-oldest"] = rf_oldest(results, robot_args)
    passed = sum(p for p, _ in counts.values())
    failed = sum(f for _, f in counts.values())
    unpassed = not_passed(results)
    if unpassed:
        print(f"\nnot passed ({len(unpassed)}; the first {LISTED_TESTS} here, all in the reports):")
        for line in unpassed[:LISTED_TESTS]:
            print(" ", line.replace("\n", "\n    "))
    for name, (p, f) in counts.items():
        print(f"{name}: {p} passed, {f} failed")
    print(f"results in {results}")
    print(f"total: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
