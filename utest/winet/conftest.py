"""Fixtures for the WiNet-S door: a door on a background event loop, and small aiohttp clients.

Tests are synchronous functions that run one ``async`` scenario with :func:`run`; the door lives on
its own loop thread (as in the mock), and device changes go through that thread with ``on_loop``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from SungrowMockLibrary.runtime import EventLoopThread
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.transports.winet import WinetDoor, WinetSettings, serve_winet

TIMEOUT = 10.0


def run(coroutine):
    """Run one client scenario to the end (bounded, so a hang fails instead of blocking)."""

    async def bounded():
        return await asyncio.wait_for(coroutine, TIMEOUT)

    return asyncio.run(bounded())


class Socket:
    """One client websocket to the dongle, with its token."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse):
        self.ws = ws
        self.token = ""

    async def send(self, payload: Any) -> None:
        await self.ws.send_str(payload if isinstance(payload, str) else json.dumps(payload))

    async def receive(self, timeout: float = 5.0) -> dict:
        message = await self.ws.receive(timeout=timeout)
        assert message.type is aiohttp.WSMsgType.TEXT, f"expected a text frame, got {message}"
        return json.loads(message.data)

    async def call(self, service: str, **fields: Any) -> dict:
        await self.send({"lang": "en_us", "token": self.token, "service": service, **fields})
        return await self.receive()

    async def connect(self) -> dict:
        reply = await self.call("connect")
        self.token = reply["result_data"]["token"]
        return reply

    async def login(self, username: str = "admin", passwd: str = "pw8888") -> dict:
        reply = await self.call("login", username=username, passwd=passwd)
        if reply["result_code"] == 1:
            self.token = reply["result_data"]["token"]
        return reply


class Client:
    """A client session towards one door (WS and HTTP; TLS without verification for ``tls``)."""

    def __init__(self, door: WinetDoor, session: aiohttp.ClientSession):
        tls = door.settings.firmware == "tls"
        self.session = session
        self.ws_url = f"{'wss' if tls else 'ws'}://{door.endpoints['winet_ws']}/ws/home/overview"
        self.http_url = f"{'https' if tls else 'http'}://{door.endpoints['winet_http']}"
        self.ssl = not tls  # False: no certificate check
        self.sockets: list[Socket] = []

    async def socket(self) -> Socket:
        socket = Socket(await self.session.ws_connect(self.ws_url, ssl=self.ssl))
        self.sockets.append(socket)
        return socket

    async def close(self) -> None:
        for socket in self.sockets:
            await socket.ws.close()

    async def get(self, path: str, **params: Any) -> tuple[int, Any]:
        async with self.session.get(self.http_url + path, params=_text(params), ssl=self.ssl) as response:
            return response.status, await _body(response)

    async def post(self, path: str, json_body: Any = None, data: Any = None, **params: Any) -> tuple[int, Any]:
        async with self.session.post(
            self.http_url + path, json=json_body, data=data, params=_text(params), ssl=self.ssl
        ) as response:
            return response.status, await _body(response)


def _text(params: dict) -> dict:
    return {k: str(v) for k, v in params.items()}


async def _body(response: aiohttp.ClientResponse) -> Any:
    text = await response.text()
    if response.content_type == "application/json":
        return json.loads(text)
    return text




@pytest.fixture(scope="module")
def runtime():
    thread = EventLoopThread("winet-utest").start()
    yield thread
    thread.stop()


@pytest.fixture
def start_door(runtime):
    """``start_door(firmware=..., devices=..., **settings)`` → a running door; all stop at the end."""
    doors: list[WinetDoor] = []

    def start(firmware: str = "legacy", devices: dict | None = None, **settings: Any) -> WinetDoor:
        if devices is None:
            devices = {1: Inverter("SH10RT")}
        door = runtime.run(serve_winet(devices, WinetSettings(firmware=firmware, **settings)))
        doors.append(door)
        return door

    yield start
    for door in doors:
        runtime.run(door.stop())


@pytest.fixture
def on_loop(runtime):
    """Run a plain function on the door's loop thread (device changes never race a request)."""
    return runtime.call


@pytest.fixture
def two_devices():
    return {1: Inverter("SH10RT"), 2: Inverter("SG5.0RS")}


def scenario(door: WinetDoor, body) -> Any:
    """Run ``await body(client)`` with a fresh client session towards ``door``."""

    async def main():
        async with aiohttp.ClientSession() as session:
            client = Client(door, session)
            try:
                return await body(client)
            finally:
                await client.close()

    return run(main())


@pytest.fixture(autouse=True)
def no_server_errors(caplog):
    """Every test also checks that the server logged no error (aiohttp logs unhandled exceptions)."""
    yield
    errors = [r for r in caplog.get_records("call") if r.levelname in ("ERROR", "CRITICAL")]
    errors += [r for r in caplog.get_records("teardown") if r.levelname in ("ERROR", "CRITICAL")]
    assert not errors, "server logged errors: " + "; ".join(r.getMessage() for r in errors)
