"""The journal and the faults of the dongle's HTTP endpoints: one aiohttp middleware.

Every HTTP request is journalled (door ``winet``, with its register span for a getParam read or
a pass-through frame) and, while faults are injected, may get the fault the engine picks: a
connection fault at the first request of a connection, else one of the kinds the table declares
for HTTP requests. The WebSocket path passes through untouched; it journals its own messages.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import TYPE_CHECKING

from aiohttp import web

from ...faults import Fault, FaultEngine, RequestInfo
from ...journal import Request
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
    from .door import Guard, WinetDoor

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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


def door_middleware(door: WinetDoor, websocket: bool, journaled: bool):
    """The one middleware of an application (one layer: each costs every request).

    ``websocket``: the application also serves the WebSocket path, which passes through untouched
    (it counts its frames as they arrive and journals its own messages). Every other request is
    marked as being answered on its connection's guard, so that the connection does not count as
    idle while a fault holds the reply, and, when ``journaled`` (the door has a journal or a fault
    engine), journalled and faulted by :func:`_http`.
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == WS_PATH:
            if websocket:
                return await handler(request)
            guard = None  # a request for the WebSocket path on the HTTP port: journalled, not counted
        else:
            guard = door.guards.get(request.protocol)
        if guard is not None:
            guard.requests += 1
        try:
            if journaled:
                return await _http(door, request, handler, guard)
            return await handler(request)
        finally:
            if guard is not None:
                guard.requests -= 1
                guard.received = True

    return middleware


async def _http(door: WinetDoor, request: web.Request, handler: Handler, guard: Guard | None) -> web.StreamResponse:
    journal, faults = door.journal, door.faults
    arrived = time.time() if journal is not None else 0.0
    started = perf_counter()
    peer = ""
    if journal is not None:  # the connection's, known from its start; else read before a fault drops it
        peer = guard.peer if guard is not None else request_fields.peer_of(request.transport)
    path, query = request.path, request.query
    fields = None  # what the URL tells: read at once for a fault's target, else when the journal is read
    fault = None
    response: web.StreamResponse | None = None
    outcome = "error"  # kept only if the handler raised something aiohttp answers with a 500
    try:
        if faults is not None and not faults.empty:
            fields = request_fields.http_fields(path, query)
            fault = _fault_for(door, request, faults, fields)
        if fault is None:
            response = await handler(request)
            outcome = request_fields.http_label(response)
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
            journal.record_later(_journal_entry, (
                door, path, query, fields, getattr(response, "params", None), arrived, peer, outcome,
                None if fault is None else fault.kind, (perf_counter() - started) * 1000.0,
            ))  # fmt: skip
    return response


def _journal_entry(seq: int, door: WinetDoor, path: str, query, fields: dict | None, params: dict | None,
                   arrived: float, peer: str, outcome: str, fault: str | None, latency_ms: float) -> Request:  # fmt: skip
    """The journal entry of one HTTP request, named when the journal is first read."""
    if fields is None:
        fields = request_fields.http_fields(path, query)
    try:
        request_fields.complete(fields, params, door.dongle.devices)
    except Exception:  # the journal entry loses detail; the request kept its reply
        log.debug("WiNet journal details of %s failed", path, exc_info=True)
    return Request(seq=seq, time=arrived, door=WINET, peer=peer, reply=outcome, fault=fault, latency_ms=latency_ms,
                   **fields)  # fmt: skip


def _fault_for(door: WinetDoor, request: web.Request, faults: FaultEngine, fields: dict) -> Fault | None:
    # aiohttp counts the requests parsed on a connection; without that count (older
    # versions) every request is treated as a new connection.
    if getattr(request.protocol, "_request_count", 1) <= 1:
        info = RequestInfo(door=WINET, connecting=True, open_connections=_open_http_connections(door))
        fault = faults.decide(info, kinds=CONNECT_KINDS)
        if fault is not None:
            return fault
    kinds = HTTP_KINDS if routes.needs_token(request) else OPEN_HTTP_KINDS
    info = RequestInfo(
        door=WINET, service=fields["service"], unit=fields["unit"], table=fields["table"],
        first=fields["address"], count=fields["count"],
    )
    return faults.decide(info, kinds=kinds)


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
