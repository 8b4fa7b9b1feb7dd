"""The dongle's WebSocket ``/ws/home/overview``: one handler per socket, one message at a time.

Each message is journalled (door ``winet``) and, while faults are injected, may get the fault
the engine picks among the kinds the table declares for WebSocket messages; the handshake may be
refused by a connection fault. A broken fault costs its connection, never the door.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from time import perf_counter
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.client_exceptions import ClientError
from aiohttp.http import WSCloseCode, WSMessage, WSMsgType

from ...faults import RequestInfo
from ...journal import Request, values_decoder, wall_offset
from ...limits import WINET_MAX_MESSAGE
from ...vocabulary import Door
from ..wire import reset
from . import services
from .codes import BAD_REQUEST, Encoded, dumps, envelope
from .fault_actions import (
    CONNECT_KINDS,
    MESSAGE_ACTIONS,
    MESSAGE_KINDS,
    OPEN_MESSAGE_KINDS,
    WINET_CONNECT_ACTIONS,
)
from .parsed import Parsed
from .request_fields import number_of, peer_of, reply_label
from .services import Message

if TYPE_CHECKING:
    from .door import WinetDoor

log = logging.getLogger(__name__)

WS_PATH = "/ws/home/overview"
MAX_MESSAGE = WINET_MAX_MESSAGE  # larger WebSocket messages are refused with close code 1009
CLOSE_TIMEOUT = 1.0  # how long a closing websocket waits for the client's close frame
_CLOSED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED)
_SEND_FRAME = hasattr(web.WebSocketResponse, "send_frame")  # aiohttp 3.11 on: send bytes as a text frame
WINET = Door.winet.value  # the journal's door, as plain text like the Modbus doors'


class Connection:
    """One open websocket: its replies, and the notices other sockets' requests push to it.

    Sends take no lock: aiohttp writes each frame whole before it yields, and serialises
    compressed frames itself (since 3.9.1), so a notice pushed meanwhile never splits a reply.
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
        loop = asyncio.get_running_loop()
        self.stopping: asyncio.Future = loop.create_future()
        self.finished: asyncio.Future = loop.create_future()
        self._waiting: asyncio.Task | None = None  # the handler, while it waits for a message

    async def send(self, message: dict) -> bool:
        """Send one JSON message; False when the websocket is already gone."""
        # Each send guards itself: a shared coroutine for the guard cost 3,000 instructions per
        # message (3 %; measured with benchmarks/door_instructions.py), for six lines.
        if type(message) is not Encoded or not _SEND_FRAME:
            return await self.send_text(dumps(message))
        ws = self.ws
        if ws.closed:
            return False
        try:
            await ws.send_frame(message.data, WSMsgType.TEXT)  # encoded once
        except (ConnectionError, RuntimeError, ClientError):
            return False
        return True

    async def send_text(self, text: str) -> bool:
        """Send one text frame; False when the websocket is already gone."""
        ws = self.ws
        if ws.closed:
            return False
        try:
            await ws.send_str(text)
        except (ConnectionError, RuntimeError, ClientError):
            return False
        return True

    async def next_message(self) -> WSMessage | None:
        """The next message from the client, or None once the door is stopping.

        The handler awaits the websocket itself (no task per message); :meth:`stop` wakes it by
        cancelling that wait, which this takes back (``uncancel``) so the handler can close."""
        if self.stopping.done():
            return None
        task = self._waiting = asyncio.current_task()
        try:
            return await self.ws.receive()
        except asyncio.CancelledError:
            if self.stopping.done() and task.uncancel() == 0:
                return None  # stop woke it; any other cancellation goes on
            raise
        finally:
            self._waiting = None

    def stop(self) -> None:
        if not self.stopping.done():
            self.stopping.set_result(None)
            if self._waiting is not None:
                self._waiting.cancel()


class Exchange:
    """One message on one websocket, as the handler and a fault action see it."""

    __slots__ = ("connection", "door", "message", "request", "service")

    def __init__(
        self, door: WinetDoor, connection: Connection, message: WSMessage, request: Message | None, service: str
    ):
        self.door = door
        self.connection = connection
        self.message = message
        self.request = request  # the parsed JSON object; None for a binary or unparsable message
        self.service = service  # "?" when the message names none

    async def reply(self, garble: Callable[[dict], str] | None = None) -> tuple[str, bool]:
        """Serve the message and send the reply: (journal outcome, keep the socket open). Notices
        the request pushes to other sockets go out first. ``garble``: a fault's text to send
        instead of the reply, made from it."""
        connection = self.connection
        if self.request is None:
            reply, pushes = envelope(BAD_REQUEST, service=""), []
        else:
            reply, pushes = services.handle(self.door.dongle, self.request, connection, connection.local_ip)
        for target, notice in pushes:
            await target.send(notice)
        if not await (connection.send(reply) if garble is None else connection.send_text(garble(reply))):
            return "closed", False
        if self.message.type is WSMsgType.BINARY:
            return "bad request", True
        return reply_label(reply["result_code"]), True

    async def pause(self, seconds: float) -> bool:
        """Wait ``seconds``; False when the door or this websocket stops meanwhile."""
        return await self.door.pause(seconds, self.connection.stopping)


