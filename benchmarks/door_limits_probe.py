#!/usr/bin/env python3
"""What a hostile Modbus peer costs the mock: a bounded probe of backpressure, caps and accept errors.

Starts ``sungrow-mock serve`` (127.0.0.1 only) in a subprocess and, one scenario at a time:

  nonreader   a client sends FC 04 x 100 reads for 1 s and never reads a reply, on the plain and
              on the encrypted door; reports the server's RSS growth while it sends and after
              it leaves, and the worst latency of a concurrent well-behaved reader (the
              server keeps a journal of one entry, so that only the door's cost shows).
  halfopen    opens 1,000 connections that never send anything; reports how many the door
              kept and the worst latency of a concurrent reader.
  emfile      the server runs with a file-descriptor limit of 256 and no connection cap; 400
              connections are opened; reports how many bytes the server logged.

Every loop is bounded in count and time. Figures are reported, never asserted.

  PYTHONPATH=$PWD python3 benchmarks/door_limits_probe.py
  PYTHONPATH=/work/main python3 benchmarks/door_limits_probe.py --old   # a build without the limits
"""

from __future__ import annotations

import argparse
import json
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import time

READ = struct.pack(">HHHBBHH", 1, 0, 6, 1, 4, 5000, 100)  # FC 04, wire 5000, 100 registers: 209-byte reply


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def serve(extra: list[str], nofile: int | None = None, stderr=None):
    def limit():
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    process = subprocess.Popen(
        [sys.executable, "-m", "SungrowMockLibrary", "serve", "--host", "127.0.0.1", "--doors", "modbus,encrypted",
         "--no-simulate", *extra],
        stdout=subprocess.PIPE, stderr=stderr or subprocess.DEVNULL, text=True, preexec_fn=limit,
    )  # fmt: skip
    ready = json.loads(process.stdout.readline())
    return process, ready["endpoints"]


def address(endpoint: str) -> tuple[str, int]:
    host, port = endpoint.rsplit(":", 1)
    return host, int(port)


def reader_latency(endpoint: str, seconds: float, during) -> tuple[float, object]:
    """Run ``during`` (a generator stepped between reads) while a polite client reads; worst latency."""
    sock = socket.create_connection(address(endpoint), timeout=5)
    worst = 0.0
    result = None
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            try:
                result = next(during)
            except StopIteration as stop:
                result = stop.value
                break
            started = time.perf_counter()
            sock.sendall(READ)
            got = b""
            while len(got) < 209:
                chunk = sock.recv(4096)
                if not chunk:
                    raise ConnectionError("the polite reader was closed")
                got += chunk
            worst = max(worst, time.perf_counter() - started)
    finally:
        sock.close()
    return worst, result


def nonreader(endpoint: str, pid: int, seconds: float = 1.0):
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(address(endpoint))
    sock.setblocking(False)
    burst = READ * 256
    sent = 0
    peak = base = rss_kib(pid)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            sent += sock.send(burst)
        except BlockingIOError:
            time.sleep(0.001)
        peak = max(peak, rss_kib(pid))
        yield None
    sock.close()
    time.sleep(1.0)
    return {"requests sent": sent // len(READ), "rss before KiB": base, "rss peak KiB": peak,
            "rss 1 s after the client left KiB": rss_kib(pid)}  # fmt: skip


def halfopen(endpoint: str, count: int = 1000):
    sockets = []
    try:
        for _ in range(count):
            sockets.append(socket.create_connection(address(endpoint), timeout=5))
            yield None
        time.sleep(0.5)
        kept = 0
        for sock in sockets:
            sock.setblocking(False)
            try:
                kept += sock.recv(1) != b""
            except BlockingIOError:
                kept += 1  # still open
            except OSError:
                pass
        return {"opened": count, "still open after 0.5 s": kept}
    finally:
        for sock in sockets:
            sock.close()


def emfile(extra: list[str]) -> dict:
    with tempfile.TemporaryFile(mode="w+") as log:
        process, endpoints = serve(extra, nofile=256, stderr=log)
        sockets = []
        try:
            for _ in range(400):
                try:
                    sockets.append(socket.create_connection(address(endpoints["modbus"]), timeout=2))
                except OSError:
                    break
            time.sleep(5.0)
        finally:
            for sock in sockets:
                sock.close()
            process.terminate()
            process.wait(10)
        log.seek(0)
        text = log.read()
    return {"connections attempted": 400, "log bytes in 5 s": len(text), "log lines": text.count("\n")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", action="store_true", help="the server has no --max-connections flag")
    args = parser.parse_args()
    no_cap = [] if args.old else ["--max-connections", "0"]
    report = {}
    process, endpoints = serve(["--journal-capacity", "1"])  # the journal's own (bounded) growth aside
    try:
        for door in ("modbus", "encrypted"):
            worst, result = reader_latency(endpoints["modbus"], 10, nonreader(endpoints[door], process.pid))
            report[f"nonreader on {door}"] = {**result, "worst reader latency ms": round(worst * 1000, 1)}
        worst, result = reader_latency(endpoints["encrypted"], 20, halfopen(endpoints["modbus"]))
        report["halfopen on modbus"] = {**result, "worst reader latency ms": round(worst * 1000, 1)}
    finally:
        process.terminate()
        process.wait(10)
    report["emfile"] = emfile(no_cap)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
