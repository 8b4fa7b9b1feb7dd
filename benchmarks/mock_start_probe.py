"""Measure in-process start/stop of ``SungrowMockLibrary.MockSungrow``.

Run by ``modbus_bench.py`` in a fresh interpreter (so the load generator never
imports the package).  Prints exactly one JSON line with raw timings in
seconds:

    {"import_s": ..., "first_start_s": ..., "start_s": [...], "stop_s": [...],
     "construct_s": [...], "endpoint": "127.0.0.1:PORT", "listening": true}

* ``import_s``       -- ``import SungrowMockLibrary`` (not part of the target),
* ``first_start_s``  -- the first ``start()`` after the import (cold caches),
* ``start_s``        -- ``t0; m.start(); t1`` for each of the following cycles,
* ``construct_s`` / ``stop_s`` -- for information.

After the first start the probe connects to the reported endpoint once (not
timed) to check that ``start()`` returned with the port already listening.
Bounded by ``--cycles`` and ``--max-seconds``, whichever ends first.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="SH10RT")
    ap.add_argument("--cycles", type=int, default=50)
    ap.add_argument("--doors", default="modbus")
    ap.add_argument("--max-seconds", type=float, default=30.0)
    args = ap.parse_args()

    pc = time.perf_counter
    t0 = pc()
    from SungrowMockLibrary import MockSungrow
    import_s = pc() - t0

    # cold cycle: first start after import, plus a liveness check
    m = MockSungrow(model=args.model, host="127.0.0.1", modbus_port=0, unit_id=1, doors=args.doors)
    t0 = pc()
    m.start()
    first_start_s = pc() - t0
    endpoint = m.endpoint("modbus")
    host, _, port = endpoint.rpartition(":")
    listening = False
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            listening = True
    except OSError:
        pass
    m.stop()

    construct_s: list[float] = []
    start_s: list[float] = []
    stop_s: list[float] = []
    deadline = pc() + args.max_seconds
    for _ in range(max(0, args.cycles)):
        if pc() > deadline:
            break
        t0 = pc()
        m = MockSungrow(model=args.model, host="127.0.0.1", modbus_port=0, unit_id=1, doors=args.doors)
        t1 = pc()
        m.start()
        t2 = pc()
        m.stop()
        t3 = pc()
        construct_s.append(t1 - t0)
        start_s.append(t2 - t1)
        stop_s.append(t3 - t2)

    sys.stdout.write(json.dumps({
        "import_s": import_s,
        "first_start_s": first_start_s,
        "endpoint": endpoint,
        "listening": listening,
        "construct_s": construct_s,
        "start_s": start_s,
        "stop_s": stop_s,
    }) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
