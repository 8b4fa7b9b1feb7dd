"""Small pieces the door uses to journal requests and perform injected faults.

The door calls these on the event loop for every request while a journal or a fault engine is
attached, so each one is a few dictionary lookups at most: the JSON of a request is parsed once
(by the services), HTTP replies carry their ``result_code`` on the response object, and only the
pass-through's short RTU frame is decoded here.
"""

from __future__ import annotations

import contextlib
from typing import Any

from aiohttp import web

from ...vocabulary import Table
from .. import pdu
from .writes import MAX_RTU_FRAME

WS_KINDS = frozenset({"delay", "reset", "result_code", "ws_close", "malformed_json", "login_required"})
HTTP_KINDS = frozenset({"delay", "reset", "http_error", "result_code", "malformed_json", "login_required"})
CONNECT_KINDS = frozenset({"refuse", "connection_limit"})
# The dongle never asks for a login on connect, login, ping or its open HTTP endpoints; there a
# login_required fault neither matches nor is used up, and waits for a request it can apply to.
WS_OPEN_KINDS = WS_KINDS - {"login_required"}
HTTP_OPEN_KINDS = HTTP_KINDS - {"login_required"}
TOKEN_AUTH = frozenset({"token", "login", "upgraded"})

PARAM_TABLES = {"0": Table.input, "1": Table.holding}  # getParam type=3 param_type (PROTOCOLS §4.4)
MAX_RTU_HEX = 2 * MAX_RTU_FRAME  # writes.passthrough refuses longer frames anyway



def peer_of(transport: Any) -> str:
    address = transport.get_extra_info("peername") if transport is not None else None
    if not address:
        return ""
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def number_of(value: Any) -> int | None:
    """An integer field sent as a number or as decimal text; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and len(text) <= 9:
            with contextlib.suppress(ValueError):  # isdigit() also says yes to "²"
                return int(text)
    return None


def reply_label(result_code: Any) -> str:
    return "ok" if result_code == 1 else f"result_code {result_code}"


def http_label(response: web.StreamResponse) -> str:
    if response.status != 200:
        return f"http {response.status}"
    return reply_label(getattr(response, "result_code", 1))


def truncated(text: str) -> str:
    """A proper prefix of a JSON object, which is never valid JSON itself."""
    return text[: max(1, len(text) // 2)] if text.startswith("{") else '{"result_code": 1, "result_'


def passthrough_fields(message: Any) -> dict[str, Any]:
    """Journal fields of a pass-through RTU frame: unit, function, range and written words."""
    if not isinstance(message, str) or len(message) > MAX_RTU_HEX:
        return {}
    try:
        frame = bytes.fromhex(message.strip())
    except ValueError:
        return {}
    if len(frame) < 4:
        return {}
    request = pdu.parse(frame[0], frame[1:-2])
    fields: dict[str, Any] = {"unit": request.unit, "function": request.function}
    if request.first is not None:
        fields.update(table=request.table, address=request.first, count=request.count)
        if request.values is not None:
            fields["values"] = request.values
    return fields
