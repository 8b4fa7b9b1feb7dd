#!/usr/bin/env python3
"""Server instructions per request of each door and its yardstick, counted by callgrind.

Requests per second move with the machine and its neighbours; instructions do not. Each server
runs under ``valgrind --tool=callgrind`` (about 50x slower, so the load generator, this process,
is never the limit), gets a warm-up, then its counters are zeroed, ``--requests`` requests per
connection are sent with ``doors_bench.py``'s client (every reply verified) and the counters are
dumped. Printed: user-space instructions per request, and the yardstick's count / the mock's (the
capacity ratio, kernel time left out: it is the same for both, so real ratios lie closer to 1).
The mock runs with a frozen clock (the simulation's once-a-second step would otherwise be
charged to the few requests a slowed-down second sees).

Needs valgrind (``apt-get install valgrind``). 127.0.0.1 only; every server is stopped at the end.

  python benchmarks/door_instructions.py                     # every door at 16 connections, ~4 min
  python benchmarks/door_instructions.py --doors modbus --loop uvloop
  python benchmarks/door_instructions.py --fleet-sizes 1,1000  # a read of unit 1 of a fleet, ~3 min

With ``--fleet-sizes`` it counts instead what one read costs in fleets of those sizes
(``serve --fleet N``, the units layout, one connection reading ``doors_bench.FLEET_READ`` from
unit 1): issue 14 asks that it does not grow with the fleet.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import doors_bench as db
import modbus_bench as mb

PAIRS = {  # door -> the targets counted, the yardstick last
    "modbus": ("mock", "echo"),
    "encrypted": ("mock",),  # its yardstick is the modbus door's mock
    "winet_ws": ("mock", "floor"),
    "winet_http": ("mock", "floor"),
}


class Settings:
    """The parts of doors_bench's arguments that run_cell reads."""

    def __init__(self, requests: int):
        self.warmup, self.duration, self.max_requests = 0.0, 600.0, requests


@contextlib.contextmanager
def under_callgrind(argv: list[str], env: dict, ready_timeout: float) -> Iterator[tuple[subprocess.Popen, dict, Path]]:
    """The server ``argv`` running under callgrind: it, its ready line, and where its dumps go."""
    out = Path(tempfile.mkdtemp(prefix="door-instructions-"))
    server = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.%p", *argv],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)  # fmt: skip
    try:
        yield server, json.loads(mb.read_line(server, ready_timeout)), out
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
        shutil.rmtree(out, ignore_errors=True)


