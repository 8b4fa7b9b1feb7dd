"""A raw Modbus TCP client that reads a device's registers, one request at a time.

It is a plain socket on purpose (docs/decisions.md, "pymodbus out of the runtime"): a recorder
must survive devices that misbehave (wrong transaction ids, truncated frames, the WiNet-S short
exception frame of PROTOCOLS §1.8), tell the user exactly what went wrong, and keep every
request within one deadline. Requests and replies are the Modbus core's (``pdu.read_request``,
``pdu.read_reply``) in the MBAP framing of ``transports.modbus``; numbers are documented
(1-based) here, the wire address exists only inside the core.
"""

from __future__ import annotations

import socket
import time

from ..errors import RecordingError
from ..transports.mbap import MAX_LENGTH
from ..transports.modbus import HEADER, header_of, mbap_frame
from ..transports.pdu import exception_function, parse, read_reply, read_request
from ..vocabulary import Table


class Refused(Exception):
    """The device answered a read with a Modbus exception (``code``)."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class ModbusClient:
    """One Modbus TCP connection to ``host:port`` reading registers of ``unit``.

    Each request must be answered completely within ``timeout`` (not per byte), so a device
    that trickles bytes cannot stretch a recording beyond its bound.
    """

    def __init__(self, host: str, port: int, unit: int, timeout: float):
        self.source = f"{host}:{port}"
        self.unit = unit
        self.timeout = timeout
        self._transaction = 0
        try:
            self._sock = socket.create_connection((host, port), timeout=timeout)
        except TimeoutError:
            raise RecordingError(f"cannot connect to {self.source}: no answer within {timeout:g} s") from None
        except OSError as error:
            raise RecordingError(f"cannot connect to {self.source}: {error.strerror or error}") from None
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> ModbusClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def read(self, table: Table, first: int, count: int) -> list[int]:
        """Words ``first..first+count-1`` of ``table``; raises :class:`Refused` on an exception reply."""
        pdu = read_request(table, first, count)
        request = parse(self.unit, pdu)
        self._transaction = self._transaction % 0xFFFF + 1
        transaction = self._transaction
        what = f"FC {request.function:02d} {table} {first}..{first + count - 1}"
        deadline = time.monotonic() + self.timeout
        frame = mbap_frame(transaction.to_bytes(2, "big"), self.unit, pdu)
        self._io(lambda: self._sock.sendall(frame), what, deadline)
        raw_header = self._receive(HEADER, what, deadline)
        header = header_of(raw_header)
        if header.protocol != 0 or not 2 <= header.length <= MAX_LENGTH:
            raise RecordingError(
                f"{self.source} sent an invalid MBAP header ({raw_header.hex(' ')}) in reply to {what}"
            )
        body = self._receive(header.length - 1, what, deadline)
        if header.transaction != transaction:
            raise RecordingError(
                f"{self.source} answered {what} with transaction id {header.transaction}, expected {transaction}"
            )
        if header.unit != self.unit:
            raise RecordingError(f"{self.source} answered {what} for unit {header.unit}, expected unit {self.unit}")
        if body == bytes((exception_function(request.function),)):
            # WiNet-S firmware says length 2 but still sends the exception code (PROTOCOLS §1.8).
            body += self._receive(1, what, deadline)
        answer = read_reply(request, body)
        if answer.exception is not None:
            raise Refused(answer.exception)
        if answer.problem is not None:
            raise RecordingError(f"{self.source} answered {what} with {answer.problem}")
        return list(answer.words)

    def _receive(self, size: int, what: str, deadline: float) -> bytes:
        data = b""
        while len(data) < size:
            wanted = size - len(data)
            chunk = self._io(lambda: self._sock.recv(wanted), what, deadline)  # noqa: B023 (called at once)
            if not chunk:
                raise RecordingError(
                    f"{self.source} closed the connection after {len(data)} of {size} bytes of its reply to {what}"
                )
            data += chunk
        return data

    def _io(self, operation, what: str, deadline: float):
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            self._sock.settimeout(remaining)
            return operation()
        except TimeoutError:
            raise RecordingError(
                f"no complete reply from {self.source} to {what} (unit {self.unit}) within {self.timeout:g} s; "
                "is the unit id right?"
            ) from None
        except OSError as error:
            reason = error.strerror or error
            raise RecordingError(f"connection to {self.source} failed during {what}: {reason}") from None
