"""Modbus request handling shared by every framing: one MBAP frame in, one reply frame (or none) out.

Facts: PROTOCOLS §1.3 (FC 03/04/06/16, separate tables), §1.6 (1..125 registers per read), §1.7
(unit ids; the encryption key request on unit 247), §1.9 (write replies), §5.1.
"""

from __future__ import annotations

from ..device.catalogue import HOLDING, INPUT
from ..device.image import ILLEGAL_ADDRESS, ILLEGAL_FUNCTION, ILLEGAL_VALUE, RegisterAccessError
from ..simulation.inverter import Inverter

KEY_REQUEST_UNIT = 247
# FC 04, wire 2791, 8 registers: the public-key request of the encrypted-Modbus clients (PROTOCOLS §3.2).
KEY_REQUEST_PDU = bytes.fromhex("040ae70008")
NO_KEY = bytes(16)

MAX_READ = 125
MAX_WRITE = 123
BROADCAST_UNIT = 0

_READ_TABLES = {3: HOLDING, 4: INPUT}


def exception_frame(header: bytes, unit: int, function: int, code: int) -> bytes:
    """A well-formed exception reply: ``function | 0x80`` and the exception code."""
    return header[:2] + b"\x00\x00\x00\x03" + bytes((unit, function | 0x80, code))


class ModbusHandler:
    """Answers Modbus requests for one inverter at one unit id.

    Frames for other unit ids get no reply, as on an RS-485 bus where only the addressed device
    answers; broadcast writes (unit 0) are applied without a reply, as the documents allow.
    """

    def __init__(self, inverter: Inverter, unit_id: int = 1, public_key: bytes = NO_KEY):
        self.inverter = inverter
        self.unit_id = unit_id
        self.public_key = public_key

    def handle(self, frame: bytes) -> bytes | None:
        """Answer one complete MBAP frame (header + unit + PDU); ``None`` means stay silent."""
        unit = frame[6]
        function = frame[7]
        if unit != self.unit_id:
            if unit == KEY_REQUEST_UNIT and frame[7:] == KEY_REQUEST_PDU:
                return self.key_reply(frame)
            if unit == BROADCAST_UNIT and function in (6, 16):
                self._write(frame, unit, function)
            return None
        table = _READ_TABLES.get(function)
        if table is not None:
            if len(frame) != 12:
                return exception_frame(frame, unit, function, ILLEGAL_VALUE)
            address = (frame[8] << 8) | frame[9]
            count = (frame[10] << 8) | frame[11]
            if not 1 <= count <= MAX_READ:
                return exception_frame(frame, unit, function, ILLEGAL_VALUE)
            try:
                payload = self.inverter.read(table, address, count)
            except RegisterAccessError as error:
                return exception_frame(frame, unit, function, error.code)
            size = 2 * count
            return frame[:2] + b"\x00\x00" + (size + 3).to_bytes(2, "big") + bytes((unit, function, size)) + payload
        if function in (6, 16):
            return self._write(frame, unit, function)
        return exception_frame(frame, unit, function, ILLEGAL_FUNCTION)

    def key_reply(self, frame: bytes) -> bytes:
        """The normal FC 04 answer carrying the 16-byte public key (all zero: no encryption)."""
        return frame[:2] + b"\x00\x00\x00\x13" + bytes((KEY_REQUEST_UNIT, 4, 16)) + self.public_key

    def _write(self, frame: bytes, unit: int, function: int) -> bytes:
        pdu = frame[8:]
        if function == 6:
            if len(pdu) != 4:
                return exception_frame(frame, unit, function, ILLEGAL_VALUE)
            address = (pdu[0] << 8) | pdu[1]
            words = [(pdu[2] << 8) | pdu[3]]
            reply = frame
        else:
            if len(pdu) < 5:
                return exception_frame(frame, unit, function, ILLEGAL_VALUE)
            address = (pdu[0] << 8) | pdu[1]
            count = (pdu[2] << 8) | pdu[3]
            if not 1 <= count <= MAX_WRITE or pdu[4] != 2 * count or len(pdu) != 5 + 2 * count:
                return exception_frame(frame, unit, function, ILLEGAL_VALUE)
            words = [(pdu[i] << 8) | pdu[i + 1] for i in range(5, 5 + 2 * count, 2)]
            reply = frame[:2] + b"\x00\x00\x00\x06" + frame[6:12]
        if address + len(words) > 0x10000:
            return exception_frame(frame, unit, function, ILLEGAL_ADDRESS)
        try:
            self.inverter.write(address, words)
        except RegisterAccessError as error:
            return exception_frame(frame, unit, function, error.code)
        return reply
