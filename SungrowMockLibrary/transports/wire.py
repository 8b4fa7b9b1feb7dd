"""What happens to a Modbus frame between the socket and the device: the journal and injected faults.

Both Modbus framings (plain and encrypted) hand each complete request frame to :meth:`Wire.serve`
with two callables of their connection: ``encode`` turns a reply frame into the bytes for the
wire (identity for plain, AES wrapping for encrypted) and ``write`` sends bytes. Faults that
change a reply's content (exception, wrong ids) act on the frame; faults that break the stream
(garbage, truncation) act on the bytes, so they look the same through either framing.

The wire performs three stages of the fault table: a client connecting (:meth:`Wire.admit`), a
request frame and the encryption key request (:meth:`Wire.serve`). It asks the engine only for
the kinds the table declares there and performs them from :data:`MODBUS_STAGE_ACTIONS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Callable, Mapping
from time import perf_counter

from ..device.battery import device_layout
from ..device.hints import describe
from ..faults import Fault, FaultEngine, RequestInfo, Stage, kinds_at
from ..journal import REPLY_OK, Journal, Request, values_decoder, wall_offset
from ..limits import MAX_OWED_REPLIES
from ..simulation.inverter import Inverter
from ..vocabulary import EXCEPTION_BIT, MAX_READ
from .modbus import HEADER, exception_frame, is_key_request, request_of

_CONNECT_KINDS = kinds_at(Stage.MODBUS_CONNECT)
_FRAME_KINDS = kinds_at(Stage.MODBUS_FRAME)
_KEY_KINDS = kinds_at(Stage.KEY_REQUEST)
_LINGER_RESET = struct.pack("ii", 1, 0)

FrameHandler = Callable[[bytes], "bytes | None"]  # a request frame -> the device's reply frame, None: silence


def reset(transport: asyncio.BaseTransport | None) -> None:
    """Abort with a TCP reset (not a FIN), as a crashing dongle does; every door uses this one."""
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    transport.abort()


def _outcome(reply: bytes | None) -> str:
    if reply is None:
        return "no reply"
    if len(reply) > 8 and reply[7] & EXCEPTION_BIT:
        return f"exception {reply[8]:02d}"
    return REPLY_OK


def as_is(reply: bytes) -> bytes:
    """The plain framing's ``encode``: a reply frame goes on the wire as it is."""
    return reply


class Connection:
    """Per-connection state the wire needs: the peer, requests answered, a reply held back, and
    whether the door may read more requests.

    The door stops reading (``stalled``) while the peer does not take its replies (the transport's
    write buffer is above its high-water mark) or while too many replies wait in fault timers;
    ``on_unstall`` then lets the door serve the requests it had read but not yet answered.
    """

    __slots__ = ("_timers", "_writing_paused", "answered", "encode", "held", "on_key_rotated", "on_unstall", "peer",
                 "stalled", "transport", "write")  # fmt: skip

    def __init__(self, transport: asyncio.Transport, encode: Callable[[bytes], bytes], on_key_rotated=None,
                 on_unstall: Callable[[], None] | None = None):  # fmt: skip
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else "?"
        self.answered = 0
        self.held: bytes | None = None
        self.encode = encode
        self.write = transport.write
        self.on_key_rotated = on_key_rotated
        self.on_unstall = on_unstall
        self.stalled = False
        self._writing_paused = False
        self._timers: set[asyncio.TimerHandle] = set()

    def send(self, reply: bytes | None) -> None:
        if reply is not None and not self.transport.is_closing():
            self.write(self.encode(reply))

    def flush_held(self) -> None:
        held, self.held = self.held, None
        if held is not None and not self.transport.is_closing():
            self.write(held)

    # -- backpressure ---------------------------------------------------------------------------

    @property
    def owed(self) -> int:
        """Replies waiting in fault timers."""
        return len(self._timers)

    def later(self, delay: float, action: Callable[..., None], *args) -> None:
        """Run ``action(*args)`` (a reply going out) after ``delay`` seconds; it counts as owed
        until then, and is dropped if the connection closes first."""
        timer: asyncio.TimerHandle | None = None

        def fire() -> None:
            self._timers.discard(timer)
            try:
                action(*args)
            finally:
                self._update()

        timer = asyncio.get_running_loop().call_later(delay, fire)
        self._timers.add(timer)
        self._update()

    def writing_paused(self, paused: bool) -> None:
        """The transport's write buffer went above its high-water mark (True) or below its low one."""
        self._writing_paused = paused
        self._update()

    def _update(self) -> None:
        stalled = self._writing_paused or len(self._timers) >= MAX_OWED_REPLIES
        if stalled == self.stalled:
            return
        self.stalled = stalled
        if stalled:
            self.transport.pause_reading()
        elif not self.transport.is_closing():
            self.transport.resume_reading()
            if self.on_unstall is not None:
                self.on_unstall()

    def closed(self) -> None:
        """The connection is gone: drop what it was owed, so that its memory goes with it."""
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self.held = None
        self.on_unstall = None