class WebSocketEndpoint:
    """The aiohttp handler of the WebSocket path, over the door's dongle, journal and faults."""

    def __init__(self, door: WinetDoor):
        self.door = door
        # Clients send the same few texts again and again: each is parsed once, to
        # (request, service, unit), the message's request object and its journal fields.
        self._parsed = Parsed()
        self._wall_offset = wall_offset()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        door = self.door
        if door.stopped:
            raise web.HTTPServiceUnavailable()
        faults = door.faults
        if faults is not None and not faults.empty:
            arrived, started = time.time(), perf_counter()
            info = RequestInfo(door=WINET, connecting=True, open_connections=len(door.connections))
            fault = faults.decide(info, kinds=CONNECT_KINDS)
            if fault is not None:
                peer = peer_of(request.transport) if door.journal is not None else ""  # before the fault drops it
                response, outcome = WINET_CONNECT_ACTIONS[fault.kind](request, fault)
                self._record(peer, arrived, started, service=WS_PATH, reply=outcome, fault=fault.kind)
                return response
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE, timeout=CLOSE_TIMEOUT)
        await ws.prepare(request)  # a plain GET gets HTTP 400 from aiohttp
        transport = request.transport
        sockname = transport.get_extra_info("sockname") if transport else None
        peer = peer_of(transport) if door.journal is not None else ""
        connection = Connection(ws, sockname[0] if sockname else "", transport, peer)
        door.connections.add(connection)
        if door.stopped:  # the handshake finished while stop was starting
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
            if (connection.stopping.done() or door.stopped) and not ws.closed:
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
        except (TimeoutError, ConnectionError, RuntimeError, ClientError):
            pass  # the client went away mid-request
        finally:
            door.connections.discard(connection)
            door.dongle.sessions.forget_connection(connection)
            connection.finished.set_result(None)
        return ws

    async def _answer(self, connection: Connection, message: WSMessage) -> bool:
        """Answer one text or binary message, with its fault if one applies; False ends the socket."""
        door = self.door
        journal, faults = door.journal, door.faults
        started = perf_counter()
        if message.type is WSMsgType.TEXT:
            text = message.data
            parsed = self._parsed.get(text)
            if parsed is None:
                parsed = self._parsed.keep(text, _parse(text))
            request, service, unit = parsed
        else:
            request, service, unit = None, "?", None
        exchange = Exchange(door, connection, message, request, service)
        fault = None
        if faults is not None and not faults.empty:
            kinds = MESSAGE_KINDS if services.needs_token(service) else OPEN_MESSAGE_KINDS
            fault = faults.decide(RequestInfo(door=WINET, service=service, unit=unit), kinds=kinds)
        try:
            if fault is None:
                outcome, going = await exchange.reply()
            else:
                outcome, going = await MESSAGE_ACTIONS[fault.kind](exchange, fault)
        except (TimeoutError, ConnectionError, RuntimeError, ClientError):
            outcome, going = "closed", False  # the client went away meanwhile
        except Exception:
            if fault is None:
                raise
            # A broken fault costs this connection, never the door (nor aiohttp's error log).
            log.debug("WiNet fault %s failed on %s", fault.kind, connection.peer, exc_info=True)
            reset(connection.transport)
            outcome, going = "error", False
        if journal is not None:  # plain values, decoded only when read (_journal_entry)
            journal.record_values((
                _JOURNAL_ENTRY, connection.peer, unit, service, outcome, None if fault is None else fault.kind, started,
                perf_counter(), self._wall_offset,
            ))  # fmt: skip
        return going

    def _record(self, peer: str, arrived: float, started: float, **fields) -> None:
        journal = self.door.journal
        if journal is not None:
            journal.record(
                time=arrived, door=WINET, peer=peer, latency_ms=(perf_counter() - started) * 1000.0, **fields
            )


def _parse(text: str) -> tuple[Message | None, str, int | None]:
    """A text message's request object (None when it is none), service ("?" when it names none)
    and unit (the ``dev_id`` it names, if a number)."""
    request = services.parse_text(text)
    if request is None:
        return None, "?", None
    named = request.get("service")
    return request, named if isinstance(named, str) and named else "?", number_of(request.get("dev_id"))


def _journal_entry(seq: int, peer: str, unit: int | None, service: str, outcome: str, fault: str | None,
                   started: float, ended: float, wall_offset: float) -> Request:  # fmt: skip
    """The journal entry of one message, from the plain values the door recorded."""
    return Request(seq=seq, time=started + wall_offset, door=WINET, peer=peer, unit=unit, service=service,
                   reply=outcome, fault=fault, latency_ms=(ended - started) * 1000.0)  # fmt: skip


_JOURNAL_ENTRY = values_decoder(_journal_entry)
