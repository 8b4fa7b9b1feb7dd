"""Every limit the mock puts on what a client may cost it, in one place.

Each section belongs to one concern; the doors, the parsers and the options import from here, so
a limit is written down once and its tests can name it.
"""

from __future__ import annotations

# -- doors
#
# A door keeps serving everyone else whatever one peer does: it stops reading a connection whose
# replies are not being taken, closes connections that stay idle, refuses connections beyond its
# cap and logs accept errors at most once per interval (docs/decisions.md §24).

IDLE_TIMEOUT = 300.0
"""Seconds a connection may go without a complete request before the door closes it (0 = never).

PROTOCOLS.md gives no figure for the dongle or the inverter. Five minutes is ten times SunGather's
30 s scan interval and far above winet-integration's 8 s WebSocket ping, so no polling client
is ever cut, while the socket of a peer that vanished is freed within minutes. A connection
closes between IDLE_TIMEOUT and IDLE_TIMEOUT * (1 + 1 / IDLE_CHECKS) seconds after its last
request (a WebSocket: its last frame, pings included)."""

IDLE_CHECKS = 4
"""How many times per idle timeout a door looks for idle connections (one timer per door)."""

MAX_CONNECTIONS = 128
"""Open connections per door (the WiNet door counts its WebSocket and HTTP connections
together); a connection beyond it is closed at once and the others keep being served (0 = no cap).

A real WiNet-S serves one client well and the inverter's own Modbus TCP a handful, but a mock
serves test suites that run many clients at once: SungrowModbusTcpClient opens a connection per
request, pabot runs suites in parallel against one mock, the benchmark uses 16 connections per
door, a soak runs 200 clients across the doors. 128 covers all of that and keeps three doors'
worth of connections far below the usual 1,024 file descriptors. ``connection_limit`` faults model the real device's smaller limit."""

WRITE_BUFFER_HIGH = 64 * 1024
"""Unsent reply bytes at which a Modbus door stops reading that connection's requests."""

WRITE_BUFFER_LOW = 16 * 1024
"""Unsent reply bytes below which it reads them again."""

FRAMES_PER_TURN = 64
"""Requests a Modbus door answers from one connection before it lets the event loop serve the
others (a client that sends thousands of requests in one go is answered in turns of this many)."""

MAX_OWED_REPLIES = 64
"""Replies a Modbus connection may have waiting in fault timers (``delay``, ``late_response``)
before the door stops reading its requests until some have gone out."""

ACCEPT_ERROR_LOG_INTERVAL = 10.0
"""Seconds between two log lines about a door that cannot accept connections (for example at
the file-descriptor limit); asyncio retries the accept every second meanwhile."""
