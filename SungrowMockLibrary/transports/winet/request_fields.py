"""What the WiNet door reads off a request for the journal and for fault targeting, and how the
journal labels a reply.

The door calls these on the event loop for every request while a journal or a fault engine is
attached, so each one is a few dictionary lookups at most: the JSON of a request is parsed once
(by the services), HTTP replies carry their ``result_code`` and parameters on the response
object, and only the pass-through's short RTU frame is decoded here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ...device.hints import describe
from ...journal import REPLY_OK
from ...vocabulary import MAX_READ, Table
from .. import pdu
from .routes import GET_PARAM, PASSTHROUGH
from .writes import MAX_RTU_FRAME

if TYPE_CHECKING:
    from ...device.catalogue import Layout

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
            try:  # not contextlib.suppress: every WebSocket message asks
                return int(text)
            except ValueError:  # isdigit() also says yes to "²"
                pass
    return None


def reply_label(result_code: Any) -> str:
    return REPLY_OK if result_code == 1 else f"result_code {result_code}"


def http_label(response: web.StreamResponse) -> str:
    if response.status != 200:
        return f"http {response.status}"
    return reply_label(getattr(response, "result_code", 1))


def http_fields(path: str, query: Mapping[str, str]) -> dict[str, Any]:
    """What the URL of an HTTP request tells: unit, service (the path) and a getParam read's span."""
    table = address = count = None
    if path == GET_PARAM and query.get("type", "").strip() == "3":
        table = PARAM_TABLES.get(query.get("param_type", "").strip())
        address = number_of(query.get("param_addr"))
        count = number_of(query.get("param_num"))
    return {"unit": number_of(query.get("dev_id")), "service": path, "table": table, "address": address,
            "count": count}


def complete(fields: dict[str, Any], params: dict | None, layout_of: Callable[[int | None], Layout | None]) -> None:
    """Add what only the parsed body (or the catalogue) can tell to an HTTP request's ``fields``;
    ``layout_of(unit)`` is the register layout of the device at a unit (None: none there)."""
    if params:
        if fields["service"] == PASSTHROUGH:
            # the RTU frame's unit is the device the dongle actually forwards it to
            fields.update(passthrough_fields(params.get("msgValue")))
        elif fields["unit"] is None:
            fields["unit"] = number_of(params.get("dev_id"))
    table, address, count = fields["table"], fields["address"], fields["count"]
    if table is None or address is None or count is None or not 1 <= count <= MAX_READ:
        return
    layout = layout_of(fields["unit"])
    if layout is not None:
        fields["registers"], fields["hint"] = describe(layout, table, address, count)


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
