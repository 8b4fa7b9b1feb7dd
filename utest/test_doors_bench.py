"""The benchmark of every door runs end to end: every door and yardstick starts, every reply of
every load generator verifies, and the table of ratios comes out (issue 14).

Speed is never asserted here (benchmarks/README.md); this keeps the harness working. One short
cell per door and target, at one connection, on 127.0.0.1: a few seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "doors_bench.py"


def run_bench(tmp_path: Path, *args: str, timeout: float) -> tuple[subprocess.CompletedProcess, dict]:
    """One bounded run of the benchmark; returns it and its JSON report (it must have succeeded)."""
    out = tmp_path / "report.json"
    result = subprocess.run([sys.executable, str(BENCH), *args, "--json", str(out)],
                            capture_output=True, text=True, timeout=timeout, cwd=BENCH.parent)  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result, json.loads(out.read_text())


def test_every_door_and_yardstick_runs_and_the_ratios_are_printed(tmp_path):
    result, report = run_bench(tmp_path, "--quick", "--no-startup", "--concurrency", "1", "--duration", "0.2",
                               "--warmup", "0.05", timeout=240)  # fmt: skip
    cells = {(r["workload"], r["target"]): r for r in report["results"]}
    assert set(cells) == {
        ("modbus", "mock"), ("modbus", "echo"), ("modbus", "pymodbus"), ("encrypted", "mock"), ("encrypted", "plain"),
        ("winet_ws", "mock"), ("winet_ws", "floor"), ("winet_http", "mock"), ("winet_http", "floor"),
    }  # fmt: skip
    assert all(cell["status"] == "ok" and cell["requests"] > 0 for cell in cells.values()), cells
    assert {(row["door"], row["yardstick"]) for row in report["ratios"]} == {
        ("modbus", "echo"), ("modbus", "pymodbus"), ("encrypted", "plain"), ("winet_ws", "floor"), ("winet_http", "floor"),
    }  # fmt: skip
    assert "Ratios, mock / yardstick" in result.stdout and "Fleet memory" in result.stdout


def test_the_fleet_part_runs_alone_and_reports_memory_idle_cpu_and_read_cost(tmp_path):
    result, report = run_bench(tmp_path, "--only", "fleet", "--fleet-sizes", "1,300", "--fleet-idle", "0.3",
                               "--fleet-reads", "50", timeout=120)  # fmt: skip
    fleet = report["fleet_memory"]
    assert set(fleet["sizes"]) == {"1", "300"} and fleet["sizes"]["300"]["mocks"] == 2
    assert all(size["rss_mib"] > 0 and size["read"]["requests"] == 50 for size in fleet["sizes"].values())
    assert fleet["sizes"]["300"]["idle_cpu_pct"] >= 0 and fleet["read_ratio"]["wall_us"] > 0
    assert "Fleet memory, idle CPU and read cost" in result.stdout and "Ratios, mock / yardstick" not in result.stdout


def test_a_ratio_is_the_median_of_the_rounds_own_ratios_so_drift_between_rounds_cancels(monkeypatch):
    # The machine got three times slower after the first rounds; within each round the mock did
    # 0.8 of the echo floor. The medians' ratio would say 0.4; the rounds' own ratios say 0.8.
    monkeypatch.syspath_prepend(str(BENCH.parent))
    import doors_bench
    from modbus_bench import CellResult

    def cell(target: str, rounds: list[float]) -> CellResult:
        result = CellResult(target, "modbus", 16, rounds=len(rounds))
        result.rps, result.rps_rounds = sorted(rounds)[len(rounds) // 2], rounds
        return result

    mock = cell("mock", [80.0, 80.0, 24.0, 24.0, 24.0])
    echo = cell("echo", [100.0, 100.0, 100.0, 30.0, 30.0])
    assert mock.rps / echo.rps < 0.5
    [row] = [row for row in doors_bench.compute_ratios([mock, echo]) if row["yardstick"] == "echo"]
    assert row["rps_rounds"][:3] == [0.8, 0.8, 0.24] and row["rps"] == 0.8
    assert row["rps_medians"] == mock.rps / echo.rps and row["goal"] == 0.8
