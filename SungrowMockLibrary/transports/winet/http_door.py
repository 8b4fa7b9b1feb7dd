"""The journal and the faults of the dongle's HTTP endpoints, inside each route's handler.

Every HTTP request is journalled (door ``winet``, with its register span for a getParam read or
a pass-through frame) and, while faults are injected, may get the fault the engine picks: a
connection fault at the first request of a connection, else one of the kinds the table declares
for HTTP requests. The WebSocket path passes through untouched; it journals its own messages.

The applications have no aiohttp middleware (decisions §35): a middleware costs every request
two coroutine layers of aiohttp's own besides ours (with ours, 6 % of a getParam read). Instead,
:func:`door_handler` wraps each route's handler, and a catch-all route (:func:`catch_all`)
answers what aiohttp's router would have answered with 404 or 405, journalled and faulted alike.
In front of the router, :func:`request_handler` answers the usual request, a fault-free GET of a
getParam read whose reply is kept, with that reply and the same journal entry (decisions §42).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from time import perf_counter
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.hdrs import EXPECT

from ...device.battery import device_layout
from ...faults import Fault, FaultEngine, RequestInfo
from ...journal import REPLY_OK, Journal, Request, values_decoder, wall_offset
from ..wire import reset
from . import request_fields, routes
from .fault_actions import (
    CONNECT_KINDS,
    HTTP_ACTIONS,
    HTTP_KINDS,
    OPEN_HTTP_KINDS,
    WINET_CONNECT_ACTIONS,
    dropped,
)
from .websocket import WINET, WS_PATH

if TYPE_CHECKING:
    from ...device.catalogue import Layout
    from .door import WinetDoor

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CATCH_ALL = "/{tail:.*}"  # every path no other route takes, any method: aiohttp's 404 and 405


class HttpExchange:
    """One HTTP request, as a fault action sees it."""

    __slots__ = ("door", "handler", "request")

    def __init__(self, door: WinetDoor, request: web.Request, handler: Handler):
        self.door = door
        self.request = request
        self.handler = handler

    async def respond(self) -> web.StreamResponse:
        """The dongle's own response to the request."""
        return await self.handler(self.request)

    async def pause(self, seconds: float) -> bool:
        """Wait ``seconds``; False when the door stops meanwhile."""
        return await self.door.pause(seconds)


def door_handler(door: WinetDoor, handler: Handler, journaled: bool, counted: bool = True, path: str | None = None) -> Handler:
    """``handler`` with the door's work around it, in one coroutine (every layer costs every request).

    The request is marked as being answered on its connection's guard (``counted``), so that the
    connection does not count as idle while a fault holds the reply, and, when ``journaled`` (the
    door has a journal or a fault engine), journalled and faulted. ``path``: the route's fixed
    path, which is the request's (aiohttp matches a plain route by the whole decoded path), so it
    need not be read off the request; None for a route with variable parts.
    """
    guards = door.guards
    if not journaled:

        async def marked(request: web.Request) -> web.StreamResponse:
            guard = guards.get(request.protocol) if counted else None
            if guard is None:
                return await handler(request)
            guard.requests += 1
            try:
                return await handler(request)
            finally:
                guard.requests -= 1
                guard.received = True

        return marked

    journal, faults = door.journal, door.faults
    devices = door.dongle.devices
    token = routes.needs_token(handler)
    peer_of, http_fields, http_label = request_fields.peer_of, request_fields.http_fields, request_fields.http_label
    offset = wall_offset()

    async def journalled(request: web.Request) -> web.StreamResponse:
        guard = guards.get(request.protocol) if counted else None
        if guard is not None:
            guard.requests += 1
        started = perf_counter()
        peer = ""
        if journal is not None:  # the connection's, known from its start; else read before a fault drops it
            peer = guard.peer if guard is not None else peer_of(request.transport)
        where = path or request.path
        target = request.raw_path  # its query parsed when the journal is read (or at once for a fault's target)
        fields = None  # what the URL tells: read at once for a fault's target, else when the journal is read
        fault = None
        response: web.StreamResponse | None = None
        outcome = "error"  # kept only if the handler raised something aiohttp answers with a 500
        try:
            if faults is not None and not faults.empty:
                fields = http_fields(where, request.query)
                fault = _fault_for(door, request, faults, fields, token)
            if fault is None:
                response = await handler(request)
                outcome = REPLY_OK if getattr(response, "result_code", 0) == 1 and response.status == 200 else http_label(response)
            else:
                response, outcome = await _perform(HttpExchange(door, request, handler), fault)
        except web.HTTPException as error:
            outcome = f"http {error.status}"
            raise
        except asyncio.CancelledError:
            outcome = "closed"
            raise
        finally:
            if journal is not None:
                params = getattr(response, "params", None)
                if fields is None and fault is None and (params is None or type(params) is routes.Query):
                    # The usual request, a GET: its query is a function of the target. Plain values (the
                    # collector stops tracking them: a full journal of tracked entries cost the door up
                    # to a quarter of its requests per second), with the model a getParam read reached.
                    read = None if params is None else params.read
                    inverter = None if read is None else devices.get(read[1])
                    _record_get(journal, where, target if params is None else params.target,  # the kept query's string
                                None if inverter is None else inverter.model.name, started, offset, peer, outcome)  # fmt: skip
                else:
                    journal.record_later(_journal_entry, (
                        door, where, target, fields, params, started + offset, peer, outcome,
                        None if fault is None else fault.kind, (perf_counter() - started) * 1000.0,
                    ))  # fmt: skip
            if guard is not None:
                guard.requests -= 1
                guard.received = True
        return response

    return journalled