class Wire:
    """Journals and faults for one Modbus door (``door`` is ``modbus`` or ``encrypted``), and the
    replies its handler keeps (``kept``: :attr:`.modbus.ModbusHandler.kept`), sent again while
    the registers they were read from do not change."""

    def __init__(self, door: str, inverters: Mapping[int, Inverter], journal: Journal | None, faults: FaultEngine | None,
                 kept: dict[bytes, tuple] | None = None):  # fmt: skip
        self.door = door
        self.inverters = inverters
        self.journal = journal
        self.faults = faults
        self.kept = {} if kept is None else kept
        self._wall_offset = wall_offset()

    # -- connections ----------------------------------------------------------------------------

    def admit(self, connection: Connection, open_connections: int) -> bool:
        """Whether a new connection may stay open (``refuse`` and ``connection_limit`` say no)."""
        faults = self.faults
        if faults is None or faults.empty:
            return True
        info = RequestInfo(self.door, connecting=True, open_connections=open_connections)
        fault = faults.decide(info, _CONNECT_KINDS)
        if fault is None:
            return True
        outcome = MODBUS_CONNECT_ACTIONS[fault.kind](connection)
        if self.journal is not None:
            self.journal.record(door=self.door, peer=connection.peer, reply=outcome, fault=fault.kind)
        return False

    # -- requests -------------------------------------------------------------------------------

    def serve(self, connection: Connection, frame: bytes, handle: FrameHandler) -> None:
        """Answer one request frame on ``connection``, applying a fault if one fires.

        The doors call this while they read the request, so the transport is open (a fault that
        closes it ends the door's loop over the frames it read)."""
        started = perf_counter()
        if connection.held is not None:  # a late reply goes out while the client waits for the next one
            connection.flush_held()
        faults = self.faults
        if faults is not None and not faults.empty:
            return self._serve_with_faults(connection, frame, handle, faults, started)
        # The reply: the kept one while the registers it was read from have not changed (the
        # handler keeps it; this is the only place that sends it, inline because a call costs a
        # twentieth of the request), else the handler's. The journal gets the reply's label, not
        # the reply: kept in a full journal, every reply's bytes made the door's own work per request
        # a quarter slower (fresh memory for each instead of the block just freed).
        reply = None
        inverter = self.inverters.get(frame[6])
        kept = self.kept.get(frame[6:])
        if kept is not None and kept[0] is inverter:
            try:  # before quiet_until, refresh() has nothing to do: no call
                if (inverter.image.generation if started < inverter.quiet_until else inverter.refresh()) == kept[1]:
                    reply = frame[:2] + kept[2]
                    outcome = REPLY_OK  # a kept reply is a read's answer
            except Exception:  # the handler's read fails the same way and answers it
                pass
        if reply is None:
            reply = handle(frame)
            outcome = _outcome(reply)
        if reply is not None:
            encode = connection.encode
            connection.write(reply if encode is as_is else encode(reply))
        connection.answered += 1
        journal = self.journal
        if journal is not None:  # plain values, decoded only when read (_decode)
            journal.record_values((
                _JOURNAL_ENTRY, self.door, connection.peer, frame, None if inverter is None else inverter.model.name,
                started, outcome, None, perf_counter(), self._wall_offset,
            ))  # fmt: skip
        return None

    def _serve_with_faults(self, connection: Connection, frame: bytes, handle: FrameHandler, faults: FaultEngine,
                           started: float) -> None:  # fmt: skip
        key_request = is_key_request(frame)
        fault = faults.decide(self._info(frame, connection), _KEY_KINDS if key_request else _FRAME_KINDS)
        if fault is None:
            reply = handle(frame)
            if reply is not None:
                connection.send(reply)
            outcome = _outcome(reply)
        else:
            actions = KEY_ACTIONS if key_request else FRAME_ACTIONS
            outcome = actions[fault.kind](fault, connection, frame, handle)
        connection.answered += 1
        journal = self.journal
        if journal is not None:
            inverter = self.inverters.get(frame[6])
            journal.record_values((
                _JOURNAL_ENTRY, self.door, connection.peer, frame, None if inverter is None else inverter.model.name,
                started, outcome, None if fault is None else fault.kind, perf_counter(), self._wall_offset,
            ))  # fmt: skip

    def _info(self, frame: bytes, connection: Connection) -> RequestInfo:
        request = request_of(frame)
        return RequestInfo(self.door, unit=request.unit, function=request.function, table=request.table,
                           first=request.first, count=request.count, answered=connection.answered)  # fmt: skip


