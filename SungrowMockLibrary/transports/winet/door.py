"""The WiNet-S door: aiohttp applications on their listening sockets, and a clean stop.

``legacy`` and ``login`` firmware: the WebSocket ``/ws/home/overview`` on ``ws_port`` and the
HTTP endpoints on ``http_port`` (two applications, as the dongle's port 8082 and port 80).
``tls`` firmware: both on ``tls_port`` over TLS. Port 0 = a free port.

``stop`` closes every websocket with 1001 (going away), every HTTP connection, and the
listening sockets before it returns. No threads: everything runs on the caller's event loop.

Limits (:mod:`...limits`): the door admits at most ``max_connections`` connections at once,
WebSocket and HTTP together (one more is closed at once); a connection with no HTTP request
and no WebSocket frame for ``idle_timeout`` seconds is closed (a websocket with 1001), and HTTP
keep-alive ends after the same time (aiohttp's ``keepalive_timeout``). aiohttp itself waits for
a peer that does not read (its writes drain), so a slow reader holds up only its own connection.

The door holds what its parts share; the parts are the WebSocket handler (:mod:`.websocket`), the
HTTP journal and faults (:mod:`.http_door`) and the fault actions (:mod:`.fault_actions`). With a
:class:`~SungrowMockLibrary.journal.Journal` the door records every WebSocket message and every
HTTP request (door ``winet``); with a :class:`~SungrowMockLibrary.faults.FaultEngine` it asks the
engine about each one and performs the fault it gets. Without them none of that runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Mapping

from aiohttp import web

from ...faults import FaultEngine
from ...journal import Journal
from ...limits import IDLE_TIMEOUT, MAX_CONNECTIONS, WINET_MAX_BODY
from ...simulation.inverter import Inverter
from ..doorkeeper import Doorkeeper
from .dongle import Dongle
from .http_door import CATCH_ALL, catch_all, door_handler, request_handler
from .request_fields import peer_of
from .routes import HttpApi
from .settings import WinetSettings
from .websocket import CLOSE_TIMEOUT, WS_PATH, Connection, WebSocketEndpoint

MAX_BODY = WINET_MAX_BODY  # larger HTTP bodies get HTTP 413
SHUTDOWN_TIMEOUT = 1.0  # how long stop waits for an HTTP request still being handled


class WinetDoor:
    """A running mock dongle. Create it with :func:`serve_winet`."""

    def __init__(
        self,
        devices: Mapping[int, Inverter],
        settings: WinetSettings,
        journal: Journal | None = None,
        faults: FaultEngine | None = None,
        max_connections: int = MAX_CONNECTIONS,
        idle_timeout: float = IDLE_TIMEOUT,
    ):
        self.settings = settings
        self.journal = journal
        self.faults = faults
        self.endpoints: dict[str, str] = {}
        self.certificate: bytes | None = None  # PEM of the tls firmware's self-signed certificate
        self.dongle = Dongle(devices, settings)
        self.runners: list[web.AppRunner] = []
        self.connections: set[Connection] = set()  # the open websockets
        self.stopped = False  # stop has begun
        self._sockets: list[socket.socket] = []
        self._halting: asyncio.Future | None = None  # done once stop began: ends fault delays
        self._websocket = WebSocketEndpoint(self)
        self.doorkeeper = Doorkeeper("winet", max_connections, idle_timeout)
        self.guards: dict[asyncio.BaseProtocol, Guard] = {}  # aiohttp's request handler -> its guard

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
        if self.stopped:
            return
        self.stopped = True
        if self._halting is not None and not self._halting.done():
            self._halting.set_result(None)
        loop = asyncio.get_running_loop()
        # Stop accepting first, and let accepts already in flight reach their protocol (as in
        # mbap.TcpDoor.stop), so that no connection slips past the shutdown below.
        for sock in self._sockets:
            with contextlib.suppress(ValueError, OSError):
                loop.remove_reader(sock.fileno())
        for _ in range(3):
            await asyncio.sleep(0)
        self.doorkeeper.stop()
        open_sockets = list(self.connections)
        for connection in open_sockets:
            connection.stop()
        if open_sockets:
            await asyncio.wait([c.finished for c in open_sockets], timeout=CLOSE_TIMEOUT + 1)
        for runner in self.runners:
            await runner.cleanup()
        for sock in self._sockets:
            sock.close()
        self.runners.clear()
        self._sockets.clear()

    # -- start ----------------------------------------------------------------------------------

    async def _start(self) -> None:
        settings = self.settings
        self._halting = asyncio.get_running_loop().create_future()
        self.doorkeeper.start()
        api = HttpApi(self.dongle)
        try:
            if settings.tls:
                from .tls import self_signed  # cryptography's x509: only the tls firmware pays for it

                context, self.certificate = self_signed(settings.host)
                app = self._app(websocket=True, http=api)
                address = await self._serve(app, settings.tls_port, context, api)
                self.endpoints = {"winet_ws": address, "winet_http": address}
            else:
                ws_address = await self._serve(self._app(websocket=True), settings.ws_port)
                http_address = await self._serve(self._app(http=api), settings.http_port, api=api)
                self.endpoints = {"winet_ws": ws_address, "winet_http": http_address}
        except BaseException:
            await self.stop()
            raise

    def _app(self, websocket: bool = False, http: HttpApi | None = None) -> web.Application:
        """One application: the WebSocket path untouched, every other route (and the catch-all for
        aiohttp's 404 and 405) with the door's marks, journal and faults (no middleware: §35)."""
        journaled = http is not None and (self.journal is not None or self.faults is not None)
        app = web.Application(client_max_size=MAX_BODY)
        if websocket:
            app.router.add_get(WS_PATH, self._websocket.handle)
        for route in http.routes() if http is not None else ():
            fixed = None if "{" in route.path else route.path
            handler = door_handler(self, route.handler, journaled, path=fixed)
            app.add_routes([web.RouteDef(route.method, route.path, handler, route.kwargs)])
        app.router.add_route("*", CATCH_ALL, catch_all(self, websocket, journaled))
        return app

    async def _serve(self, app: web.Application, port: int, context=None, api: HttpApi | None = None) -> str:
        idle = self.doorkeeper.idle_timeout
        keepalive = {"keepalive_timeout": idle} if idle > 0 else {}
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT, **keepalive)
        await runner.setup()
        if api is not None:  # read by each connection's handler when it is made: set before the site opens
            runner.server.request_handler = request_handler(self, api, runner.server.request_handler)
        self.runners.append(runner)
        sock = _listen(self.settings.host, port)
        self._sockets.append(sock)
        await GuardedSite(runner, sock, self, ssl_context=context).start()
        host, bound = sock.getsockname()[:2]
        return f"{host}:{bound}"

    # -- shared with the parts ----------------------------------------------------------------

    async def pause(self, seconds: float, *stops: asyncio.Future) -> bool:
        """Wait ``seconds``; False at once when the door (or the websocket) stops meanwhile."""
        stops = tuple(s for s in (self._halting, *stops) if s is not None)
        if any(stop.done() for stop in stops):
            return False
        if seconds <= 0:
            return True
        done, _ = await asyncio.wait(stops, timeout=seconds)
        return not done


class Guard(asyncio.Protocol):
    """One connection of the door in front of aiohttp's request handler: admitted by the door's
    :class:`~..doorkeeper.Doorkeeper` (else closed at once) and watched for idleness.

    Busy means: bytes arrived since the last look, or an HTTP request is being answered (marked
    by :func:`.http_door.door_handler`). The handler gets every call unchanged.
    """

    def __init__(self, door: WinetDoor, inner: asyncio.Protocol):
        self._door = door
        self._inner = inner
        self._admitted = False
        self.transport: asyncio.BaseTransport | None = None
        self.received = False
        self.requests = 0  # HTTP requests being answered
        self.peer = ""

    def connection_made(self, transport) -> None:
        self.transport = transport
        door = self._door
        if door.stopped or not door.doorkeeper.admit(self):
            transport.close()  # beyond the door's cap (or stopping): refused, the others keep going
            return
        self._admitted = True
        self.peer = peer_of(transport)  # the journal's name for it, once per connection
        door.guards[self._inner] = self
        self._inner.connection_made(transport)

    def connection_lost(self, exc) -> None:
        if not self._admitted:
            return
        self._admitted = False
        self._door.doorkeeper.leave(self)
        self._door.guards.pop(self._inner, None)
        self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.received = True
        self._inner.data_received(data)

    def eof_received(self):
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def busy(self) -> bool:
        received, self.received = self.received, False
        return received or self.requests > 0

    def close_idle(self) -> None:
        for connection in self._door.connections:
            if connection.transport is self.transport:
                connection.stop()  # the websocket handler closes with 1001 and waits for the peer's close
                return
        self.transport.close()


class GuardedSite(web.BaseSite):
    """aiohttp's :class:`~aiohttp.web.SockSite`, with every connection behind a :class:`Guard`."""

    __slots__ = ("_door", "_name", "_sock")

    def __init__(self, runner: web.AppRunner, sock: socket.socket, door: WinetDoor, ssl_context=None):
        super().__init__(runner, ssl_context=ssl_context)
        self._sock = sock
        self._door = door
        host, port = sock.getsockname()[:2]
        self._name = f"{'https' if ssl_context else 'http'}://{host}:{port}"

    @property
    def name(self) -> str:
        return self._name

    async def start(self) -> None:
        await super().start()
        server, door = self._runner.server, self._door
        self._server = await asyncio.get_running_loop().create_server(
            lambda: Guard(door, server()), sock=self._sock, ssl=self._ssl_context, backlog=self._backlog
        )


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


async def serve_winet(
    devices: Mapping[int, Inverter],
    settings: WinetSettings,
    journal: Journal | None = None,
    faults: FaultEngine | None = None,
    max_connections: int = MAX_CONNECTIONS,
    idle_timeout: float = IDLE_TIMEOUT,
) -> WinetDoor:
    """Open a mock WiNet-S for ``devices`` (dev_id = Modbus unit id → inverter, live mapping).

    ``journal`` records every request, ``faults`` decides the faults to apply (None: neither).
    At most ``max_connections`` connections at once (0 = no cap), each closed after
    ``idle_timeout`` seconds without a request or frame (0 = never).
    Must be awaited on the event loop that will serve it (the mock's loop thread).
    """
    settings.check()
    door = WinetDoor(devices, settings, journal, faults, max_connections, idle_timeout)
    await door._start()
    return door

