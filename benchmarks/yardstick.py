"""What every yardstick server (echo, pymodbus, bare aiohttp) does around its own serving: print
where it listens as one JSON line, then serve until SIGTERM, SIGINT or its time bound."""

from __future__ import annotations

import asyncio
import json
import signal
import sys


def announce(**endpoints: str) -> None:
    """The ready line the benchmarks read: ``{"modbus": "HOST:PORT"}`` and the like."""
    sys.stdout.write(json.dumps(endpoints) + "\n")
    sys.stdout.flush()


async def serve_until_stopped(max_seconds: float) -> None:
    """Return on SIGTERM or SIGINT, or after ``max_seconds`` (a safety bound: it stops by itself)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=max_seconds)
    except TimeoutError:
        pass
