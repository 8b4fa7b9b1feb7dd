"""Every limit on what a client may make the mock do, in one place (docs/decisions.md §24-§26).

All doors share one event loop, so one request that makes the mock compute for a second stalls
every client of every door for that second. The limits below keep the work of any single request
small and bounded; each says why it is where it is. A request beyond a limit is refused the way
its protocol refuses a bad request, before any work is done and without changing anything.

Each limit says what it bounds and why the value; the code that enforces it imports it from here.
"""

from __future__ import annotations

# -- what one request may carry -------------------------------------------------------------------
#
# Modbus (plain and encrypted): the frame sizes are protocol facts and bound every request by
# themselves: an MBAP length of at most 254 (unit + a 253-byte PDU, transports/mbap.py), an
# encrypted frame of at most 255 bytes (its length travels in one byte, transports/encrypted.py),
# reads of at most 125 and writes of at most 123 registers (vocabulary.MAX_READ / MAX_WRITE).
# Nothing a Modbus request carries is parsed beyond that.

WINET_MAX_MESSAGE = 64 * 1024
"""Bytes of one WebSocket message; larger ones are refused by aiohttp with close code 1009. The
dongle's largest real request (a ``param`` write of a few items) is under 1 KB."""

WINET_MAX_BODY = 64 * 1024
"""Bytes of one HTTP request body (HTTP 413 beyond). The only bodies the dongle takes are a token
and a pass-through RTU frame of at most 256 bytes."""

WINET_MAX_LINE = 8190
"""Bytes of the HTTP request line (path and query string) and of each header: aiohttp's own limit
(HTTP 400 beyond), kept as is. Every query parameter the dongle reads is a short number or a token."""

WINET_MAX_NUMBER_TEXT = 40
"""Characters of a number a WiNet client sends as text or JSON (``param_value``, ``dev_id``,
``param_addr``...). The widest register holds 32 bits (10 digits); 40 leaves room for signs,
decimals and spelling such as ``3.000000``. Longer numbers are refused with result code 402."""

WINET_MAX_EXPONENT = 12
"""The largest decimal exponent (in either direction) of a number in a WiNet request: a 32-bit
register scaled by 0.001 holds at most about 4e9 × 1000, so nothing valid needs more, and
``1e300000`` (whose conversion to an integer is quadratic in the exponent) is refused at once."""

WINET_MAX_PARAM_DEVICES = 16
"""Device ids in one ``param`` request's ``devid_array``. A WiNet-S serves one RS-485 bus with a
handful of inverters and its app sends one id per request; 16 leaves room for fleets in tests.
More ids are refused with 402 before any device is looked up."""

WINET_MAX_PARAM_ITEMS = 32
"""Items in one ``param`` request's ``list``, and entries in one type-3 item. The app sends at most
the three EMS settings at once and the mock's parameter table has fewer than 32 rows, so a
longer list cannot be valid. Refused with 402 before anything is planned."""

LONG_JUMP_S = 2 * 86400.0
"""A clock jump longer than this (simulated seconds) is not integrated step by step: the first day
is simulated and the whole days after it are booked in closed form as that day repeated
(simulation/simulator.py ``Simulator._skip``), so any jump costs about two simulated days."""

SAMPLE_DAY_STEPS = 48
"""Steps (of half an hour) in which the sampled first day of a long jump is integrated."""

CLOCK_YEARS = (2000, 2099)
"""The years the simulated clock may show: those the inverter's clock register (holding 5000)
accepts. Setting or advancing the clock beyond is refused; a fast clock stops at the last second
of 2099. This also bounds a jump to a century and keeps every datetime computable."""


# -- the control endpoint (``sungrow-mock serve --control-port``) -----------------------------------

# A request body, JSON or XML-RPC. A keyword's arguments are a few short values; files go by path
# (inside the data directory), never in a body. Larger bodies get 413 before they are read whole.
# At 1 MiB the widest body (350,000 empty JSON arrays) took 2.5 s to refuse and a concurrent Modbus
# reader waited 455 ms; with this limit and CONTROL_MAX_VALUES every hostile body is answered in
# under 15 ms and the reader waits under 5 ms (benchmarks/control_bodies.py).
CONTROL_MAX_BODY_BYTES = 64 * 1024
# How deeply arrays and objects (XML-RPC arrays and structs) may nest in a request. No keyword
# takes more than a list of lists; far below Python's recursion limit, so nothing that walks a
# value recursively (conversion, messages, marshalling) can run out of stack.
CONTROL_MAX_NESTING = 32
# How many values arrays and objects may hold in one request, all together. A keyword's arguments
# are a few values (a register block is at most 125); the limit stops a 64 KiB body of 21,000 tiny
# values before Robot's conversion and the keyword see it (that took 0.2 s and stalled a concurrent
# Modbus reader 90 ms on a loaded machine).
CONTROL_MAX_VALUES = 1000


# -- fleets (``Start Mock Sungrow Fleet``, ``sungrow-mock serve --fleet N``) --------------------------

MAX_FLEET = 10_000
"""Inverters in one fleet. Ten times the 1,000 the benchmark measures (docs/performance.md): a
fleet this size starts in seconds and fits in memory on the units layout; beyond it start-up and
memory, not the protocol, are the limit, and a test that wants more runs several processes."""

FLEET_FD_HEADROOM = 64
"""File descriptors a fleet leaves free beside its listening sockets and the ones the process has
open already: for client connections, the files keywords open, a control endpoint. A fleet that
needs more than the process's limit (RLIMIT_NOFILE) fails at start, before it binds anything; the
soft limit is first raised towards the hard one, as servers do."""


# -- doors
#
# A door keeps serving everyone else whatever one peer does: it stops reading a connection whose
# replies are not being taken, closes connections that stay idle, refuses connections beyond its
# cap and logs accept errors at most once per interval (docs/decisions.md §26).

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

MAX_CACHED_REPLIES = 1024
"""Encoded Modbus read replies a mock keeps for reads it is asked again (transports/modbus.py),
all dropped at once when full: about 300 KiB at most. Clients poll a few dozen blocks, so a
thousand covers every client at once; a scan of the whole address space only refills it."""

CACHED_REPLIES_PER_DEVICE = 64
"""Where a door serves many devices (a fleet's bus of up to 247 unit ids), it keeps this many
replies per device if that is more than :data:`MAX_CACHED_REPLIES`: a collector polling a few
dozen blocks on every unit is then answered from kept replies (about 19 KiB a device at most),
where a fixed cap would be cleared on every round."""

WINET_MAX_KEPT_REPLIES = 1024
"""Encoded WiNet replies a dongle keeps (transports/winet/replies.py: ``real``, ``real_battery``,
``direct`` per device, getParam reads per range), all dropped at once when full: a ``real`` reply
is about 5 KB, so at most about 5 MB."""

WINET_MAX_KEPT_QUERIES = 1024
"""Parsed request texts a dongle keeps of each kind (transports/winet/parsed.py): the parameters
of an HTTP request target it is sent again (with a getParam read's span), and a WebSocket
message's request object (with its kept reply's key); all dropped at once when full."""

WINET_KEPT_QUERY_LENGTH = 512
"""Longer request targets and WebSocket messages are parsed every time: the kept parses of each
kind stay at about 1 MB at most."""

ACCEPT_ERROR_LOG_INTERVAL = 10.0
"""Seconds between two log lines about a door that cannot accept connections (for example at
the file-descriptor limit); asyncio retries the accept every second meanwhile."""
