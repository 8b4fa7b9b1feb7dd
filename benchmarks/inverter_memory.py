#!/usr/bin/env python3
"""Resident memory per inverter, and the CPU of an idle process holding many inverters.

Each measurement runs in a fresh process (so that nothing measured before is counted):

- per model: one ``MockSungrow`` (Modbus door only, simulated), then ``add_inverter`` up to
  ``--count`` inverters of that model behind it as unit ids (unit 200 is left out: the SBR
  battery answers there); RSS (``/proc/self/statm``) when built, and after every inverter has
  been read (FC 04 x100 at 5000, FC 03 x10 at 4999) in three rounds a simulated second apart,
  the steady state a polled inverter reaches. Printed: KiB per inverter and the resident size
  of ``--fleet`` inverters extrapolated from it.
- idle: ``--fleet`` inverters in as many mocks as it takes (246 each), each inverter read once,
  then the process's CPU time (``/proc/self/stat``) over ``--idle-seconds`` of doing nothing.

Figures are reported, never asserted (utest/test_register_image.py pins what can be pinned).
127.0.0.1 only; every mock is stopped, every child bounded by ``--timeout``.

  python benchmarks/inverter_memory.py                       # SH10RT and SG10RT, 1000 idle, ~40 s
  python benchmarks/inverter_memory.py --models SH10RT --count 100 --fleet 247 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNITS = [unit for unit in range(1, 248) if unit != 200]  # 200: the SBR battery beside a hybrid
READS = ((4, 4999, 100), (3, 4999, 10))  # function, wire address, count


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _cpu_seconds() -> float:
    with open("/proc/self/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _read_all(mock, units: list[int]) -> None:
    port = int(mock.endpoint().rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        for unit in units:
            for function, address, count in READS:
                connection.sendall(struct.pack(">HHHBBHH", unit, 0, 6, unit, function, address, count))
                expected, reply = 9 + 2 * count, b""
                while len(reply) < expected:
                    chunk = connection.recv(expected - len(reply))
                    if not chunk:
                        raise RuntimeError(f"unit {unit}: the mock closed the connection")
                    reply += chunk
                if reply[7] != function:
                    raise RuntimeError(f"unit {unit}: FC {function:02d} answered {reply[7:9].hex()}")


def child_model(model: str, count: int) -> dict:
    from SungrowMockLibrary.mock import MockSungrow

    mock = MockSungrow(model=model, doors="modbus", modbus_port=0, host="127.0.0.1")
    mock.start()
    try:
        _read_all(mock, UNITS[:1])
        base = _rss_mib()
        units = UNITS[1:count]
        for unit in units:
            mock.add_inverter(model, unit)
        built = _rss_mib()
        for _ in range(3):
            _read_all(mock, UNITS[:count])
            time.sleep(1.05)  # the next round sees the next simulated second
        read = _rss_mib()
    finally:
        mock.stop()
    return {"model": model, "inverters": count, "base_mib": base, "built_mib": built, "read_mib": read,
            "built_kib": (built - base) * 1024 / len(units), "read_kib": (read - base) * 1024 / len(units)}  # fmt: skip


def child_idle(fleet: int, seconds: float, model: str) -> dict:
    from SungrowMockLibrary.mock import MockSungrow

    mocks, left = [], fleet
    try:
        while left > 0:
            mock = MockSungrow(model=model, doors="modbus", modbus_port=0, host="127.0.0.1")
            mock.start()
            mocks.append(mock)
            units = UNITS[: min(left, len(UNITS))]
            for unit in units[1:]:
                mock.add_inverter(model, unit)
            _read_all(mock, units)
            left -= len(units)
        rss = _rss_mib()
        cpu, started = _cpu_seconds(), time.monotonic()
        time.sleep(seconds)
        cpu, elapsed = _cpu_seconds() - cpu, time.monotonic() - started
    finally:
        for mock in mocks:
            mock.stop()
    return {"inverters": fleet, "mocks": len(mocks), "rss_mib": rss, "idle_seconds": elapsed,
            "idle_cpu_pct": 100 * cpu / elapsed, "tick_s": 1 / os.sysconf("SC_CLK_TCK")}  # fmt: skip


def _run_child(arguments: list[str], timeout: float) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="SH10RT,SG10RT", help="comma-separated models (default SH10RT,SG10RT)")
    parser.add_argument("--count", type=int, default=246, help=f"inverters per model, 2..{len(UNITS)} (default 246)")
    parser.add_argument("--fleet", type=int, default=1000, help="inverters of the idle measurement (default 1000)")
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="idle window (default 5)")
    parser.add_argument("--timeout", type=float, default=300.0, help="per child process, seconds (default 300)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "model":
            result = child_model(rest[0], int(rest[1]))
        else:
            result = child_idle(int(rest[0]), float(rest[1]), rest[2])
        print(json.dumps(result))
        return 0
    if not 2 <= args.count <= len(UNITS):
        parser.error(f"--count must be 2..{len(UNITS)}")
    models = [name.strip() for name in args.models.split(",") if name.strip()]
    results = {"models": [], "idle": None}
    print(f"{'model':10s} {'inverters':>9s} {'base MiB':>9s} {'built KiB/inv':>14s} {'read KiB/inv':>13s} "
          f"{f'{args.fleet} inv MiB':>13s}")  # fmt: skip
    for model in models:
        row = _run_child(["--child", "model", model, str(args.count)], args.timeout)
        row["fleet_mib"] = row["base_mib"] + row["read_kib"] * args.fleet / 1024
        results["models"].append(row)
        print(f"{model:10s} {row['inverters']:9d} {row['base_mib']:9.1f} {row['built_kib']:14.1f} "
              f"{row['read_kib']:13.1f} {row['fleet_mib']:13.0f}")  # fmt: skip
    idle = _run_child(["--child", "idle", str(args.fleet), str(args.idle_seconds), models[0]], args.timeout)
    results["idle"] = idle
    print(f"idle: {idle['inverters']} {models[0]} in {idle['mocks']} mocks, {idle['rss_mib']:.0f} MiB resident, "
          f"{idle['idle_cpu_pct']:.2f} % of a core over {idle['idle_seconds']:.1f} s "
          f"(resolution {100 * idle['tick_s'] / idle['idle_seconds']:.2f} %)")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
