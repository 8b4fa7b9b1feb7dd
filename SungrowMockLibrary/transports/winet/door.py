"""The WiNet-S door: aiohttp applications on their listening sockets, and a clean stop.

``legacy`` and ``login`` firmware: the WebSocket ``/ws/home/overview`` on ``ws_port`` and the
HTTP endpoints on ``http_port`` (two applications, as the dongle's port 8082 and port 80).
``tls`` firmware: both on ``tls_port`` over TLS. Port 0 = a free port.

``stop`` closes every websocket with 1001 (going away), every HTTP connection, and the
listening sockets before it returns. No threads: everything runs on the caller's event loop.

With a :class:`~SungrowMockLibrary.journal.Journal` the door records every WebSocket message and
every HTTP request (door ``winet``); with a :class:`~SungrowMockLibrary.faults.FaultEngine` it asks
the engine about each one and performs the fault it gets. Without them nothing of this runs.
What each fault does on the wire:

* ``delay``: the request is answered after the delay (dropped without a reply when the door
  stops meanwhile, so that ``stop`` never waits for a delay).
* ``reset``: the TCP connection is aborted with SO_LINGER 0, so the client sees a reset.
* ``result_code``: the usual envelope with that code and no data; the request is not served.
* ``login_required``: exactly what login firmware answers a client that has not logged in
  (``result_code`` 401 ``I18N_COMMON_INTER_ABNORMAL``); never on connect, login, ping or the HTTP
  endpoints the dongle serves without a token, where the fault waits for a request it fits.
* ``malformed_json``: the request is served and its reply cut in half (over HTTP still sent as
  ``application/json``).
* ``ws_close``: the websocket is closed with 1011 (internal error) instead of a reply, which
  tells the fault apart from a ``stop`` (1001) and a client's own close.
* ``http_error``: that HTTP status with a one-line text body.
* ``refuse`` / ``connection_limit``: checked when a WebSocket handshake arrives and at the first
  request of each HTTP connection; the connection is aborted with no reply. The limit counts the
  websockets already open for a handshake, and the other HTTP connections for an HTTP one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Mapping
from http import HTTPStatus
from time import perf_counter

import aiohttp
from aiohttp import WSCloseCode, WSMsgType, web

from ...device.hints import describe
from ...faults import WINET, Fault, FaultEngine, RequestInfo
from ...journal import Journal
from ...vocabulary import MAX_READ
from ...simulation.inverter import Inverter
from ..wire import reset
from . import services, traffic
from .codes import BAD_REQUEST, LOGIN_REQUIRED, dumps, envelope, result_of
from .dongle import Dongle
from .routes import HttpApi, json_response
from .settings import WinetSettings
from .tls import self_signed

log = logging.getLogger(__name__)

WS_PATH = "/ws/home/overview"
MAX_MESSAGE = 64 * 1024  # larger WebSocket messages are refused with close code 1009
MAX_BODY = 64 * 1024  # larger HTTP bodies get HTTP 413
CLOSE_TIMEOUT = 1.0  # how long a closing websocket waits for the client's close frame
SHUTDOWN_TIMEOUT = 1.0  # how long stop waits for an HTTP request still being handled
FAULT_CLOSE_CODE = WSCloseCode.INTERNAL_ERROR  # ws_close: 1011, unlike stop's 1001
PASSTHROUGH = "/device/passthroughway"


class Connection:
    """One open websocket: replies and pushed notices are sent one at a time.

    ``stop`` asks the handler to close with 1001: the handler itself closes (not another task),
    so aiohttp waits for the client's close frame and the client sees a clean close handshake.
    """

    def __init__(
        self, ws: web.WebSocketResponse, local_ip: str, transport: asyncio.BaseTransport | None = None, peer: str = ""
    ):
        self.ws = ws
        self.local_ip = local_ip
        self.transport = transport
        self.peer = peer
        self._sending = asyncio.Lock()
        loop = asyncio.get_running_loop()
        self.stopping: asyncio.Future = loop.create_future()
        self.finished: asyncio.Future = loop.create_future()

    async def send(self, message: dict) -> bool:
        """Send one JSON message; False when the websocket is already gone."""
        return await self.send_text(dumps(message))

    async def send_text(self, text: str) -> bool:
        if self.ws.closed:
            return False
        async with self._sending:
            try:
                await self.ws.send_str(text)
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

    def __init__(
        self,
        devices: Mapping[int, Inverter],
        settings: WinetSettings,
        journal: Journal | None = None,
        faults: FaultEngine | None = None,
    ):
        self.settings = settings
        self.journal = journal
        self.faults = faults
        self.endpoints: dict[str, str] = {}
        self.certificate: bytes | None = None  # PEM of the tls firmware's self-signed certificate
        self.dongle = Dongle(devices, settings)
        self._runners: list[web.AppRunner] = []
        self._sockets: list[socket.socket] = []
        self._connections: set[Connection] = set()
        self._stopping = False
        self._halting: asyncio.Future | None = None  # done once stop began: ends fault delays

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
        self._halting = asyncio.get_running_loop().create_future()
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
        middlewares = []
        if http is not None and (self.journal is not None or self.faults is not None):
            middlewares.append(self._http_middleware(websocket))
        app = web.Application(client_max_size=MAX_BODY, middlewares=middlewares)
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
        faults = self.faults
        if faults is not None and not faults.empty:
            arrived, started = time.time(), perf_counter()
            info = RequestInfo(door=WINET, connecting=True, open_connections=len(self._connections))
            fault = faults.decide(info, kinds=traffic.CONNECT_KINDS)
            if fault is not None:
                return self._refuse(request, fault, arrived, started, service=WS_PATH)
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE, timeout=CLOSE_TIMEOUT)
        await ws.prepare(request)  # a plain GET gets HTTP 400 from aiohttp
        transport = request.transport
        sockname = transport.get_extra_info("sockname") if transport else None
        peer = traffic.peer_of(transport) if self.journal is not None else ""
        connection = Connection(ws, sockname[0] if sockname else "", transport, peer)
        self._connections.add(connection)
        if self._stopping:  # the handshake finished while stop was starting
            connection.stop()
        try:
            while True:
                message = await connection.next_message()
                if message is None or message.type in _CLOSED:
                    break
                if message.type is WSMsgType.ERROR:  # too big or not UTF-8; aiohttp has closed (1009 / 1007)
                    self._record(peer, time.time(), perf_counter(), service="?", reply="bad request")
                    break
                if not await self._answer(connection, message):
                    break
            # stop may have cut a fault's delay short before it got round to this connection
            if (connection.stopping.done() or self._stopping) and not ws.closed:
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
        except (ConnectionError, RuntimeError, aiohttp.ClientError, asyncio.TimeoutError):
            pass  # the client went away mid-request
        finally:
            self._connections.discard(connection)
            self.dongle.sessions.forget_connection(connection)
            connection.finished.set_result(None)
        return ws

    async def _answer(self, connection: Connection, message: aiohttp.WSMessage) -> bool:
        """Answer one text or binary message, with its fault if one applies; False ends the socket."""
        journal, faults = self.journal, self.faults
        arrived = time.time() if journal is not None else 0.0
        started = perf_counter()
        request = services.parse_text(message.data) if message.type is WSMsgType.TEXT else None
        service, unit = "?", None
        if request is not None:
            named = request.get("service")
            if isinstance(named, str) and named:
                service = named
            unit = traffic.number_of(request.get("dev_id"))
        fault = None
        if faults is not None and not faults.empty:
            kinds = traffic.WS_KINDS if services.needs_token(service) else traffic.WS_OPEN_KINDS
            fault = faults.decide(RequestInfo(door=WINET, service=service, unit=unit), kinds=kinds)
        try:
            if fault is None:
                outcome, going = await self._reply(connection, message, request)
            else:
                outcome, going = await self._ws_fault(connection, message, request, service, fault)
        except (ConnectionError, RuntimeError, aiohttp.ClientError, asyncio.TimeoutError):
            outcome, going = "closed", False  # the client went away meanwhile
        except Exception:
            if fault is None:
                raise
            # A broken fault costs this connection, never the door (nor aiohttp's error log).
            log.debug("WiNet fault %s failed on %s", fault.kind, connection.peer, exc_info=True)
            reset(connection.transport)
            outcome, going = "error", False
        if journal is not None:
            journal.record(
                time=arrived, door=WINET, peer=connection.peer, unit=unit, service=service, reply=outcome,
                fault=None if fault is None else fault.kind, latency_ms=(perf_counter() - started) * 1000.0,
            )
        return going

    def _service_reply(self, connection: Connection, request: dict | None) -> tuple[dict, list]:
        if request is None:
            return envelope(BAD_REQUEST, service=""), []
        return services.handle(services.Call(self.dongle, request, connection, connection.local_ip))

    async def _reply(
        self, connection: Connection, message: aiohttp.WSMessage, request: dict | None
    ) -> tuple[str, bool]:
        reply, pushes = self._service_reply(connection, request)
        for target, notice in pushes:
            await target.send(notice)
        if not await connection.send(reply):
            return "closed", False
        if message.type is WSMsgType.BINARY:
            return "bad request", True
        return traffic.reply_label(reply["result_code"]), True

    async def _ws_fault(
        self, connection: Connection, message: aiohttp.WSMessage, request: dict | None, service: str, fault: Fault
    ) -> tuple[str, bool]:
        kind = fault.kind
        if kind == "delay":
            if not await self._pause(fault.draw_delay(), connection.stopping):
                return "closed", False
            return await self._reply(connection, message, request)
        if kind == "reset":
            reset(connection.transport)
            return "reset", False
        if kind == "ws_close":
            await connection.ws.close(code=FAULT_CLOSE_CODE, message=b"injected fault")
            return f"closed {FAULT_CLOSE_CODE.value}", False
        echoed = "" if service == "?" else service  # as the dongle's own 400 reply names no service
        if kind in ("result_code", "login_required"):
            result = result_of(fault.params["code"]) if kind == "result_code" else LOGIN_REQUIRED
            if not await connection.send(envelope(result, service=echoed)):
                return "closed", False
            return traffic.reply_label(result[0]), True
        if kind == "malformed_json":
            reply, pushes = self._service_reply(connection, request)
            for target, notice in pushes:
                await target.send(notice)
            if not await connection.send_text(traffic.truncated(dumps(reply))):
                return "closed", False
            return "malformed json", True
        return await self._reply(connection, message, request)

    # -- HTTP journal and faults ----------------------------------------------------------------

    def _http_middleware(self, websocket: bool):
        @web.middleware
        async def journal_and_faults(request: web.Request, handler) -> web.StreamResponse:
            if websocket and request.path == WS_PATH:
                return await handler(request)  # the websocket journals its own messages
            return await self._http(request, handler)

        return journal_and_faults

    async def _http(self, request: web.Request, handler) -> web.StreamResponse:
        journal, faults = self.journal, self.faults
        arrived = time.time() if journal is not None else 0.0
        started = perf_counter()
        peer = traffic.peer_of(request.transport) if journal is not None else ""  # before a fault drops it
        path = request.path
        query = request.query
        unit = traffic.number_of(query.get("dev_id"))
        table = address = count = None
        if path == "/device/getParam" and query.get("type", "").strip() == "3":
            table = traffic.PARAM_TABLES.get(query.get("param_type", "").strip())
            address = traffic.number_of(query.get("param_addr"))
            count = traffic.number_of(query.get("param_num"))
        fields = {"unit": unit, "service": path, "table": table, "address": address, "count": count}
        fault = None
        response: web.StreamResponse | None = None
        outcome = "error"  # kept only if the handler raised something aiohttp answers with a 500
        try:
            if faults is not None and not faults.empty:
                fault = self._http_fault_for(request, faults, fields)
            if fault is None:
                response = await handler(request)
                outcome = traffic.http_label(response)
            else:
                response, outcome = await self._http_fault(request, handler, fault)
        except web.HTTPException as error:
            outcome = f"http {error.status}"
            raise
        except asyncio.CancelledError:
            outcome = "closed"
            raise
        finally:
            if journal is not None:
                try:
                    self._complete(fields, getattr(response, "params", None))
                except Exception:  # the journal entry loses detail; the request keeps its reply
                    log.debug("WiNet journal details of %s failed", path, exc_info=True)
                journal.record(
                    time=arrived, door=WINET, peer=peer, reply=outcome, fault=None if fault is None else fault.kind,
                    latency_ms=(perf_counter() - started) * 1000.0, **fields,
                )
        return response

    def _complete(self, fields: dict, params: dict | None) -> None:
        """Journal fields only the parsed body (or the catalogue) can tell."""
        if params:
            if fields["service"] == PASSTHROUGH:
                # the RTU frame's unit is the device the dongle actually forwards it to
                fields.update(traffic.passthrough_fields(params.get("msgValue")))
            elif fields["unit"] is None:
                fields["unit"] = traffic.number_of(params.get("dev_id"))
        table, address, count = fields["table"], fields["address"], fields["count"]
        if table is None or address is None or count is None or not 1 <= count <= MAX_READ:
            return
        inverter = self.dongle.devices.get(fields["unit"])
        if inverter is not None:
            fields["registers"], fields["hint"] = describe(inverter.layout, table, address, count)

    def _http_fault_for(self, request: web.Request, faults: FaultEngine, fields: dict) -> Fault | None:
        # aiohttp counts the requests parsed on a connection; without that count (older
        # versions) every request is treated as a new connection.
        if getattr(request.protocol, "_request_count", 1) <= 1:
            info = RequestInfo(door=WINET, connecting=True, open_connections=self._open_http_connections())
            fault = faults.decide(info, kinds=traffic.CONNECT_KINDS)
            if fault is not None:
                return fault
        auth = getattr(request.match_info.handler, "winet_auth", None)
        kinds = traffic.HTTP_KINDS if auth in traffic.TOKEN_AUTH else traffic.HTTP_OPEN_KINDS
        info = RequestInfo(
            door=WINET, service=fields["service"], unit=fields["unit"], table=fields["table"],
            first=fields["address"], count=fields["count"],
        )
        return faults.decide(info, kinds=kinds)

    def _open_http_connections(self) -> int:
        """HTTP connections open on the door besides the one asking (websockets not counted)."""
        total = sum(len(runner.server.connections) for runner in self._runners if runner.server is not None)
        return max(0, total - len(self._connections) - 1)

    async def _http_fault(self, request: web.Request, handler, fault: Fault) -> tuple[web.StreamResponse, str]:
        try:
            return await self._perform_http_fault(request, handler, fault)
        except (web.HTTPException, asyncio.CancelledError):
            raise
        except Exception:  # a broken fault costs this connection, never the door
            log.debug("WiNet fault %s failed on %s", fault.kind, request.path, exc_info=True)
            reset(request.transport)
            return _dropped(), "error"

    async def _perform_http_fault(
        self, request: web.Request, handler, fault: Fault
    ) -> tuple[web.StreamResponse, str]:
        kind = fault.kind
        if kind in traffic.CONNECT_KINDS:
            reset(request.transport)
            return _dropped(), "refused"
        if kind == "delay":
            if not await self._pause(fault.draw_delay()):
                if request.transport is not None:
                    request.transport.close()
                return _dropped(), "closed"
            response = await handler(request)
            return response, traffic.http_label(response)
        if kind == "reset":
            reset(request.transport)
            return _dropped(), "reset"
        if kind == "http_error":
            status = fault.params["status"]
            try:
                phrase = HTTPStatus(status).phrase
            except ValueError:
                phrase = "Server Error"
            return web.Response(status=status, text=f"{status} {phrase}\n"), f"http {status}"
        if kind in ("result_code", "login_required"):
            result = result_of(fault.params["code"]) if kind == "result_code" else LOGIN_REQUIRED
            return json_response(result), traffic.reply_label(result[0])
        if kind == "malformed_json":
            response = await handler(request)
            body = response.body if isinstance(response, web.Response) else None
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else ""
            garbled = web.Response(text=traffic.truncated(text), content_type="application/json", charset="utf-8")
            return garbled, "malformed json"
        response = await handler(request)
        return response, traffic.http_label(response)

    # -- shared ---------------------------------------------------------------------------------

    async def _pause(self, seconds: float, *stops: asyncio.Future) -> bool:
        """Wait ``seconds``; False at once when the door (or the websocket) stops meanwhile."""
        stops = tuple(s for s in (self._halting, *stops) if s is not None)
        if any(stop.done() for stop in stops):
            return False
        if seconds <= 0:
            return True
        done, _ = await asyncio.wait(stops, timeout=seconds)
        return not done

    def _refuse(
        self, request: web.Request, fault: Fault, arrived: float, started: float, service: str
    ) -> web.StreamResponse:
        peer = traffic.peer_of(request.transport) if self.journal is not None else ""
        reset(request.transport)
        self._record(peer, arrived, started, service=service, reply="refused", fault=fault.kind)
        return _dropped()

    def _record(self, peer: str, arrived: float, started: float, **fields) -> None:
        if self.journal is not None:
            self.journal.record(
                time=arrived, door=WINET, peer=peer, latency_ms=(perf_counter() - started) * 1000.0, **fields
            )


def _dropped() -> web.Response:
    """The response of a request whose connection a fault dropped: aiohttp finds the transport
    closed and discards it quietly (a ConnectionError it expects from vanished clients)."""
    return web.Response(status=503)


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


async def serve_winet(
    devices: Mapping[int, Inverter],
    settings: WinetSettings,
    journal: Journal | None = None,
    faults: FaultEngine | None = None,
) -> WinetDoor:
    """Open a mock WiNet-S for ``devices`` (dev_id = Modbus unit id → inverter, live mapping).

    ``journal`` records every request, ``faults`` decides the faults to apply (None: neither).
    Must be awaited on the event loop that will serve it (the mock's loop thread).
    """
    settings.check()
    door = WinetDoor(devices, settings, journal, faults)
    await door._start()
    return door