def request_handler(door: WinetDoor, api: routes.HttpApi, handle: Handler) -> Handler:
    """aiohttp's request handler for an application serving ``api`` (``handle``: the application's
    own, which routes the request): a fault-free GET of a getParam read whose reply is kept is
    answered here, without the router, the door's wrapper and the endpoint's layers (decisions
    §42), and journalled as :func:`door_handler` journals it; every other request is routed.

    The guard's count of requests being answered is left alone: nothing runs between this
    function's start and its return, so no one could see it raised.
    """
    guards, journal, faults = door.guards, door.journal, door.faults
    devices = door.dongle.devices
    kept = api.kept_get_param
    peer_of = request_fields.peer_of
    offset = wall_offset()

    async def handler(request: web.Request) -> web.StreamResponse:
        if request.method == "GET" and (faults is None or faults.empty) and not request.headers.get(EXPECT):
            started = perf_counter()
            try:
                response = kept(request.raw_path)
            except Exception:  # the route answers it, with the dongle's error
                response = None
            if response is not None:
                guard = guards.get(request.protocol)
                if journal is not None:
                    params = response.params
                    _record_get(journal, routes.GET_PARAM, params.target, devices[params.read[1]].model.name, started,
                                offset, peer_of(request.transport) if guard is None else guard.peer,
                                REPLY_OK if response.result_code == 1 else request_fields.http_label(response))  # fmt: skip
                if guard is not None:
                    guard.received = True
                return response
        return await handle(request)

    return handler


def catch_all(door: WinetDoor, websocket: bool, journaled: bool) -> Handler:
    """The handler of :data:`CATCH_ALL`: aiohttp's own 404, or its 405 with the methods the other
    routes of that path allow, journalled and faulted as any request of the application.

    ``websocket``: the application serves the WebSocket path, and a request for that path with
    another method passes untouched (the WebSocket handler journals its own messages). On an
    application without it, a request for the WebSocket path is journalled but not counted.
    """

    async def missing(request: web.Request) -> web.StreamResponse:
        allowed: set[str] = set()
        mine = request.match_info.route.resource
        for resource in request.app.router.resources():
            if resource is not mine:
                allowed |= (await resource.resolve(request))[1]
        if allowed:
            raise web.HTTPMethodNotAllowed(request.method, allowed)
        raise web.HTTPNotFound()

    counted = door_handler(door, missing, journaled)
    uncounted = missing if websocket else door_handler(door, missing, journaled, counted=False)

    async def handler(request: web.Request) -> web.StreamResponse:
        return await (uncounted if request.path == WS_PATH else counted)(request)

    return handler