# -- what each fault does on the wire: (fault, connection, request frame, handle) -> journal outcome

Action = Callable[[Fault, Connection, bytes, FrameHandler], str]


def _refuse(connection: Connection) -> str:
    reset(connection.transport)
    return "refused"


def _silent(fault: Fault, connection: Connection, frame: bytes, handle: FrameHandler) -> str:
    return "no reply"


def _exception(fault: Fault, connection: Connection, frame: bytes, handle: FrameHandler) -> str:
    code = fault.params["code"]
    connection.send(exception_frame(frame, code))
    return f"exception {code:02d}"


def _reset(fault: Fault, connection: Connection, frame: bytes, handle: FrameHandler) -> str:
    reset(connection.transport)
    return "reset"


def _garbage(fault: Fault, connection: Connection, frame: bytes, handle: FrameHandler) -> str:
    connection.write(fault.draw_bytes())
    return "garbage"


def _answered(act: Callable[[Fault, Connection, bytes], str]) -> Action:
    """An action on the device's reply; a request the device leaves unanswered stays so."""

    def action(fault: Fault, connection: Connection, frame: bytes, handle: FrameHandler) -> str:
        reply = handle(frame)
        return "no reply" if reply is None else act(fault, connection, reply)

    return action


@_answered
def _delay(fault: Fault, connection: Connection, reply: bytes) -> str:
    seconds = fault.draw_delay()
    connection.later(seconds, connection.send, reply)
    return f"{_outcome(reply)}, delayed {seconds:g} s"


@_answered
def _late(fault: Fault, connection: Connection, reply: bytes) -> str:
    connection.held = connection.encode(reply)
    connection.later(fault.params["delay"], connection.flush_held)
    return f"{_outcome(reply)}, late"


