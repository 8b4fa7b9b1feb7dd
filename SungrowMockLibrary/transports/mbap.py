"""Plain Modbus TCP: MBAP framing on an asyncio server.

A frame is a 7-byte MBAP header (transaction id, protocol id 0, length = unit + PDU bytes, unit)
and the PDU. A header that cannot be valid (protocol id not 0, length below 2 or above 254)
means the stream is lost, so the connection is dropped; other clients are unaffected.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..limits import FRAMES_PER_TURN, IDLE_TIMEOUT, MAX_CONNECTIONS, WRITE_BUFFER_HIGH, WRITE_BUFFER_LOW
from .doorkeeper import Doorkeeper
from .wire import Connection, FrameHandler, Wire, as_is

MAX_LENGTH = 254  # unit byte + the largest PDU (253 bytes)

log = logging.getLogger(__name__)


class TrackedProtocol(asyncio.Protocol):
    """A connection that registers with its door, so that stopping the door can close it.

    With a :class:`~.wire.Wire`, every request goes through it (journal, faults); without one,
    frames go straight to the handler. ``connections`` is the door's
    :class:`~.doorkeeper.Doorkeeper` (its cap and idle timeout).

    Backpressure: while the peer does not read its replies (the write buffer is above
    ``WRITE_BUFFER_HIGH``), or too many replies wait in fault timers, the connection is not read
    and the frames already received wait in ``_buffer``; both are bounded, so a peer that never
    reads costs at most one read chunk plus the write buffer.
    """

    def __init__(self, handle: FrameHandler, connections: Doorkeeper, wire: Wire | None = None):
        self._handle = handle
        self._connections = connections
        self._wire = wire
        self._buffer = b""
        self._active = False
        self.transport: asyncio.Transport | None = None
        self.connection: Connection | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.set_write_buffer_limits(high=WRITE_BUFFER_HIGH, low=WRITE_BUFFER_LOW)
        self.connection = Connection(transport, as_is, self._rotate_key, self._unstalled)
        open_connections = len(self._connections)
        if not self._connections.admit(self):
            transport.close()  # beyond the door's cap: refused cleanly, the others keep going
            return
        if self._wire is not None and not self._wire.admit(self.connection, open_connections):
            self._leave()

    def connection_lost(self, exc) -> None:
        self._leave()
        self._buffer = b""
        if self.connection is not None:
            self.connection.closed()

    def _leave(self) -> None:
        self._connections.leave(self)

    # -- backpressure and idleness --------------------------------------------------------------

    def pause_writing(self) -> None:
        self.connection.writing_paused(True)

    def resume_writing(self) -> None:
        self.connection.writing_paused(False)

    def _unstalled(self) -> None:
        """Reading resumed: serve the frames that arrived while the peer was not reading."""
        if self._buffer:
            self.data_received(b"")

    def _take_turns(self, rest: bytes) -> None:
        """``FRAMES_PER_TURN`` frames were answered: keep ``rest`` and go on after the other
        connections had their turn, so that a client sending thousands at once delays nobody."""
        self._buffer = rest
        self.transport.pause_reading()
        asyncio.get_running_loop().call_soon(self._next_turn)

    def _next_turn(self) -> None:
        transport = self.transport
        if transport.is_closing() or self.connection.stalled:
            return  # closed, or the peer is not reading: resume_writing goes on
        transport.resume_reading()
        if self._buffer:
            self.data_received(b"")

    def busy(self) -> bool:
        active, self._active = self._active, False
        return active or self.connection.owed > 0

    def close_idle(self) -> None:
        log.debug("closing %s: no request for the idle timeout", self.connection.peer)
        if self.transport.get_write_buffer_size():
            self.transport.abort()  # a peer that reads nothing would keep a closing transport forever
        else:
            self.transport.close()

    # -- frames ---------------------------------------------------------------------------------

    def _rotate_key(self) -> None:
        """Only the encrypted door has a key to rotate."""

    def _drop(self) -> None:
        """The stream cannot be parsed any more: close the connection at once."""
        self._buffer = b""
        self.transport.abort()

    def _serve(self, frame: bytes, handle: FrameHandler) -> None:
        self._active = True
        if self._wire is None:
            self.connection.send(handle(frame))
        else:
            self._wire.serve(self.connection, frame, handle)


class MbapProtocol(TrackedProtocol):
    """One client connection: splits the byte stream into MBAP frames and writes replies."""

    def data_received(self, data: bytes) -> None:
        connection = self.connection
        if not self._buffer and not connection.stalled:
            # The usual case, one whole request and nothing else (one request in flight): no loop,
            # and _serve inline (its call is 1.6 % of the door's instructions per request).
            size = len(data)
            if 8 <= size <= 6 + MAX_LENGTH and size == 6 + ((data[4] << 8) | data[5]) and not data[2] and not data[3]:
                self._active = True
                if self._wire is None:
                    connection.send(self._handle(data))
                else:
                    self._wire.serve(connection, data, self._handle)
                return
        buffer = self._buffer + data if self._buffer else data
        handle = self._handle
        size = len(buffer)
        start = 0  # frames are cut at offsets: a chunk of many frames is copied once, not once per frame
        turn = FRAMES_PER_TURN
        while size - start >= 7 and not connection.stalled:
            length = (buffer[start + 4] << 8) | buffer[start + 5]
            if buffer[start + 2] or buffer[start + 3] or length < 2 or length > MAX_LENGTH:
                return self._drop()
            end = start + 6 + length
            if size < end:
                break
            frame = buffer if end == size and not start else buffer[start:end]
            start = end
            self._serve(frame, handle)
            if self.transport.is_closing():
                return
            turn -= 1
            if not turn and size - start >= 7:
                return self._take_turns(buffer[start:])
        # a partial frame, or the frames waiting while the peer reads nothing
        self._buffer = buffer[start:] if start else buffer


class TcpDoor:
    """A listening TCP endpoint whose ``stop`` also closes every open connection."""

    def __init__(self, server: asyncio.base_events.Server, connections: Doorkeeper):
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
        self._connections.stop()
        for protocol in self._connections:
            protocol.transport.abort()
        await self._server.wait_closed()


async def serve_tcp(
    protocol_factory: Callable[[Doorkeeper], asyncio.Protocol], host: str, port: int, door: str = "modbus",
    max_connections: int = MAX_CONNECTIONS, idle_timeout: float = IDLE_TIMEOUT,
) -> TcpDoor:  # fmt: skip
    """Listen on ``host:port`` (0 = a free port) with one protocol instance per connection, at
    most ``max_connections`` open at once (0 = no cap), each closed after ``idle_timeout``
    seconds without a request (0 = never)."""
    connections = Doorkeeper(door, max_connections, idle_timeout)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: protocol_factory(connections), host, port, reuse_address=True)
    connections.start()
    return TcpDoor(server, connections)


async def serve_modbus(
    handle: FrameHandler, host: str, port: int, wire: Wire | None = None,
    max_connections: int = MAX_CONNECTIONS, idle_timeout: float = IDLE_TIMEOUT,
) -> TcpDoor:  # fmt: skip
    """Serve plain Modbus TCP, answering each frame with ``handle`` (through ``wire`` if given)."""
    return await serve_tcp(
        lambda connections: MbapProtocol(handle, connections, wire), host, port, "modbus", max_connections, idle_timeout
    )