def counted(server: subprocess.Popen, out: Path, work: Callable[[], None]) -> int:
    """The instructions the server spends while ``work()`` runs (its counters zeroed before,
    dumped after; the dump is written at once, the wait for it bounded)."""
    subprocess.run(["callgrind_control", "-z", str(server.pid)], capture_output=True, timeout=60)
    work()
    subprocess.run(["callgrind_control", "-d", str(server.pid)], capture_output=True, timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for path in out.glob("cg.*"):
            for text in path.read_text(errors="replace").splitlines():
                if text.startswith("summary:"):
                    return int(text.split()[1])
        time.sleep(0.2)
    raise RuntimeError("callgrind wrote no dump")


def server_env(loop: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(mb.REPO)}
    if loop != "asyncio":
        env["SUNGROW_MOCK_EVENT_LOOP"] = loop  # only the mock reads it
    return env


def count(door: str, target: str, args, replies: dict) -> float:
    """Instructions per request of ``target`` serving ``door``."""
    py = sys.executable
    if target == "mock":
        argv = [py, "-m", "SungrowMockLibrary", "serve", "--host", db.HOST, "--clock-speed", "0", "--start-time",
                "2026-06-21T12:00:00"]  # fmt: skip
    elif target == "echo":
        argv = [py, str(db.HERE / "echo_server.py"), "--loop", args.loop]
    else:
        argv = [py, str(db.HERE / "aiohttp_floor.py"), "--ws-reply", replies["ws"], "--http-reply", replies["http"],
                "--loop", args.loop]  # fmt: skip
    with under_callgrind(argv, server_env(args.loop), 120.0) as (server, line, out):
        endpoints = line.get("endpoints", line)
        facts = {"address": db.endpoint_of(endpoints[door]), "encryption_key": line.get("encryption_key", "")}
        if target == "mock" and door.startswith("winet"):
            ws, body, token = db.fetch_mock_replies(db.endpoint_of(endpoints["winet_ws"]),
                                                    db.endpoint_of(endpoints["winet_http"]))  # fmt: skip
            Path(replies["ws"]).write_text(ws, encoding="utf-8")
            Path(replies["http"]).write_bytes(body)
            facts["token"] = token
        db.run_cell(door, target, facts, args.connections, Settings(20), server.pid)  # warm-up, not counted

        def requests() -> None:
            result, _ = db.run_cell(door, target, facts, args.connections, Settings(args.requests), server.pid)
            if result.status != "ok":
                raise RuntimeError(f"{door} {target}: {result.error}")

        return counted(server, out, requests) / (args.connections * args.requests)


def count_fleet_read(size: int, reads: int, loop: str) -> float:
    """Instructions per read of unit 1 in a fleet of ``size`` inverters (frozen clock)."""
    argv = [sys.executable, "-m", "SungrowMockLibrary", "serve", "--host", db.HOST, "--doors", "modbus", "--fleet",
            str(size), "--clock-speed", "0", "--start-time", "2026-06-21T12:00:00"]  # fmt: skip
    with under_callgrind(argv, server_env(loop), 300.0) as (server, line, out):
        address = db.endpoint_of(line["inverters"][0]["endpoints"]["modbus"])
        db.fleet_read_cost(address, server.pid, 100)  # warm-up, not counted
        # fleet_read_cost reads a tenth as many more first, to warm its connection up: counted too
        return counted(server, out, lambda: db.fleet_read_cost(address, server.pid, reads)) / (reads + reads // 10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--doors", default=",".join(PAIRS), help="comma-separated subset of " + ",".join(PAIRS))
    ap.add_argument("--connections", type=int, default=16, help="connections (1..100, default 16)")
    ap.add_argument("--requests", type=int, default=None, help="requests per connection (default 300 Modbus, 100 WiNet)")
    ap.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    ap.add_argument("--fleet-sizes", default=None, help="count a read in fleets of these sizes instead, e.g. 1,1000")
    ap.add_argument("--fleet-reads", type=int, default=3000, help="reads counted per fleet (default 3000)")
    args = ap.parse_args()
    doors = [d.strip() for d in args.doors.split(",") if d.strip()]
    if any(d not in PAIRS for d in doors) or not 1 <= args.connections <= 100:
        ap.error(f"--doors: choose from {','.join(PAIRS)}; --connections 1..100")
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        ap.error("valgrind is not installed (apt-get install valgrind)")
    if args.fleet_sizes:
        sizes = [int(size) for size in args.fleet_sizes.split(",") if size.strip()]
        if not sizes or not all(1 <= size <= 10_000 for size in sizes) or not 1 <= args.fleet_reads <= 100_000:
            ap.error("--fleet-sizes: 1..10000 each; --fleet-reads 1..100000")
        counted_reads = {size: count_fleet_read(size, args.fleet_reads, args.loop) for size in sizes}
        print(f"\nServer instructions per read of unit 1 (FC 04 x38), one connection, loop {args.loop}")
        for size, per in counted_reads.items():
            print(f"  {size:>5} inverters {per:>9,.0f}   x{per / counted_reads[sizes[0]]:.3f} of {sizes[0]}")
        return 0
    if "encrypted" in doors and "modbus" not in doors:
        doors.insert(0, "modbus")
    tmp = tempfile.TemporaryDirectory(prefix="door-instructions-")
    replies = {"ws": str(Path(tmp.name) / "ws.json"), "http": str(Path(tmp.name) / "http.json")}
    counted: dict[tuple[str, str], float] = {}
    try:
        for door in doors:
            per = args.requests or (300 if door in ("modbus", "encrypted") else 100)
            run = argparse.Namespace(**{**vars(args), "requests": per})
            for target in PAIRS[door]:
                counted[(door, target)] = count(door, target, run, replies)
                print(f"  {door:<10} {target:<6} {counted[(door, target)]:>10,.0f} instructions/request", flush=True)
    finally:
        tmp.cleanup()
    print(f"\nServer instructions per request, {args.connections} connections, loop {args.loop}")
    for door in doors:
        mock = counted[(door, "mock")]
        yard = ("modbus", "mock") if door == "encrypted" else (door, PAIRS[door][-1])
        name = "plain door" if door == "encrypted" else yard[1]
        print(f"  {door:<10} mock {mock:>9,.0f}   {name:<10} {counted[yard]:>9,.0f}   ratio {counted[yard] / mock:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