@_answered
def _truncate(fault: Fault, connection: Connection, reply: bytes) -> str:
    data = connection.encode(reply)
    connection.write(data[: max(1, len(data) // 2)])
    return "truncated"


@_answered
def _wrong_transaction_id(fault: Fault, connection: Connection, reply: bytes) -> str:
    wrong = ((reply[0] << 8 | reply[1]) + 1) & 0xFFFF
    connection.send(wrong.to_bytes(2, "big") + reply[2:])
    return "wrong transaction id"


@_answered
def _wrong_unit_id(fault: Fault, connection: Connection, reply: bytes) -> str:
    connection.send(reply[:6] + bytes(((reply[6] + 1) & 0xFF,)) + reply[7:])
    return "wrong unit id"


@_answered
def _wrong_exception_length(fault: Fault, connection: Connection, reply: bytes) -> str:
    if len(reply) > 8 and reply[7] & EXCEPTION_BIT:
        # As a WiNet-S sends it: the length counts the unit and the function code, not the
        # exception code, so a client reads a 1-byte PDU and the code is left in the stream.
        connection.send(reply[:4] + (len(reply) - HEADER).to_bytes(2, "big") + reply[6:])
        return f"{_outcome(reply)}, length 2"
    connection.send(reply)
    return _outcome(reply)


@_answered
def _close_after(fault: Fault, connection: Connection, reply: bytes) -> str:
    connection.send(reply)
    connection.transport.close()
    return f"{_outcome(reply)}, then closed"


def _key_rotated(fault: Fault, connection: Connection, frame: bytes, handle: FrameHandler) -> str:
    # The key changes before the reply is encoded: the client cannot read this reply either.
    if connection.on_key_rotated is not None:
        connection.on_key_rotated()
    reply = handle(frame)
    if reply is None:
        return "no reply"
    connection.send(reply)
    return f"{_outcome(reply)}, key rotated"


MODBUS_CONNECT_ACTIONS: dict[str, Callable[[Connection], str]] = {"refuse": _refuse, "connection_limit": _refuse}
FRAME_ACTIONS: dict[str, Action] = {
    "exception": _exception,
    "no_response": _silent,
    "delay": _delay,
    "late_response": _late,
    "reset": _reset,
    "close_after": _close_after,
    "garbage": _garbage,
    "truncate": _truncate,
    "wrong_transaction_id": _wrong_transaction_id,
    "wrong_unit_id": _wrong_unit_id,
    "wrong_exception_length": _wrong_exception_length,
    "key_rotated": _key_rotated,
}
KEY_ACTIONS: dict[str, Action] = {
    "key_not_answered": _silent,
    "no_response": _silent,
    "delay": _delay,
    "reset": _reset,
    "garbage": _garbage,
    "truncate": _truncate,
}
MODBUS_STAGE_ACTIONS = {Stage.MODBUS_CONNECT: MODBUS_CONNECT_ACTIONS, Stage.MODBUS_FRAME: FRAME_ACTIONS, Stage.KEY_REQUEST: KEY_ACTIONS}


def _decode(seq: int, door: str, peer: str, frame: bytes, model: str | None, started: float, outcome,
            fault: str | None, ended: float, wall_offset: float) -> Request:  # fmt: skip
    """The journal entry of one Modbus request frame, with its register names and address hint.

    ``model`` is the model of the inverter at the frame's unit (None: none there); ``outcome`` is the
    reply's label (:func:`_outcome`), or what the fault did; ``started`` and
    ``ended`` are the wire's monotonic clock readings around the answer.
    """
    layout = None if model is None else device_layout(model)
    arrived, latency = started + wall_offset, ended - started
    request = request_of(frame)
    unit, function, table, address, count = request.unit, request.function, request.table, request.first, request.count
    registers: tuple[str, ...] = ()
    hint = None
    if layout is not None and count is not None and 1 <= count <= MAX_READ:
        registers, hint = describe(layout, table, address, count)
    values = request.values
    return Request(
        seq=seq, time=arrived, door=door, peer=peer, unit=unit, function=function, table=table, address=address,
        count=count, values=values, registers=registers, hint=hint, fault=fault, latency_ms=latency * 1000,
        reply=outcome,
    )  # fmt: skip


_JOURNAL_ENTRY = values_decoder(_decode)
