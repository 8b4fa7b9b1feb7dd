"""Floor target (c): the cheapest "Modbus server" asyncio can host.

For every complete 12-byte request (MBAP header + FC 03/04 read PDU) it writes
back a *precomputed* reply of the same size as the real one, only copying the
transaction id from the request (unit id is always 1).  No decoding, no datastore, no
per-request allocation beyond the reply bytes.  Whatever throughput this
reaches on the machine is the ceiling for any pure-Python asyncio Modbus TCP
server (and the floor for latency).

Reply sizes (MBAP 7 + FC 1 + byte count 1 + data):
  FC04 x100 -> 9 + 200 = 209 bytes, FC03 x10 -> 9 + 20 = 29 bytes.
The register count is taken from the request, so any quantity works; other
function codes get an "illegal function" exception reply.

Prints one JSON line (``{"modbus": "127.0.0.1:PORT"}``) when listening; stops
on SIGTERM/SIGINT or after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import ClassVar

import yardstick  # beside this script

REQ_LEN = 12


def _reply_tail(fc: int, qty: int) -> bytes:
    """Everything after the 2-byte transaction id (protocol id, length, unit 1, PDU)."""
    if fc in (3, 4) and 1 <= qty <= 125:
        nbytes = 2 * qty
        body = bytes([fc, nbytes]) + bytes(range(256)) * (nbytes // 256) + bytes(range(nbytes % 256))
    else:
        body = bytes([fc | 0x80, 0x01])
    return b"\x00\x00" + (len(body) + 1).to_bytes(2, "big") + b"\x01" + body


class EchoProtocol(asyncio.Protocol):
    __slots__ = ("buf", "transport")
    cache: ClassVar[dict[bytes, bytes]] = {}  # shared by every connection on purpose

    def connection_made(self, transport):
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        n = len(buf)
        pos = 0
        out = []
        cache = self.cache
        while n - pos >= REQ_LEN:
            key = buf[pos + 7:pos + 12]  # fc + address + quantity
            tail = cache.get(key)
            if tail is None:
                tail = _reply_tail(key[0], int.from_bytes(key[3:5], "big"))
                if len(cache) < 64:  # bounded: only a handful of shapes are used
                    cache[key] = tail
            out.append(buf[pos:pos + 2] + tail)  # echo the transaction id
            pos += REQ_LEN
        self.buf = buf[pos:]
        if out:
            self.transport.write(out[0] if len(out) == 1 else b"".join(out))


async def main(host: str, port: int, max_seconds: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(EchoProtocol, host, port, reuse_address=True)
    sock_host, sock_port = server.sockets[0].getsockname()[:2]
    yardstick.announce(modbus=f"{sock_host}:{sock_port}")
    await yardstick.serve_until_stopped(max_seconds)
    server.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--max-seconds", type=float, default=600.0,
                    help="exit by itself after this long (safety bound)")
    ap.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio",
                    help="event loop, to compare with a mock on the same loop (default asyncio)")
    args = ap.parse_args()
    run = asyncio.run
    if args.loop == "uvloop":
        import uvloop

        run = uvloop.run
    run(main(args.host, args.port, args.max_seconds))
