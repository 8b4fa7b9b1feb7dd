"""The Modbus core: one request PDU in, one reply PDU (or silence) out, for every framing.

Plain MBAP (``modbus.py``), the encrypted framing (``encrypted.py``) and the WiNet-S RTU
pass-through (``winet/writes.py``) only strip and add their framing around :func:`answer`; the
journal and the fault engine learn a request's function, table and register span from
:func:`parse`, the one parser of a request.

The recorder, the package's one Modbus client, builds its requests with :func:`read_request`
and reads the replies with :func:`read_reply`, so both sides share these facts.

Facts: PROTOCOLS §1.3 (FC 03/04/06/16, separate tables), §1.6 (1..125 registers per read), §1.7
(unit ids; the encryption key request on unit 247), §1.9 (write replies), §5.1.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import NamedTuple, Protocol

from ..device.image import RegisterAccessError
from ..vocabulary import (
    ADDRESS_SPACE,
    BROADCAST_UNIT,
    DEVICE_FAILURE,
    EXCEPTION_BIT,
    FUNCTION_TABLES,
    ILLEGAL_ADDRESS,
    ILLEGAL_FUNCTION,
    ILLEGAL_VALUE,
    KEY_REQUEST_UNIT,
    MAX_READ,
    MAX_WRITE,
    READ_TABLES,
    WRITE_MULTIPLE,
    WRITE_SINGLE,
    Table,
)  # fmt: skip

log = logging.getLogger(__name__)

NO_REPLY = -1  # what a screen returns for a request that gets no reply at all


# FC 04, wire 2791, 8 registers: the public-key request of the encrypted-Modbus clients (§3.2).
KEY_REQUEST_PDU = bytes.fromhex("040ae70008")
NO_KEY = bytes(16)


class ModbusRequest(NamedTuple):
    """What a request asks for. ``first`` is the documented (1-based) number of its first
    register; ``problem`` is the exception code a malformed request gets (None when well formed).
    Fields a short PDU does not carry are None."""

    unit: int
    function: int
    table: Table | None = None
    first: int | None = None
    count: int | None = None
    values: tuple[int, ...] | None = None
    problem: int | None = None

    @property
    def address(self) -> int | None:
        """The wire address (documented - 1)."""
        return None if self.first is None else self.first - 1

    @property
    def writes(self) -> bool:
        return self.function in (WRITE_SINGLE, WRITE_MULTIPLE)


class Screen(Protocol):
    """What stands between the client and the devices (a WiNet-S: ``transports/dongle_screen.py``)."""

    def refusal(self, request: ModbusRequest, device) -> int | None:
        """The exception code ``request`` gets instead of ``device``'s answer (NO_REPLY: silence),
        or None: it is forwarded."""

    def reply(self, request: ModbusRequest, device, payload: bytes) -> bytes:
        """The words the client gets for a read ``device`` answered with ``payload``."""


def _word(pdu: bytes, offset: int) -> int:
    return (pdu[offset] << 8) | pdu[offset + 1]


def parse(unit: int, pdu: bytes) -> ModbusRequest:
    """The request in ``pdu`` (function code first) sent to ``unit``; never raises."""
    if not pdu:
        return ModbusRequest(unit, 0, problem=ILLEGAL_FUNCTION)
    function = pdu[0]
    table = FUNCTION_TABLES.get(function)
    if table is None:
        return ModbusRequest(unit, function, problem=ILLEGAL_FUNCTION)
    if len(pdu) < 5:
        return ModbusRequest(unit, function, table, problem=ILLEGAL_VALUE)
    address = (pdu[1] << 8) | pdu[2]
    if function == WRITE_SINGLE:
        values = ((pdu[3] << 8) | pdu[4],)
        problem = None if len(pdu) == 5 else ILLEGAL_VALUE
        return ModbusRequest(unit, function, table, address + 1, 1, values, problem)
    count = (pdu[3] << 8) | pdu[4]
    if function in READ_TABLES:
        problem = None
        if len(pdu) != 5 or not 1 <= count <= MAX_READ:
            problem = ILLEGAL_VALUE
        elif address + count > ADDRESS_SPACE:
            problem = ILLEGAL_ADDRESS
        return ModbusRequest(unit, function, table, address + 1, count, None, problem)
    # FC 16: address, count, byte count, words
    end = min(len(pdu) - 1, 6 + 2 * count)
    values = tuple(_word(pdu, i) for i in range(6, end, 2))
    problem = None
    if len(pdu) < 6 or not 1 <= count <= MAX_WRITE or pdu[5] != 2 * count or len(pdu) != 6 + 2 * count:
        problem = ILLEGAL_VALUE
    elif address + count > ADDRESS_SPACE:
        problem = ILLEGAL_ADDRESS
    return ModbusRequest(unit, function, table, address + 1, count, values, problem)


def exception_function(function: int) -> int:
    """The function code of an exception reply to ``function``: its high bit set."""
    return (function | EXCEPTION_BIT) & 0xFF


def exception_pdu(function: int, code: int) -> bytes:
    """A well-formed exception reply: ``function | 0x80`` and the exception code."""
    return bytes((exception_function(function), code))


def is_key_request(unit: int, pdu: bytes) -> bool:
    return unit == KEY_REQUEST_UNIT and pdu == KEY_REQUEST_PDU


def key_reply(public_key: bytes) -> bytes:
    """The normal FC 04 answer to the key request, carrying the 16-byte public key."""
    return bytes((4, 16)) + public_key


def answer(
    inverters: Mapping, unit: int, pdu: bytes, public_key: bytes = NO_KEY, screen: Screen | None = None
) -> bytes | None:
    """The reply PDU to ``pdu`` sent to ``unit``, or None when the mock stays silent.

    ``inverters`` maps unit ids to devices (inverters, and the battery pack beside one). Other
    unit ids get no reply, as on an RS-485 bus; a broadcast write (unit 0) is applied to every
    device that takes broadcasts, all or nothing, without a reply. The key request is answered
    with ``public_key`` (all zero: this door does not encrypt). ``screen`` is what stands between
    the client and the devices (a WiNet-S: ``transports/dongle_screen.py``); it refuses what it does not
    forward and rewrites what it answers. A write that fails changes nothing.
    """
    if is_key_request(unit, pdu):
        return key_reply(public_key)
    inverter = inverters.get(unit)
    if inverter is None:
        if unit == BROADCAST_UNIT:
            _broadcast([d for d in inverters.values() if d.takes_broadcasts], parse(unit, pdu))
        return None
    request = parse(unit, pdu)
    if request.problem is not None:
        return exception_pdu(request.function, request.problem)
    if screen is not None:
        refusal = screen.refusal(request, inverter)
        if refusal is not None:
            return None if refusal is NO_REPLY else exception_pdu(request.function, refusal)
    try:
        if request.values is None:
            payload = inverter.read(request.table, request.address, request.count)
            if screen is not None:
                payload = screen.reply(request, inverter, payload)
            return bytes((request.function, 2 * request.count)) + payload
        inverter.write(request.address, list(request.values))
    except RegisterAccessError as error:
        return None if error.code is None else exception_pdu(request.function, error.code)
    except Exception:  # a fault of the mock itself costs this request, never the connection or the door
        log.exception("answering %s for unit %d failed", request, unit)
        return exception_pdu(request.function, DEVICE_FAILURE)
    return pdu if request.function == WRITE_SINGLE else pdu[:5]


def _broadcast(inverters: list, request: ModbusRequest) -> None:
    if request.problem is not None or not request.writes:
        return
    words = list(request.values)
    try:
        for inverter in inverters:
            inverter.check_write(request.address, words)
    except RegisterAccessError:
        return  # one device refuses: none changes, as one write on the bus
    for inverter in inverters:
        inverter.write(request.address, words)


# -- the client's side (the recorder) ----------------------------------------------------------

READ_FUNCTIONS = {table: function for function, table in READ_TABLES.items()}


def read_request(table: Table, first: int, count: int) -> bytes:
    """The PDU that reads ``count`` registers of ``table`` from the documented number ``first``
    (:func:`parse` reads it back)."""
    address = first - 1
    return bytes((READ_FUNCTIONS[table], address >> 8, address & 0xFF, count >> 8, count & 0xFF))


class ReadReply(NamedTuple):
    """What a reply to a read says: its ``words``, or the device's ``exception`` code, or
    ``problem``: why it is neither (a phrase completing "answered the read with ...")."""

    words: tuple[int, ...] | None = None
    exception: int | None = None
    problem: str | None = None


def read_reply(request: ModbusRequest, reply: bytes) -> ReadReply:
    """What the reply PDU ``reply`` answers to the read ``request``; never raises."""
    function, count = request.function, request.count
    if not reply:
        return ReadReply(problem="an empty reply")
    if reply[0] == exception_function(function):
        if len(reply) != 2:
            return ReadReply(problem=f"a malformed exception reply ({reply.hex(' ')})")
        return ReadReply(exception=reply[1])
    if reply[0] != function:
        return ReadReply(problem=f"function code {reply[0]:#04x}")
    if len(reply) != 2 + 2 * count or reply[1] != 2 * count:
        byte_count = reply[1] if len(reply) > 1 else "none"
        return ReadReply(problem=f"{len(reply[2:])} data bytes (byte count {byte_count}), expected {2 * count}")
    return ReadReply(words=tuple(_word(reply, i) for i in range(2, len(reply), 2)))
