"""How long a concurrent plain Modbus reader waits while the mock handles each hostile input of
issue 11 (docs/decisions.md §24). The bound the issue sets is 250 ms.

One mock with every door (plain Modbus, encrypted Modbus, WiNet-S) on 127.0.0.1 with a frozen
clock; a reader thread sends FC 04 reads (input 5000 x 10) on the plain door one after another
and records when each was sent and how long its reply took. Each hostile input is then sent
``--times`` times (default 5); the worst wait of the reads in flight while it was handled is
printed per input, with the reads' baseline first. Bounded: a fixed number of sends, every
socket with a timeout, the whole run well under 60 s, traffic to 127.0.0.1 only.

    PYTHONPATH=. python3 benchmarks/hostile_latency.py [--times N] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.errors import SungrowMockError

TIMEOUT = 10.0
START = "2026-06-21T12:00:00"
READ = bytes.fromhex("00010000000601041387000a")  # tid 1, unit 1, FC 04 input 5000 x 10
BOUND_MS = 250.0


class Reader(threading.Thread):
    """FC 04 reads in a loop on one plain Modbus connection: (sent at, seconds it took) each."""

    def __init__(self, address: str):
        super().__init__(name="hostile-reader", daemon=True)
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        self.samples: list[tuple[float, float]] = []
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                sent = time.perf_counter()
                self.sock.sendall(READ)
                reply = b""
                while len(reply) < 29:  # MBAP 7 + FC + byte count + 20 bytes
                    chunk = self.sock.recv(29 - len(reply))
                    if not chunk:
                        raise ConnectionError("the mock closed the reader's connection")
                    reply += chunk
                self.samples.append((sent, time.perf_counter() - sent))
                time.sleep(0.001)
        except BaseException as error:  # reported by worst_wait
            self.error = error
        finally:
            self.sock.close()

    def worst_wait(self, since: float, until: float) -> float:
        """The longest wait (s) of a read in flight between ``since`` and ``until``."""
        if self.error is not None:
            raise RuntimeError(f"the reader failed: {self.error!r}")
        waits = [took for sent, took in list(self.samples) if sent <= until and sent + took >= since]
        return max(waits, default=0.0)


# -- the hostile inputs ---------------------------------------------------------------------------


def ems_request(token: str, mode="2", dev_ids=("1",), items: int = 3) -> dict:
    base = [
        {"accuracy": 0, "param_addr": 33146, "param_id": 1, "param_type": 1, "param_value": mode,
         "param_name": "Energy Management Mode"},
        {"accuracy": 0, "param_addr": 33147, "param_id": 2, "param_type": 1, "param_value": "170",
         "param_name": "Charging/Discharging Command"},
        {"accuracy": 2, "param_addr": 33148, "param_id": 3, "param_type": 2, "param_value": "3.00",
         "param_name": "Charging/Discharging Power"},
    ]
    return {"lang": "en_us", "token": token, "service": "param", "devid_array": list(dev_ids), "type": "9",
            "list": (base * (items // 3 + 1))[:items]}


class Winet:
    """One WebSocket to the dongle with a token from a bare ``connect`` (on a private loop)."""

    def __init__(self, address: str):
        self.loop = asyncio.new_event_loop()
        self.session, self.ws = self.run(self._open(f"ws://{address}/ws/home/overview"))
        self.token = self.send(json.dumps({"service": "connect"}))["result_data"]["token"]

    async def _open(self, url):
        session = aiohttp.ClientSession()
        return session, await session.ws_connect(url, max_msg_size=0)

    def run(self, coroutine):
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, TIMEOUT))

    def send(self, text: str) -> dict:
        async def exchange():
            await self.ws.send_str(text)
            message = await self.ws.receive()
            return json.loads(message.data)

        return self.run(exchange())

    def close(self) -> None:
        self.run(self.ws.close())
        self.run(self.session.close())
        self.loop.close()


def hostile_inputs(mock: MockSungrow, winet: Winet, writer: socket.socket) -> dict[str, Callable[[], str]]:
    """Name -> one sending of the input; each returns what the mock answered (short)."""

    def ws(request: Callable[[str], str]) -> Callable[[], str]:
        def send() -> str:
            reply = winet.send(request(winet.token))
            return f"result_code {reply['result_code']}"
        return send

    def huge_list(token: str) -> str:
        return json.dumps(ems_request(token, dev_ids=["1"] * 3_000, items=300))

    def year(value: int) -> str:
        frame = bytes.fromhex("00020000000601061387") + value.to_bytes(2, "big")
        writer.sendall(frame)
        writer.recv(64)
        writer.sendall(bytes.fromhex("000300000006010417d3007d"))  # statistics arrays: the jump is integrated
        got = b""
        while len(got) < 259:
            got += writer.recv(259 - len(got))
        return f"FC04 {len(got)} bytes"

    def year_2099() -> str:
        year(2026)
        return year(2099)

    def advance_huge() -> str:
        try:
            mock.advance_clock(1_000_000 * 86400.0)
        except SungrowMockError as error:
            return f"refused: {str(error)[:60]}"
        return "accepted"

    def set_time_far() -> str:
        mock.set_time(START)
        mock.get_value("battery_level")
        mock.set_time("2099-12-31T12:00:00")
        return f"clock {mock.get_time()}, pv total {mock.get_value('total_pv_generation'):.0f} kWh"

    def advance_century() -> str:
        mock.set_time("2000-01-01T00:00:00")
        mock.get_value("battery_level")
        mock.advance_clock(3.15e9)  # to 2099-10
        return f"clock {mock.get_time()}"

    return {
        "param_value 1e300000": ws(lambda token: json.dumps(ems_request(token, mode="1e300000"))),
        "devid_array of 10,000 ids": ws(lambda token: json.dumps(ems_request(token, dev_ids=["1"] * 10_000))),
        "300 items x 3,000 ids": ws(huge_list),
        "lone surrogate in a param": ws(
            lambda token: json.dumps(ems_request(token)).replace("Energy Management Mode", "\\ud800")
        ),
        "clock year 2026 -> 2099 (holding 5000)": year_2099,
        "Advance Mock Clock 1000000 days": advance_huge,
        "Set Mock Time 2099-12-31": set_time_far,
        "Advance Mock Clock a century": advance_century,
    }


def measure(times: int = 5, only: tuple[str, ...] = ()) -> dict[str, dict]:
    """Start the mock, run the reader, send each input ``times`` times; per input the worst wait."""
    results: dict[str, dict] = {}
    with MockSungrow("SH10RT", doors="modbus,encrypted,winet", clock_speed=0, start_time=START) as mock:
        reader = Reader(mock.endpoint("modbus"))
        writer = socket.create_connection(mock.endpoint("modbus").rsplit(":", 1), timeout=TIMEOUT)
        winet = Winet(mock.endpoint("winet_ws"))
        reader.start()
        try:
            time.sleep(0.3)
            began = time.perf_counter()
            time.sleep(0.5)
            results["baseline (no hostile input)"] = {"worst_ms": 1000 * reader.worst_wait(began, time.perf_counter()),
                                                      "reply": "-"}
            for name, send in hostile_inputs(mock, winet, writer).items():
                if only and name not in only:
                    continue
                worst, took, reply = 0.0, 0.0, ""
                for _ in range(times):
                    began = time.perf_counter()
                    reply = send()
                    ended = time.perf_counter()
                    time.sleep(0.02)  # let a read that waited finish
                    took = max(took, ended - began)
                    worst = max(worst, reader.worst_wait(began, ended))
                results[name] = {"worst_ms": 1000 * worst, "handled_ms": 1000 * took, "reply": reply}
                mock.set_time(START)
        finally:
            reader.stopping.set()
            reader.join(TIMEOUT)
            winet.close()
            writer.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--times", type=int, default=5, help="sends of each hostile input (default 5)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    started = time.perf_counter()
    results = measure(max(1, min(args.times, 50)))
    width = max(map(len, results))
    print(f"{'hostile input':<{width}}  worst reader wait  slowest handling  reply")
    for name, figures in results.items():
        handled = f"{figures['handled_ms']:9.1f} ms" if "handled_ms" in figures else " " * 12
        print(f"{name:<{width}}  {figures['worst_ms']:14.1f} ms  {handled}     {figures['reply']}")
    worst = max(f["worst_ms"] for f in results.values())
    print(f"worst over all inputs: {worst:.1f} ms (bound {BOUND_MS:.0f} ms); run took {time.perf_counter() - started:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
