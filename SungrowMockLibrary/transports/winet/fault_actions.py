"""What each injected fault does at the WiNet-S door, one action per kind and stage.

The fault table (:mod:`SungrowMockLibrary.faults.kinds`) says which kinds act at the door's three
stages; the door asks the engine only for those (:data:`CONNECT_KINDS`, :data:`MESSAGE_KINDS`,
:data:`HTTP_KINDS`) and performs the answer from :data:`WINET_STAGE_ACTIONS`, and a unit test proves each
mapping holds exactly the table's kinds for its stage. What each does on the wire:

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

Message actions take an :class:`~.websocket.Exchange` and return ``(journal outcome, keep the
socket open)``; HTTP actions take an :class:`~.http_door.HttpExchange` and return ``(response,
journal outcome)``; connect actions take the aiohttp request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.http import WSCloseCode

from ...faults import Fault, Stage, kinds_at
from ..wire import reset
from .codes import LOGIN_REQUIRED, dumps, envelope, result_of
from .request_fields import http_label, reply_label
from .routes import json_response

if TYPE_CHECKING:
    from .http_door import HttpExchange
    from .websocket import Exchange

FAULT_CLOSE_CODE = WSCloseCode.INTERNAL_ERROR  # ws_close: 1011, unlike stop's 1001

CONNECT_KINDS = kinds_at(Stage.WINET_CONNECT)
MESSAGE_KINDS = kinds_at(Stage.WINET_MESSAGE)
HTTP_KINDS = kinds_at(Stage.WINET_HTTP)
# Requests the dongle answers without a token: a fault that needs one neither matches nor is used up.
OPEN_MESSAGE_KINDS = kinds_at(Stage.WINET_MESSAGE, token=False)
OPEN_HTTP_KINDS = kinds_at(Stage.WINET_HTTP, token=False)


def dropped() -> web.Response:
    """The response of a request whose connection a fault dropped: aiohttp finds the transport
    closed and discards it quietly (a ConnectionError it expects from vanished clients)."""
    return web.Response(status=503)


def truncated(text: str) -> str:
    """A proper prefix of a JSON object, which is never valid JSON itself."""
    return text[: max(1, len(text) // 2)] if text.startswith("{") else '{"result_code": 1, "result_'


def _failure(fault: Fault) -> tuple[int, str]:
    return result_of(fault.params["code"]) if fault.kind == "result_code" else LOGIN_REQUIRED


# -- connections: a WebSocket handshake or the first request of an HTTP connection ---------------

def _refuse(request: web.Request, fault: Fault) -> tuple[web.StreamResponse, str]:
    reset(request.transport)
    return dropped(), "refused"


# -- WebSocket messages -----------------------------------------------------------------------

async def _message_delay(exchange: Exchange, fault: Fault) -> tuple[str, bool]:
    if not await exchange.pause(fault.draw_delay()):
        return "closed", False
    return await exchange.reply()


async def _message_reset(exchange: Exchange, fault: Fault) -> tuple[str, bool]:
    reset(exchange.connection.transport)
    return "reset", False


async def _ws_close(exchange: Exchange, fault: Fault) -> tuple[str, bool]:
    await exchange.connection.ws.close(code=FAULT_CLOSE_CODE, message=b"injected fault")
    return f"closed {FAULT_CLOSE_CODE.value}", False


async def _message_failure(exchange: Exchange, fault: Fault) -> tuple[str, bool]:
    result = _failure(fault)
    echoed = "" if exchange.service == "?" else exchange.service  # as the dongle's own 400 reply names no service
    if not await exchange.connection.send(envelope(result, service=echoed)):
        return "closed", False
    return reply_label(result[0]), True


async def _message_malformed(exchange: Exchange, fault: Fault) -> tuple[str, bool]:
    outcome, going = await exchange.reply(garble=lambda reply: truncated(dumps(reply)))
    return ("malformed json" if going else outcome), going


# -- HTTP requests ----------------------------------------------------------------------------

async def _http_delay(exchange: HttpExchange, fault: Fault) -> tuple[web.StreamResponse, str]:
    if not await exchange.pause(fault.draw_delay()):
        if exchange.request.transport is not None:
            exchange.request.transport.close()
        return dropped(), "closed"
    response = await exchange.respond()
    return response, http_label(response)


async def _http_reset(exchange: HttpExchange, fault: Fault) -> tuple[web.StreamResponse, str]:
    reset(exchange.request.transport)
    return dropped(), "reset"


async def _http_error(exchange: HttpExchange, fault: Fault) -> tuple[web.StreamResponse, str]:
    status = fault.params["status"]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Server Error"
    return web.Response(status=status, text=f"{status} {phrase}\n"), f"http {status}"


async def _http_failure(exchange: HttpExchange, fault: Fault) -> tuple[web.StreamResponse, str]:
    result = _failure(fault)
    return json_response(result), reply_label(result[0])


async def _http_malformed(exchange: HttpExchange, fault: Fault) -> tuple[web.StreamResponse, str]:
    response = await exchange.respond()
    body = response.body if isinstance(response, web.Response) else None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else ""
    garbled = web.Response(text=truncated(text), content_type="application/json", charset="utf-8")
    return garbled, "malformed json"


ConnectAction = Callable[[web.Request, Fault], "tuple[web.StreamResponse, str]"]
MessageAction = Callable[["Exchange", Fault], "Awaitable[tuple[str, bool]]"]
HttpAction = Callable[["HttpExchange", Fault], "Awaitable[tuple[web.StreamResponse, str]]"]

WINET_CONNECT_ACTIONS: dict[str, ConnectAction] = {"refuse": _refuse, "connection_limit": _refuse}
MESSAGE_ACTIONS: dict[str, MessageAction] = {
    "delay": _message_delay,
    "reset": _message_reset,
    "ws_close": _ws_close,
    "result_code": _message_failure,
    "login_required": _message_failure,
    "malformed_json": _message_malformed,
}
HTTP_ACTIONS: dict[str, HttpAction] = {
    "delay": _http_delay,
    "reset": _http_reset,
    "http_error": _http_error,
    "result_code": _http_failure,
    "login_required": _http_failure,
    "malformed_json": _http_malformed,
}
WINET_STAGE_ACTIONS = {Stage.WINET_CONNECT: WINET_CONNECT_ACTIONS, Stage.WINET_MESSAGE: MESSAGE_ACTIONS, Stage.WINET_HTTP: HTTP_ACTIONS}
