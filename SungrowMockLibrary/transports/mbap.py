"""Plain Modbus TCP: MBAP framing on an asyncio server.

A frame is a 7-byte MBAP header (transaction id, protocol id 0, length = unit + PDU bytes, unit)
and the PDU. A header that cannot be valid (protocol id not 0, length below 2 or above 254)
means the stream is lost, so the connection is dropped; other clients are unaffected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .wire import Connection, FrameHandler, Wire

MAX_LENGTH = 254  # unit byte + the largest PDU (253 bytes)


class TrackedProtocol(asyncio.Protocol):
    """A connection that registers with its door, so that stopping the door can close it.

    With a :class:`~.wire.Wire`, every request goes through it (journal, faults); without one,
    frames go straight to the handler.
    """

    def __init__(self, handle: FrameHandler, connections: set, wire: Wire | None = None):
        self._handle = handle
        self._connections = connections
        self._wire = wire
        self._buffer = b""
        self.transport: asyncio.Transport | None = None
        self.connection: Connection | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.connection = Connection(transport, as_is, self._rotate_key)
        open_connections = len(self._connections)
        self._connections.add(transport)
        if self._wire is not None and not self._wire.admit(self.connection, open_connections):
            self._connections.discard(transport)

    def connection_lost(self, exc) -> None:
        self._connections.discard(self.transport)

    def _rotate_key(self) -> None:
        """Only the encrypted door has a key to rotate."""

    def _drop(self) -> None:
        """The stream cannot be parsed any more: close the connection at once."""
        self._buffer = b""
        self.transport.abort()

    def _serve(self, frame: bytes, handle: FrameHandler) -> None:
        if self._wire is None:
            self.connection.send(handle(frame))
        else:
            self._wire.serve(self.connection, frame, handle)


def as_is(reply: bytes) -> bytes:
    return reply


class MbapProtocol(TrackedProtocol):
    """One client connection: splits the byte stream into MBAP frames and writes replies."""

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer + data if self._buffer else data
        handle = self._handle
        while len(buffer) >= 7:
            length = (buffer[4] << 8) | buffer[5]
            if buffer[2] or buffer[3] or length < 2 or length > MAX_LENGTH:
                return self._drop()
            end = 6 + length
            if len(buffer) < end:
                break
            if len(buffer) == end:
                frame, buffer = buffer, b""
            else:
                frame, buffer = buffer[:end], buffer[end:]
            self._serve(frame, handle)
            if self.transport.is_closing():
                return
        self._buffer = buffer


class TcpDoor:
    """A listening TCP endpoint whose ``stop`` also closes every open connection."""

    def __init__(self, server: asyncio.base_events.Server, connections: set):
        self._server = server
        self._connections = connections
        self.host, self.port = server.sockets[0].getsockname()[:2]

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    async def stop(self) -> None:
        # Closing an asyncio server while an accept is in flight leaks that connection (its
        # transport cannot attach to a closed server), so: stop accepting, let accepts in
        # flight reach connection_made (two loop turns), then close the server and everything.
        loop = asyncio.get_running_loop()
        for sock in self._server.sockets:
            loop.remove_reader(sock.fileno())
        for _ in range(3):
            await asyncio.sleep(0)
        self._server.close()
        for transport in list(self._connections):
            transport.abort()
        await self._server.wait_closed()


async def serve_tcp(protocol_factory: Callable[[set], asyncio.Protocol], host: str, port: int) -> TcpDoor:
    """Listen on ``host:port`` (0 = a free port) with one protocol instance per connection."""
    connections: set = set()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: protocol_factory(connections), host, port, reuse_address=True)
    return TcpDoor(server, connections)


async def serve_modbus(handle: FrameHandler, host: str, port: int, wire: Wire | None = None) -> TcpDoor:
    """Serve plain Modbus TCP, answering each frame with ``handle`` (through ``wire`` if given)."""
    return await serve_tcp(lambda connections: MbapProtocol(handle, connections, wire), host, port)
