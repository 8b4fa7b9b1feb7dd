"""The fault table: every kind once, with its parameters, its doors and the stages that perform it.

A *stage* is a place in a door where a fault can act: a client connecting, a Modbus request
frame, the encryption key request, a WiNet WebSocket message or HTTP request, or the simulated
device. Each door asks the engine only for :func:`kinds_at` its stage and performs the fault from
its own mapping of kind to action (``transports/wire.py``, ``transports/winet/fault_actions.py``,
``faults/device.py``); a unit test proves each mapping holds exactly the kinds the table declares
for its stage. A kind's doors follow from its stages unless the row narrows them (``key_rotated``
acts on Modbus request frames, but only the encrypted door has a key to rotate).

Validation, documentation (`Inject Fault`'s table) and the keywords' :class:`FaultKind` all read
this table, so a new kind is one row here and one action at each of its stages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

from ..errors import FaultError
from ..records import Record
from ..vocabulary import MODBUS_DOORS, Door
from . import values as v

if TYPE_CHECKING:
    from .targets import RequestInfo


class Stage(StrEnum):
    """Where a door performs a fault."""

    MODBUS_CONNECT = "modbus_connect"
    MODBUS_FRAME = "modbus_frame"
    KEY_REQUEST = "key_request"
    WINET_CONNECT = "winet_connect"
    WINET_MESSAGE = "winet_message"
    WINET_HTTP = "winet_http"
    DEVICE = "device"


# The doors each stage belongs to, and how messages name it. The key request is the encrypted
# protocol's, but the plain door sees it too when a client sends it there.
STAGE_DOORS: dict[Stage, tuple[Door, ...]] = {
    Stage.MODBUS_CONNECT: MODBUS_DOORS,
    Stage.MODBUS_FRAME: MODBUS_DOORS,
    Stage.KEY_REQUEST: MODBUS_DOORS,
    Stage.WINET_CONNECT: (Door.winet,),
    Stage.WINET_MESSAGE: (Door.winet,),
    Stage.WINET_HTTP: (Door.winet,),
    Stage.DEVICE: (),
}
STAGE_WORDS: dict[Stage, str] = {
    Stage.MODBUS_CONNECT: "connections",
    Stage.MODBUS_FRAME: "Modbus requests",
    Stage.KEY_REQUEST: "key requests",
    Stage.WINET_CONNECT: "connections",
    Stage.WINET_MESSAGE: "WebSocket messages",
    Stage.WINET_HTTP: "HTTP requests",
    Stage.DEVICE: "the simulated inverter",
}
CONNECT_STAGES = frozenset({Stage.MODBUS_CONNECT, Stage.WINET_CONNECT})

REQUIRED = object()


class Param(Record):
    """One parameter of a fault kind: how to read it, its default, and what it means."""

    convert: Callable[[object], object]
    default: object
    help: str
    seconds: bool

    def __init__(self, convert: Callable[[object], object], default: object = REQUIRED, help: str = "", seconds: bool = False):
        self.__dict__.update(convert=convert, default=default, help=help, seconds=seconds)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


class KindSpec(Record):
    """A fault kind: what it does, the stages that perform it and the parameters it takes.

    ``doors`` defaults to every door of its stages (none for a device fault, which the simulation
    applies); give it to narrow them. ``needs_token`` kinds act only on WiNet requests the dongle
    guards with a token. ``check`` validates parameters together; ``gate`` lets a kind fire only
    when the request's own counters say so (``None`` counters mean the transport checks itself).
    """

    description: str
    stages: tuple[Stage, ...]
    params: Mapping[str, Param]
    doors: tuple[Door, ...]
    needs_token: bool
    check: Callable[[dict], None] | None
    gate: Callable[[dict, RequestInfo], bool] | None
    # Decided when a client connects, not per request; follows from the stages (the engine reads
    # it for every request while faults are live, so it is stored rather than computed).
    connecting: bool

    def __init__(
        self, description: str, stages: tuple[Stage, ...], params: Mapping[str, Param] | None = None,
        doors: tuple[Door, ...] | None = None, needs_token: bool = False, check: Callable[[dict], None] | None = None,
        gate: Callable[[dict, RequestInfo], bool] | None = None,
    ):  # fmt: skip
        # A row that contradicts itself fails at import, before any door could disagree with it.
        if not stages:
            raise FaultError(f"fault kind {description!r} acts at no stage")
        served = tuple(door for door in Door if any(door in STAGE_DOORS[stage] for stage in stages))
        if doors is None:
            doors = served
        elif not doors or not set(doors) <= set(served):
            raise FaultError(f"doors {doors} are not all served by stages {stages}")
        connecting = {stage in CONNECT_STAGES for stage in stages}
        if len(connecting) != 1 or (Stage.DEVICE in stages and len(stages) > 1):
            raise FaultError(f"stages {stages} mix connections, requests and the device")
        self.__dict__.update(description=description, stages=stages, params={} if params is None else params, doors=doors,
                             needs_token=needs_token, check=check, gate=gate, connecting=connecting.pop())  # fmt: skip

    @property
    def device(self) -> bool:
        return not self.doors

    def where(self) -> str:
        """Where the kind applies, as refusals name it: ``winet (WebSocket messages, HTTP requests)``."""
        if self.device:
            return STAGE_WORDS[Stage.DEVICE]
        words = ", ".join(dict.fromkeys(STAGE_WORDS[stage] for stage in self.stages))
        return f"{', '.join(self.doors)} ({words})"


def _check_delay_range(params: dict) -> None:
    if params["max_delay"] is not None and params["max_delay"] < params["delay"]:
        raise FaultError(
            f"fault kind 'delay': 'max_delay' ({params['max_delay']:g}s) must not be below "
            f"'delay' ({params['delay']:g}s)", key="max_delay")


def _limit_reached(params: dict, request: RequestInfo) -> bool:
    return request.open_connections is None or request.open_connections >= params["connections"]


def _last_request_of_connection(params: dict, request: RequestInfo) -> bool:
    return request.answered is None or request.answered + 1 >= params["requests"]


_CONNECT = (Stage.MODBUS_CONNECT, Stage.WINET_CONNECT)
_FRAME = (Stage.MODBUS_FRAME,)
_FRAME_AND_KEY = (Stage.MODBUS_FRAME, Stage.KEY_REQUEST)
_EVERY_REQUEST = (Stage.MODBUS_FRAME, Stage.KEY_REQUEST, Stage.WINET_MESSAGE, Stage.WINET_HTTP)
_WINET_REQUEST = (Stage.WINET_MESSAGE, Stage.WINET_HTTP)
_DEVICE = (Stage.DEVICE,)
_CODE_U16 = v.int_between(1, 65535)

KINDS: dict[str, KindSpec] = {
    # Modbus wire faults (and those every door performs)
    "exception": KindSpec(
        "answer with a well-formed Modbus exception reply", _FRAME,
        {"code": Param(v.exception_code, 4, "exception code: 1, 2, 3, 4, 6 or 11 (hex 01..0B)")}),
    "no_response": KindSpec("read the request and never answer it", _FRAME_AND_KEY),
    "delay": KindSpec(
        "answer after a delay (uniformly random up to max_delay when given)", _EVERY_REQUEST,
        {"delay": Param(v.time_at_least_zero, help="seconds to wait before answering", seconds=True),
         "max_delay": Param(v.optional(v.time_at_least_zero), None,
                            help="upper bound of a random delay drawn from the fault's seed", seconds=True)},
        check=_check_delay_range),
    "late_response": KindSpec(
        "answer only after the client has given up, while it waits for its next reply", _FRAME,
        {"delay": Param(v.positive_time, help="seconds to hold the reply back (beyond the client's timeout)",
                        seconds=True)}),
    "reset": KindSpec("reset the connection (TCP RST) instead of answering", _EVERY_REQUEST),
    "close_after": KindSpec(
        "close the connection once it has answered N requests", _FRAME,
        {"requests": Param(v.int_between(1), 1, help="requests answered before the close")},
        gate=_last_request_of_connection),
    "refuse": KindSpec("refuse new connections", _CONNECT),
    "garbage": KindSpec(
        "answer with random bytes drawn from the fault's seed", _FRAME_AND_KEY,
        {"size": Param(v.int_between(1, 65536), 8, help="number of random bytes")}),
    "truncate": KindSpec("send only the first part of the reply", _FRAME_AND_KEY),
    "wrong_transaction_id": KindSpec("answer under a different MBAP transaction id", _FRAME),
    "wrong_unit_id": KindSpec("answer from a different unit id", _FRAME),
    "wrong_exception_length": KindSpec(
        "send exception replies with MBAP length 2 (one byte short), the WiNet-S framing bug (PROTOCOLS 1.8); "
        "other replies go out unchanged", _FRAME),
    "connection_limit": KindSpec(
        "accept only N connections at a time, like the dongle's single session", _CONNECT,
        {"connections": Param(v.int_between(1), 1, help="connections allowed at the same time")},
        gate=_limit_reached),
    # WiNet-S only
    "http_error": KindSpec(
        "answer an HTTP request with a server error status", (Stage.WINET_HTTP,),
        {"status": Param(v.int_between(500, 599), 503, help="HTTP status, 500..599")}),
    "result_code": KindSpec(
        "answer with a failure result_code instead of the data", _WINET_REQUEST,
        {"code": Param(v.failure_result_code, 106, help="WiNet result_code; 106 = token expired")}),
    "ws_close": KindSpec("close the WebSocket (close frame) instead of answering", (Stage.WINET_MESSAGE,)),
    "malformed_json": KindSpec("answer with text that is not valid JSON", _WINET_REQUEST),
    # The dongle never asks for a login on connect, login, ping or its open HTTP endpoints; there
    # the fault neither matches nor is used up, and waits for a request it can apply to.
    "login_required": KindSpec("answer as firmware that demands a login first", _WINET_REQUEST, needs_token=True),
    # encrypted Modbus only
    "key_not_answered": KindSpec(
        "stay silent on the public-key request", (Stage.KEY_REQUEST,), doors=(Door.encrypted,)),
    "key_rotated": KindSpec(
        "switch to a new key mid-session: this reply and the client's later frames no longer decrypt", _FRAME,
        doors=(Door.encrypted,)),
    # device faults
    "inverter_fault": KindSpec(
        "the inverter reports a fault and stops producing", _DEVICE,
        {"code": Param(_CODE_U16, 14, help="inverter fault code"),
         "alarm": Param(v.optional(_CODE_U16), None, help="alarm code reported alongside")}),
    "grid_loss": KindSpec("the grid disappears: the inverter stops feeding in", _DEVICE),
    "over_temperature": KindSpec(
        "the inverter overheats and derates", _DEVICE,
        {"limit_percent": Param(v.int_between(0, 100), 50, help="output limit in percent of nominal power")}),
    "battery_fault": KindSpec(
        "the battery reports a fault and stops charging and discharging", _DEVICE,
        {"code": Param(_CODE_U16, 703, help="battery fault code")}),
}


# The kinds as a choice (Libdoc lists it, Robot converts keyword arguments to it); made from the
# table, so a new kind is one table row.
FaultKind = StrEnum("FaultKind", {name: name for name in KINDS})  # members named as users type them
FaultKind.__doc__ = "A fault kind; see `Inject Fault` for what each does, where, and its parameters."


@cache
def kinds_at(stage: Stage, *, token: bool = True) -> frozenset[str]:
    """The kinds a door performs at ``stage``; ``token=False`` for a WiNet request the dongle
    serves without a token, where ``needs_token`` kinds do not apply."""
    return frozenset(name for name, spec in KINDS.items()
                     if stage in spec.stages and (token or not spec.needs_token))


def kind_spec(kind) -> tuple[str, KindSpec]:
    """The canonical name and the row of ``kind`` (any case, spaces or dashes for underscores)."""
    name = str(getattr(kind, "value", kind)).strip().lower().replace(" ", "_").replace("-", "_")
    spec = KINDS.get(name)
    if spec is None:
        raise FaultError(f"unknown fault kind {kind!r}; valid: {', '.join(KINDS)}", key="kind")
    return name, spec
