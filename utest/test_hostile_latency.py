"""A concurrent plain Modbus reader keeps being answered while the mock handles the worst hostile
inputs of issue 11 (benchmarks/hostile_latency.py measures every one and prints the figures).

The issue's bound is 250 ms; asserted here loosely (1.5 s) so that a loaded CI machine cannot make
the test flaky, while each of these inputs stalled the reader for 4.5 s to forever before.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "hostile_latency.py"
WORST = ("param_value 1e300000", "300 items x 3,000 ids", "clock year 2026 -> 2099 (holding 5000)")
LOOSE_BOUND_MS = 1500.0


def load_script():
    spec = importlib.util.spec_from_file_location("hostile_latency", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_concurrent_modbus_reader_is_answered_while_the_worst_hostile_inputs_are_handled():
    results = load_script().measure(times=2, only=WORST)
    assert set(results) == {"baseline (no hostile input)", *WORST}
    assert results["param_value 1e300000"]["reply"] == "result_code 391"
    assert results["300 items x 3,000 ids"]["reply"] == "result_code 402"
    for name in WORST:
        assert results[name]["worst_ms"] < LOOSE_BOUND_MS, (name, results[name])
