import socket

import pytest

from SungrowMockLibrary import MockSungrow


class RawModbus:
    """A raw TCP connection to a mock: send bytes, read exactly one reply (or nothing)."""

    def __init__(self, address: str, timeout: float = 1.0):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)

    def send(self, data: bytes | str) -> None:
        self.sock.sendall(bytes.fromhex(data) if isinstance(data, str) else data)

    def reply(self) -> bytes:
        header = self._exactly(6)
        return header + self._exactly(int.from_bytes(header[4:6], "big"))

    def ask(self, data: bytes | str) -> bytes:
        self.send(data)
        return self.reply()

    def silent(self, wait: float = 0.3) -> bool:
        """True when nothing arrives within ``wait`` seconds and the connection is still open."""
        self.sock.settimeout(wait)
        try:
            self.sock.recv(1, socket.MSG_PEEK)
        except TimeoutError:
            return True
        return False

    def closed_by_peer(self, wait: float = 1.0) -> bool:
        self.sock.settimeout(wait)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError(f"connection closed after {len(data)} of {n} bytes")
            data += chunk
        return data

    def close(self) -> None:
        self.sock.close()


def read_frame(tid: int, unit: int, function: int, address: int, count: int) -> bytes:
    return tid.to_bytes(2, "big") + b"\x00\x00\x00\x06" + bytes((unit, function)) + address.to_bytes(2, "big") + count.to_bytes(2, "big")


@pytest.fixture
def raw(sungrow_mock):
    connections = []

    def connect(mock: MockSungrow | None = None) -> RawModbus:
        connection = RawModbus((mock or sungrow_mock).endpoint("modbus"))
        connections.append(connection)
        return connection

    yield connect
    for connection in connections:
        connection.close()
