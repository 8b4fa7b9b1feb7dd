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


def is_key_request(frame: bytes) -> bool:
    return frame[6] == KEY_REQUEST_UNIT and frame[7:] == KEY_REQUEST_PDU


def key_reply(frame: bytes, public_key: bytes) -> bytes:
    """The normal FC 04 answer to the key request, carrying the 16-byte public key."""
    return frame[:2] + b"\x00\x00\x00\x13" + bytes((KEY_REQUEST_UNIT, 4, 16)) + public_key


def exception_frame(header: bytes, unit: int, function: int, code: int) -> bytes:
    """A well-formed exception reply: ``function | 0x80`` and the exception code."""
    return header[:2] + b"\x00\x00\x00\x03" + bytes((unit, function | 0x80, code))


class ModbusHandler:
    """Answers Modbus requests for the inverters of a mock, each at its own unit id.

    ``inverters`` is the mock's live mapping of unit id to inverter. Frames for other unit ids
    get no reply, as on an RS-485 bus where only the addressed device answers; broadcast writes
    (unit 0) reach every inverter without a reply, as the documents allow. The encryption key
    request is answered with a zero key: this door does not encrypt.
    """

    def __init__(self, inverters: dict[int, Inverter]):
        self.inverters = inverters

    def handle(self, frame: bytes) -> bytes | None:
        """Answer one complete MBAP frame (header + unit + PDU); ``None`` means stay silent."""
        unit = frame[6]
        function = frame[7]
        inverter = self.inverters.get(unit)
        if inverter is None or unit == KEY_REQUEST_UNIT:
            if is_key_request(frame):
                return key_reply(frame, NO_KEY)
            if inverter is None:
                if unit == BROADCAST_UNIT and function in (6, 16):
                    for each in list(self.inverters.values()):
                        self._write(each, frame, unit, function)
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
                payload = inverter.read(table, address, count)
            except RegisterAccessError as error:
                return exception_frame(frame, unit, function, error.code)
            size = 2 * count
            return frame[:2] + b"\x00\x00" + (size + 3).to_bytes(2, "big") + bytes((unit, function, size)) + payload
        if function in (6, 16):
            return self._write(inverter, frame, unit, function)
        return exception_frame(frame, unit, function, ILLEGAL_FUNCTION)

    @staticmethod
    def _write(inverter: Inverter, frame: bytes, unit: int, function: int) -> bytes:
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
            inverter.write(address, words)
        except RegisterAccessError as error:
            return exception_frame(frame, unit, function, error.code)
        return reply
