"""Modbus request handling for the MBAP framings: the MBAP header around the core's PDU answer.

An MBAP frame is a 7-byte header (transaction id, protocol id 0, length = unit + PDU bytes,
unit) and the PDU; :mod:`.pdu` does everything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from . import pdu as core
from .pdu import NO_KEY

HEADER = 7


def request_of(frame: bytes) -> core.ModbusRequest:
    """What an MBAP request frame asks for (the one parser, for the journal and the faults)."""
    return core.parse(frame[6], frame[HEADER:])


def is_key_request(frame: bytes) -> bool:
    return core.is_key_request(frame[6], frame[HEADER:])


class MbapHeader(NamedTuple):
    """The 7-byte header in front of every MBAP frame."""

    transaction: int
    protocol: int  # 0 for Modbus
    length: int  # the unit byte and the PDU
    unit: int


def header_of(frame: bytes) -> MbapHeader:
    """The header fields of an MBAP frame (its first :data:`HEADER` bytes)."""
    return MbapHeader(
        (frame[0] << 8) | frame[1], (frame[2] << 8) | frame[3], (frame[4] << 8) | frame[5], frame[6]
    )


def mbap_frame(transaction: bytes, unit: int, pdu: bytes) -> bytes:
    """``pdu`` for ``unit`` in an MBAP frame with the 2-byte ``transaction`` id (protocol 0)."""
    return transaction + b"\x00\x00" + (len(pdu) + 1).to_bytes(2, "big") + bytes((unit,)) + pdu


def with_header(frame: bytes, reply_pdu: bytes, unit: int | None = None) -> bytes:
    """``reply_pdu`` in an MBAP frame answering ``frame`` (same transaction id and unit)."""
    return mbap_frame(frame[:2], frame[6] if unit is None else unit, reply_pdu)


def exception_frame(frame: bytes, code: int) -> bytes:
    """A well-formed exception reply to the request (or reply) ``frame``."""
    return with_header(frame, core.exception_pdu(frame[7], code))


class ModbusHandler:
    """Answers MBAP frames for the devices of a mock, each at its own unit id.

    ``inverters`` is the mock's live mapping of unit id to device; ``screen`` what stands
    between the client and them (``paths.screen``: a WiNet-S refuses what it does not forward).
    """

    def __init__(self, inverters: Mapping, screen: core.Screen | None = None):
        self.inverters = inverters
        self.screen = screen

    def handle(self, frame: bytes, public_key: bytes = NO_KEY) -> bytes | None:
        """Answer one complete MBAP frame (header + unit + PDU); ``None`` means stay silent."""
        reply = core.answer(self.inverters, frame[6], frame[HEADER:], public_key, self.screen)
        return None if reply is None else with_header(frame, reply)