def _journal_entry(seq: int, door: WinetDoor, path: str, target: str, fields: dict | None, params: Mapping | None,
                   arrived: float, peer: str, outcome: str, fault: str | None, latency_ms: float) -> Request:  # fmt: skip
    """The journal entry of one HTTP request (``target``: as the request line sent it), named when
    the journal is first read."""
    devices = door.dongle.devices

    def layout_of(unit: int | None) -> Layout | None:
        inverter = devices.get(unit)
        return None if inverter is None else inverter.layout

    return _entry(seq, path, target, fields, params, layout_of, arrived, peer, outcome, fault, latency_ms)


def _get_entry(seq: int, path: str, target: str, model: str | None, arrived: float, peer: str, outcome: str,
               latency_ms: float) -> Request:  # fmt: skip
    """The journal entry of a GET without a fault, from the plain values the door recorded: its
    query read again from the target, its registers named by the ``model`` it read from."""
    layout = None if model is None else device_layout(model)
    return _entry(seq, path, target, None, None, lambda unit: layout, arrived, peer, outcome, None, latency_ms)


_GET_ENTRY = values_decoder(_get_entry)


def _record_get(journal: Journal, path: str, target: str, model: str | None, started: float, wall_offset: float,
                peer: str, outcome: str) -> None:  # fmt: skip
    """Journal a GET without a fault as plain values (the collector stops tracking them), decoded by
    :func:`_get_entry` when read; ``started`` is the door's ``perf_counter`` reading at its start."""
    journal.record_values((_GET_ENTRY, path, target, model, started + wall_offset, peer, outcome,
                           (perf_counter() - started) * 1000.0))  # fmt: skip


def _entry(seq: int, path: str, target: str, fields: dict | None, params: Mapping | None,
           layout_of: Callable[[int | None], Layout | None], arrived: float, peer: str, outcome: str, fault: str | None,
           latency_ms: float) -> Request:  # fmt: skip
    if fields is None:
        from yarl import URL  # aiohttp's URLs: the query parsed as the request's own was

        query = target.partition("#")[0].partition("?")[2]  # as a URL's raw query string (RFC 3986)
        fields = request_fields.http_fields(path, URL.build(query_string=query, encoded=True).query)
    try:
        request_fields.complete(fields, params, layout_of)
    except Exception:  # the journal entry loses detail; the request kept its reply
        log.debug("WiNet journal details of %s failed", path, exc_info=True)
    return Request(seq=seq, time=arrived, door=WINET, peer=peer, reply=outcome, fault=fault, latency_ms=latency_ms,
                   **fields)  # fmt: skip


def _fault_for(door: WinetDoor, request: web.Request, faults: FaultEngine, fields: dict, token: bool) -> Fault | None:
    # aiohttp counts the requests parsed on a connection; without that count (older
    # versions) every request is treated as a new connection.
    if getattr(request.protocol, "_request_count", 1) <= 1:
        info = RequestInfo(door=WINET, connecting=True, open_connections=_open_http_connections(door))
        fault = faults.decide(info, kinds=CONNECT_KINDS)
        if fault is not None:
            return fault
    info = RequestInfo(
        door=WINET, service=fields["service"], unit=fields["unit"], table=fields["table"],
        first=fields["address"], count=fields["count"],
    )
    return faults.decide(info, kinds=HTTP_KINDS if token else OPEN_HTTP_KINDS)


def _open_http_connections(door: WinetDoor) -> int:
    """HTTP connections open on the door besides the one asking (websockets not counted)."""
    total = sum(len(runner.server.connections) for runner in door.runners if runner.server is not None)
    return max(0, total - len(door.connections) - 1)


async def _perform(exchange: HttpExchange, fault: Fault) -> tuple[web.StreamResponse, str]:
    try:
        if fault.spec.connecting:
            return WINET_CONNECT_ACTIONS[fault.kind](exchange.request, fault)
        return await HTTP_ACTIONS[fault.kind](exchange, fault)
    except (web.HTTPException, asyncio.CancelledError):
        raise
    except Exception:  # a broken fault costs this connection, never the door
        log.debug("WiNet fault %s failed on %s", fault.kind, exchange.request.path, exc_info=True)
        reset(exchange.request.transport)
        return dropped(), "error"
