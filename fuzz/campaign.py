"""A bounded, coverage-guided fuzz campaign (atheris + libFuzzer), one target per parser.

Each target of ``utest/fuzz_targets.py`` runs in its own process, for at most ``--seconds``
seconds and ``--runs`` executions, starting from the target's seed inputs. Traffic stays in the
process, or goes to doors the worker itself serves on 127.0.0.1 (the ``live_*`` targets).
Prints executions per target; a crash (a broken invariant, an unexpected exception, a timeout)
is saved under ``--results`` with the Python traceback in ``<target>/log.txt``.

    python fuzz/campaign.py                            # every target, 30 s each
    python fuzz/campaign.py --seconds 60 --targets winet_services,mbap_stream
    python fuzz/campaign.py --json results/fuzz/summary.json

The exit status is 1 when any target crashed. Not part of the test command: the same targets
run a few hundred examples each under hypothesis in utest/test_fuzz_parsers.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UTEST = ROOT / "utest"


def worker(target: str, results: Path, seconds: int, runs: int, timeout: int, max_len: int) -> None:
    """Run one target under libFuzzer in this process (never returns)."""
    import atheris

    sys.path[:0] = [str(ROOT), str(UTEST)]
    with atheris.instrument_imports(include=["SungrowMockLibrary", "fuzz_targets"]):
        import fuzz_targets
    function = fuzz_targets.TARGETS[target]
    corpus = results / target / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for index, seed in enumerate(fuzz_targets.SEEDS.get(target, [])):
        (corpus / f"seed-{index}").write_bytes(seed)
    arguments = [
        sys.argv[0],
        str(corpus),
        f"-max_total_time={seconds}",
        f"-runs={runs}",
        f"-timeout={timeout}",
        f"-max_len={max_len}",
        f"-artifact_prefix={results / target}/",
        "-rss_limit_mb=2048",
        "-print_final_stats=1",
    ]
    words = fuzz_targets.DICTIONARIES.get(target)
    if words:
        dictionary = results / target / "words.dict"
        dictionary.write_text("".join(_dictionary_entry(word) for word in words), encoding="ascii")
        arguments.append(f"-dict={dictionary}")
    atheris.Setup(arguments, function)
    atheris.Fuzz()


def _dictionary_entry(word: str) -> str:
    """One line of a libFuzzer dictionary: printable ASCII as is, every other byte as \\xHH."""
    text = "".join(chr(b) if 32 <= b < 127 and chr(b) not in '"\\' else f"\\x{b:02X}" for b in word.encode("utf-8", "surrogatepass"))
    return f'"{text}"\n'


def run_target(target: str, args: argparse.Namespace) -> dict:
    """Fuzz ``target`` for ``args.seconds``: after a crash the worker starts again from the corpus
    it has grown (libFuzzer stops at the first crash), up to ``args.max_crashes`` crashes."""
    folder = args.results / target
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.name.startswith(("crash-", "timeout-", "oom-", "log")):
            old.unlink()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(UTEST), os.environ.get("PYTHONPATH", "")]),
           "SUNGROW_FUZZ_TMP": str(folder)}  # fmt: skip
    started = time.perf_counter()
    executions, coverage, problems, rounds = 0, None, [], 0
    while len(problems) < args.max_crashes:
        left = int(args.seconds - (time.perf_counter() - started))
        if left < 3 and rounds:
            break
        rounds += 1
        command = [
            sys.executable, __file__, "--worker", target, "--results", str(args.results), "--seconds", str(max(left, 1)),
            "--runs", str(args.runs - executions), "--timeout", str(args.timeout), "--max-len", str(args.max_len),
        ]  # fmt: skip
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, errors="replace", timeout=left + 120)
            output, status = done.stdout + done.stderr, done.returncode
        except subprocess.TimeoutExpired as expired:
            output, status = expired.stdout or "", "hung"
            output = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
        (folder / f"log-{rounds}.txt").write_text(output, encoding="utf-8")
        ran = _last_int(r"stat::number_of_executed_units:\s*(\d+)", output)
        executions += ran if ran is not None else (_last_int(r"#(\d+)\s", output) or 0)
        coverage = max(coverage or 0, _last_int(r"cov: (\d+)", output) or 0)
        if status == 0:
            break
        match = re.search(r"=== Uncaught Python exception: ===\n(.+?)\n", output)
        problems.append(match.group(1) if match else ("timeout" if "ERROR: libFuzzer: timeout" in output else f"exit {status}"))
        if executions >= args.runs or ("Uncaught" not in output and "timeout" not in output):
            break  # not a finding the fuzzer can go past (the worker itself failed)
    artifacts = sorted(str(p.relative_to(args.results)) for p in folder.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-")))
    corpus = len(list((folder / "corpus").iterdir())) if (folder / "corpus").is_dir() else 0
    return {
        "target": target, "executions": executions, "seconds": round(time.perf_counter() - started, 1),
        "coverage": coverage, "corpus": corpus, "crashed": bool(problems), "problem": "; ".join(problems),
        "artifacts": artifacts,
    }  # fmt: skip


def _last_int(pattern: str, text: str) -> int | None:
    found = re.findall(pattern, text)
    return int(found[-1]) if found else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="", help="comma-separated target names (default: all)")
    parser.add_argument("--seconds", type=int, default=30, help="seconds per target (default 30)")
    parser.add_argument("--runs", type=int, default=2_000_000, help="executions per target at most")
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take before it counts as a hang")
    parser.add_argument("--max-len", type=int, default=4096, help="largest input in bytes")
    parser.add_argument("--max-crashes", type=int, default=3, help="crashes per target before it stops (default 3)")
    parser.add_argument("--results", type=Path, default=ROOT / "results" / "fuzz")
    parser.add_argument("--json", type=Path, help="also write the summary as JSON here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.results = args.results.resolve()
    if args.worker:
        worker(args.worker, args.results, args.seconds, args.runs, args.timeout, args.max_len)
        return 0
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("atheris is not installed: pip install atheris (Linux x86-64 wheels for CPython 3.11)", file=sys.stderr)
        return 2
    sys.path[:0] = [str(ROOT), str(UTEST)]
    import fuzz_targets

    names = [n.strip() for n in args.targets.split(",") if n.strip()] or list(fuzz_targets.TARGETS)
    unknown = [n for n in names if n not in fuzz_targets.TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; valid: {', '.join(fuzz_targets.TARGETS)}")
    print(f"{'target':20} {'executions':>11} {'exec/s':>8} {'seconds':>8} {'cov':>6} {'corpus':>7}  result", flush=True)
    summary = []
    for name in names:
        row = run_target(name, args)
        summary.append(row)
        rate = row["executions"] / row["seconds"] if row["seconds"] else 0
        result = f"CRASH {row['problem']} -> {', '.join(row['artifacts'])}" if row["crashed"] else "ok"
        print(
            f"{name:20} {row['executions']:>11} {rate:>8.0f} {row['seconds']:>8.1f} {row['coverage'] or 0:>6} "
            f"{row['corpus']:>7}  {result}",
            flush=True,
        )
    total = sum(row["executions"] for row in summary)
    crashed = [row["target"] for row in summary if row["crashed"]]
    print(f"total {total} executions in {sum(r['seconds'] for r in summary):.0f} s; "
          f"{'crashes in ' + ', '.join(crashed) if crashed else 'no crash'}; logs and inputs under {args.results}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
