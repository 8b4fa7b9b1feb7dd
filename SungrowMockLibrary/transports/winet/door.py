"""The WiNet-S door: aiohttp applications on their listening sockets, and a clean stop.

``legacy`` and ``login`` firmware: the WebSocket ``/ws/home/overview`` on ``ws_port`` and the
HTTP endpoints on ``http_port`` (two applications, as the dongle's port 8082 and port 80).
``tls`` firmware: both on ``tls_port`` over TLS. Port 0 = a free port.

``stop`` closes every websocket with 1001 (going away), every HTTP connection, and the
listening sockets before it returns. No threads: everything runs on the caller's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Mapping

import aiohttp
from aiohttp import WSCloseCode, WSMsgType, web

from ...simulation.inverter import Inverter
from . import services
from .codes import BAD_REQUEST, dumps, envelope
from .dongle import Dongle
from .routes import HttpApi
from .settings import WinetSettings
from .tls import self_signed

log = logging.getLogger(__name__)

WS_PATH = "/ws/home/overview"
MAX_MESSAGE = 64 * 1024  # larger WebSocket messages are refused with close code 1009
MAX_BODY = 64 * 1024  # larger HTTP bodies get HTTP 413
CLOSE_TIMEOUT = 1.0  # how long a closing websocket waits for the client's close frame
SHUTDOWN_TIMEOUT = 1.0  # how long stop waits for an HTTP request still being handled


class Connection:
    """One open websocket: replies and pushed notices are sent one at a time.

    ``stop`` asks the handler to close with 1001: the handler itself closes (not another task),
    so aiohttp waits for the client's close frame and the client sees a clean close handshake.
    """

    def __init__(self, ws: web.WebSocketResponse, local_ip: str):
        self.ws = ws
        self.local_ip = local_ip
        self._sending = asyncio.Lock()
        loop = asyncio.get_running_loop()
        self.stopping: asyncio.Future = loop.create_future()
        self.finished: asyncio.Future = loop.create_future()

    async def send(self, message: dict) -> bool:
        """Send one JSON message; False when the websocket is already gone."""
        if self.ws.closed:
            return False
        async with self._sending:
            try:
                await self.ws.send_str(dumps(message))
            except (ConnectionError, RuntimeError, aiohttp.ClientError):
                return False
        return True

    async def next_message(self) -> aiohttp.WSMessage | None:
        """The next message from the client, or None once the door is stopping."""
        if self.stopping.done():
            return None
        receive = asyncio.ensure_future(self.ws.receive())
        try:
            await asyncio.wait((receive, self.stopping), return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            receive.cancel()
            raise
        if receive.done():
            return receive.result()
        receive.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await receive
        return None

    def stop(self) -> None:
        if not self.stopping.done():
            self.stopping.set_result(None)


class WinetDoor:
    """A running mock dongle. Create it with :func:`serve_winet`."""

    def __init__(self, devices: Mapping[int, Inverter], settings: WinetSettings):
        self.settings = settings
        self.endpoints: dict[str, str] = {}
        self.certificate: bytes | None = None  # PEM of the tls firmware's self-signed certificate
        self.dongle = Dongle(devices, settings)
        self._runners: list[web.AppRunner] = []
        self._sockets: list[socket.socket] = []
        self._connections: set[Connection] = set()
        self._stopping = False

    # -- the contract ---------------------------------------------------------------------------

    def expire_tokens(self) -> int:
        """Every token issued so far expires now; returns how many were still live."""
        return self.dongle.sessions.expire_all()

    def require_login(self, required: bool) -> bool:
        """Switch the login requirement; returns the previous setting."""
        previous = self.dongle.sessions.login_required
        self.dongle.sessions.login_required = bool(required)
        return previous

    async def stop(self) -> None:
        """Close every websocket (1001) and HTTP connection and release the ports."""
        if self._stopping:
            return
        self._stopping = True
        loop = asyncio.get_running_loop()
        # Stop accepting first, and let accepts already in flight reach their protocol (as in
        # mbap.TcpDoor.stop), so that no connection slips past the shutdown below.
        for sock in self._sockets:
            with contextlib.suppress(ValueError, OSError):
                loop.remove_reader(sock.fileno())
        for _ in range(3):
            await asyncio.sleep(0)
        open_sockets = list(self._connections)
        for connection in open_sockets:
            connection.stop()
        if open_sockets:
            await asyncio.wait([c.finished for c in open_sockets], timeout=CLOSE_TIMEOUT + 1)
        for runner in self._runners:
            await runner.cleanup()
        for sock in self._sockets:
            sock.close()
        self._runners.clear()
        self._sockets.clear()

    # -- start ----------------------------------------------------------------------------------

    async def _start(self) -> None:
        settings = self.settings
        api = HttpApi(self.dongle)
        try:
            if settings.tls:
                context, self.certificate = self_signed(settings.host)
                app = self._app(websocket=True, http=api)
                address = await self._serve(app, settings.tls_port, context)
                self.endpoints = {"winet_ws": address, "winet_http": address}
            else:
                ws_address = await self._serve(self._app(websocket=True), settings.ws_port)
                http_address = await self._serve(self._app(http=api), settings.http_port)
                self.endpoints = {"winet_ws": ws_address, "winet_http": http_address}
        except BaseException:
            await self.stop()
            raise

    def _app(self, websocket: bool = False, http: HttpApi | None = None) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        if websocket:
            app.router.add_get(WS_PATH, self._websocket)
        if http is not None:
            app.add_routes(http.routes())
        return app

    async def _serve(self, app: web.Application, port: int, context=None) -> str:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        self._runners.append(runner)
        sock = _listen(self.settings.host, port)
        self._sockets.append(sock)
        await web.SockSite(runner, sock, ssl_context=context).start()
        host, bound = sock.getsockname()[:2]
        return f"{host}:{bound}"

    # -- the WebSocket --------------------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if self._stopping:
            raise web.HTTPServiceUnavailable()
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE, timeout=CLOSE_TIMEOUT)
        await ws.prepare(request)  # a plain GET gets HTTP 400 from aiohttp
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        connection = Connection(ws, sockname[0] if sockname else "")
        self._connections.add(connection)
        if self._stopping:  # the handshake finished while stop was starting
            connection.stop()
        try:
            while True:
                message = await connection.next_message()
                if message is None or message.type in _CLOSED:
                    break
                if message.type is WSMsgType.TEXT:
                    reply, pushes = services.handle_text(self.dongle, message.data, connection, connection.local_ip)
                elif message.type is WSMsgType.BINARY:
                    reply, pushes = envelope(BAD_REQUEST, service=""), []
                else:  # ERROR: too big or not UTF-8; aiohttp has already closed (1009 / 1007)
                    break
                for target, notice in pushes:
                    await target.send(notice)
                if not await connection.send(reply):
                    break
            if connection.stopping.done() and not ws.closed:
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
        except (ConnectionError, RuntimeError, aiohttp.ClientError, asyncio.TimeoutError):
            pass  # the client went away mid-request
        finally:
            self._connections.discard(connection)
            self.dongle.sessions.forget_connection(connection)
            connection.finished.set_result(None)
        return ws


_CLOSED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED)


def _listen(host: str, port: int) -> socket.socket:
    family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, protocol)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


async def serve_winet(devices: Mapping[int, Inverter], settings: WinetSettings) -> WinetDoor:
    """Open a mock WiNet-S for ``devices`` (dev_id = Modbus unit id → inverter, live mapping).

    Must be awaited on the event loop that will serve it (the mock's loop thread).
    """
    settings.check()
    door = WinetDoor(devices, settings)
    await door._start()
    return door

