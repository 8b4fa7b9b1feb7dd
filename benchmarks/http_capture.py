#!/usr/bin/env python3
"""What the WiNet HTTP door answers and journals for a fixed script of requests, as text to diff.

A speed change to the HTTP door must not change what a client or a test sees. This runs one door
per firmware profile (``legacy``, ``login``, ``tls``) on 127.0.0.1 with a stopped clock and
numbered tokens, sends every request of the script on a new connection (kept and fresh getParam
reads, HEAD, ``Expect: 100-continue``, HTTP/1.0, absolute-form and pipelined requests, bad tokens
and devices, each HTTP fault, the login rule switched, tokens expired) and prints each raw answer
(its ``Date`` header left out) and each journal entry (its time, latency, sequence number and
peer port left out). Run it on two trees and diff:

  python benchmarks/http_capture.py --repo /path/to/base > base.txt
  python benchmarks/http_capture.py > new.txt && diff base.txt new.txt

Bounded: every exchange times out after 2-3 s; every door is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import ssl
import sys
import uuid
from pathlib import Path

GET_PARAM = "/device/getParam"
DATE = re.compile(rb"Date: [^\r]*\r\n")  # the one header that changes from run to run
FAULTS = [("delay", {"delay": 0.05}), ("http_error", {}), ("result_code", {"code": 106}),
          ("malformed_json", {}), ("login_required", {}), ("reset", {})]  # fmt: skip


def request(method: str, target: str, extra: str = "", body: bytes = b"", version: str = "1.1") -> bytes:
    head = f"{method} {target} HTTP/{version}\r\nHost: mock\r\nConnection: close\r\n{extra}"
    if body:
        head += f"Content-Length: {len(body)}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    return head.encode() + b"\r\n" + body


async def exchange(address: str, raw: bytes, tls: ssl.SSLContext | None) -> bytes:
    """``raw`` sent on a new connection; all that came back, or the error's name."""
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port), ssl=tls)
    try:
        writer.write(raw)
        await writer.drain()
        try:
            return await asyncio.wait_for(reader.read(), 2)
        except (TimeoutError, ConnectionResetError, ssl.SSLError) as error:
            return type(error).__name__.encode()
    finally:
        writer.close()


async def capture(firmware: str, out: list[str]) -> None:
    from SungrowMockLibrary.faults import Dose, FaultEngine, Target
    from SungrowMockLibrary.journal import Journal, Request
    from SungrowMockLibrary.simulation.clock import Clock
    from SungrowMockLibrary.simulation.inverter import Inverter
    from SungrowMockLibrary.transports.winet import WinetSettings, serve_winet

    clock = Clock("2026-06-21T12:00:00", speed=0)
    devices = {1: Inverter("SH10RT", clock=clock), 2: Inverter("SG5.0RS", clock=clock)}
    journal, faults = Journal(), FaultEngine()
    door = await serve_winet(devices, WinetSettings(firmware=firmware), journal, faults)
    tls = None
    if firmware == "tls":
        tls = ssl.create_default_context()
        tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    address = door.endpoints["winet_http"]
    token = door.dongle.sessions.connect().token
    if firmware != "legacy":
        token = door.dongle.sessions.login("admin", "pw8888", token)[0].token

    def read(**changes) -> str:
        query = {"dev_id": 1, "type": 3, "param_addr": 5000, "param_num": 2, "param_type": 0, "token": token, **changes}
        return GET_PARAM + "?" + "&".join(f"{k}={v}" for k, v in query.items() if v is not None)

    script = []
    for span in [{}, {"param_addr": 13001, "param_num": 10, "param_type": 1}, {"dev_id": 2}, {"param_num": 126}]:
        script += [request("GET", read(**span))] * 3  # built, then kept
    script += [
        request("HEAD", read()), request("HEAD", read()), request("GET", read(), "Expect: 100-continue\r\n"),
        request("GET", read(), version="1.0"), request("GET", read(), "Connection: keep-alive\r\n", version="1.0"),
        request("GET", read(token="bad")), request("GET", read(token=None)), request("GET", read(dev_id=9)),
        request("GET", read(param_num=127)), request("GET", read(type=2)), request("GET", read(type=9)),
        request("GET", read() + "#fragment"), request("GET", read() + "&dev_id=2"),
        request("GET", read().replace("getParam", "get%50aram")), request("GET", read(), body=b"dev_id=2"),
        request("POST", read(), body=b"dev_id=2"), request("GET", "http://mock" + read()), request("GET", read() + "/"),
        request("GET", "/no/such"), request("DELETE", read()), request("GET", "/i18n/en_US.properties"),
        request("GET", "/product/list"), request("GET", "/about/list?token=" + token),
        request("POST", "/device/list", body=f"token={token}".encode()),
        request("POST", "/device/passthroughway", body=f"dev_id=1&msgValue=010679F400AA511B&token={token}".encode()),
        request("GET", read()), request("GET", read(), "Accept-Encoding: gzip, deflate\r\n"),
    ]  # fmt: skip
    answers = [(raw, await exchange(address, raw, tls)) for raw in script]
    pipelined = [request("GET", read()).replace(b"Connection: close\r\n", b"")] * 3 + [request("GET", read(dev_id=2))]
    answers.append((b"pipelined", await exchange(address, b"".join(pipelined), tls)))
    for kind, params in [*FAULTS, ("refuse", {})]:
        target = Target(door="winet") if kind == "refuse" else Target(door="winet", service=GET_PARAM)
        faults.inject(kind, target=target, dose=Dose(times=1), **params)
        answers += [(kind.encode(), await exchange(address, request("GET", read()), tls)) for _ in range(2)]
    faults.clear()
    before = door.require_login(True)
    answers += [(b"login required", await exchange(address, request("GET", read()), tls)) for _ in range(2)]
    door.require_login(before)
    answers += [(b"login as before", await exchange(address, request("GET", read()), tls)) for _ in range(2)]
    door.expire_tokens()
    answers += [(b"tokens expired", await exchange(address, request("GET", read()), tls)) for _ in range(2)]
    await door.stop()
    out.append(f"== {firmware}")
    out += [f"{raw[:60]!r} -> {DATE.sub(b'', answer)!r}" for raw, answer in answers]
    for entry in journal.requests():
        fields = {name: getattr(entry, name) for name in Request.__slots__ if name not in ("time", "latency_ms", "seq")}
        fields["peer"] = fields["peer"].rsplit(":", 1)[0]
        out.append(repr(fields))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent, help="the tree to run")
    args = ap.parse_args()
    sys.path.insert(0, str(args.repo))
    numbers = itertools.count(1)
    uuid.uuid4 = lambda: uuid.UUID(int=next(numbers))  # tokens the same in every run
    out: list[str] = []
    for firmware in ("legacy", "login", "tls"):
        asyncio.run(capture(firmware, out))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
