"""Synchronous test clients for every door of a started mock, at the level of a Modbus PDU.

``ask(unit, pdu)`` sends one request PDU and returns the reply PDU, over plain Modbus TCP
(:class:`PlainModbus`), Sungrow's AES framing (:class:`EncryptedModbus`, real key request and
real encryption) or the WiNet-S HTTP pass-through (:class:`Passthrough`, an RTU frame with its
CRC). :class:`WinetClient` is one WebSocket + HTTP session towards the dongle. A dropped
connection raises :class:`ConnectionError`; nothing here hides a failure.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from typing import Any

import aiohttp

from SungrowMockLibrary.transports.encrypted import MAX_FRAME, EncryptionKey
from SungrowMockLibrary.transports.pdu import KEY_REQUEST_PDU
from SungrowMockLibrary.transports.winet.writes import MAX_RTU_FRAME, crc16, with_crc
from SungrowMockLibrary.vocabulary import KEY_REQUEST_UNIT, MAX_READ

TIMEOUT = 10.0
MBAP_HEADER = 7
# The most registers one read may ask for on each framing: an FC 03/04 reply is the function,
# the byte count and 2 bytes a register, plus the framing's own bytes (MBAP header; RTU unit + CRC).
MAX_READ_PLAIN = MAX_READ
MAX_READ_ENCRYPTED = min(MAX_READ, (MAX_FRAME - MBAP_HEADER - 2) // 2)
MAX_READ_RTU = min(MAX_READ, (MAX_RTU_FRAME - 1 - 2 - 2) // 2)


class PlainModbus:
    """One Modbus TCP connection (MBAP framing)."""

    max_read = MAX_READ_PLAIN

    def __init__(self, address: str):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        self._ids = itertools.count(1)

    def frame(self, unit: int, pdu: bytes) -> bytes:
        tid = next(self._ids) & 0xFFFF
        return tid.to_bytes(2, "big") + b"\x00\x00" + (len(pdu) + 1).to_bytes(2, "big") + bytes((unit,)) + pdu

    def ask(self, unit: int, pdu: bytes) -> bytes:
        request = self.frame(unit, pdu)
        self.sock.sendall(self.wrap(request))
        reply = self.receive()
        assert reply[:2] == request[:2] and reply[6] == unit, f"reply {reply.hex()} to {request.hex()}"
        assert int.from_bytes(reply[4:6], "big") == len(reply) - 6
        return reply[MBAP_HEADER:]

    def tell(self, unit: int, pdu: bytes, wait: float = 0.3) -> bool:
        """Send a request that gets no reply (a broadcast); True when none came within ``wait``
        seconds and the connection is still open."""
        self.sock.sendall(self.wrap(self.frame(unit, pdu)))
        self.sock.settimeout(wait)
        try:
            self.sock.recv(1, socket.MSG_PEEK)  # a reply, or b"" when the mock closed the connection
        except TimeoutError:
            return True
        finally:
            self.sock.settimeout(TIMEOUT)
        return False

    def wrap(self, frame: bytes) -> bytes:
        return frame

    def receive(self) -> bytes:
        header = self.exactly(6)
        return header + self.exactly(int.from_bytes(header[4:6], "big"))

    def exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError(f"the mock closed the connection after {len(data)} of {n} bytes")
            data += chunk
        return data

    def close(self) -> None:
        self.sock.close()


class EncryptedModbus(PlainModbus):
    """One connection of the encrypted door: asks for the public key, then encrypts every frame."""

    max_read = MAX_READ_ENCRYPTED

    def __init__(self, address: str):
        super().__init__(address)
        self.key: EncryptionKey | None = None
        key_reply = self.ask(KEY_REQUEST_UNIT, KEY_REQUEST_PDU)
        assert key_reply[:2] == b"\x04\x10", key_reply.hex()
        key = EncryptionKey(key_reply[2:18])
        assert key.enabled, "the encrypted door handed out the no-encryption key"
        self.key = key

    def wrap(self, frame: bytes) -> bytes:
        return frame if self.key is None else self.key.wrap(frame)

    def receive(self) -> bytes:
        if self.key is None:
            return super().receive()
        header = self.exactly(4)
        assert header[:2] == b"\x01\x00", f"not an encrypted reply: {header.hex()}"
        size, padding = header[2], header[3]
        return self.key.decrypt(self.exactly(size + padding))[:size]


class WinetClient:
    """A WebSocket (``connect`` done, token kept) and HTTP session towards the mock dongle, driven
    from the test's thread on a private event loop."""

    def __init__(self, ws_address: str, http_address: str):
        self.loop = asyncio.new_event_loop()
        self.http_url = f"http://{http_address}"
        self.session, self.ws = self.run(self._open(f"ws://{ws_address}/ws/home/overview"))
        self.token = ""
        reply = self.call("connect")
        assert reply["result_code"] == 1, reply
        self.token = reply["result_data"]["token"]

    async def _open(self, url: str):
        session = aiohttp.ClientSession()
        return session, await session.ws_connect(url)

    def run(self, coroutine):
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, TIMEOUT))

    def call(self, service: str, **fields: Any) -> dict:
        """One WebSocket service call; its reply."""
        return self.run(self._call({"lang": "en_us", "token": self.token, "service": service, **fields}))

    async def _call(self, request: dict) -> dict:
        await self.ws.send_str(json.dumps(request))
        message = await self.ws.receive()
        if message.type is not aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"the dongle answered {request['service']} with {message}")
        return json.loads(message.data)

    def get(self, path: str, **params: Any) -> dict:
        return self.run(self._http("GET", path, params={"token": self.token, **{k: str(v) for k, v in params.items()}}))

    def post(self, path: str, body: dict) -> dict:
        return self.run(self._http("POST", path, json={"token": self.token, **body}))

    async def _http(self, method: str, path: str, **options) -> dict:
        async with self.session.request(method, self.http_url + path, **options) as response:
            assert response.status == 200, f"{method} {path}: HTTP {response.status}"
            return json.loads(await response.text())

    def close(self) -> None:
        async def close():
            await self.ws.close()
            await self.session.close()

        self.run(close())
        self.loop.close()


class Passthrough:
    """Modbus through the dongle's ``/device/passthroughway``: an RTU frame (unit, PDU, CRC)."""

    max_read = MAX_READ_RTU

    def __init__(self, client: WinetClient):
        self.client = client

    def ask(self, unit: int, pdu: bytes) -> bytes:
        message = with_crc(bytes((unit,)) + pdu).hex().upper()
        reply = self.client.post(
            "/device/passthroughway",
            {"dev_id": unit, "lang": "_en_US", "msgLength": len(message) // 2, "msgType": "0", "msgValue": message},
        )
        assert reply["result_code"] == 1, reply
        frame = bytes.fromhex(reply["result_data"]["data"])
        assert frame[0] == unit and crc16(frame[:-2]).to_bytes(2, "little") == frame[-2:], frame.hex()
        return frame[1:-2]

    def close(self) -> None:
        self.client.close()
